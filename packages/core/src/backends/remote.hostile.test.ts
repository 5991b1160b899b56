/**
 * The remote backend against hostile servers (issue 19, point 2): huge bodies, slow drips, bodies longer or
 * shorter than their Content-Length, redirects to another origin. These are doubles written here on purpose:
 * the real KServe / MLServer servers cannot be made to misbehave like this. Every failure must be a typed
 * error within `timeoutMs`, with bounded memory, and no request or header may reach another origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

import { RemoteInferenceError, SemanticHighlightError, TimeoutError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { testModels } from "../test-support/models.js";
import { decodeInferBody } from "./kserve.js";
import type { RemoteBackendOptions } from "./remote.js";

const query = "Who gave their name to Normandy?";
const doc = "The Normans gave their name to Normandy. They came from Denmark.";
const METADATA = {
  name: "m",
  platform: "",
  inputs: [
    { name: "input_ids", datatype: "INT64", shape: [-1, -1] },
    { name: "attention_mask", datatype: "INT64", shape: [-1, -1] },
  ],
  outputs: [
    { name: "pruning_logits", datatype: "FP32", shape: [-1, -1, 2] },
    { name: "ranking_logits", datatype: "FP32", shape: [-1, 1] },
  ],
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
}

/** A node:http server: `GET /v2/models/m` answers the tokenwise metadata unless `handle` takes it. */
async function hostile(handle: (req: IncomingMessage, res: ServerResponse, body: Uint8Array) => boolean | void): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (handle(req, res, new Uint8Array(Buffer.concat(chunks))) === true) return;
      if (req.method === "GET" && req.url === "/v2/models/m") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(METADATA));
      } else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"error":"not here"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function load(url: string, extra: Partial<RemoteBackendOptions> = {}): Promise<SemanticHighlighter> {
  const h = await SemanticHighlighter.load(testModels.tokenwise, { backend: { kind: "remote", url, model: "m", retryDelayMs: 1, ...extra }, shareSession: false });
  cleanups.push(() => h.dispose());
  return h;
}

const isInfer = (req: IncomingMessage) => req.method === "POST" && req.url === "/v2/models/m/infer";

/** Streams `total` bytes lazily (a chunk per 'drain'); returns how many the server managed to write. */
function streamLazily(res: ServerResponse, total: number, byte = 0x20): { written: () => number } {
  const chunk = Buffer.alloc(256 * 1024, byte);
  let written = 0;
  const pump = () => {
    while (written < total) {
      const size = Math.min(chunk.length, total - written);
      written += size;
      if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void res.once("drain", pump);
    }
    res.end();
  };
  res.on("error", () => undefined);
  pump();
  return { written: () => written };
}

/** Samples RSS every 20 ms while `work` runs; returns its outcome, the growth over the start and the time. */
async function measured<T>(work: () => Promise<T>): Promise<{ outcome: T | unknown; rssGrowthMb: number; ms: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const began = performance.now();
  const outcome = await work().catch((e: unknown) => e);
  const ms = performance.now() - began;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { outcome, rssGrowthMb: (peak - start) / 2 ** 20, ms };
}

const GB_1_5 = 1.5 * 2 ** 30;

