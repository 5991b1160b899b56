/**
 * Sentence segmentation for English, Chinese and mixed text, with exact
 * UTF-16 offsets into the original string (DESIGN.md §5).
 *
 * Pipeline (each step is a small function below):
 *  1. ICU sentence boundaries (`Intl.Segmenter`) on a copy of the text whose
 *     line breaks are turned into spaces (same length, so offsets carry over).
 *     ICU treats every newline as a hard break, which would cut hard-wrapped
 *     prose; line structure is decided separately in step 3.
 *  2. An English repair layer drops ICU breaks after abbreviations, titles and
 *     initials ("Dr. Smith", "J. R. R. Tolkien", "the U.S. Army"), and moves
 *     breaks that ICU places after an opening quote or bracket ("。“你好") to
 *     before it.
 *  3. Line structure adds breaks: blank lines, list items, headings, and
 *     every line break next to CJK text.
 *  4. Breaks ICU misses: Chinese clauses ending in "；" or "……", and English
 *     sentences that start with a number ("…of Kenya. 621,200 people…").
 *  5. Boundaries are moved past whitespace (trailing whitespace belongs to the
 *     sentence before), de-duplicated, and turned into spans.
 *  6. Spans longer than `maxSentenceChars` are cut at punctuation or
 *     whitespace near the limit, else at a grapheme boundary.
 *
 * Everything is linear in the text length. ICU's segment iterator is
 * quadratic on long strings in Node 20 (1 MB took minutes), so it is run over
 * windows of a few thousand characters, restarting at a sentence boundary.
 */
import {
  AMBIGUOUS_ABBREVIATIONS,
  CONTINUING_ABBREVIATIONS,
  NUMERIC_ABBREVIATIONS,
  SENTENCE_STARTERS,
  TITLE_ABBREVIATIONS,
} from "./abbreviations.js";

/** One sentence of a document: `text === document.slice(start, end)` always holds. */
export interface SentenceSpan {
  /** The sentence, including the whitespace that follows it. */
  text: string;
  /** Offset of the first UTF-16 code unit, inclusive. */
  start: number;
  /** Offset after the last UTF-16 code unit, exclusive. */
  end: number;
}

/** Options for {@link segmentSentences}. */
export interface SegmentationOptions {
  /** Cut sentences longer than this many characters into pieces (at whitespace/punctuation when possible, never inside a surrogate pair). Default 1000. */
  maxSentenceChars?: number;
  /** Locale hint for Intl.Segmenter; default "und" / auto. */
  locale?: string;
}

/** Default for {@link SegmentationOptions.maxSentenceChars}. */
export const DEFAULT_MAX_SENTENCE_CHARS = 1000;

/**
 * Split `text` into sentences.
 *
 * The returned spans tile the text: the first starts at 0, each span's `end`
 * is the next one's `start`, the last ends at `text.length`, so joining the
 * `text`s gives the document back exactly. Whitespace after a sentence
 * belongs to it; whitespace before the first sentence belongs to the first.
 * No span is whitespace only, except when the whole text is whitespace: then
 * it is returned as one span (so nothing is lost; callers decide). The empty
 * string gives `[]`. Offsets are UTF-16 code unit indices (JS string indices).
 *
 * Choices for ambiguous periods: titles ("Dr.", "Mr.") never end a sentence;
 * initials, dotted acronyms ("U.S.") and abbreviations that can end a sentence
 * ("etc.", "Inc.") end it only when the next word is a common sentence opener
 * ("The", "It", "However", ...).
 *
 * @throws RangeError if `maxSentenceChars` is not a positive number, or the
 *   locale is not a valid BCP 47 tag.
 */
export function segmentSentences(text: string, options: SegmentationOptions = {}): SentenceSpan[] {
  if (text.length === 0) return [];
  const maxChars = resolveMaxChars(options.maxSentenceChars);
  const segmenter = sentenceSegmenter(options.locale ?? "und");

  const candidates = [
    ...icuBoundaries(softenLineBreaks(text), segmenter),
    ...lineStructureBoundaries(text),
    ...cjkClauseBoundaries(text),
    ...numberStartBoundaries(text),
  ];
  const boundaries = normalizeBoundaries(text, candidates);

  const spans: SentenceSpan[] = [];
  let start = 0;
  for (const end of [...boundaries, text.length]) {
    for (const piece of cutLongSpan(text, start, end, maxChars)) spans.push(piece);
    start = end;
  }
  return spans;
}

