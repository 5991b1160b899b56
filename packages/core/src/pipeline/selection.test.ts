import { describe, expect, it } from "vitest";

import { selectSentences, validateSelectionOptions } from "./selection.js";

const scores = [0.05, 0.9, 0.2, 0.6, 0.1, 0.7];
const tokens = [10, 20, 5, 30, 8, 12];
const kept = (reasons: (string | null)[]) => reasons.flatMap((r, i) => (r === null ? [] : [i]));

describe("selectSentences", () => {
  it("keeps sentences whose score is strictly greater than the threshold", () => {
    const { reasons, anyRelevant } = selectSentences([0.5, 0.50001, 0.2], [1, 1, 1], { threshold: 0.5 });
    expect(kept(reasons)).toEqual([1]);
    expect(anyRelevant).toBe(true);
  });
  it("topK keeps only the highest-scoring relevant sentences, in document order", () => {
    expect(kept(selectSentences(scores, tokens, { threshold: 0.5, topK: 2 }).reasons)).toEqual([1, 5]);
  });
  it("minSentences keeps the best sentences even when none pass the threshold", () => {
    const selection = selectSentences(scores, tokens, { threshold: 0.95, minSentences: 1 });
    expect(kept(selection.reasons)).toEqual([1]);
    expect(selection.reasons[1]).toBe("minimum");
    expect(selection.anyRelevant).toBe(false);
  });
  it("keepFirst keeps the title sentence", () => {
    const { reasons } = selectSentences(scores, tokens, { threshold: 0.8, keepFirst: true });
    expect(kept(reasons)).toEqual([0, 1]);
    expect(reasons[0]).toBe("first");
  });
  it("neighbors adds the sentences around each relevant one", () => {
    const { reasons } = selectSentences(scores, tokens, { threshold: 0.8, neighbors: 1 });
    expect(kept(reasons)).toEqual([0, 1, 2]);
    expect(reasons[0]).toBe("neighbor");
  });
  it("tokenBudget admits sentences by priority and skips what does not fit", () => {
    // relevant by score: 1 (20 tokens), 5 (12), 3 (30); budget 35 → 1 and 5 fit, 3 does not.
    expect(kept(selectSentences(scores, tokens, { threshold: 0.5, tokenBudget: 35 }).reasons)).toEqual([1, 5]);
    // a budget smaller than every relevant sentence keeps nothing
    expect(kept(selectSentences(scores, tokens, { threshold: 0.5, tokenBudget: 4 }).reasons)).toEqual([]);
  });
  it("handles an empty document", () => {
    expect(selectSentences([], [], { threshold: 0.5, minSentences: 2, keepFirst: true, neighbors: 2 })).toEqual({ reasons: [], anyRelevant: false });
  });
});

describe("validateSelectionOptions", () => {
  it("rejects out-of-range values with the option's name", () => {
    expect(() => validateSelectionOptions({ threshold: 1.5 })).toThrow(/threshold/);
    expect(() => validateSelectionOptions({ threshold: 0.5, topK: -1 })).toThrow(/topK/);
    expect(() => validateSelectionOptions({ threshold: 0.5, neighbors: 1.5 })).toThrow(/neighbors/);
  });
});
