/**
 * Sentence-selection metrics against gold labels. All figures are fractions in 0..1.
 *
 * - precision / recall / F1: micro-averaged over the sentences of positive items (items with at least one
 *   label 1): TP = kept ∧ relevant, FP = kept ∧ ¬relevant, FN = ¬kept ∧ relevant. Precision is 0 when
 *   nothing is kept; F1 is 0 when precision + recall is 0.
 * - answerKept: share of positive items whose relevant sentences are all kept.
 * - compression: share of characters removed, character-weighted over a group of items
 *   (1 − Σ kept characters / Σ document characters) — what a pipeline saves in total. Reported over positive
 *   items (`compression`) and over negative items, i.e. items with all labels 0 (`negatives.compression`).
 */
import { isPositive, type EvalItem } from "./dataset.js";

/** Which sentences of one item were kept. */
export interface ItemOutcome {
  /** The evaluated item. */
  item: EvalItem;
  /** One flag per sentence. */
  kept: readonly boolean[];
}

/** Figures over the negative items (all labels 0): a good pruner removes almost everything. */
export interface NegativeMetrics {
  /** Number of negative items. */
  items: number;
  /** Share of their characters removed (character-weighted); null when the group has no negative item. */
  compression: number | null;
  /** Share of negative items where nothing at all was kept; null when there is none. */
  emptyRate: number | null;
}

/** Metrics of one group of items (a language, or everything). */
export interface GroupMetrics {
  /** Number of items. */
  items: number;
  /** Number of positive items (at least one relevant sentence). */
  positives: number;
  /** Micro precision of kept sentences against the labels, over positive items. */
  precision: number;
  /** Micro recall of kept sentences against the labels, over positive items. */
  recall: number;
  /** F1 of `precision` and `recall`. */
  f1: number;
  /** Share of positive items with every relevant sentence kept. */
  answerKept: number;
  /** Share of characters removed over positive items. */
  compression: number;
  /** Share of characters removed over all items. */
  compressionAll: number;
  /** Figures over the negative items. */
  negatives: NegativeMetrics;
  /** Sentence counts behind precision and recall (positive items only). */
  counts: { truePositives: number; falsePositives: number; falseNegatives: number };
}

/** {@link GroupMetrics} overall, plus the same per language. */
export interface EvalMetrics extends GroupMetrics {
  /** Per-language metrics, keyed by `lang`, in order of first appearance. */
  byLanguage: Record<string, GroupMetrics>;
}

/** Micro precision, recall and F1 from counts (0 where undefined). */
export function precisionRecallF1(truePositives: number, falsePositives: number, falseNegatives: number): { precision: number; recall: number; f1: number } {
  const precision = truePositives + falsePositives === 0 ? 0 : truePositives / (truePositives + falsePositives);
  const recall = truePositives + falseNegatives === 0 ? 0 : truePositives / (truePositives + falseNegatives);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Characters of the kept sentences (kept text is the kept sentences joined, as in the core's prunedText). */
export function keptCharacters(sentences: readonly string[], kept: readonly boolean[]): number {
  let total = 0;
  sentences.forEach((s, i) => {
    if (kept[i]) total += s.length;
  });
  return total;
}

const ratio = (removed: number, total: number) => (total === 0 ? 0 : removed / total);

/** Metrics of one group of outcomes. */
export function groupMetrics(outcomes: readonly ItemOutcome[]): GroupMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let positives = 0;
  let answerKept = 0;
  let posChars = 0;
  let posKept = 0;
  let negItems = 0;
  let negChars = 0;
  let negKept = 0;
  let negEmpty = 0;
  for (const { item, kept } of outcomes) {
    if (kept.length !== item.sentences.length) throw new RangeError(`item ${item.id}: ${kept.length} keep flags for ${item.sentences.length} sentences`);
    const chars = item.sentences.reduce((a, s) => a + s.length, 0);
    const keptChars = keptCharacters(item.sentences, kept);
    if (isPositive(item)) {
      positives++;
      let all = true;
      item.labels.forEach((label, i) => {
        if (kept[i] && label === 1) tp++;
        else if (kept[i]) fp++;
        else if (label === 1) {
          fn++;
          all = false;
        }
      });
      if (all) answerKept++;
      posChars += chars;
      posKept += keptChars;
    } else {
      negItems++;
      negChars += chars;
      negKept += keptChars;
      if (!kept.some(Boolean)) negEmpty++;
    }
  }
  return {
    items: outcomes.length,
    positives,
    ...precisionRecallF1(tp, fp, fn),
    answerKept: positives === 0 ? 0 : answerKept / positives,
    compression: ratio(posChars - posKept, posChars),
    compressionAll: ratio(posChars + negChars - posKept - negKept, posChars + negChars),
    negatives: {
      items: negItems,
      compression: negItems === 0 ? null : ratio(negChars - negKept, negChars),
      emptyRate: negItems === 0 ? null : negEmpty / negItems,
    },
    counts: { truePositives: tp, falsePositives: fp, falseNegatives: fn },
  };
}

/** Metrics overall and per language. */
export function computeMetrics(outcomes: readonly ItemOutcome[]): EvalMetrics {
  const byLang = new Map<string, ItemOutcome[]>();
  for (const outcome of outcomes) {
    const list = byLang.get(outcome.item.lang);
    if (list) list.push(outcome);
    else byLang.set(outcome.item.lang, [outcome]);
  }
  const byLanguage: Record<string, GroupMetrics> = {};
  for (const [lang, list] of byLang) byLanguage[lang] = groupMetrics(list);
  return { ...groupMetrics(outcomes), byLanguage };
}