// ---------------------------------------------------------------------------
// Options and shared helpers

function resolveMaxChars(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_SENTENCE_CHARS;
  if (typeof value !== "number" || Number.isNaN(value) || value < 1) {
    throw new RangeError(`maxSentenceChars must be a number >= 1, got ${String(value)}`);
  }
  return Math.floor(value); // Infinity stays Infinity: never cut
}

const segmenterCache = new Map<string, Intl.Segmenter>();

/** Segmenters are costly to build; one per locale is enough. */
function sentenceSegmenter(locale: string): Intl.Segmenter {
  let segmenter = segmenterCache.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: "sentence" });
    segmenterCache.set(locale, segmenter);
  }
  return segmenter;
}

let graphemeSegmenter: Intl.Segmenter | undefined;

/** Whitespace as JS `\s` sees it, tested on a code unit without allocating. */
function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x85 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x0b || code === 0x0c || code === 0x85 || code === 0x2028 || code === 0x2029;
}

/** Han, kana, Hangul, CJK punctuation and full-width forms. */
function isCjk(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x9fff) || // radicals, CJK punctuation, kana, Han
    (code >= 0xac00 && code <= 0xd7af) || // Hangul
    (code >= 0xf900 && code <= 0xfaff) || // compatibility ideographs
    (code >= 0xfe30 && code <= 0xfe4f) || // vertical forms
    (code >= 0xff00 && code <= 0xffef) || // full-width forms (，！？（）)
    (code >= 0xd840 && code <= 0xd87f) // high surrogates of Han extensions B–H (𠀀)
  );
}

/** Han ideographs (basic block, extension A, and the surrogates of B–H). */
function isHan(code: number): boolean {
  return (code >= 0x3400 && code <= 0x9fff) || (code >= 0xd840 && code <= 0xd87f);
}

/** Closing quotes and brackets: they stay with the sentence they close. */
const CLOSERS = new Set([..."\"'”’」』）)]}》〉】〕〗〙〛»›"]);
/** Opening quotes and brackets: they start the next sentence. */
const OPENERS = new Set([..."“‘「『（([{《〈【〔〖〘〚«‹"]);
/** Characters that end a sentence when they close a line. */
const TERMINALS = new Set([...".!?。！？；…‼⁇⁈⁉｡．"]);

function isLetter(ch: string): boolean {
  return /\p{L}/u.test(ch);
}

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

