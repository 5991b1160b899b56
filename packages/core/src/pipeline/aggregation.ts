/**
 * Token → fragment → sentence scores (DESIGN §4.6, §4.8). Pure functions over logits.
 */

/** How token keep probabilities become a fragment score. */
export type AggregationMode =
  /** Mean keep probability of the fragment's tokens (Open Provence reference). */
  | "mean"
  /** Mean of 0/1 token decisions (probability > threshold), naver Provence's original variant. */
  | "decision";

/** Keep probability from one token's two pruning logits: softmax(...)[1] = sigmoid(keep − drop). */
export function keepProbability(dropLogit: number, keepLogit: number): number {
  return 1 / (1 + Math.exp(dropLogit - keepLogit));
}

/** Logistic sigmoid, used for the rerank logit. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Score of one fragment from the pruning logits of one batch row.
 * @param logits flat [batch, seq, 2] pruning logits
 * @param rowOffset index of the row's first token (row × seq)
 * @param start position of the fragment's first token in the row
 * @param length number of tokens in the fragment (> 0)
 */
export function fragmentScore(
  logits: Float32Array,
  rowOffset: number,
  start: number,
  length: number,
  mode: AggregationMode,
  threshold: number,
): number {
  let sum = 0;
  for (let t = start; t < start + length; t++) {
    const at = (rowOffset + t) * 2;
    const p = keepProbability(logits[at]!, logits[at + 1]!);
    sum += mode === "decision" ? (p > threshold ? 1 : 0) : p;
  }
  return sum / length;
}

/**
 * Accumulates fragment scores per sentence of one document; a sentence's score is the mean of its
 * fragments' scores, and a sentence without tokens scores 0.
 */
export class SentenceScoreAccumulator {
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;

  constructor(sentenceCount: number) {
    this.sums = new Float64Array(sentenceCount);
    this.counts = new Uint32Array(sentenceCount);
  }

  add(sentenceIndex: number, fragmentScore: number): void {
    this.sums[sentenceIndex] = this.sums[sentenceIndex]! + fragmentScore;
    this.counts[sentenceIndex] = this.counts[sentenceIndex]! + 1;
  }

  /** Sentence scores in sentence order. */
  scores(): number[] {
    return Array.from(this.sums, (sum, i) => (this.counts[i]! > 0 ? sum / this.counts[i]! : 0));
  }
}
