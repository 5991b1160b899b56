import { describe, expect, it } from "vitest";

import type { EvalItem } from "./dataset.js";
import { computeMetrics, groupMetrics, keptCharacters, precisionRecallF1, type ItemOutcome } from "./metrics.js";

const item = (id: string, lang: string, sentences: string[], labels: (0 | 1)[]): EvalItem => ({ id, lang, query: "q", sentences, labels, answers: [] });

// A: positive, one FP, answer kept. B: positive, one TP + one FN. C: negative, nothing kept. D: negative (zh), one kept.
const outcomes: ItemOutcome[] = [
  { item: item("A", "en", ["aa ", "bbbb ", "c"], [1, 0, 0]), kept: [true, true, false] },
  { item: item("B", "en", ["x", "yy", "zzz"], [0, 1, 1]), kept: [false, true, false] },
  { item: item("C", "en", ["nnnn", "mm"], [0, 0]), kept: [false, false] },
  { item: item("D", "zh", ["中文。", "句子"], [0, 0]), kept: [true, false] },
];

describe("precisionRecallF1", () => {
  it("computes micro figures and defines 0/0 as 0", () => {
    expect(precisionRecallF1(2, 1, 1)).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
    expect(precisionRecallF1(1, 0, 3)).toEqual({ precision: 1, recall: 0.25, f1: 0.4 });
    expect(precisionRecallF1(0, 0, 0)).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(precisionRecallF1(0, 2, 2)).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});

describe("computeMetrics", () => {
  it("gives exact precision, recall, F1, answer-kept and compression on hand-made items", () => {
    const m = computeMetrics(outcomes);
    expect(m.items).toBe(4);
    expect(m.positives).toBe(2);
    expect(m.counts).toEqual({ truePositives: 2, falsePositives: 1, falseNegatives: 1 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.answerKept).toBe(0.5); // A keeps its answer, B misses "zzz"
    // Positives: A keeps 3 + 5 of 9 characters, B keeps 2 of 6 → 1 − 10/15.
    expect(m.compression).toBeCloseTo(1 / 3, 12);
    // Negatives: C keeps 0 of 6, D keeps 3 of 5 → 1 − 3/11.
    expect(m.negatives).toEqual({ items: 2, compression: 8 / 11, emptyRate: 0.5 });
    expect(m.compressionAll).toBeCloseTo(1 - 13 / 26, 12);
  });

  it("breaks the metrics down per language", () => {
    const m = computeMetrics(outcomes);
    expect(Object.keys(m.byLanguage)).toEqual(["en", "zh"]);
    const en = m.byLanguage.en!;
    expect(en.items).toBe(3);
    expect(en.f1).toBeCloseTo(2 / 3, 12);
    expect(en.negatives).toEqual({ items: 1, compression: 1, emptyRate: 1 });
    const zh = m.byLanguage.zh!;
    expect(zh.positives).toBe(0);
    expect(zh.precision).toBe(0);
    expect(zh.compression).toBe(0);
    expect(zh.negatives).toEqual({ items: 1, compression: 2 / 5, emptyRate: 0 });
  });

  it("keep-all gives recall 1 and compression 0; keep-nothing gives compression 1", () => {
    const all = groupMetrics(outcomes.map((o) => ({ item: o.item, kept: o.item.sentences.map(() => true) })));
    expect(all.recall).toBe(1);
    expect(all.answerKept).toBe(1);
    expect(all.compression).toBe(0);
    expect(all.negatives.compression).toBe(0);
    expect(all.precision).toBeCloseTo(3 / 6, 12);
    const none = groupMetrics(outcomes.map((o) => ({ item: o.item, kept: o.item.sentences.map(() => false) })));
    expect(none).toMatchObject({ precision: 0, recall: 0, f1: 0, answerKept: 0, compression: 1, compressionAll: 1 });
    expect(none.negatives).toEqual({ items: 2, compression: 1, emptyRate: 1 });
  });

  it("reports null negative figures when there are no negatives, and rejects mismatched flags", () => {
    const m = groupMetrics([outcomes[0]!]);
    expect(m.negatives).toEqual({ items: 0, compression: null, emptyRate: null });
    expect(() => groupMetrics([{ item: outcomes[0]!.item, kept: [true] }])).toThrow(/1 keep flags for 3 sentences/);
  });

  it("counts kept characters", () => {
    expect(keptCharacters(["ab", "cde", "f"], [true, false, true])).toBe(3);
  });
});