function isLower(ch: string): boolean {
  return ch !== ch.toUpperCase() && ch === ch.toLowerCase();
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

// ---------------------------------------------------------------------------
// Step 1: ICU boundaries

/** Same length as the input, with every line break replaced by a space. */
function softenLineBreaks(text: string): string {
  return text.replace(/[\n\r\v\f\u0085\u2028\u2029]/g, " ");
}

/** Characters per ICU call: ICU is fast up to a few thousand, quadratic beyond. */
const ICU_WINDOW = 2048;
/** Breaks this close to a window's end may depend on text past it: redo them. */
const ICU_MARGIN = 256;

/**
 * ICU sentence boundaries of `norm` (positions after the trailing whitespace
 * of each sentence, excluding 0 and the end), already repaired for English
 * abbreviations and opening quotes.
 */
function icuBoundaries(norm: string, segmenter: Intl.Segmenter): number[] {
  const out: number[] = [];
  let windowStart = 0;
  let sentenceStart = 0;
  while (windowStart < norm.length) {
    const windowEnd = Math.min(norm.length, windowStart + ICU_WINDOW);
    const isLast = windowEnd === norm.length;
    const acceptUpTo = isLast ? windowEnd - 1 : windowEnd - ICU_MARGIN;
    let lastBreak = -1;
    for (const seg of segmenter.segment(norm.slice(windowStart, windowEnd))) {
      const b = windowStart + seg.index + seg.segment.length;
      if (b > acceptUpTo) break;
      lastBreak = b;
      const fixed = openingPunctuationFix(norm, sentenceStart, b);
      if (!keepIcuBreak(norm, sentenceStart, fixed)) continue;
      out.push(fixed);
      sentenceStart = fixed;
    }
    if (isLast) break;
    // Restart at the last break, where ICU's state is "start of text" anyway.
    // A window without any break (one huge sentence) restarts after a space.
    windowStart = lastBreak > windowStart ? lastBreak : restartPoint(norm, windowStart, acceptUpTo);
  }
  return out;
}

function restartPoint(norm: string, from: number, to: number): number {
  for (let i = to; i > from + 1; i--) {
    if (isSpace(norm.charCodeAt(i - 1)) && !isSpace(norm.charCodeAt(i))) return i;
  }
  const code = norm.charCodeAt(to);
  return code >= 0xdc00 && code <= 0xdfff ? to + 1 : to; // not inside a surrogate pair
}

// ---------------------------------------------------------------------------
// Step 2a: English repairs of ICU breaks

/**
 * Whether an ICU break at `b` (after the sentence's trailing whitespace,
 * before any opening quote of the next one) is a real sentence end. ICU's rules are generic (UAX #29); these are the
 * errors seen on English and Chinese text.
 */
function keepIcuBreak(norm: string, sentenceStart: number, b: number): boolean {
  let e = b;
  while (e > sentenceStart && isSpace(norm.charCodeAt(e - 1))) e--;
  const spaced = e < b;
  let t = e; // t - 1: the terminator, before any closing quotes or brackets
  while (t > sentenceStart + 1 && e - t < 8 && CLOSERS.has(norm[t - 1]!)) t--;
  const terminator = norm[t - 1];
  if (terminator === "." && isAbbreviation(norm, sentenceStart, t - 1, b)) return false;
  // ICU breaks after "?" and "!" even before lower case, which is wrong for
  // English ('"Why?" she asked', "current[when?] four divisions").
  if ((terminator === "?" || terminator === "!") && startsWithLowerLatin(norm, b)) return false;
  if (!spaced) {
    // An ASCII period glued to the next word after CJK text or a space is a
    // separator or the start of a name ("碧海潮生.风雷九州", "Visual Basic .NET"),
    // not a full stop: Chinese ends sentences with "。".
    const before = norm.charCodeAt(t - 2);
    if (terminator === "." && (isCjk(before) || isSpace(before))) return false;
    // A "!" or "?" inside a title or a parenthesis that the text goes on
    // after: 《桃之阵!》, （桃の阵!）亦有… A "。" before ")" ends a sentence:
    // "（吾为国家守尔。）”等到…" is two sentences.
    const run = norm.slice(t, e);
    if (run.includes("》") || run.includes("〉")) return false;
    if ((run === "）" || run === ")") && terminator !== "。" && isHan(norm.charCodeAt(b))) return false;
  }
  return true;
}

function startsWithLowerLatin(norm: string, b: number): boolean {
  let i = b;
  while (i < norm.length && i - b < 4 && (OPENERS.has(norm[i]!) || norm[i] === '"' || norm[i] === "'")) i++;
  return /[a-z\u00df-\u00ff]/.test(norm[i] ?? "");
}

// ---------------------------------------------------------------------------
// Step 2b: abbreviations, titles, initials

/** Longest token looked at before a period ("u.s.s.r" fits). */
const MAX_TOKEN = 12;

/**
 * True when the period at `dot` (followed by ICU's break at `b`) ends an
 * abbreviation that does not end the sentence. ICU already keeps "3.14",
 * "v1.2.3", "e.g. the" and "approx. 5 kg" together (it does not break before
 * lower case); what it gets wrong is a period, a space and a capital.
 */
function isAbbreviation(norm: string, sentenceStart: number, dot: number, b: number): boolean {
  let t = dot;
  while (t > sentenceStart && dot - t < MAX_TOKEN && (isLatinLetter(norm[t - 1]!) || norm[t - 1] === ".")) t--;
  const token = norm.slice(t, dot);
  // "...", "3.14." and "5p." are not abbreviations; "英文名S.K." is.
  if (token === "" || token.startsWith(".") || token.endsWith(".") || /\p{N}/u.test(norm[t - 1] ?? "")) {
    return false;
  }
  return abbreviationContinues(token, readNextWord(norm, b));
}

/** Latin, Greek or Cyrillic letters: the scripts whose abbreviations end in ".". */
function isLatinLetter(ch: string): boolean {
  return /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u.test(ch);
}

interface NextWord {
  /** The letters of the next word, "" if it starts with something else. */
  word: string;
  /** The next word starts with a digit ("No. 5"). */
  digit: boolean;
  /** The next word is itself an initial ("J. R. R."). */
  initial: boolean;
}

function readNextWord(norm: string, b: number): NextWord {
  let i = b;
  while (i < norm.length && i - b < 4 && (OPENERS.has(norm[i]!) || norm[i] === '"' || norm[i] === "'")) i++;
  const digit = isDigit(norm[i]);
  let j = i;
  while (j < norm.length && j - i < 32 && isLetter(norm[j]!)) j++;
  const word = norm.slice(i, j);
  const initial = word.length === 1 && isUpper(word) && norm[j] === ".";
  return { word, digit, initial };
}

function isSentenceStarter(next: NextWord): boolean {
  return next.word !== "" && isUpper(next.word[0]!) && SENTENCE_STARTERS.has(next.word.toLowerCase());
}

/** Dotted acronyms without their last period: "U.S", "e.g", "a.m". */
const DOTTED_ACRONYM = /^(?:\p{L}\.)+\p{L}$/u;

/** Decide whether the sentence goes on after `token` + "." (see the lists' doc comments). */
function abbreviationContinues(token: string, next: NextWord): boolean {
  const core = token.toLowerCase();
  if (token.length === 1 && isUpper(token)) {
    // An initial ("John F. Kennedy"). "I." is far more often a Roman numeral
    // ("World War I.") than an initial, so it only joins another initial.
    if (next.initial) return true;
    return token !== "I" && !isSentenceStarter(next);
  }
  if (TITLE_ABBREVIATIONS.has(core) || CONTINUING_ABBREVIATIONS.has(core)) return true;
  if (NUMERIC_ABBREVIATIONS.has(core)) return next.digit;
  if (AMBIGUOUS_ABBREVIATIONS.has(core) || DOTTED_ACRONYM.test(token)) return !isSentenceStarter(next);
  return false;
}

// ---------------------------------------------------------------------------
// Step 2b: opening quotes and brackets

/**
 * ICU keeps every quote or bracket that directly follows a terminator with
 * the sentence before it, including opening ones ("他说。“你好" → "他说。“").
 * Move the break to before the first opening character of that run.
 */
function openingPunctuationFix(norm: string, sentenceStart: number, b: number): number {
  let e = b;
  while (e > sentenceStart && isSpace(norm.charCodeAt(e - 1))) e--;
  let r = e;
  while (r > sentenceStart && e - r < 8 && (CLOSERS.has(norm[r - 1]!) || OPENERS.has(norm[r - 1]!))) r--;
  if (r === e || r === sentenceStart) return b;
  for (let k = r; k < e; k++) {
    if (OPENERS.has(norm[k]!) || isOpeningStraightQuote(norm, k)) return k;
  }
  return b;
}

/**
 * A straight quote right after a terminator opens a new quotation when it is
 * glued to the word after it ('。"N"-甲基'), and closes one when a space,
 * another closer or the end follows ('now." In 2010'). Counting quotes does
 * not work: quotations often span several sentences.
 */
function isOpeningStraightQuote(s: string, k: number): boolean {
  const ch = s[k];
  if (ch !== '"' && ch !== "'") return false;
  const next = s[k + 1];
  return next !== undefined && !isSpace(next.charCodeAt(0)) && !CLOSERS.has(next) && !TERMINALS.has(next);
}

/** End of the closing quotes and brackets that start at `i`. */
function skipClosers(s: string, i: number): number {
  while (i < s.length && CLOSERS.has(s[i]!) && !isOpeningStraightQuote(s, i)) i++;
  return i;
}

// ---------------------------------------------------------------------------
// Step 3: line structure

interface Line {
  /** Offset of the first non-whitespace character. */
  start: number;
  /** The line without surrounding whitespace. */
  content: string;
  /** Blank lines (or U+2029 paragraph separators) between this line and the previous content line. */
  paragraphBreak: boolean;
}

/** The non-blank lines of `text`, noting where a paragraph break precedes them. */
function contentLines(text: string): Line[] {
  const lines: Line[] = [];
  let blankSeen = false;
  let i = 0;
  while (i < text.length) {
    let end = i;
    while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
    let s = i;
    while (s < end && isSpace(text.charCodeAt(s))) s++;
    let e = end;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (s < e) {
      lines.push({ start: s, content: text.slice(s, e), paragraphBreak: blankSeen });
      blankSeen = false;
    } else if (lines.length > 0) {
      blankSeen = true;
    }
    if (end >= text.length) break;
    const code = text.charCodeAt(end);
    if (code === 0x2029) blankSeen = true;
    i = end + (code === 0x0d && text.charCodeAt(end + 1) === 0x0a ? 2 : 1);
  }
  return lines;
}

/** Offsets (line starts) where the line structure ends a sentence. */
function lineStructureBoundaries(text: string): number[] {
  const out: number[] = [];
  const lines = contentLines(text);
  for (let k = 1; k < lines.length; k++) {
    if (lineBreakEndsSentence(lines[k - 1]!.content, lines[k]!.content, lines[k]!.paragraphBreak)) {
      out.push(lines[k]!.start);
    }
  }
  return out;
}

/**
 * Whether a line break between two content lines ends a sentence. When this
 * says no, ICU still decides as if the break were a space, so a line ending
 * with "." still ends its sentence and hard-wrapped prose stays together.
 */
function lineBreakEndsSentence(prev: string, next: string, paragraphBreak: boolean): boolean {
  if (paragraphBreak) return true;
  if (isListItem(next) || isMarkdownHeading(prev)) return true;
  // Chinese (and Japanese/Korean) text is not hard-wrapped mid-sentence in
  // practice; every line break ends a sentence there.
  if (isCjk(prev.charCodeAt(prev.length - 1)) || isCjk(next.charCodeAt(0))) return true;
  if (endsWithTerminal(prev)) return false;
  if (startsLower(next)) return false; // "...the quick brown\nfox" is one sentence
  if (isListItem(prev)) return true;
  return looksLikeHeading(prev, next);
}

/** Bullets and numbered/lettered list markers, Western and Chinese. */
const LIST_ITEM = new RegExp(
  [
    "^[-*+•·‣◦▪▫●○■□➢➤►▶✓✔✗–—](?=\\s)", // - item, • item
    "^[•·‣◦▪▫●○■□➢➤►▶✓✔✗]", // •item (no space needed for real bullets)
    "^\\(?(?:\\d{1,3}|[a-z]|[ivxlcdm]{1,6})[.)](?=\\s)", // 1. 1) a) (a) iv.
    "^[A-Z]\\)(?=\\s)", // A) item
    "^\\d{1,3}(?:\\.\\d{1,3})+\\.?(?=\\s)", // 1.2 / 1.2.3. section numbers
    "^[（(][一二三四五六七八九十百零〇\\d]{1,4}[）)]", // （一） (1)
    "^[一二三四五六七八九十百零〇]{1,4}[、.．]", // 一、
    "^\\d{1,3}[、．]", // 1、 1．
    "^第[一二三四五六七八九十百零〇\\d]{1,4}[章节條条部篇]", // 第一章
    "^[\\u2460-\\u24ff\\u2776-\\u2793]", // ① ⑴ ⒈ ❶ ➀
  ].join("|"),
  "u",
);

function isListItem(line: string): boolean {
  return LIST_ITEM.test(line);
}

function isMarkdownHeading(line: string): boolean {
  return /^#{1,6}\s/.test(line);
}

/** The line ends with a terminator, possibly followed by closing quotes or brackets. */
function endsWithTerminal(line: string): boolean {
  let i = line.length - 1;
  while (i > 0 && CLOSERS.has(line[i]!)) i--;
  return TERMINALS.has(line[i]!);
}

function startsLower(line: string): boolean {
  const first = String.fromCodePoint(line.codePointAt(0)!);
  return isLower(first);
}

/** Words after which a wrapped line obviously continues. */
const CONNECTORS = new Set([
  "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "from", "and", "or", "but",
  "nor", "as", "that", "which", "who", "is", "are", "was", "were", "be", "than", "into", "its",
  "their", "his", "her", "our", "my", "your", "this", "these", "those", "not", "if", "when",
]);

/**
 * A line without terminal punctuation followed by a capitalised line is a
 * heading (or a label, "Name: value") when it is short and either clearly
 * shorter than the next line, Title Case, all caps, or ends with a colon.
 * Hard-wrapped prose lines are about as long as the next one and usually
 * sentence case.
 */
function looksLikeHeading(prev: string, next: string): boolean {
  const last = prev[prev.length - 1]!;
  if (",;-–—(/&".includes(last)) return false;
  const words = prev.split(/\s+/);
  if (words.length > 12) return false;
  if (CONNECTORS.has(words[words.length - 1]!.toLowerCase())) return false;
  if (last === ":" || last === "：") return true;
  if (prev.length <= 0.7 * next.length) return true;
  if (prev === prev.toUpperCase() && prev !== prev.toLowerCase()) return true;
  const significant = words.filter((w) => w.length > 3);
  const capitalised = significant.filter((w) => !isLower(w[0]!));
  return significant.length > 0 && capitalised.length / significant.length >= 0.6;
}

// ---------------------------------------------------------------------------
// Step 4: Chinese clause terminators ICU does not break at

/**
 * Breaks after "；" and after a Chinese ellipsis ("……", "⋯⋯") that is
 * followed by more text. ICU does not break at either; the eval data and
 * Chinese readers treat "；" as ending a sentence-like clause. The ellipsis
 * only counts after CJK text, since "Wait… what" is one English sentence.
 */
function cjkClauseBoundaries(text: string): number[] {
  const out: number[] = [];
  const re = /；|[…⋯]+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let end = m.index + m[0].length;
    if (m[0] !== "；" && !isCjk(text.charCodeAt(m.index - 1))) continue;
    end = skipClosers(text, end);
    // "好……。" is ended by the 。 that ICU already breaks after.
    if (m[0] !== "；" && TERMINALS.has(text[end] ?? "")) continue;
    out.push(end);
  }
  return out;
}

