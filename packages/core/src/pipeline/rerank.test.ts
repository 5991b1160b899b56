import { describe, expect, it } from "vitest";

import { UnsupportedByModelError } from "../errors.js";
import { activateLogit, checkRerankOnlyOptions, layoutPair, longestFirstLengths, rankResults, rerankOnlyResult } from "./rerank.js";
import type { PairTemplate } from "../text/tokenization.js";

const xlmr: PairTemplate = {
  prefix: [0],
  middle: [2, 2],
  suffix: [2],
  typeIds: { prefix: [0], query: 0, middle: [0, 0], context: 0, suffix: [0] },
  specialTokenCount: 4,
};

/** Hugging Face tokenizers' longest_first, written the slow way: drop one token from the longer side at a time. */
function oneByOne(n1: number, n2: number, max: number): [number, number] {
  // Not the Rust rule (it is closed-form and differs when both are long), only its first regime.
  while (n1 + n2 > max) {
    if (n1 > n2) n1--;
    else n2--;
  }
  return [n1, n2];
}

describe("longestFirstLengths (Rust tokenizers truncate_encodings, LongestFirst)", () => {
  it("keeps both sequences whole when they fit", () => {
    expect(longestFirstLengths(5, 10, 15)).toEqual([5, 10]);
    expect(longestFirstLengths(0, 0, 4)).toEqual([0, 0]);
  });

  it("lets the shorter sequence keep all of itself and cuts the longer one", () => {
    expect(longestFirstLengths(10, 100, 60)).toEqual([10, 50]);
    expect(longestFirstLengths(100, 10, 60)).toEqual([50, 10]);
    expect(longestFirstLengths(10, 0, 6)).toEqual([6, 0]);
    // equals one-token-at-a-time trimming while the shorter one fits in half
    for (const [a, b, m] of [[3, 40, 20], [12, 13, 20], [9, 30, 19]] as const) expect(longestFirstLengths(a, b, m)).toEqual(oneByOne(a, b, m));
  });

  it("splits max in halves when both are longer than half, the second sequence getting the odd token", () => {
    expect(longestFirstLengths(100, 100, 60)).toEqual([30, 30]);
    expect(longestFirstLengths(146, 73, 60)).toEqual([30, 30]);
    expect(longestFirstLengths(40, 50, 61)).toEqual([30, 31]);
    // swapped: the lengths follow the sequences (Rust swaps back after computing)
    expect(longestFirstLengths(50, 40, 61)).toEqual([31, 30]);
    // the shorter one longer than max: still halves
    expect(longestFirstLengths(70, 80, 61)).toEqual([30, 31]);
  });
});

describe("layoutPair", () => {
  it("lays out <s> q </s></s> d </s> with the document's tokens marked as sentence 0", () => {
    const layout = layoutPair([5, 6], [7, 8, 9], xlmr, 16);
    expect(layout.inputIds).toEqual([0, 5, 6, 2, 2, 7, 8, 9, 2]);
    expect(layout.contextStart).toBe(5);
    expect(layout.sentenceIndex).toEqual([-1, -1, -1, -1, -1, 0, 0, 0, -1]);
    expect(layout).toMatchObject({ documentTokens: 3, truncated: false });
  });

  it("truncates to maxLength with special tokens counted, keeping the start of each text", () => {
    const query = Array.from({ length: 20 }, (_, i) => 100 + i);
    const doc = Array.from({ length: 50 }, (_, i) => 200 + i);
    const layout = layoutPair(query, doc, xlmr, 32);
    expect(layout.inputIds).toHaveLength(32);
    expect(Array.from(layout.inputIds).slice(1, 15)).toEqual(query.slice(0, 14));
    expect(Array.from(layout.inputIds).slice(17, 31)).toEqual(doc.slice(0, 14));
    expect(layout).toMatchObject({ documentTokens: 14, truncated: true });
  });

  it("keeps an empty document as an empty second segment, as the tokenizer does", () => {
    expect(layoutPair([5], [], xlmr, 16).inputIds).toEqual([0, 5, 2, 2, 2]);
  });
});

describe("rankResults", () => {
  it("sorts best first, ties in input order, and keeps topN", () => {
    const results = [0.2, 0.9, 0.2, 0.5].map((score, documentIndex) => ({ score, documentIndex }));
    expect(rankResults(results).map((r) => r.documentIndex)).toEqual([1, 3, 0, 2]);
    expect(rankResults(results, 2).map((r) => r.documentIndex)).toEqual([1, 3]);
    expect(results.map((r) => r.documentIndex)).toEqual([0, 1, 2, 3]); // not mutated
  });
});

describe("rerank-only highlight results", () => {
  it("refuses sentence-selection options with a typed error naming them", () => {
    expect(() => checkRerankOnlyOptions({ maxLength: 128, batchSize: 4 }, "m")).not.toThrow();
    expect(() => checkRerankOnlyOptions({ rerankScoreSource: "head" }, "m")).not.toThrow();
    let error: unknown;
    try {
      checkRerankOnlyOptions({ threshold: 0.3, topK: 2 }, "m");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedByModelError);
    expect(error).toMatchObject({ code: "INVALID_INPUT", capability: "sentence-scores" });
    expect((error as Error).message).toMatch(/"threshold", "topK"/);
    expect(() => checkRerankOnlyOptions({ rerankScoreSource: "max-sentence" }, "m")).toThrow(UnsupportedByModelError);
  });

  it("marks sentences as not computed and passes the text through", () => {
    const result = rerankOnlyResult({ text: "A. B.", id: "x" }, 3, 0, "sigmoid", 4, 1);
    expect(result).toMatchObject({ documentIndex: 3, id: "x", sentences: [], keptSentences: [], sentenceScores: [], sentencesScored: false, prunedText: "A. B.", rerankScore: 0.5, relevant: true });
    expect(result.compression).toMatchObject({ tokensBefore: 4, tokensAfter: 4, tokenReduction: 0 });
    expect(rerankOnlyResult({ text: "" }, 0, null, "sigmoid", 0, 0).rerankScore).toBe(0);
  });

  it("applies the model's activation", () => {
    expect(activateLogit(0, "sigmoid")).toBe(0.5);
    expect(activateLogit(-2.5, "none")).toBe(-2.5);
  });
});

describe("rerank-only model configs", () => {
  it('accept "pruning_output": null, require the ranking output then, and read rerank_activation', async () => {
    const { parseModelConfig } = await import("../models/config.js");
    const base = { max_length: 512, threshold: 0.5 };
    expect(parseModelConfig({ ...base, pruning_output: null }, "c.json")).toMatchObject({ pruningOutput: null, rankingOutput: "ranking_logits", rankingOutputDeclared: true });
    expect(parseModelConfig({ ...base, pruning_output: null, ranking_output: "logits", rerank_activation: "none" }, "c.json")).toMatchObject({ rankingOutput: "logits", rerankActivation: "none" });
    expect(() => parseModelConfig({ ...base, pruning_output: null, ranking_output: null }, "c.json")).toThrow(/both null/);
    expect(() => parseModelConfig({ ...base, rerank_activation: "softmax" }, "c.json")).toThrow(/rerank_activation/);
  });
});
