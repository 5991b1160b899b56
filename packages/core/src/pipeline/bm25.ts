/**
 * A zero-model lexical baseline: BM25 scores of each sentence of a document against the query.
 *
 * Use it to measure what a semantic model adds over keyword matching, or as a fallback when no model
 * can be loaded. Scores are normalised into 0..1 so the same threshold / topK selection as the model
 * pipeline applies ({@link bm25Highlight} reuses core's `selectSentences`).
 *
 * Analysis (both query and sentences):
 * - text is NFKC-normalised and lowercased;
 * - runs of Han characters give character bigrams (plus unigrams when `cjkUnigrams`, default true);
 *   a lone Han character gives itself;
 * - other runs of letters/digits are words; English stop words are dropped (`stopWords`, default true)
 *   and a light suffix stemmer is applied (`stem`, default true: plurals, possessives, -ing, -ed, -ly).
 *
 * Scoring: Okapi BM25 with IDF = ln(1 + (N - df + 0.5) / (df + 0.5)) (always positive), where N and df
 * count the document's sentences — or the units of `corpus` when one is given (then the average length
 * comes from the corpus too). Each distinct query term counts once.
 *
 * Normalisation (`normalization`):
 * - `"query"` (default): score / (sum over distinct query terms of idf · (k1 + 1)), the largest score a
 *   sentence could reach. The result is the share of the query's (IDF-weighted) terms the sentence
 *   matches, comparable across documents: a document that shares one common word with the query stays
 *   low, so a threshold can prune unrelated documents;
 * - `"max"`: score / the document's best score (the best sentence always gets 1 when anything matches);
 * - `"none"`: raw BM25 (not in 0..1; do not combine with a threshold in [0, 1]).
 */
import { InvalidInputError } from "../errors.js";
import type { DocumentInput, HighlightResult, SelectionOptions } from "./types.js";
import { assembleResult, documentSpans } from "./result.js";
import type { SegmentationOptions } from "../text/segmentation.js";
import { validateSelectionOptions } from "./selection.js";

/** How BM25 scores are mapped into 0..1 (see the module comment). */
export type Bm25Normalization = "query" | "max" | "none";

/** Settings of the lexical analysis and of BM25. */
export interface Bm25Options {
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /** Length normalisation, 0..1. Default 0.75. */
  b?: number;
  /** Drop English stop words. Default true. */
  stopWords?: boolean;
  /** Light English suffix stemming. Default true. */
  stem?: boolean;
  /** Index single Han characters besides Han bigrams. Default true. */
  cjkUnigrams?: boolean;
  /** Score normalisation. Default `"query"`. */
  normalization?: Bm25Normalization;
  /**
   * Texts to compute IDF and average length over (for example every chunk of the collection). Default:
   * the sentences of the document being scored.
   */
  corpus?: readonly string[];
}

/** Options of {@link bm25Highlight}: BM25 settings plus core's selection options. */
export interface Bm25HighlightOptions extends Bm25Options, Partial<SelectionOptions> {
  /** Text inserted between kept sentences that are not adjacent in the original. Default "". */
  separator?: string;
  /** Sentence segmentation settings for text documents. */
  segmentation?: SegmentationOptions;
  /**
   * Counts the tokens of a sentence (for `tokenBudget` and the compression figures); pass a model
   * tokenizer's count for exact numbers. Default `approximateTokenCount`.
   */
  countTokens?: (text: string) => number;
}

/** Default threshold on `"query"`-normalised BM25 scores (a sentence matching over 15 % of the query weight; best F1 on both eval sets). */
export const BM25_DEFAULT_THRESHOLD = 0.15;

// Common English function words plus question words and contraction tails.
const STOP_WORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having he her hers him his how i if in into is it its " +
    "itself me my no nor not of on or our ours she should so some such than that the their theirs them then there these they this those to too " +
    "us was we were what when where which while who whom whose why will with would you your yours about after again also am any because before " +
    "between both during each few further here just more most other over own same shall under until up very s t d ll m re ve"
  ).split(" "),
);

const HAN = /\p{Script=Han}/u;
// A run of Han characters, or a run of other letters / marks / digits (words, numbers).
const TOKEN_RUN = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{M}\p{N}])+/gu;

