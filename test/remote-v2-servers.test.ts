/**
 * The remote backend against the REAL third-party KServe V2 servers of `../shared/v2-servers` (issue 18,
 * point 2): KServe's Python model server and Seldon MLServer, serving models/default through the kit's numpy
 * ONNX interpreter. For each server and tensor encoding, `highlight()` and `rerank()` equal the in-process
 * backend (≤ 1e-5); several calls at once; MLServer's 422 to binary tensors is detected and answered with
 * JSON (remembered per endpoint); a server killed mid-call fails the call with a typed error and no batch of
 * that call is sent afterwards; a server restarted on the same port is reached again through the retries.
 * Batches stay small: the interpreter takes ~2 s for [4, 512].
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RemoteInferenceError, SemanticHighlighter, type TensorFormat } from "@semantic-highlight/core";
import type { RemoteBackend } from "@semantic-highlight/core/internal";

import { startV2Server, v2KitPresent, type V2Server, type V2ServerKind } from "./support/v2-servers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const modelDir = path.join(root, "models/default");
const modelFile = path.join(modelDir, "model.onnx");
const NAME = "semantic-highlight";
const TOLERANCE = 1e-5;

const query = "Who gave their name to Normandy?";
const docs = [
  "The Normans gave their name to Normandy, a region in France. They descended from Norse raiders. Rollo was their first ruler.",
  "Paris is the capital of France. It lies on the Seine.",
  "诺曼人来自丹麦、冰岛和挪威。他们把名字给了诺曼底。",
  { sentences: ["Normandy is named after the Normans. ", "The region has many apple orchards."] },
];
const queries = [query, "Where is Paris?", "诺曼人来自哪里？", "What grows in Normandy?"];

/** Sentence scores and rerank scores of a highlight response, flat. */
const highlightNumbers = (response: Awaited<ReturnType<SemanticHighlighter["highlight"]>>) => response.results.map((r) => [...r.sentenceScores, r.rerankScore]);

function expectClose(actual: number[][], expected: number[][], label: string): void {
  expect(actual.map((a) => a.length), label).toEqual(expected.map((e) => e.length));
  const diff = Math.max(0, ...actual.flatMap((a, i) => a.map((v, j) => Math.abs(v - expected[i]![j]!))));
  expect(diff, `${label}: max abs diff`).toBeLessThanOrEqual(TOLERANCE);
}

/** A proxy in front of a server that records every request (and kills the upstream on cue). */
interface CountingProxy {
  url: string;
  posts: { at: number; binary: boolean }[];
  /** Called with the number of the POST just received (1-based), before it is forwarded. */
  onPost?: (n: number) => void;
  close(): Promise<void>;
}

