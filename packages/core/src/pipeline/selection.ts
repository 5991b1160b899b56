/**
 * Which sentences to keep (DESIGN §4.7 plus the options users ask for). Pure function of the scores.
 */
import { describeValue } from "./options.js";
import type { KeepReason, SelectionOptions } from "./types.js";

/** Outcome of {@link selectSentences}. */
export interface Selection {
  /** Reason each sentence was kept, or `null` when it was pruned; in sentence order. */
  reasons: (KeepReason | null)[];
  /** Whether any sentence scored above the threshold (before topK and budget). */
  anyRelevant: boolean;
}

function checkCount(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative integer (got ${describeValue(value)})`);
  }
}

/** Validates selection options; throws RangeError naming the bad option. */
export function validateSelectionOptions(options: SelectionOptions): void {
  if (!(Number.isFinite(options.threshold) && options.threshold >= 0 && options.threshold <= 1)) {
    throw new RangeError(`threshold must be a number in [0, 1] (got ${describeValue(options.threshold)})`);
  }
  if (options.keepFirst !== undefined && typeof options.keepFirst !== "boolean") {
    throw new RangeError(`keepFirst must be true or false (got ${describeValue(options.keepFirst)})`);
  }
  checkCount("topK", options.topK);
  checkCount("tokenBudget", options.tokenBudget);
  checkCount("neighbors", options.neighbors);
  checkCount("minSentences", options.minSentences);
}

/**
 * Decides which sentences to keep.
 * @param scores sentence scores in document order
 * @param tokenCounts tokens of each sentence (for the budget)
 */
export function selectSentences(scores: readonly number[], tokenCounts: readonly number[], options: SelectionOptions): Selection {
  const n = scores.length;
  const reasons: (KeepReason | null)[] = new Array<KeepReason | null>(n).fill(null);
  const byScore = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const relevant = byScore.filter((i) => scores[i]! > options.threshold);
  const anyRelevant = relevant.length > 0;
  const chosen = options.topK === undefined ? relevant : relevant.slice(0, options.topK);

  let budgetLeft = options.tokenBudget ?? Number.POSITIVE_INFINITY;
  let keptCount = 0;
  const admit = (index: number, reason: KeepReason): boolean => {
    if (index < 0 || index >= n || reasons[index] !== null) return false;
    const cost = tokenCounts[index] ?? 0;
    if (cost > budgetLeft) return false;
    budgetLeft -= cost;
    reasons[index] = reason;
    keptCount++;
    return true;
  };

  if (options.keepFirst && n > 0) admit(0, "first");
  const anchors: number[] = [];
  for (const i of chosen) if (admit(i, "score")) anchors.push(i);
  const minimum = Math.min(options.minSentences ?? 0, n);
  for (const i of byScore) {
    if (keptCount >= minimum) break;
    if (admit(i, "minimum")) anchors.push(i);
  }
  const radius = options.neighbors ?? 0;
  for (let distance = 1; distance <= radius; distance++) {
    for (const i of anchors) {
      admit(i - distance, "neighbor");
      admit(i + distance, "neighbor");
    }
  }
  return { reasons, anyRelevant };
}
