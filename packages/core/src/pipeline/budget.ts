/**
 * A context budget across documents: "at most N tokens of context in total" for one call. Re-selects the
 * sentences of already scored documents (results of one `highlight` call) by score, across all of them,
 * within one token budget. Pure: scores are not recomputed, nothing is mutated.
 *
 * Admission order (a sentence that does not fit the remaining budget is skipped, never cut):
 * 1. **minimum** — each document's `minSentences` best sentences, documents taken best rerank score first;
 * 2. **score** — every sentence scoring strictly above `threshold`, best score first across all documents
 *    (ties: better-ranked document, then earlier sentence), at most `topK` per document; with `keepFirst`,
 *    the first time a document gets a sentence its first sentence is admitted just before it (so a
 *    document's title is only spent on when something of it is kept);
 * 3. **neighbor** — for distance 1..`neighbors`, the sentences around each admitted sentence (in admission
 *    order).
 * A per-document `tokenBudget` still caps each document within the total.
 */
import { InvalidInputError } from "../errors.js";
import { describeValue } from "./options.js";
import type { HighlightResult, KeepReason, SentenceResult } from "./types.js";

/** How sentences are picked across documents under one token budget. */
export interface ContextBudgetOptions {
  /** Most tokens of kept text over all documents together (model tokens, as `SentenceResult.tokens`). */
  maxTokens: number;
  /** A sentence is relevant when its score is strictly greater than this (use the call's `threshold`). */
  threshold: number;
  /** At most this many relevant sentences per document. Default: no limit. */
  topK?: number;
  /** Keep each document's first sentence whenever anything else of that document is kept. Default false. */
  keepFirst?: boolean;
  /** Also keep this many sentences before and after each kept sentence (budget permitting). Default 0. */
  neighbors?: number;
  /** Keep at least this many sentences of every document, even below the threshold (budget permitting). Default 0. */
  minSentences?: number;
  /** Most tokens of kept text per document, within the total. Default: no limit. */
  tokenBudget?: number;
  /** Inserted between kept sentences that are not adjacent in `prunedText`. Default "". */
  separator?: string;
}

/** Outcome of {@link selectWithinContextBudget}. */
export interface ContextBudgetSelection {
  /** New results, in the order given, with `sentences[i].kept`, `keptSentences`, `prunedText` and `compression` re-selected. */
  results: HighlightResult[];
  /** Tokens of kept text over all documents (≤ `maxTokens`). */
  tokensUsed: number;
}

function checkCount(name: string, value: unknown, required = false): void {
  if (value === undefined && !required) return;
  if (!(typeof value === "number" && Number.isInteger(value) && value >= 0)) {
    throw new InvalidInputError(`${name} must be a non-negative integer (got ${describeValue(value)})`);
  }
}

/** Validates {@link ContextBudgetOptions}; throws `InvalidInputError` naming the bad option. */
export function validateContextBudgetOptions(options: ContextBudgetOptions): void {
  if (options === null || typeof options !== "object") throw new InvalidInputError(`context budget options must be an object (got ${describeValue(options)})`);
  checkCount("contextBudget (maxTokens)", options.maxTokens, true);
  if (!(typeof options.threshold === "number" && options.threshold >= 0 && options.threshold <= 1)) {
    throw new InvalidInputError(`threshold must be a number in [0, 1] (got ${describeValue(options.threshold)})`);
  }
  checkCount("topK", options.topK);
  checkCount("neighbors", options.neighbors);
  checkCount("minSentences", options.minSentences);
  checkCount("tokenBudget", options.tokenBudget);
  if (options.keepFirst !== undefined && typeof options.keepFirst !== "boolean") throw new InvalidInputError(`keepFirst must be true or false (got ${describeValue(options.keepFirst)})`);
  if (options.separator !== undefined && typeof options.separator !== "string") throw new InvalidInputError(`separator must be a string (got ${describeValue(options.separator)})`);
}

/**
 * Picks sentences across `results` (documents of one call) by score within one token budget; see the
 * module comment for the exact order. Returns new results in the order given.
 */