async function countingProxy(upstream: () => string): Promise<CountingProxy> {
  const proxy: CountingProxy = { url: "", posts: [], close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res) => {
    if (req.method === "POST") {
      proxy.posts.push({ at: performance.now(), binary: req.headers["inference-header-content-length"] !== undefined });
      proxy.onPost?.(proxy.posts.length);
    }
    const target = new URL(req.url!, upstream());
    const forward = httpRequest(target, { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    // A dead upstream looks like a dead server to the client: the connection drops.
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}

describe.skipIf(!v2KitPresent)("remote backend against the real KServe and MLServer servers (models/default)", () => {
  const servers: Partial<Record<V2ServerKind, V2Server>> = {};
  const opened: SemanticHighlighter[] = [];
  let local: SemanticHighlighter;
  let reference: { highlight: number[][]; rerank: number[][]; concurrent: number[][][] };

  beforeAll(async () => {
    const [kserve, mlserver] = await Promise.all([startV2Server("kserve", { [NAME]: modelFile }), startV2Server("mlserver", { [NAME]: modelFile })]);
    servers.kserve = kserve;
    servers.mlserver = mlserver;
    local = await SemanticHighlighter.load(modelDir, { backend: "in-process", shareSession: false });
    reference = {
      highlight: highlightNumbers(await local.highlight(query, docs)),
      rerank: [(await local.rerank(query, docs)).sort((a, b) => a.documentIndex - b.documentIndex).map((r) => r.score)],
      concurrent: await Promise.all(queries.map(async (q) => highlightNumbers(await local.highlight(q, docs)))),
    };
    expect(reference.highlight.flat().some((s) => s > 0.5)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(opened.map((h) => h.dispose()));
    await local?.dispose();
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  async function remote(url: string, extra: Record<string, unknown> = {}): Promise<SemanticHighlighter> {
    const h = await SemanticHighlighter.load(modelDir, { backend: { kind: "remote", url, model: NAME, retryDelayMs: 50, ...extra }, shareSession: false });
    opened.push(h);
    return h;
  }

  const cases: [V2ServerKind, TensorFormat][] = [
    ["kserve", "binary"],
    ["kserve", "json"],
    ["mlserver", "json"],
  ];
  it.each(cases)("%s, %s tensors: highlight() and rerank() equal in-process (≤ 1e-5)", async (kind, tensorFormat) => {
    const h = await remote(servers[kind]!.url, { tensorFormat });
    expectClose(highlightNumbers(await h.highlight(query, docs)), reference.highlight, "highlight");
    expectClose([(await h.rerank(query, docs)).sort((a, b) => a.documentIndex - b.documentIndex).map((r) => r.score)], reference.rerank, "rerank");
    expect((h.backend as RemoteBackend).tensorFormat).toBe(tensorFormat);
  });

  it.each(["kserve", "mlserver"] as const)("%s: an unknown model fails on load with RemoteInferenceError 404 and the server's message", async (kind) => {
    const error = await SemanticHighlighter.load(modelDir, { backend: { kind: "remote", url: servers[kind]!.url, model: "nope" }, shareSession: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toMatch(kind === "kserve" ? /Model with name nope does not exist/ : /Model nope not found/);
  });

  it("kserve, default (auto) tensors: binary is accepted and kept", async () => {
    const proxy = await countingProxy(() => servers.kserve!.url);
    const h = await remote(proxy.url);
    expectClose(highlightNumbers(await h.highlight(query, docs)), reference.highlight, "highlight");
    expect((h.backend as RemoteBackend).tensorFormat).toBe("binary");
    expect(proxy.posts.every((p) => p.binary)).toBe(true);
    await proxy.close();
  });

  it("mlserver, binary tensors forced: the server's 422 is a RemoteInferenceError naming FastAPI's complaint", async () => {
    const h = await remote(servers.mlserver!.url, { tensorFormat: "binary" });
    const error = await h.highlight(query, docs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect(error).toMatchObject({ status: 422 });
    expect((error as Error).message).toMatch(/value is not a valid dict/);
  });

  it("mlserver, default (auto) tensors: the 422 to binary is retried once as JSON, and JSON is used from then on", async () => {
    const proxy = await countingProxy(() => servers.mlserver!.url);
    const h = await remote(proxy.url, { maxConcurrentRequests: 1 });
    expect((h.backend as RemoteBackend).tensorFormat).toBe("binary");
    expectClose(highlightNumbers(await h.highlight(query, docs)), reference.highlight, "highlight");
    expect(proxy.posts.map((p) => p.binary)).toEqual([true, false]); // one batch: refused as binary, then JSON
    expect((h.backend as RemoteBackend).tensorFormat).toBe("json");
    expectClose([(await h.rerank(query, docs)).sort((a, b) => a.documentIndex - b.documentIndex).map((r) => r.score)], reference.rerank, "rerank");
    // Remembered per endpoint: a new highlighter of the same URL and model starts with JSON.
    const again = await remote(proxy.url);
    expect((again.backend as RemoteBackend).tensorFormat).toBe("json");
    expectClose(highlightNumbers(await again.highlight(query, docs)), reference.highlight, "highlight again");
    expect(proxy.posts.slice(2).every((p) => !p.binary)).toBe(true);
    await proxy.close();
  });

  it.each(["kserve", "mlserver"] as const)("%s: several concurrent calls give the in-process results", async (kind) => {
    const h = await remote(servers[kind]!.url, { maxConcurrentRequests: 2, tensorFormat: kind === "kserve" ? "binary" : "json" });
    const results = await Promise.all(queries.map(async (q) => highlightNumbers(await h.highlight(q, docs, { batchSize: 2 }))));
    results.forEach((r, i) => expectClose(r, reference.concurrent[i]!, `query ${i}`));
  });

  it.each(["kserve", "mlserver"] as const)(
    "%s killed mid-call: the call rejects with RemoteInferenceError and no batch of it is sent afterwards; restarted on the same port, calls succeed again through the retries",
    async (kind) => {
      const server = servers[kind]!;
      const tensorFormat = kind === "kserve" ? "binary" : "json";
      const proxy = await countingProxy(() => server.url);
      // Six documents, one batch each, one request at a time: the server dies when the third batch arrives.
      const h = await remote(proxy.url, { tensorFormat, maxConcurrentRequests: 1, retries: 2, retryDelayMs: 50 });
      const patient = await remote(server.url, { tensorFormat, retries: 8, retryDelayMs: 250 }); // for the restart below
      proxy.onPost = (n) => {
        if (n === 3) server.kill();
      };
      const six = Array.from({ length: 6 }, (_, i) => `The Normans gave their name to Normandy. Document ${i} says so.`);
      const error = await h.highlight(query, six, { batchSize: 1 }).catch((e: unknown) => e);
      const rejectedAt = performance.now();
      expect(error).toBeInstanceOf(RemoteInferenceError);
      expect((error as Error).message).toMatch(/after 3 attempts/);
      // Batches 1-2 answered; batch 3 sent once and retried twice; batches 4-6 never sent, now or later.
      expect(proxy.posts).toHaveLength(5);
      await new Promise((r) => setTimeout(r, 800));
      expect(proxy.posts.filter((p) => p.at > rejectedAt)).toEqual([]);
      proxy.onPost = undefined;

      // Restart on the same port while a call is retrying: it gets through once the server is back.
      const during = patient.highlight(query, docs);
      const restarted = await startV2Server(kind, { [NAME]: modelFile }, { port: server.port });
      servers[kind] = restarted;
      expectClose(highlightNumbers(await during), reference.highlight, "call during the restart");
      // And a later call through the first highlighter (same proxy, same port) succeeds too.
      expectClose(highlightNumbers(await h.highlight(query, docs)), reference.highlight, "call after the restart");
      await proxy.close();
    },
    120_000,
  );
});
