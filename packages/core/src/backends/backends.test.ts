/**
 * The three backends give identical results, and the worker backend's lifecycle never leaves a promise
 * hanging: overload, timeout, abort, a dying worker, dispose.
 */
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AbortError, InferenceError, OverloadedError, TimeoutError, WorkerCrashedError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { copyModel, repoRoot, sharedData, testModels } from "../test-support/models.js";
import type { DocumentInput, HighlightResponse } from "../pipeline/types.js";
import { startKServeServer, type KServeServer } from "./kserve-server.js";
import type { WorkerBackend } from "./worker.js";

const defaultModel = path.join(repoRoot, "models/default");

interface EvalItem {
  query: string;
  sentences: string[];
}

function evalItems(file: string, count: number): EvalItem[] {
  return readFileSync(path.join(sharedData, "eval", file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, count)
    .map((l) => JSON.parse(l) as EvalItem)
    .filter((item) => item.query.trim() !== "");
}

/** Each item as one call with its sentences pre-split, plus a call that segments the joined text. */
async function runItems(h: SemanticHighlighter, items: EvalItem[]): Promise<number[][]> {
  const scores: number[][] = [];
  await Promise.all(
    items.map(async (item, i) => {
      const response = await h.highlight(item.query, [{ sentences: item.sentences }, item.sentences.join("")]);
      scores[i] = response.results.flatMap((r) => [...r.sentenceScores, r.rerankScore]);
    }),
  );
  return scores;
}

const bigDocuments = (n: number): DocumentInput[] =>
  Array.from({ length: n }, (_, d) => Array.from({ length: 60 }, (_, s) => `Sentence ${s} of document ${d} talks about the Normans and Normandy in some detail. `).join(""));

describe("backends give the same scores (max diff 0)", () => {
  let server: KServeServer;
  const highlighters: Record<string, SemanticHighlighter> = {};
  beforeAll(async () => {
    // Our double runs the same onnxruntime-node session, so "identical" can be checked exactly (max diff 0)
    // on 80 eval items; the real KServe / MLServer servers (numpy interpreter, ~2 s per [4, 512]) are checked
    // against in-process at ≤ 1e-5 on a smaller set in test/remote-v2-servers.test.ts.
    server = await startKServeServer(defaultModel, { name: "default" });
    highlighters.inProcess = await SemanticHighlighter.load(defaultModel, { backend: "in-process" });
    highlighters.worker = await SemanticHighlighter.load(defaultModel, { backend: { kind: "worker", workers: 2 } });
    highlighters.remoteBinary = await SemanticHighlighter.load(defaultModel, { backend: { kind: "remote", url: server.url, model: "default" } });
    highlighters.remoteJson = await SemanticHighlighter.load(defaultModel, { backend: { kind: "remote", url: server.url, model: "default", binary: false } });
  });
  afterAll(async () => {
    await Promise.all(Object.values(highlighters).map((h) => h.dispose()));
    await server.close();
  });

  it.each([
    ["squad-dev-en.jsonl", 40],
    ["cmrc-trial-zh.jsonl", 40],
  ])("on the items of %s (first %i), for worker, remote binary and remote JSON", { timeout: 240_000 }, async (file, count) => {
    const items = evalItems(file, count);
    const reference = await runItems(highlighters.inProcess!, items);
    expect(reference.flat().some((s) => s > 0.5)).toBe(true);
    for (const name of ["worker", "remoteBinary", "remoteJson"]) {
      expect(await runItems(highlighters[name]!, items), name).toEqual(reference);
    }
  });

  it("for a call big enough to be segmented and tokenized in the workers", async () => {
    const docs = [...bigDocuments(6), { sentences: ["Pre-split. ", "Sentences."] }, ""];
    const options = { threshold: 0.3 };
    const reference = await highlighters.inProcess!.highlight("Who gave their name to Normandy?", docs, options);
    const viaWorkers = await highlighters.worker!.highlight("Who gave their name to Normandy?", docs, options);
    const strip = (r: HighlightResponse) => r.results;
    expect(strip(viaWorkers)).toEqual(strip(reference));
    expect(reference.results[0]!.sentences.length).toBe(60);
    // Timings: on this thread segmentation is timed apart; in the workers it is part of tokenization.
    expect(reference.timings.segmentationMs).toBeGreaterThan(0);
    expect(viaWorkers.timings.segmentationMs).toBe(0);
    expect(viaWorkers.timings.tokenizationMs).toBeGreaterThan(0);
  });
});

describe("worker backend lifecycle", () => {
  const query = "Who gave their name to Normandy?";

  it("refuses work beyond its queue at once with OverloadedError, and runs what it accepted", async () => {
    const h = await SemanticHighlighter.load(testModels.tinyXlmr, { backend: { kind: "worker", maxQueuedBatches: 2 }, shareSession: false });
    const doc = "The Normans gave their name to Normandy. They came from Denmark.";
    // 24 calls submitted at once against a queue of 2: with 6, a loaded machine let the worker drain the queue
    // between submissions (each call yields while it prepares), and nothing was refused.
    const calls = Array.from({ length: 24 }, () => h.highlightOne(query, doc).then(() => "ok", (e: unknown) => e));
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThanOrEqual(3);
    const refused = outcomes.filter((o) => o !== "ok");
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e).toBeInstanceOf(OverloadedError);
    await h.dispose();
  });

  it("rejects a call past its timeoutMs with TimeoutError and drops its queued batches", async () => {
    const h = await SemanticHighlighter.load(defaultModel, { shareSession: false });
    await expect(h.highlight(query, bigDocuments(30), { timeoutMs: 5, batchSize: 1 })).rejects.toBeInstanceOf(TimeoutError);
    const backend = h.backend as WorkerBackend;
    expect(backend.stats().queued).toBe(0);
    // The backend still works afterwards.
    expect((await h.highlightOne(query, "The Normans gave their name to Normandy.")).sentences.length).toBe(1);
    await h.dispose();
  });

  it("rejects an aborted call at once, even with every batch already queued, and empties its queue", async () => {
    const h = await SemanticHighlighter.load(defaultModel, { shareSession: false });
    const controller = new AbortController();
    const call = h.highlight(query, bigDocuments(30), { signal: controller.signal, batchSize: 1 });
    const other = h.highlightOne(query, "The Normans gave their name to Normandy.");
    await new Promise((r) => setTimeout(r, 30));
    const backend = h.backend as WorkerBackend;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortError);
    // Nothing of the aborted call waits any more; the other call still completes.
    expect(backend.stats().queued).toBeLessThanOrEqual(1);
    expect((await other).sentences.length).toBe(1);
    await h.dispose();
  });

  it("fails only the calls a killed worker held, replaces the worker, and keeps serving", async () => {
    const h = await SemanticHighlighter.load(defaultModel, { shareSession: false });
    const backend = h.backend as WorkerBackend;
    const [first] = backend.threads;
    const call = h.highlight(query, bigDocuments(20), { batchSize: 1 });
    await new Promise((r) => setTimeout(r, 50));
    await first!.terminate();
    await expect(call).rejects.toBeInstanceOf(WorkerCrashedError);
    const after = await h.highlightOne(query, "The Normans gave their name to Normandy. They came from Denmark.");
    expect(after.sentences.length).toBe(2);
    expect(backend.threads.length).toBe(1);
    expect(backend.threads[0]).not.toBe(first);
    await h.dispose();
  });

  it("rejects pending calls on dispose instead of leaving them hanging, and refuses later calls", async () => {
    const h = await SemanticHighlighter.load(defaultModel, { shareSession: false });
    const call = h.highlight(query, bigDocuments(20), { batchSize: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const outcome = expect(call).rejects.toBeInstanceOf(InferenceError);
    await h.dispose();
    await outcome;
    await expect(h.highlightOne(query, "")).rejects.toBeInstanceOf(InferenceError);
  });

  it("fails calls with a clear InferenceError once every worker is dead and none can be restarted", async () => {
    const folder = copyModel(testModels.tokenwise);
    const h = await SemanticHighlighter.load(folder, { shareSession: false });
    const backend = h.backend as WorkerBackend;
    rmSync(folder, { recursive: true, force: true }); // replacements cannot load the model any more
    await backend.threads[0]!.terminate();
    // The call waits for a worker; after three failed restarts it rejects instead of waiting forever, and so
    // does every later call.
    await expect(h.highlightOne(query, "The Normans gave their name to Normandy.")).rejects.toThrow(/every inference worker died and none could be restarted/);
    await expect(h.highlightOne(query, "Rollo led them.")).rejects.toThrow(/every inference worker died and none could be restarted/);
    await h.dispose();
  });

  it("reports a broken model folder from load, as a ModelLoadError from the worker", async () => {
    await expect(SemanticHighlighter.load(path.join(repoRoot, "models/test"), { shareSession: false })).rejects.toMatchObject({ code: "MODEL_LOAD" });
  });
});
