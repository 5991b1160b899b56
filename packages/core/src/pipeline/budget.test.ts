import { describe, expect, it } from "vitest";

import { selectWithinContextBudget } from "./budget.js";
import { InvalidInputError } from "../errors.js";
import { assembleResult } from "./result.js";
import type { HighlightResult } from "./types.js";

/** A result built from sentence texts, scores and token counts (nothing kept yet). */
function result(documentIndex: number, rerankScore: number, sentences: [string, number, number][]): HighlightResult {
  let offset = 0;
  const spans = sentences.map(([text]) => {
    const span = { text, start: offset, end: offset + text.length };
    offset += text.length;
    return span;
  });
  return assembleResult(
    { text: sentences.map(([t]) => t).join(""), spans },
    {
      documentIndex,
      scores: sentences.map(([, s]) => s),
      tokenCounts: sentences.map(([, , n]) => n),
      selection: { threshold: 0.5 },
      separator: "",
      rerankScore,
      rankingLogit: null,
      blocks: 1,
    },
  );
}

const docs = () => [
  result(0, 0.6, [["A0. ", 0.1, 10], ["A1. ", 0.9, 10], ["A2. ", 0.7, 10], ["A3.", 0.2, 10]]),
  result(1, 0.9, [["B0. ", 0.95, 10], ["B1. ", 0.8, 10], ["B2.", 0.3, 10]]),
  result(2, 0.4, [["C0. ", 0.2, 10], ["C1.", 0.55, 10]]),
];
const kept = (r: HighlightResult[]) => r.map((d) => d.keptSentences.map((s) => `${s.index}:${s.keepReason}`));

describe("selectWithinContextBudget", () => {
  it("picks sentences by score across documents until the budget is spent, in the order given", () => {
    const { results, tokensUsed } = selectWithinContextBudget(docs(), { maxTokens: 30, threshold: 0.5 });
    // Scores above 0.5: B0 .95, A1 .9, B1 .8, A2 .7, C1 .55 → the first three fit 30 tokens.
    expect(kept(results)).toEqual([["1:score"], ["0:score", "1:score"], []]);
    expect(tokensUsed).toBe(30);
    expect(results.map((r) => r.documentIndex)).toEqual([0, 1, 2]);
    expect(results[1]!.prunedText).toBe("B0. B1. ");
    expect(results[1]!.compression.tokensAfter).toBe(20);
  });

  it("keeps everything relevant when the budget is large, and never more than the budget", () => {
    const all = selectWithinContextBudget(docs(), { maxTokens: 1000, threshold: 0.5 });
    expect(kept(all.results)).toEqual([["1:score", "2:score"], ["0:score", "1:score"], ["1:score"]]);
    for (let budget = 0; budget <= 60; budget += 7) {
      expect(selectWithinContextBudget(docs(), { maxTokens: budget, threshold: 0.5 }).tokensUsed).toBeLessThanOrEqual(budget);
    }
  });

  it("keepFirst adds a document's first sentence only when something else of it is kept", () => {
    const { results } = selectWithinContextBudget(docs(), { maxTokens: 40, threshold: 0.5, keepFirst: true });
    // B0 (.95, first anyway), A0 first + A1 (.9), B1 (.8) = 40.
    expect(kept(results)).toEqual([["0:first", "1:score"], ["0:score", "1:score"], []]);
  });

  it("minSentences per document comes first, best-ranked documents first", () => {
    const { results } = selectWithinContextBudget(docs(), { maxTokens: 30, threshold: 0.5, minSentences: 1 });
    expect(kept(results)).toEqual([["1:minimum"], ["0:minimum"], ["1:minimum"]]);
  });

  it("topK caps relevant sentences per document; neighbors come last, budget permitting", () => {
    const { results } = selectWithinContextBudget(docs(), { maxTokens: 50, threshold: 0.5, topK: 1, neighbors: 1 });
    // Anchors: B0, A1, C1 (30 tokens); neighbours B1, A0, A2 (then out of budget).
    expect(kept(results)).toEqual([["0:neighbor", "1:score"], ["0:score", "1:neighbor"], ["1:score"]]);
  });

  it("does not mutate its input and validates its options", () => {
    const input = docs();
    const before = structuredClone(input);
    selectWithinContextBudget(input, { maxTokens: 10, threshold: 0.5, separator: " … " });
    expect(input).toEqual(before);
    expect(() => selectWithinContextBudget(input, { maxTokens: -1, threshold: 0.5 })).toThrow(InvalidInputError);
    expect(() => selectWithinContextBudget(input, { maxTokens: "10" as never, threshold: 0.5 })).toThrow(/the string "10"/);
    expect(() => selectWithinContextBudget(input, { maxTokens: 10, threshold: 0.5, keepFirst: "yes" as never })).toThrow(InvalidInputError);
  });
});
