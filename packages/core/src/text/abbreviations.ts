/**
 * Word lists used by the sentence segmenter's English abbreviation layer
 * (see `segmentation.ts`). Kept apart so the rules stay readable and the
 * lists can grow without touching the logic. All entries are lower case and
 * written without the final period ("u.s" for "U.S.").
 */

/**
 * Titles and name prefixes. They precede a name and practically never end a
 * sentence, so a period after them never ends a sentence ("Dr. Smith").
 */
export const TITLE_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "mr", "mrs", "ms", "mx", "messrs", "mmes", "mme", "mlle", "dr", "drs", "prof", "profs",
  "rev", "revd", "hon", "pres", "gov", "sen", "sens", "rep", "reps", "fr", "sra", "srta",
  "gen", "lt", "col", "maj", "capt", "cpt", "cmdr", "comdr", "adm", "brig", "sgt", "cpl", "pvt",
  "supt", "insp", "mt", "atty", "amb", "treas",
]);

/**
 * Abbreviations that introduce something and are always followed by more of
 * the same sentence ("e.g. London", "cf. Smith", "Tolkien vs. Lewis").
 */
export const CONTINUING_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "e.g", "i.e", "eg", "ie", "cf", "viz", "vs", "v", "approx", "ca", "resp", "esp",
  "incl", "excl", "w", "wrt", "a.k.a", "aka",
]);

/**
 * Abbreviations normally followed by a number ("No. 5", "Fig. 3", "pp. 12–14").
 * Followed by a number they never end a sentence; otherwise ("No. It isn't.")
 * the boundary stands.
 */
export const NUMERIC_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "no", "nos", "nr", "fig", "figs", "eq", "eqs", "tab", "vol", "vols", "p", "pp", "ch", "chap",
  "sect", "art", "ref", "refs", "op", "ed", "eds", "ex", "par", "para", "pt", "pts", "ver",
  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
]);

/**
 * Abbreviations that can sit in the middle or at the end of a sentence
 * ("Apple Inc. shares", "…founded by Apple Inc. The company…"). They do not
 * end the sentence unless the next word is a common sentence opener
 * (see SENTENCE_STARTERS). Dotted acronyms ("U.S.") and single-letter
 * initials are handled the same way by pattern, not by this list.
 */
export const AMBIGUOUS_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "etc", "al", "inc", "ltd", "co", "corp", "llc", "plc", "bros", "jr", "sr", "esq", "st", "ft",
  "ave", "blvd", "rd", "dept", "univ", "assn", "est", "govt", "intl", "natl", "sec", "ph.d",
  "m.d", "b.a", "m.a", "b.sc", "m.sc", "d.c", "a.m", "p.m", "u.s", "u.k", "u.n", "e.u", "u.s.a",
  "u.s.s.r", "calif", "ariz", "colo", "conn", "fla", "kan", "ky", "mich", "minn", "neb", "nev",
  "okla", "tenn", "wis", "wyo",
]);

/**
 * Capitalised words that very often open an English sentence. After an
 * ambiguous abbreviation or an initial, one of these as the next word means
 * the period most likely ended the sentence ("…in the U.S. It is…").
 */
export const SENTENCE_STARTERS: ReadonlySet<string> = new Set([
  "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i",
  "you", "his", "her", "their", "our", "my", "your", "there", "here", "in", "on", "at", "by",
  "for", "from", "with", "as", "after", "before", "during", "when", "while", "if", "but", "and",
  "or", "so", "however", "although", "though", "because", "since", "then", "thus", "therefore",
  "also", "both", "each", "many", "most", "some", "all", "one", "other", "such", "what", "which",
  "who", "whom", "whose", "where", "why", "how", "not", "yet", "still", "today", "later",
  "meanwhile", "moreover", "furthermore", "instead", "despite", "according", "unlike", "like",
  "several", "another", "every", "no", "none", "only", "even", "over", "under", "between",
  "among", "about", "until", "once", "now", "finally", "first", "second", "third", "last",
  "next", "following", "prior", "throughout", "within", "without", "through", "against",
  "is", "was", "are", "were", "do", "does", "did", "can", "could", "will", "would", "should",
  "may", "might", "must", "has", "have", "had", "let", "please", "note", "see",
]);
