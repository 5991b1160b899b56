import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { runCli } from "../program.js";
import { memoryIo } from "../io.js";
import { bestPositiveRank, computeRankingMetrics, rocAuc, type RankedItem } from "./ranking.js";

const item = (query: string, positive: boolean, score: number, id = `${query}-${score}`): RankedItem => ({ id, query, positive, score });

describe("ranking metrics", () => {
  it("ROC AUC is the share of positive/negative pairs ordered right, ties counting half", () => {
    expect(rocAuc([item("a", true, 0.9), item("b", false, 0.1)])).toBe(1);
    expect(rocAuc([item("a", true, 0.1), item("b", false, 0.9)])).toBe(0);
    expect(rocAuc([item("a", true, 0.5), item("b", false, 0.5)])).toBe(0.5);
    // 2 positives × 2 negatives: (0.8 > 0.7, 0.8 > 0.2, 0.3 < 0.7, 0.3 > 0.2) = 3/4
    expect(rocAuc([item("a", true, 0.8), item("b", true, 0.3), item("c", false, 0.7), item("d", false, 0.2)])).toBe(0.75);
    expect(rocAuc([item("a", true, 0.8)])).toBeNull();
  });

  it("ranks the best positive with ties against it, so a constant score earns nothing", () => {
    expect(bestPositiveRank([item("q", false, 0.9), item("q", true, 0.5), item("q", true, 0.7)])).toBe(2);
    expect(bestPositiveRank([item("q", false, 0.5), item("q", true, 0.5)])).toBe(2);
    expect(bestPositiveRank([item("q", false, 0.5)])).toBeNull();
  });

  it("MRR@k and hit@1 cover queries with several items and a positive", () => {
    const m = computeRankingMetrics(
      [
        item("q1", true, 0.9), item("q1", false, 0.2), // rank 1
        item("q2", false, 0.9), item("q2", false, 0.8), item("q2", true, 0.1), // rank 3
        item("q3", true, 0.4), // alone: not a ranking question
        item("q4", false, 0.3), item("q4", false, 0.2), // no positive
      ],
      2,
    );
    expect(m).toMatchObject({ items: 8, positives: 3, negatives: 5, queries: 2, k: 2, hitAt1: 0.5 });
    expect(m.mrr).toBeCloseTo(0.5, 12); // (1 + 0) / 2: rank 3 is past k = 2
  });
});

describe("semantic-highlight rerank-eval", () => {
  it("reports AUC and MRR for a rerank-only model (text and JSON)", async () => {
    const models = fileURLToPath(new URL("../../../../models/test/", import.meta.url));
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-rerank-eval-")), "reranker");
    cpSync(path.join(models, "rerankers/xlmr-reranker-optimum"), dir, { recursive: true });
    for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(models, "tiny-xlmr", file), path.join(dir, file));
    const data = path.join(path.dirname(dir), "eval.jsonl");
    const line = (id: string, query: string, sentences: string[], labels: number[]) => JSON.stringify({ id, lang: "en", query, sentences, labels, answers: [] });
    writeFileSync(
      data,
      [
        line("a", "capital of France?", ["Paris is the capital. ", "It is big."], [1, 0]),
        line("b", "capital of France?", ["Bananas are yellow."], [0]),
        line("c", "fastest animal?", ["The cheetah is the fastest land animal."], [1]),
        line("d", "fastest animal?", ["Snails are slow."], [0]),
      ].join("\n"),
    );
    const io = memoryIo();
    expect(await runCli(["rerank-eval", data, "--model", dir, "--backend", "in-process"], io)).toBe(0);
    expect(io.stdout).toMatch(/4 items \(2 positive, 2 negative\)/);
    expect(io.stdout).toMatch(/ROC AUC \d\.\d{3}/);
    expect(io.stdout).toMatch(/MRR@10 \d\.\d{3}\s+hit@1 \d\.\d{3}\s+over 2 queries/);
    const json = memoryIo();
    expect(await runCli(["rerank-eval", data, "--model", dir, "--backend", "in-process", "--json", "-k", "1"], json)).toBe(0);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ items: 4, queries: 2, k: 1, mode: "pair" });
    expect(typeof report.auc).toBe("number");
  });
});
