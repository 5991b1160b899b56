/**
 * A small KServe V2 server for one model folder, on onnxruntime-node: exactly the protocol subset the
 * remote backend uses (metadata, readiness, JSON and binary inference, errors). For tests, local
 * development and the offline example; production deployments use Triton Inference Server
 * (`semantic-highlight triton-repo` writes its model repository).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { loadModelFiles } from "../models/model-folder.js";
import { OnnxModelSession, type RuntimeOptions } from "./onnx-session.js";
import { decodeInferBody, encodeInferResponse, INFERENCE_HEADER, modelPath, V2ProtocolError, type V2ModelMetadata, type V2Tensor } from "./kserve.js";
import type { ModelInputName } from "./types.js";

/** Faults the server can inject, for testing clients (mutable while the server runs). */
export interface KServeFaults {
  /** Answer the next N inference requests with 503 and `Retry-After: retryAfterSeconds`. */
  unavailable?: number;
  /** Seconds sent in Retry-After with those 503s. Default 0. */
  retryAfterSeconds?: number;
  /** Wait this long before answering each inference request. */
  delayMs?: number;
}

/** Options of {@link startKServeServer}. */
export interface KServeServerOptions {
  /** Name the model is served under. Default: the folder's config name. */
  name?: string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Host to listen on. Default 127.0.0.1. */
  host?: string;
  /** onnxruntime session settings of the server's model. */
  runtime?: RuntimeOptions;
  /** Faults to inject (also changeable later through {@link KServeServer.faults}). */
  faults?: KServeFaults;
}

/** A running server. */
export interface KServeServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The served model name. */
  model: string;
  /** Requests answered so far, by route kind. */
  counts: { metadata: number; infer: number; unavailable: number };
  /** The faults in effect: change them between requests to inject 503s or delays on cue. */
  faults: KServeFaults;
  /** Stops the server and releases its session. */
  close(): Promise<void>;
}

/** Serves `directory` (a model folder) over the V2 protocol until `close()`. */
export async function startKServeServer(directory: string, options: KServeServerOptions = {}): Promise<KServeServer> {
  const files = await loadModelFiles(directory);
  const session = await OnnxModelSession.create(
    files.modelPath,
    { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared },
    options.runtime,
  );
  const name = options.name ?? files.config.name;
  const pruningOutput = files.config.pruningOutput;
  const outputs = [pruningOutput, session.rankingOutput].filter((n): n is string => n !== null);
  const metadata: V2ModelMetadata = {
    name,
    versions: ["1"],
    platform: "onnxruntime_onnx",
    inputs: session.inputNames.map((n) => ({ name: n, datatype: "INT64", shape: [-1, -1] })),
    outputs: [
      ...(pruningOutput !== null ? [{ name: pruningOutput, datatype: "FP32", shape: [-1, -1, 2] }] : []),
      ...(session.rankingOutput ? [{ name: session.rankingOutput, datatype: "FP32", shape: [-1, 1] }] : []),
    ],
  };
  const faults: KServeFaults = options.faults ?? {};
  const counts = { metadata: 0, infer: 0, unavailable: 0 };
  const base = modelPath(name);
  const paths = new Set([base, `${base}/versions/1`]);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = url.pathname;
    if (req.method === "GET" && (route === "/v2/health/ready" || route === "/v2/health/live")) return send(res, 200, {});
    if (req.method === "GET" && paths.has(route)) {
      counts.metadata++;
      return send(res, 200, metadata);
    }
    if (req.method === "GET" && paths.has(route.replace(/\/ready$/, ""))) return send(res, 200, {});
    if (req.method !== "POST" || !paths.has(route.replace(/\/infer$/, "")) || !route.endsWith("/infer")) {
      return send(res, 404, { error: `unknown route ${req.method} ${route} (model "${name}")` });
    }
    counts.infer++;
    const body = await readBody(req);
    if (faults.unavailable && faults.unavailable > 0) {
      faults.unavailable--;
      counts.unavailable++;
      res.setHeader("retry-after", String(faults.retryAfterSeconds ?? 0));
      return send(res, 503, { error: "server is busy (injected fault)" });
    }
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    const lengthHeader = req.headers[INFERENCE_HEADER];
    let request;
    try {
      request = decodeInferBody(body, lengthHeader === undefined ? undefined : Number(lengthHeader), "inputs");
    } catch (error) {
      if (error instanceof V2ProtocolError) return send(res, 400, { error: error.message });
      throw error;
    }
    const shapes = new Set(request.tensors.map((t) => t.shape.join("x")));
    const first = request.tensors[0];
    if (!first || shapes.size !== 1 || first.shape.length !== 2) return send(res, 400, { error: "inputs must share one [batch, seq] shape" });
    const missing = session.inputNames.filter((n) => !request.tensors.some((t) => t.name === n));
    if (missing.length > 0) return send(res, 400, { error: `missing inputs ${missing.join(", ")}` });
    const [batchSize, sequenceLength] = first.shape as [number, number];
    const tensors: Partial<Record<ModelInputName, BigInt64Array>> = {};
    for (const t of request.tensors) tensors[t.name as ModelInputName] = t.data as BigInt64Array;
    let output;
    try {
      output = await session.run({ batchSize, sequenceLength, tensors });
    } catch (error) {
      return send(res, 500, { error: (error as Error).message });
    }
    const asked = request.outputs ?? outputs.map((n) => ({ name: n, binary: false }));
    const result: V2Tensor[] = [];
    for (const o of asked) {
      if (o.name === pruningOutput && output.pruningLogits) result.push({ name: o.name, shape: [batchSize, sequenceLength, 2], datatype: "FP32", data: output.pruningLogits });
      else if (o.name === session.rankingOutput && output.rankingLogits) result.push({ name: o.name, shape: [batchSize, 1], datatype: "FP32", data: output.rankingLogits });
      else return send(res, 400, { error: `unknown output "${o.name}"` });
    }
    const encoded = encodeInferResponse(name, result, asked.some((o) => o.binary));
    res.writeHead(200, { ...encoded.headers, "content-length": String(encoded.body.byteLength) });
    res.end(encoded.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (error as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    model: name,
    counts,
    faults,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await session.release();
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}
