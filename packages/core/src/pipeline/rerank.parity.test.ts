/**
 * Rerank-only models end to end against torch: the tiny bge-reranker-layout checkpoint and its Optimum export
 * (tools/model/build_reranker_fixtures.py), through the converter, every Node backend and `highlight()`.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startKServeServer, type KServeServer } from "../backends/kserve-server.js";
import { UnsupportedByModelError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { convertCheckpoint } from "../models/convert/convert.js";
import { layoutPair } from "./rerank.js";
import { copyModel, repoRoot, testModels } from "../test-support/models.js";

const fixtures = path.join(repoRoot, "models/test/rerankers");
interface ReferencePair {
  query: string;
  document: string;
  input_ids: number[];
  logit: number;
  score: number;
}
const reference = JSON.parse(readFileSync(path.join(fixtures, "reference_scores.json"), "utf8")) as { max_length: number; pairs: ReferencePair[]; batched_logits: number[] };

/** A fixture folder copied to a temp folder with the tiny-xlmr tokenizer files. */
function withTokenizer(fixture: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-rerank-")), fixture);
  cpSync(path.join(fixtures, fixture), dir, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(testModels.tinyXlmr, file), path.join(dir, file));
  return dir;
}

const maxDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

let converted: string;
let optimum: string;
const open: SemanticHighlighter[] = [];
const load = async (dir: string, backend: Parameters<typeof SemanticHighlighter.load>[1] = {}) => {
  const h = await SemanticHighlighter.load(dir, { backend: "in-process", shareSession: false, ...backend });
  open.push(h);
  return h;
};

beforeAll(async () => {
  converted = path.join(mkdtempSync(path.join(tmpdir(), "sh-rerank-conv-")), "model");
  const result = await convertCheckpoint(withTokenizer("xlmr-reranker"), converted);
  expect(result).toMatchObject({ layout: "rerank-only", pruningHead: null, maxLength: reference.max_length });
  optimum = withTokenizer("xlmr-reranker-optimum");
});
afterAll(async () => {
  await Promise.all(open.map((h) => h.dispose()));
});