export function selectWithinContextBudget(results: readonly HighlightResult[], options: ContextBudgetOptions): ContextBudgetSelection {
  validateContextBudgetOptions(options);
  const { maxTokens, threshold, topK, keepFirst = false, neighbors = 0, minSentences = 0, tokenBudget, separator = "" } = options;
  const reasons = results.map((r) => new Array<KeepReason | null>(r.sentences.length).fill(null));
  const docTokens = results.map(() => 0);
  const relevantKept = results.map(() => 0);
  let left = maxTokens;
  // Documents by rerank score (best first), ties in the order given.
  const docOrder = results.map((_, d) => d).sort((a, b) => results[b]!.rerankScore - results[a]!.rerankScore || a - b);
  const docRank = new Map(docOrder.map((d, rank) => [d, rank]));

  const admit = (d: number, i: number, reason: KeepReason): boolean => {
    const sentence = results[d]!.sentences[i];
    if (!sentence || reasons[d]![i] !== null) return false;
    if (sentence.tokens > left) return false;
    if (tokenBudget !== undefined && docTokens[d]! + sentence.tokens > tokenBudget) return false;
    left -= sentence.tokens;
    docTokens[d]! += sentence.tokens;
    reasons[d]![i] = reason;
    return true;
  };
  const anchors: [number, number][] = [];
  const withFirst = (d: number, i: number, reason: KeepReason): boolean => {
    if (keepFirst && i !== 0 && reasons[d]!.every((r) => r === null)) admit(d, 0, "first");
    const admitted = admit(d, i, reason);
    if (admitted) anchors.push([d, i]);
    return admitted;
  };

  // 1. minimum per document
  for (const d of docOrder) {
    const byScore = results[d]!.sentences.map((s) => s.index).sort((a, b) => results[d]!.sentences[b]!.score - results[d]!.sentences[a]!.score || a - b);
    let kept = 0;
    for (const i of byScore) {
      if (kept >= Math.min(minSentences, byScore.length)) break;
      if (withFirst(d, i, "minimum")) kept++;
    }
  }
  // 2. relevant sentences across documents, best first
  const relevant: [number, number][] = [];
  results.forEach((r, d) => r.sentences.forEach((s) => s.score > threshold && relevant.push([d, s.index])));
  relevant.sort(([da, ia], [db, ib]) => results[db]!.sentences[ib]!.score - results[da]!.sentences[ia]!.score || docRank.get(da)! - docRank.get(db)! || ia - ib);
  for (const [d, i] of relevant) {
    if (topK !== undefined && relevantKept[d]! >= topK) continue;
    if (reasons[d]![i] !== null) {
      // Already in as the minimum: it still counts toward topK.
      relevantKept[d]!++;
      continue;
    }
    if (withFirst(d, i, "score")) relevantKept[d]!++;
  }
  // 3. neighbours
  for (let distance = 1; distance <= neighbors; distance++) {
    for (const [d, i] of anchors) {
      admit(d, i - distance, "neighbor");
      admit(d, i + distance, "neighbor");
    }
  }

  return { results: results.map((r, d) => withSelection(r, reasons[d]!, separator)), tokensUsed: maxTokens - left };
}

/** A copy of `result` with a new selection. */
function withSelection(result: HighlightResult, reasons: readonly (KeepReason | null)[], separator: string): HighlightResult {
  const sentences: SentenceResult[] = result.sentences.map((s, i) => ({ ...s, kept: reasons[i] !== null, keepReason: reasons[i] ?? null }));
  const keptSentences = sentences.filter((s) => s.kept);
  let prunedText = "";
  keptSentences.forEach((s, k) => {
    if (k > 0 && separator && keptSentences[k - 1]!.index !== s.index - 1) prunedText += separator;
    prunedText += s.text;
  });
  const tokensAfter = keptSentences.reduce((a, s) => a + s.tokens, 0);
  const { charactersBefore, tokensBefore } = result.compression;
  return {
    ...result,
    sentences,
    keptSentences,
    sentenceScores: [...result.sentenceScores],
    prunedText,
    compression: {
      charactersBefore,
      charactersAfter: prunedText.length,
      tokensBefore,
      tokensAfter,
      characterReduction: charactersBefore === 0 ? 0 : 1 - prunedText.length / charactersBefore,
      tokenReduction: tokensBefore === 0 ? 0 : 1 - tokensAfter / tokensBefore,
    },
  };
}
