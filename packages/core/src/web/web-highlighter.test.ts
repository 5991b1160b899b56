/**
 * The web build's pipeline on onnxruntime-web (its WebAssembly backend, here in Node) against the Node build
 * on onnxruntime-node: same sentences, same scores within 1e-4, same keep decisions, on the default model.
 */
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { InferenceError, InvalidInputError, ModelLoadError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { repoRoot, testModels } from "../test-support/models.js";
import { loadHighlighter, WebHighlighter } from "./highlighter.js";
import type { FetchLike } from "./model-url.js";

const defaultModel = path.join(repoRoot, "models/default");

/** fetch() over file:// URLs, as a static server would answer. */
const fileFetch: FetchLike = async (url) => {
  try {
    const bytes = await readFile(new URL(url));
    return { ok: true, status: 200, statusText: "OK", json: async () => JSON.parse(bytes.toString("utf8")) as unknown, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
  } catch {
    return { ok: false, status: 404, statusText: "Not Found", json: async () => null, arrayBuffer: async () => new ArrayBuffer(0) };
  }
};

const CASES: [string, string][] = [
  ["When was the Eiffel Tower completed?", "The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in 1889 for the World's Fair. Paris is also home to the Louvre museum, the most visited art museum in the world."],
  ["How do I make Python code faster?", "Python is easy to learn.\nUse NumPy vector operations instead of loops. Profile first with cProfile to find the hot spots. The weather was nice that day."],
  ["大熊猫主要吃什么？", "大熊猫是中国特有的物种。它们的食物几乎全部是竹子，每天要吃十几公斤。大熊猫的栖息地主要在四川、陕西和甘肃。"],
];

describe("WebHighlighter (onnxruntime-web, WebAssembly) matches the Node build", () => {
  let web: WebHighlighter;
  let node: SemanticHighlighter;
  beforeAll(async () => {
    web = await WebHighlighter.load(pathToFileURL(defaultModel + "/").href, { fetch: fileFetch, device: "wasm", numThreads: 1 });
    node = await SemanticHighlighter.load(defaultModel, { backend: { kind: "in-process" } });
  });
  afterAll(async () => {
    await web?.dispose();
    await node?.dispose();
  });

  it("loads config and tokenizer by URL and runs on wasm", () => {
    expect(web.device).toBe("wasm");
    expect(web.config.name).toBe(node.config.name);
    expect(web.config.threshold).toBe(node.config.threshold);
  });

  it.each(CASES)("same sentences, scores within 1e-4 and keep decisions: %s", async (query, text) => {
    const [w, n] = await Promise.all([web.highlightOne(query, text), node.highlightOne(query, text)]);
    expect(w.sentences.map((s) => [s.start, s.end, s.tokens])).toEqual(n.sentences.map((s) => [s.start, s.end, s.tokens]));
    w.sentenceScores.forEach((score, i) => expect(Math.abs(score - n.sentenceScores[i]!)).toBeLessThanOrEqual(1e-4));
    expect(w.sentences.map((s) => s.kept)).toEqual(n.sentences.map((s) => s.kept));
    expect(Math.abs(w.rerankScore - n.rerankScore)).toBeLessThanOrEqual(1e-4);
    expect(w.compression).toEqual(n.compression);
  });

  it("many documents in one call (several blocks, padded batches) still match", async () => {
    const docs = Array.from({ length: 6 }, (_, i) => CASES[i % 3]![1].repeat(1 + i));
    const [w, n] = await Promise.all([web.highlight("When was it completed?", docs), node.highlight("When was it completed?", docs)]);
    let maxDiff = 0;
    w.results.forEach((r, d) => r.sentenceScores.forEach((s, i) => (maxDiff = Math.max(maxDiff, Math.abs(s - n.results[d]!.sentenceScores[i]!)))));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    expect(w.stats.blocks).toBe(n.stats.blocks);
  });

  it("reranks like the Node build (pair and blocks mode) and checks options the same way", async () => {
    const documents = CASES.map(([, text]) => text);
    for (const mode of ["pair", "blocks"] as const) {
      const [w, n] = await Promise.all([web.rerank(CASES[0]![0], documents, { mode }), node.rerank(CASES[0]![0], documents, { mode })]);
      expect(w.map((r) => r.documentIndex)).toEqual(n.map((r) => r.documentIndex));
      w.forEach((r, i) => expect(Math.abs(r.score - n[i]!.score)).toBeLessThanOrEqual(1e-4));
    }
    expect(() => web.validateRerankOptions({ topN: -1 })).toThrow(InvalidInputError);
    expect(() => web.validateOptions({ batchSize: 0 })).toThrow(InvalidInputError);
    expect(() => web.validateOptions({ thresold: 0.5 } as never)).toThrow(/did you mean "threshold"/);
  });

  it("loadHighlighter is WebHighlighter.load in the browser build; without a URL it says to give one", async () => {
    const loaded = await loadHighlighter(pathToFileURL(defaultModel + "/").href, { fetch: fileFetch, device: "wasm", numThreads: 1 });
    try {
      expect(loaded).toBeInstanceOf(WebHighlighter);
      expect((await loaded.highlightOne(CASES[0]![0], CASES[0]![1])).sentenceScores).toEqual((await web.highlightOne(CASES[0]![0], CASES[0]![1])).sentenceScores);
    } finally {
      await loaded.dispose();
    }
    await expect(loaded.rerank("q", ["d"])).rejects.toBeInstanceOf(InferenceError);
    await expect(loadHighlighter()).rejects.toThrow(InvalidInputError);
    await expect(loadHighlighter()).rejects.toThrow(/model folder's URL/);
  });

  it("a missing file is a ModelLoadError naming its URL", async () => {
    const url = pathToFileURL(path.join(mkdtempSync(path.join(tmpdir(), "sh-web-")), "missing-model") + "/").href;
    const error = await WebHighlighter.load(url, { fetch: fileFetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    // The files are fetched at once: whichever 404 arrives first is named.
    expect((error as Error).message).toMatch(/missing-model\/(highlight_config|tokenizer|tokenizer_config)\.json: cannot fetch the file: HTTP 404/);
  });

  it("runs the tokenwise test model too (BERT tokenizer, token_type_ids)", async () => {
    const bert = await WebHighlighter.load(pathToFileURL(testModels.tokenwiseBert + "/").href, { fetch: fileFetch, device: "wasm" });
    const nodeBert = await SemanticHighlighter.load(testModels.tokenwiseBert, { backend: { kind: "in-process" } });
    try {
      const [w, n] = await Promise.all([bert.highlightOne("what?", CASES[0]![1]), nodeBert.highlightOne("what?", CASES[0]![1])]);
      w.sentenceScores.forEach((s, i) => expect(Math.abs(s - n.sentenceScores[i]!)).toBeLessThanOrEqual(1e-5));
    } finally {
      await bert.dispose();
      await nodeBert.dispose();
    }
  });
});