/**
 * ICU does not break before a number when a lower-case word follows it
 * ("…East Africa. 621,200 of Kenyans…"), by the rule that keeps "approx. 5
 * kg" together. Add the break when the word before the period is an ordinary
 * word of three or more letters, not a known abbreviation.
 */
function numberStartBoundaries(text: string): number[] {
  const out: number[] = [];
  // Match only the period and look back for the word by hand: a regex with
  // a leading \p{L}+ backtracks quadratically on long runs of letters (CJK).
  const re = /\.[ \t\u00a0]+(?=\p{Nd})/gu;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let w = m.index;
    while (w > 0 && m.index - w <= MAX_TOKEN && isLatinLetter(text[w - 1]!)) w--;
    const word = text.slice(w, m.index);
    if (word.length < 3 || /[\p{L}\p{N}.]/u.test(text[w - 1] ?? "") || isKnownAbbreviation(word.toLowerCase())) continue;
    out.push(m.index + m[0].length);
  }
  return out;
}

function isKnownAbbreviation(core: string): boolean {
  return (
    TITLE_ABBREVIATIONS.has(core) ||
    CONTINUING_ABBREVIATIONS.has(core) ||
    NUMERIC_ABBREVIATIONS.has(core) ||
    AMBIGUOUS_ABBREVIATIONS.has(core)
  );
}

