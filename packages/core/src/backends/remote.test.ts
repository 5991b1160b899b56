/**
 * The remote backend against our own V2 server double (`startKServeServer`): the faults the real servers
 * cannot be made to produce on cue — 503 with Retry-After, slow answers, a model that breaks the contract —
 * plus retries, timeouts and the concurrency cap; and the wire format against the examples in Triton's /
 * KServe's docs. Results, both encodings, MLServer's 422 fallback, concurrency, a server killed mid-call and
 * restarts run against the REAL KServe and MLServer servers in test/remote-v2-servers.test.ts; hostile
 * answers (huge, slow, redirects) in remote.hostile.test.ts.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AbortError, RemoteInferenceError, TimeoutError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { testModels } from "../test-support/models.js";
import { decodeInferBody, encodeInferRequest, INFERENCE_HEADER } from "./kserve.js";
import { startKServeServer, type KServeServer } from "./kserve-server.js";

const query = "Who gave their name to Normandy?";
const doc = "The Normans gave their name to Normandy. They came from Denmark. Rollo led them.";

describe("remote backend (KServe V2) against the local test server", () => {
  let server: KServeServer;
  let local: SemanticHighlighter;
  beforeAll(async () => {
    server = await startKServeServer(testModels.tokenwise, { name: "tokenwise" });
    local = await SemanticHighlighter.load(testModels.tokenwise, { backend: "in-process" });
  });
  afterAll(async () => {
    await local.dispose();
    await server.close();
  });
  const remote = (extra: Record<string, unknown> = {}) =>
    SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url: server.url, model: "tokenwise", retryDelayMs: 1, ...extra }, shareSession: false });

  it("reads the model metadata on load and gives the in-process scores", async () => {
    const before = server.counts.metadata;
    const h = await remote();
    expect(server.counts.metadata).toBe(before + 1);
    expect(h.backend.info).toMatchObject({ kind: "remote", inputNames: ["input_ids", "attention_mask"], hasRankingOutput: true });
    const expected = await local.highlightOne(query, doc, { threshold: 0.2 });
    expect(await h.highlightOne(query, doc, { threshold: 0.2 })).toEqual(expected);
    await h.dispose();
  });

  it("retries a 503 after its Retry-After, then succeeds", async () => {
    const h = await remote();
    server.faults.unavailable = 2;
    server.faults.retryAfterSeconds = 0;
    const before = server.counts.unavailable;
    const result = await h.highlightOne(query, doc);
    expect(server.counts.unavailable - before).toBe(2);
    expect(result.sentences.length).toBe(3);
    await h.dispose();
  });

  it("gives up after `retries` with a RemoteInferenceError carrying the status", async () => {
    const h = await remote({ retries: 1 });
    server.faults.unavailable = 5;
    await expect(h.highlightOne(query, doc)).rejects.toMatchObject({ name: "RemoteInferenceError", status: 503 });
    server.faults.unavailable = 0;
    await h.dispose();
  });

  it("times a slow request out with TimeoutError, and a call with its own timeoutMs", async () => {
    // timeoutMs also bounds the metadata exchange on load (headers and body): leave it room on a busy machine.
    const h = await remote({ timeoutMs: 300, retries: 0 });
    server.faults.delayMs = 1500;
    await expect(h.highlightOne(query, doc)).rejects.toBeInstanceOf(TimeoutError);
    const h2 = await remote();
    await expect(h2.highlightOne(query, doc, { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const call = h2.highlightOne(query, doc, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(AbortError);
    server.faults.delayMs = 0;
    await Promise.all([h.dispose(), h2.dispose()]);
  });

  it("sends and retries nothing of a call once it has timed out or been aborted (e.g. waiting out a 503's Retry-After)", async () => {
    const h = await remote({ retries: 5 });
    server.faults.unavailable = 100;
    server.faults.retryAfterSeconds = 1;
    const docs = Array.from({ length: 4 }, (_, i) => `${doc} Number ${i}.`);
    const before = server.counts.infer;
    await expect(h.highlight(query, docs, { batchSize: 1, timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    const atTimeout = server.counts.infer;
    expect(atTimeout - before).toBeGreaterThan(0);
    expect(atTimeout - before).toBeLessThanOrEqual(4); // each batch tried once; every retry waits for Retry-After
    const controller = new AbortController();
    const aborted = h.highlight(query, docs, { batchSize: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const atAbort = server.counts.infer;
    await new Promise((r) => setTimeout(r, 1500)); // past the Retry-After of every batch
    expect(server.counts.infer).toBe(atAbort);
    server.faults.unavailable = 0;
    server.faults.retryAfterSeconds = 0;
    await h.dispose();
  });

  it("keeps at most maxConcurrentRequests requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const proxy = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void fetch(server.url + req.url, { method: req.method!, headers: req.headers as Record<string, string>, ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}) }).then(async (r) => {
          const body = Buffer.from(await r.arrayBuffer());
          setTimeout(() => {
            inFlight--;
            res.writeHead(r.status, Object.fromEntries(r.headers));
            res.end(body);
          }, 10);
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const h = await SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url, model: "tokenwise", maxConcurrentRequests: 2 }, shareSession: false });
    const docs = Array.from({ length: 12 }, (_, i) => `${doc} Extra sentence number ${i} ${"word ".repeat(i * 20)}.`);
    await Promise.all(Array.from({ length: 6 }, () => h.highlight(query, docs, { batchSize: 1 })));
    expect(most).toBe(2);
    await h.dispose();
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it("refuses, on load, a served model that breaks the contract, and an unknown model", async () => {
    const fake = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "m", inputs: [{ name: "input_ids", datatype: "INT32", shape: [-1, -1] }, { name: "pixels", datatype: "FP32", shape: [-1] }], outputs: [{ name: "logits", datatype: "FP32", shape: [-1, 1] }] }));
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const error = await SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url, model: "m" }, shareSession: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect((error as Error).message).toMatch(/missing input "attention_mask".*input "input_ids" is int32, expected int64.*unexpected input "pixels".*missing output "pruning_logits"/);
    fake.close();
    await expect(SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url: server.url, model: "nope" }, shareSession: false })).rejects.toMatchObject({ status: 404 });
  });

  it("reports an unreachable server after its retries, without hanging", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url: `http://127.0.0.1:${port}`, model: "m", retries: 2, retryDelayMs: 1 }, shareSession: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect((error as Error).message).toMatch(/ECONNREFUSED.*after 3 attempts/);
  });
});

describe("V2 wire format, checked against the documented examples", () => {
  it("decodes Triton's binary-extension response example (JSON header, then raw FP32 bytes)", () => {
    // From Triton's binary_tensor_data extension docs: output0 FP32 [3, 2] with binary_data_size 24.
    const header = JSON.stringify({ outputs: [{ name: "output0", shape: [3, 2], datatype: "FP32", parameters: { binary_data_size: 24 } }] });
    const values = new Float32Array([1, 1.5, 2, 2.5, 3, 3.5]);
    const body = new Uint8Array([...new TextEncoder().encode(header), ...new Uint8Array(values.buffer)]);
    const decoded = decodeInferBody(body, new TextEncoder().encode(header).byteLength, "outputs");
    expect(decoded.tensors).toEqual([{ name: "output0", shape: [3, 2], datatype: "FP32", data: values }]);
  });

  it("decodes the KServe V2 JSON response example", () => {
    const body = new TextEncoder().encode(JSON.stringify({ id: "42", outputs: [{ name: "output0", shape: [3, 2], datatype: "FP32", data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] }] }));
    const decoded = decodeInferBody(body, undefined, "outputs");
    expect(decoded.tensors[0]!.shape).toEqual([3, 2]);
    expect(Array.from(decoded.tensors[0]!.data as Float32Array)).toEqual(Array.from(new Float32Array([1.0, 1.1, 2.0, 2.1, 3.0, 3.1])));
  });

  it("encodes a binary request the way Triton's docs show it", () => {
    const ids = new BigInt64Array([0n, 5n, 2n]);
    const { body, headers } = encodeInferRequest([{ name: "input_ids", shape: [1, 3], datatype: "INT64", data: ids }], ["pruning_logits"], true);
    const jsonLength = Number(headers[INFERENCE_HEADER]);
    expect(headers["content-type"]).toBe("application/octet-stream");
    expect(JSON.parse(new TextDecoder().decode(body.subarray(0, jsonLength)))).toEqual({
      inputs: [{ name: "input_ids", shape: [1, 3], datatype: "INT64", parameters: { binary_data_size: 24 } }],
      outputs: [{ name: "pruning_logits", parameters: { binary_data: true } }],
    });
    expect(body.byteLength).toBe(jsonLength + 24);
    expect(Array.from(new BigInt64Array(body.slice(jsonLength).buffer))).toEqual([0n, 5n, 2n]);
  });

  it("rejects bodies that break the protocol with a clear message", () => {
    const header = JSON.stringify({ outputs: [{ name: "o", shape: [2], datatype: "FP32", parameters: { binary_data_size: 4 } }] });
    expect(() => decodeInferBody(new TextEncoder().encode(header), header.length, "outputs")).toThrow(/binary_data_size 4 does not match/);
    expect(() => decodeInferBody(new TextEncoder().encode("{"), undefined, "outputs")).toThrow(/not valid JSON/);
    expect(() => decodeInferBody(new TextEncoder().encode('{"outputs":[{"name":"o","shape":[1],"datatype":"BYTES","data":["x"]}]}'), undefined, "outputs")).toThrow(/datatype BYTES/);
  });
});