describe("remote backend against hostile servers", () => {
  it("refuses a 1.5 GB answer to an inference request at the size cap: typed error, small RSS growth, well within timeoutMs", async () => {
    let stream: { written: () => number } | undefined;
    const { url } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(200, { "content-type": "application/json" }); // chunked: no Content-Length to refuse early
      stream = streamLazily(res, GB_1_5);
      return true;
    });
    const h = await load(url, { timeoutMs: 4000, retries: 0 });
    const { outcome, rssGrowthMb, ms } = await measured(() => h.highlightOne(query, doc));
    expect(outcome).toBeInstanceOf(RemoteInferenceError);
    expect((outcome as Error).message).toMatch(/larger than \d+ bytes.*maxResponseBytes/);
    expect(ms).toBeLessThan(2000);
    expect(rssGrowthMb).toBeLessThan(150);
    expect(stream!.written()).toBeLessThan(64 * 2 ** 20); // the client stopped reading; the server never sent the rest
  }, 60_000);

  it("refuses an answer whose Content-Length is over the cap before reading it, and the same for metadata", async () => {
    const { url } = await hostile((req, res) => {
      if (isInfer(req)) {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(GB_1_5) });
        streamLazily(res, GB_1_5);
        return true;
      }
      return false;
    });
    const h = await load(url, { timeoutMs: 4000, retries: 0 });
    const { outcome, ms } = await measured(() => h.highlightOne(query, doc));
    expect(outcome).toBeInstanceOf(RemoteInferenceError);
    expect((outcome as Error).message).toMatch(/Content-Length 1610612736/);
    expect(ms).toBeLessThan(1000);

    const meta = await hostile((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      streamLazily(res, GB_1_5);
      return true;
    });
    const loading = await measured(() => load(meta.url, { timeoutMs: 4000, retries: 0 }));
    expect(loading.outcome).toBeInstanceOf(RemoteInferenceError);
    expect(loading.rssGrowthMb).toBeLessThan(150);
  }, 60_000);

  it("lets a larger answer through when maxResponseBytes is raised", async () => {
    // A valid JSON answer for the batch asked for, padded with 200 KB of whitespace (over a small batch's cap).
    const { url } = await hostile((req, res, body) => {
      if (!isInfer(req)) return false;
      const length = req.headers["inference-header-content-length"];
      const request = decodeInferBody(body, length === undefined ? undefined : Number(length), "inputs");
      const [b, s] = request.tensors[0]!.shape as [number, number];
      const outputs = [
        { name: "pruning_logits", shape: [b, s, 2], datatype: "FP32", data: new Array<number>(b * s * 2).fill(0.5) },
        { name: "ranking_logits", shape: [b, 1], datatype: "FP32", data: new Array<number>(b).fill(0.5) },
      ];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ model_name: "m", outputs }) + " ".repeat(200_000));
      return true;
    });
    const small = await load(url, { retries: 0 });
    await expect(small.highlightOne(query, doc)).rejects.toThrow(/larger than \d+ bytes/);
    const raised = await load(url, { retries: 0, maxResponseBytes: 1_000_000 });
    const result = await raised.highlightOne(query, doc, { threshold: 0 });
    expect(result.sentences.length).toBe(2);
    for (const sentence of result.sentences) expect(sentence.score).toBeCloseTo(0.5, 6);
  });

  it("times a slow drip out with TimeoutError (headers at once, then one byte per 100 ms)", async () => {
    const { url } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(timer));
      return true;
    });
    const h = await load(url, { timeoutMs: 600, retries: 0 });
    const started = performance.now();
    const error = await h.highlightOne(query, doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(3000);
    // The same for the metadata GET.
    const meta = await hostile((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(timer));
      return true;
    });
    await expect(load(meta.url, { timeoutMs: 600, retries: 0 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("gives RemoteInferenceError for a body longer or shorter than its Content-Length", async () => {
    const metadata = JSON.stringify(METADATA);
    const raw = (answer: string) => {
      const server: TcpServer = createTcpServer((socket) => {
        let buffered = "";
        socket.on("data", (data) => {
          buffered += data.toString("latin1");
          if (!buffered.includes("\r\n\r\n")) return;
          const head = buffered.slice(0, buffered.indexOf("\r\n\r\n"));
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (Buffer.byteLength(buffered, "latin1") < head.length + 4 + length) return;
          buffered = "";
          if (head.startsWith("GET")) socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${metadata.length}\r\n\r\n${metadata}`);
          else socket.end(answer);
        });
        socket.on("error", () => undefined);
      });
      return new Promise<string>((r) =>
        server.listen(0, "127.0.0.1", () => {
          cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
          r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        }),
      );
    };
    const longer = await raw(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\n{"outputs":[]} and then a lot more bytes than announced`);
    const shorter = await raw(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"outputs":[`);
    for (const url of [longer, shorter]) {
      const h = await load(url, { timeoutMs: 2000, retries: 0 });
      const error = await h.highlightOne(query, doc).catch((e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(RemoteInferenceError);
    }
  });

  it("reads only a few KB of a huge error answer (500 with 1.5 GB) and reports its start", async () => {
    let stream: { written: () => number } | undefined;
    const { url } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(500, { "content-type": "text/plain" });
      res.write("model exploded: ");
      stream = streamLazily(res, GB_1_5, 0x78);
      return true;
    });
    const h = await load(url, { timeoutMs: 4000, retries: 0 });
    const { outcome, rssGrowthMb, ms } = await measured(() => h.highlightOne(query, doc));
    expect(outcome).toBeInstanceOf(RemoteInferenceError);
    expect(outcome).toMatchObject({ status: 500 });
    expect((outcome as Error).message).toMatch(/HTTP 500: model exploded: x{10}/);
    expect((outcome as Error).message.length).toBeLessThan(1000);
    expect(ms).toBeLessThan(2000);
    expect(rssGrowthMb).toBeLessThan(150);
    expect(stream!.written()).toBeLessThan(64 * 2 ** 20);
  }, 60_000);

  it("never follows a redirect to another origin: the metadata GET's x-api-key never reaches it", async () => {
    const other = await hostile(() => undefined);
    const { url, seen } = await hostile((req, res) => {
      res.writeHead(307, { location: `${other.url}${req.url}` });
      res.end();
      return true;
    });
    const error = await load(url, { headers: { "x-api-key": "secret-key" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect(error).toMatchObject({ status: 307 });
    expect((error as Error).message).toMatch(/redirects are not followed/);
    expect(seen).toHaveLength(1); // not retried
    expect(other.seen).toEqual([]); // the other origin got nothing: no request, no header
  });

  it("never follows (nor retries) a redirect answer to an inference POST", async () => {
    const other = await hostile(() => undefined);
    const { url, seen } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(307, { location: `${other.url}${req.url}` });
      res.end();
      return true;
    });
    const h = await load(url, { headers: { "x-api-key": "secret-key" }, retries: 3 });
    const error = await h.highlightOne(query, doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect(error).toMatchObject({ status: 307 });
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(1);
    expect(other.seen).toEqual([]);
  });

  it("falls back to JSON once on a 4xx to binary, reports both answers when JSON fails too, and never on a 404", async () => {
    const { url, seen } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: req.headers["inference-header-content-length"] ? "binary? no" : "json? no either" }));
      return true;
    });
    const h = await load(url);
    const error = await h.highlightOne(query, doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteInferenceError);
    expect((error as Error).message).toMatch(/HTTP 400: json\? no either \(as JSON; with binary tensors: HTTP 400: binary\? no\)/);
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(2);

    const notFound = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"Model m not found"}');
      return true;
    });
    const h2 = await load(notFound.url);
    await expect(h2.highlightOne(query, doc)).rejects.toMatchObject({ status: 404 });
    expect(notFound.seen.filter((s) => s.method === "POST")).toHaveLength(1);
  });

  it("every failure above is a SemanticHighlightError (no raw DOMException or TypeError)", async () => {
    const { url } = await hostile((req, res) => {
      if (!isInfer(req)) return false;
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"outputs":');
      setTimeout(() => res.destroy(), 30); // connection reset mid-body
      return true;
    });
    const h = await load(url, { retries: 0 });
    const error = await h.highlightOne(query, doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SemanticHighlightError);
    expect(error).toBeInstanceOf(RemoteInferenceError);
  });
});
