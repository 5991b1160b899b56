import type { HighlightResult, SemanticHighlighter } from "@semantic-highlight/core";
import { describe, expect, it } from "vitest";

import type { EvalItem } from "./dataset.js";
import { runEval, scoreItems, selectOutcomes } from "./run.js";

const items: EvalItem[] = [
  { id: "p", lang: "en", query: "q1", sentences: ["a. ", "b. ", "c."], labels: [0, 1, 0], answers: [] },
  { id: "n", lang: "en", query: "q2", sentences: ["d. ", "e."], labels: [0, 0], answers: [] },
];

/** A stand-in for a loaded model: fixed scores per item, counting calls. */
function fakeHighlighter(scores: Record<string, number[]>) {
  const calls: string[] = [];
  const highlighter = {
    config: { threshold: 0.5, name: "fake" },
    modelDirectory: "/models/fake",
    async highlightOne(query: string, doc: { sentences: string[] }) {
      calls.push(query);
      const s = scores[query]!;
      return { sentenceScores: s, sentences: doc.sentences.map((text, i) => ({ text, tokens: 2, score: s[i] })) } as unknown as HighlightResult;
    },
  };
  return { highlighter: highlighter as unknown as SemanticHighlighter, calls };
}

describe("runEval", () => {
  it("scores each item once and evaluates every sweep threshold from the stored scores", async () => {
    const { highlighter, calls } = fakeHighlighter({ q1: [0.2, 0.9, 0.6], q2: [0.3, 0.05] });
    const report = await runEval({ items, method: { kind: "model", highlighter }, sweep: [0.7, 0.1, 0.4] });
    expect(calls).toEqual(["q1", "q2"]);
    expect(report.threshold).toBe(0.5); // the model config's
    expect(report.model).toBe("/models/fake");
    expect(report.precision).toBe(0.5); // keeps b and c
    expect(report.recall).toBe(1);
    expect(report.sweep!.map((r) => r.threshold)).toEqual([0.1, 0.4, 0.7]);
    expect(report.sweep!.map((r) => r.precision)).toEqual([1 / 3, 0.5, 1]);
    expect(report.sweep!.map((r) => r.negatives.compression)).toEqual([0.4, 1, 1]); // at 0.1 "d. " (3 of 5 characters) stays
    expect(report.sweep![1]!.negatives.emptyRate).toBe(1);
  });

  it("applies topK and the strict > threshold", async () => {
    const { highlighter } = fakeHighlighter({ q1: [0.2, 0.9, 0.6], q2: [0.3, 0.05] });
    const report = await runEval({ items, method: { kind: "model", highlighter }, threshold: 0.6, topK: 1 });
    expect(report.counts).toEqual({ truePositives: 1, falsePositives: 0, falseNegatives: 0 });
    expect(report.topK).toBe(1);
  });

  it("keep-all keeps everything whatever the threshold", async () => {
    const report = await runEval({ items, method: { kind: "keep-all" }, threshold: 1, sweep: [0.5] });
    expect(report).toMatchObject({ recall: 1, answerKept: 1, compression: 0, model: null, method: "keep-all" });
    expect(report.negatives.compression).toBe(0);
    expect(report.sweep![0]!.recall).toBe(1);
  });

  it("bm25 scores with core's scorer and reports progress", async () => {
    const progress: number[] = [];
    const bm = [{ id: "x", lang: "en", query: "Where is the Louvre?", sentences: ["Paris is big. ", "The Louvre is in Paris."], labels: [0, 1] as (0 | 1)[], answers: [] }];
    const { scored } = await scoreItems(bm, { kind: "bm25" }, (done) => progress.push(done));
    expect(progress).toEqual([1]);
    expect(scored[0]!.scores[1]).toBeGreaterThan(scored[0]!.scores[0]!);
    const kept = selectOutcomes(scored, { threshold: 0, topK: 1 })[0]!.kept;
    expect(kept).toEqual([false, true]);
  });
});