// ---------------------------------------------------------------------------
// Step 5: normalisation

/**
 * Sort and de-duplicate candidate boundaries, moving each past whitespace so
 * trailing whitespace stays with the sentence before it. Boundaries inside
 * the leading or trailing whitespace disappear, so no span is whitespace
 * only.
 */
function normalizeBoundaries(text: string, candidates: number[]): number[] {
  candidates.sort((a, b) => a - b);
  let firstContent = 0;
  while (firstContent < text.length && isSpace(text.charCodeAt(firstContent))) firstContent++;
  const out: number[] = [];
  let last = firstContent;
  for (let b of candidates) {
    if (b <= last) continue; // also skips whitespace already scanned
    while (b < text.length && isSpace(text.charCodeAt(b))) b++;
    if (b >= text.length) break;
    if (b > last) out.push(b);
    last = b;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Step 6: over-long sentences

/** Punctuation after which a long sentence may be cut (ASCII ones only before a space). */
const CUT_AFTER_ALWAYS = new Set([..."，、；：。！？…）」』”】》"]);
const CUT_AFTER_BEFORE_SPACE = new Set([...",;:.!?)]\"'"]);

/** Characters a piece must not start with: they belong to the grapheme before them. */
const GRAPHEME_EXTEND = /^[\p{M}\u200D\uFE00-\uFE0F\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]/u;

/**
 * Cut [start, end) into pieces of at most `max` code units. In the second
 * half of each window the latest break after punctuation wins, then the latest
 * break after whitespace, then the latest grapheme boundary. A piece can pass
 * `max` only by leading or trailing whitespace, or when one grapheme is longer
 * than `max`.
 */
function cutLongSpan(text: string, start: number, end: number, max: number): SentenceSpan[] {
  const pieces: SentenceSpan[] = [];
  let s = start;
  while (end - s > max) {
    // Leading whitespace (first sentence only) never forms a piece of its own.
    let content = s;
    while (content < end && isSpace(text.charCodeAt(content))) content++;
    const limit = Math.max(s + max, content + 1);
    const cut = findCut(text, s, limit, Math.max(content + 1, s + Math.floor(max / 2)), content + 1);
    if (cut >= end) break;
    pieces.push({ text: text.slice(s, cut), start: s, end: cut });
    s = cut;
  }
  pieces.push({ text: text.slice(s, end), start: s, end });
  return pieces;
}

function findCut(text: string, s: number, limit: number, low: number, minCut: number): number {
  let spaceCut = -1;
  for (let i = limit; i >= low; i--) {
    if (isSpace(text.charCodeAt(i))) continue;
    const afterSpace = isSpace(text.charCodeAt(i - 1));
    if (!afterSpace && !CUT_AFTER_ALWAYS.has(text[i - 1]!)) continue; // cheap test first
    if (!canStartPiece(text, i)) continue;
    if (!afterSpace) return i; // after "，" or "、"
    let j = i - 1;
    while (j > s && isSpace(text.charCodeAt(j))) j--;
    if (CUT_AFTER_ALWAYS.has(text[j]!) || CUT_AFTER_BEFORE_SPACE.has(text[j]!)) return i;
    if (spaceCut === -1) spaceCut = i;
  }
  if (spaceCut !== -1) return spaceCut;
  return graphemeCut(text, minCut, limit);
}

function canStartPiece(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code >= 0xdc00 && code <= 0xdfff) return false; // low surrogate
  if (text.charCodeAt(i - 1) === 0x200d) return false; // after a zero-width joiner
  return !GRAPHEME_EXTEND.test(text.slice(i, i + 2));
}

/** Grapheme clusters longer than this are treated as pathological. */
const GRAPHEME_LOOKBACK = 64;

/** Latest grapheme boundary in [minCut, limit]; past whitespace so pieces never start with it. */
function graphemeCut(text: string, minCut: number, limit: number): number {
  graphemeSegmenter ??= new Intl.Segmenter("und", { granularity: "grapheme" });
  const s = minCut - 1;
  // Only the tail of the window matters. Start the look at a code point that
  // cannot continue a cluster so ICU's first boundary there is a real one.
  let from = Math.max(s, limit - GRAPHEME_LOOKBACK);
  while (from > s && !canStartPiece(text, from)) from--;
  let cut = -1;
  // Look past the limit too: a boundary at the slice's end is not a real one
  // ("👍" + half of "🏽" would look like two clusters).
  for (const g of graphemeSegmenter.segment(text.slice(from, limit + GRAPHEME_LOOKBACK))) {
    if (from + g.index <= s) continue;
    if (from + g.index > limit) break;
    cut = from + g.index;
  }
  if (cut === -1) {
    // A single grapheme longer than the limit (e.g. a long combining run): keep it whole.
    const first = graphemeSegmenter.segment(text.slice(s, limit + 4096)).containing(0);
    cut = s + (first?.segment.length ?? limit - s);
  }
  while (cut < text.length && isSpace(text.charCodeAt(cut))) cut++;
  return cut;
}
