/**
 * tools/eval/make-eval-variants.mjs: the unpunctuated variants keep labels and lose only sentence-final
 * punctuation; the lexically hard subset is exactly the positive items the eval harness's BM25 top-1 gets wrong.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { Bm25SentenceScorer } from "@semantic-highlight/core/internal";

import { computeMetrics } from "../packages/cli/src/eval/metrics.js";
import { scoreItems, selectOutcomes } from "../packages/cli/src/eval/run.js";
import type { EvalItem } from "../packages/cli/src/eval/dataset.js";
// @ts-expect-error -- plain ESM script without type declarations
import { bm25Top1Misses, stripFinalPunct, unpunctuate } from "../tools/eval/make-eval-variants.mjs";

const evalDir = path.resolve(__dirname, "../../shared/data/eval");
const load = (file: string, n: number): EvalItem[] =>
  readFileSync(path.join(evalDir, file), "utf8").split("\n").filter((l) => l.trim()).slice(0, n).map((l) => JSON.parse(l) as EvalItem);

describe("make-eval-variants", () => {
  it("removes sentence-final punctuation only", () => {
    expect(stripFinalPunct("It works.  ")).toBe("It works");
    expect(stripFinalPunct("Really?!\n")).toBe("Really");
    expect(stripFinalPunct('He said "yes."')).toBe('He said "yes"');
    expect(stripFinalPunct("它是首都。")).toBe("它是首都");
    expect(stripFinalPunct("他说：“好！”")).toBe("他说：“好”");
    expect(stripFinalPunct("第一，第二；")).toBe("第一，第二");
    expect(stripFinalPunct("Version 3.5 of U.S. law")).toBe("Version 3.5 of U.S. law");
    expect(stripFinalPunct("No punctuation")).toBe("No punctuation");
  });

  it("keeps ids, labels and answers and joins sentences with newlines", () => {
    for (const file of ["squad-dev-en.jsonl", "cmrc-trial-zh.jsonl"]) {
      for (const item of load(file, 50)) {
        const u = unpunctuate(item) as EvalItem;
        expect(u.labels).toEqual(item.labels);
        expect(u.id).toBe(item.id);
        expect(u.sentences).toHaveLength(item.sentences.length);
        for (const s of u.sentences) {
          expect(s.endsWith("\n")).toBe(true);
          expect(s.slice(0, -1)).not.toMatch(/[.!?。！？；]\s*$/u);
        }
      }
    }
  });

  it("puts exactly the positive items where the harness's BM25 top-1 keeps no answer sentence into the hard subset", async () => {
    const items = load("squad-dev-en.jsonl", 120);
    const { scored } = await scoreItems(items, { kind: "bm25" });
    const outcomes = selectOutcomes(scored, { threshold: 0, topK: 1 });
    const scorer = new Bm25SentenceScorer();
    const hard = items.filter((it) => bm25Top1Misses(it, scorer));
    const expected = outcomes.filter((o) => o.item.labels.includes(1) && !o.kept.some((k, i) => k && o.item.labels[i] === 1)).map((o) => o.item.id);
    expect(hard.map((it) => it.id)).toEqual(expected);
    expect(hard.length).toBeGreaterThan(0);
    const onHard = computeMetrics(selectOutcomes(scored.filter((s) => expected.includes(s.item.id)), { threshold: 0, topK: 1 }));
    expect(onHard.f1).toBe(0);
  });
});