/** A deliberately small English suffix stemmer: enough to match "rivers"/"river", "ruled"/"rule"s stem. */
export function lightStem(word: string): string {
  if (!/^[a-z]+$/.test(word) || word.length <= 3) return word;
  let w = word;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (/(?:ches|shes|sses|xes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith("ly")) w = w.slice(0, -2);
  // Undouble a final consonant left by -ing/-ed ("running" → "runn" → "run").
  if (w !== word && w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(?:ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  // Fold a trailing "e" so "rule", "ruled", "rules" meet at "rul".
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** Splits text into BM25 terms (see the module comment for the rules). */
export function bm25Terms(text: string, options: Pick<Bm25Options, "stopWords" | "stem" | "cjkUnigrams"> = {}): string[] {
  const stopWords = options.stopWords ?? true;
  const stem = options.stem ?? true;
  const unigrams = options.cjkUnigrams ?? true;
  const terms: string[] = [];
  for (const match of text.normalize("NFKC").toLowerCase().matchAll(TOKEN_RUN)) {
    const run = match[0];
    if (HAN.test(run[0]!)) {
      const chars = Array.from(run);
      if (chars.length === 1) {
        terms.push(chars[0]!);
        continue;
      }
      for (let i = 0; i < chars.length; i++) {
        if (unigrams) terms.push(chars[i]!);
        if (i + 1 < chars.length) terms.push(chars[i]! + chars[i + 1]!);
      }
    } else {
      if (stopWords && STOP_WORDS.has(run)) continue;
      terms.push(stem ? lightStem(run) : run);
    }
  }
  return terms;
}

/** Rough token count without a model tokenizer: words and numbers count one, each Han character one. */
export function approximateTokenCount(text: string): number {
  let count = 0;
  for (const match of text.matchAll(TOKEN_RUN)) count += HAN.test(match[0][0]!) ? Array.from(match[0]).length : 1;
  return count;
}

interface CorpusStats {
  units: number;
  averageLength: number;
  documentFrequency: Map<string, number>;
}

function termFrequencies(terms: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

function statsOf(termLists: readonly (readonly string[])[]): CorpusStats {
  const documentFrequency = new Map<string, number>();
  let total = 0;
  for (const terms of termLists) {
    total += terms.length;
    for (const t of new Set(terms)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
  }
  return { units: termLists.length, averageLength: termLists.length === 0 ? 0 : total / termLists.length, documentFrequency };
}

function checkBm25Options(options: Bm25Options): void {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  if (!(Number.isFinite(k1) && k1 >= 0)) throw new InvalidInputError(`k1 must be a non-negative number (got ${k1})`);
  if (!(Number.isFinite(b) && b >= 0 && b <= 1)) throw new InvalidInputError(`b must be a number in [0, 1] (got ${b})`);
  const n = options.normalization ?? "query";
  if (n !== "query" && n !== "max" && n !== "none") throw new InvalidInputError(`normalization must be "query", "max" or "none" (got ${String(n)})`);
}

/**
 * Scores sentences against queries with BM25. Construct once (with a `corpus`, its statistics are computed
 * once) and call {@link score} or {@link highlight} per query.
 */
export class Bm25SentenceScorer {
  private readonly options: Bm25Options;
  private readonly corpusStats: CorpusStats | null;

  constructor(options: Bm25Options = {}) {
    checkBm25Options(options);
    this.options = { ...options };
    this.corpusStats = options.corpus ? statsOf(options.corpus.map((text) => this.terms(text))) : null;
  }

  /** The analysed terms of a text. */
  terms(text: string): string[] {
    return bm25Terms(text, this.options);
  }

  /** Raw BM25 score of every sentence (not normalised), in order. */
  rawScores(query: string, sentences: readonly string[]): number[] {
    return this.compute(query, sentences).raw;
  }

  /** Normalised score of every sentence in 0..1 (with the default `"query"` or `"max"` normalisation). */
  score(query: string, sentences: readonly string[]): number[] {
    const { raw, ceiling } = this.compute(query, sentences);
    switch (this.options.normalization ?? "query") {
      case "none":
        return raw;
      case "max": {
        const best = raw.reduce((a, b) => Math.max(a, b), 0);
        return raw.map((s) => (best > 0 ? s / best : 0));
      }
      default:
        return raw.map((s) => (ceiling > 0 ? Math.min(1, s / ceiling) : 0));
    }
  }

  /** Scores one document and selects sentences with core's selection logic; the result has the model pipeline's shape. */
  highlight(query: string, document: DocumentInput, options: Omit<Bm25HighlightOptions, keyof Bm25Options> = {}): HighlightResult {
    return buildBm25Result(this, query, document, options);
  }

  private compute(query: string, sentences: readonly string[]): { raw: number[]; ceiling: number } {
    const k1 = this.options.k1 ?? 1.2;
    const b = this.options.b ?? 0.75;
    const sentenceTerms = sentences.map((s) => this.terms(s));
    const stats = this.corpusStats ?? statsOf(sentenceTerms);
    const queryTerms = [...new Set(this.terms(query))];
    const idf = new Map(
      queryTerms.map((t) => {
        const df = stats.documentFrequency.get(t) ?? 0;
        return [t, Math.log(1 + (stats.units - df + 0.5) / (df + 0.5))] as const;
      }),
    );
    const ceiling = queryTerms.reduce((sum, t) => sum + idf.get(t)! * (k1 + 1), 0);
    const avgdl = stats.averageLength > 0 ? stats.averageLength : 1;
    const raw = sentenceTerms.map((terms) => {
      const tf = termFrequencies(terms);
      const norm = k1 * (1 - b + (b * terms.length) / avgdl);
      let score = 0;
      for (const t of queryTerms) {
        const f = tf.get(t);
        if (f) score += (idf.get(t)! * f * (k1 + 1)) / (f + norm);
      }
      return score;
    });
    return { raw, ceiling };
  }
}

/** Normalised BM25 score of each sentence against the query (see `Bm25SentenceScorer`). */
export function bm25SentenceScores(query: string, sentences: readonly string[], options: Bm25Options = {}): number[] {
  return new Bm25SentenceScorer(options).score(query, sentences);
}

/**
 * BM25 stand-in for `SemanticHighlighter.highlightOne`: scores one document's sentences and keeps those
 * above `threshold` (default `BM25_DEFAULT_THRESHOLD`) with core's `selectSentences`, so topK,
 * tokenBudget, neighbors, minSentences and keepFirst behave exactly as with a model. `rerankScore` is the
 * best sentence score (0 when nothing is relevant); `rankingLogit` is null and `blocks` 0.
 */
export function bm25Highlight(query: string, document: DocumentInput, options: Bm25HighlightOptions = {}): HighlightResult {
  if (options === null || typeof options !== "object") throw new InvalidInputError(`options must be an object (got ${options === null ? "null" : typeof options})`);
  return buildBm25Result(new Bm25SentenceScorer(options), query, document, options);
}


function buildBm25Result(scorer: Bm25SentenceScorer, query: string, document: DocumentInput, options: Omit<Bm25HighlightOptions, keyof Bm25Options>): HighlightResult {
  if (typeof query !== "string" || query.trim() === "") throw new InvalidInputError("query is empty: give the question the documents should answer");
  if (options === null || typeof options !== "object") throw new InvalidInputError(`options must be an object (got ${options === null ? "null" : typeof options})`);
  const selectionOptions: SelectionOptions = {
    threshold: options.threshold ?? BM25_DEFAULT_THRESHOLD,
    topK: options.topK,
    tokenBudget: options.tokenBudget,
    neighbors: options.neighbors,
    minSentences: options.minSentences,
    keepFirst: options.keepFirst,
  };
  try {
    validateSelectionOptions(selectionOptions);
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
  let doc: ReturnType<typeof documentSpans>;
  try {
    doc = documentSpans(document, "document", options.segmentation);
  } catch (error) {
    // The segmenter reports bad settings (maxSentenceChars, locale) as RangeError.
    if (error instanceof RangeError) throw new InvalidInputError(`segmentation: ${error.message}`);
    throw error;
  }
  const count = options.countTokens ?? approximateTokenCount;
  const scores = scorer.score(query, doc.spans.map((s) => s.text));
  return assembleResult(doc, {
    documentIndex: 0,
    scores,
    tokenCounts: doc.spans.map((s) => (s.text.trim() === "" ? 0 : count(s.text))),
    selection: selectionOptions,
    separator: options.separator ?? "",
    rerankScore: scores.reduce((a, b) => Math.max(a, b), 0),
    rankingLogit: null,
    blocks: 0,
  });
}