describe("rerank-only models", () => {
  it("converts an XLMRobertaForSequenceClassification checkpoint to a folder with pruning_output null", () => {
    const config = JSON.parse(readFileSync(path.join(converted, "highlight_config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ pruning_output: null, ranking_output: "ranking_logits", max_length: 64 });
  });

  it("tokenizes pairs as Hugging Face fast tokenizers do with truncation=True (longest_first)", async () => {
    const h = await load(converted);
    for (const pair of reference.pairs) {
      const ids = layoutPair(h.tokenizer.encode(pair.query), h.tokenizer.encode(pair.document), h.tokenizer.template, reference.max_length).inputIds;
      expect(ids, pair.query.slice(0, 30)).toEqual(pair.input_ids);
    }
  });

  it.each([
    ["converted checkpoint", () => converted],
    ["Optimum export (onnx/model.onnx, output logits)", () => optimum],
  ])("scores pairs like torch within 1e-4: %s", async (_, dir) => {
    const h = await load(dir());
    expect(h.config.pruningOutput).toBeNull();
    expect(h.config.maxLength).toBe(reference.max_length);
    const documents = reference.pairs.map((p) => p.document);
    for (const [q, pair] of reference.pairs.entries()) {
      // one query per call; every document of the fixture, batched together
      const results = await h.rerank(pair.query, documents);
      const mine = results.find((r) => r.documentIndex === q)!;
      expect(Math.abs(mine.logit! - pair.logit)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(mine.score - pair.score)).toBeLessThanOrEqual(1e-4);
      expect(results.map((r) => r.score)).toEqual([...results.map((r) => r.score)].sort((a, b) => b - a));
    }
  });

  it("loads an Optimum export without highlight_config.json, deriving length and activation from the HF configs", async () => {
    const h = await load(optimum);
    expect(h.config).toMatchObject({ modelFile: "onnx/model.onnx", rankingOutput: "logits", pruningOutput: null, rerankActivation: "sigmoid", name: "tiny-xlmr-reranker" });
  });

  it("gives the same scores on the worker and remote (KServe V2) backends", async () => {
    const query = reference.pairs[2]!.query;
    const documents = reference.pairs.map((p, i) => ({ text: p.document, id: `d${i}` }));
    const local = await (await load(converted)).rerank(query, documents, { topN: 5 });
    expect(local).toHaveLength(5);
    expect(local[0]!.id).toBe(`d${local[0]!.documentIndex}`);
    const worker = await load(converted, { backend: { kind: "worker", workers: 1 } });
    expect((await worker.rerank(query, documents, { topN: 5 })).map((r) => r.logit)).toEqual(local.map((r) => r.logit));
    let server: KServeServer | undefined;
    try {
      server = await startKServeServer(converted);
      const remote = await load(converted, { backend: { kind: "remote", url: server.url, model: server.model } });
      expect(maxDiff((await remote.rerank(query, documents, { topN: 5 })).map((r) => r.logit!), local.map((r) => r.logit!))).toBe(0);
    } finally {
      await server?.close();
    }
  });

  it("highlight() sets rerankScore and marks sentences as not computed; selection options are a typed error", async () => {
    const h = await load(converted);
    const response = await h.highlight("which country holds most of the Amazon rainforest?", ["Brazil holds most of it. Peru has some.", ""]);
    const [first, empty] = response.results;
    expect(first).toMatchObject({ sentencesScored: false, sentences: [], sentenceScores: [], keptSentences: [], prunedText: "Brazil holds most of it. Peru has some." });
    expect(first!.rerankScore).toBeGreaterThan(0);
    expect(first!.rerankScore).toBeCloseTo(1 / (1 + Math.exp(-first!.rankingLogit!)), 12);
    expect(empty!.rerankScore).toBe(0);
    await expect(h.highlight("q", ["a"], { threshold: 0.2 })).rejects.toBeInstanceOf(UnsupportedByModelError);
    await expect(h.highlight("q", ["a"], { topK: 1 })).rejects.toThrow(/rerank-only/);
  });

  it("blocks mode reads long documents over sentence blocks and takes the best block", async () => {
    const h = await load(converted);
    const long = reference.pairs[2]!.document;
    const [pair] = await h.rerank("Amazon rainforest", [long], { mode: "pair" });
    const [blocks] = await h.rerank("Amazon rainforest", [long], { mode: "blocks" });
    const response = await h.highlight("Amazon rainforest", [long]);
    expect(pair!.truncated).toBe(true);
    expect(blocks!.truncated).toBe(false);
    expect(blocks!.tokens).toBeGreaterThan(pair!.tokens);
    expect(blocks!.logit).toBe(response.results[0]!.rankingLogit);
    expect(response.results[0]!.blocks).toBeGreaterThan(1);
  });

  it("refuses to rerank with a model that has no ranking output", async () => {
    const dir = copyModel(testModels.tokenwise);
    const configFile = path.join(dir, "highlight_config.json");
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), ranking_output: null }));
    const h = await load(dir);
    expect(h.backend.info.hasRankingOutput).toBe(false);
    await expect(h.rerank("q", ["a"])).rejects.toMatchObject({ capability: "ranking" });
  });
});

describe("rerank on a model with both heads", () => {
  it("scores pairs with the ranking head and agrees with highlight() when the document fits one block", async () => {
    const h = await load(testModels.tinyXlmr);
    const documents = ["Paris is the capital of France.", "Bananas are yellow."];
    const ranked = await h.rerank("capital of France", documents);
    const response = await h.highlight("capital of France", documents.map((text) => ({ sentences: [text] })));
    for (const r of ranked) expect(r.logit).toBeCloseTo(response.results[r.documentIndex]!.rankingLogit!, 5);
  });
});
