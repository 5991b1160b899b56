/**
 * The remote backend: batches go to a KServe V2 / Triton inference server over HTTP, so the model can run on
 * GPUs and replicas elsewhere while tokenization, packing and sentence logic stay in this process.
 * Concurrency is capped; connection errors, 503s and 429s are retried with backoff.
 *
 * The server is not trusted: every answer is read with a size cap derived from the batch's output shapes and
 * within `timeoutMs` (headers and body), error bodies are read only as far as their message is used,
 * redirects are never followed (the request headers, e.g. API keys, would go wherever the server points),
 * and every failure is a typed {@link SemanticHighlightError}.
 *
 * Tensors travel as the binary tensor data extension by default. Some servers refuse it (Seldon MLServer
 * answers 422) and none advertise it in `GET /v2`, so in the default `tensorFormat: "auto"` a binary request
 * answered with a 4xx that can be about the encoding is sent again once as JSON; when that works, the
 * endpoint (base URL + model + version) is remembered for the rest of the process and gets JSON directly.
 */
import { AbortError, ModelLoadError, RemoteInferenceError, SemanticHighlightError, TimeoutError } from "../errors.js";
import { checkContract, contractMessage, type GraphSignature, type OutputNames } from "./contract.js";
import { decodeInferBody, encodeInferRequest, INFERENCE_HEADER, modelPath, type V2ModelMetadata, type V2Tensor } from "./kserve.js";
import { JobQueue } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputs, RunOptions } from "./types.js";

/**
 * How tensors travel: `"binary"` (the V2 binary tensor data extension), `"json"`, or `"auto"` (binary, and
 * JSON for an endpoint that refused binary with a 4xx: see {@link RemoteBackendOptions.tensorFormat}).
 */
export type TensorFormat = "auto" | "binary" | "json";

/** Options of the remote backend. */
export interface RemoteBackendOptions {
  /** Server base URL, e.g. `http://triton:8000`. Redirects are not followed: give the final address. */
  url: string;
  /** Model name in the server's repository. */
  model: string;
  /** Model version; default: the server's choice. */
  version?: string;
  /** Extra HTTP headers on every request (e.g. `{ authorization: "Bearer …" }`). */
  headers?: Record<string, string>;
  /**
   * Time limit of one HTTP exchange in ms, from sending the request to the last byte of the answer (each
   * retry gets its own). Default 30 000.
   */
  timeoutMs?: number;
  /** Retries after a connection error or a 503/429, with exponential backoff (honouring Retry-After). Default 3. */
  retries?: number;
  /** First backoff delay in ms (doubles each retry, ±20 % jitter). Default 100. */
  retryDelayMs?: number;
  /** Most requests in flight at once. Default 4. */
  maxConcurrentRequests?: number;
  /** Most batches waiting for a request slot; beyond it `OverloadedError`. Default 1024. */
  maxQueuedBatches?: number;
  /**
   * Tensor encoding. `"auto"` (default): the binary tensor data extension; when a binary request is answered
   * with a 4xx that can be about the encoding (any 4xx but 401, 403, 404, 408, 413 and 429: Seldon MLServer
   * answers 422), that request is sent again once as JSON, and if JSON works the endpoint (URL + model +
   * version) gets JSON from then on, in this process. `"binary"` or `"json"` forces one encoding.
   */
  tensorFormat?: TensorFormat;
  /**
   * Forces an encoding: `true` = `tensorFormat: "binary"`, `false` = `"json"`.
   * @deprecated Use `tensorFormat`.
   */
  binary?: boolean;
  /**
   * Largest answer read, in bytes. By default an inference answer may be as large as its outputs written as
   * JSON (32 bytes per number for the batch's `[batch, seq, 2]` and `[batch, 1]` outputs) plus 64 KiB, and a
   * metadata answer 1 MiB; beyond it the request fails with `RemoteInferenceError` without reading the rest.
   * A larger value raises both limits (for servers that legitimately send more, e.g. extra outputs).
   */
  maxResponseBytes?: number;
}

/** Bytes per output number allowed in an answer: a float as JSON text (`-1.2345678901234567e-05, `) fits. */
const BYTES_PER_NUMBER = 32;
/** Room for the JSON around the numbers (names, shapes, parameters, id). */
const RESPONSE_MARGIN_BYTES = 64 * 1024;
/** Largest metadata answer read by default. */
const METADATA_MAX_BYTES = 1024 * 1024;
/** Bytes of an error answer read for its message; the rest is discarded unread. */
const ERROR_BODY_BYTES = 4096;
/** 4xx answers that say nothing about the tensor encoding (no JSON retry for them). */
const NOT_ABOUT_ENCODING = new Set([401, 403, 404, 408, 413, 429]);

/** Endpoints that refused binary tensors and accepted JSON (key: model URL), learned in this process. */
const jsonEndpoints = new Set<string>();
const MAX_REMEMBERED_ENDPOINTS = 256;

function rememberJsonEndpoint(key: string): void {
  if (jsonEndpoints.size >= MAX_REMEMBERED_ENDPOINTS) jsonEndpoints.delete(jsonEndpoints.values().next().value!);
  jsonEndpoints.add(key);
}

/** Server text in a message: no control characters (it may reach a terminal), bounded length. */
export function serverText(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type ResolvedOptions = Required<Omit<RemoteBackendOptions, "version" | "headers" | "binary" | "maxResponseBytes">> &
  Pick<RemoteBackendOptions, "version" | "headers" | "maxResponseBytes">;

/** One answer, read: status, headers and (part of) the body. */
interface Answer {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Uint8Array;
}

/** Remote KServe V2 backend; create it with {@link RemoteBackend.connect}. */
export class RemoteBackend implements InferenceBackend {
  readonly info: BackendInfo;
  private readonly options: ResolvedOptions;
  private readonly outputs: { pruning: string | null; ranking: string | null };
  private readonly queue: JobQueue<{ inputs: ModelInputs; signal: AbortSignal | undefined }, BatchOutput>;
  private readonly disposer = new AbortController();
  /** The model's URL: the key under which a learned encoding is remembered. */
  private readonly endpoint: string;

  private constructor(options: ResolvedOptions, info: BackendInfo, outputs: RemoteBackend["outputs"]) {
    this.options = options;
    this.info = info;
    this.outputs = outputs;
    this.endpoint = options.url + modelPath(options.model, options.version);
    this.queue = new JobQueue({ maxQueued: options.maxQueuedBatches });
    for (let i = 0; i < options.maxConcurrentRequests; i++) {
      this.queue.addSlot({ alive: true, execute: ({ inputs, signal }) => this.infer(inputs, signal) });
    }
  }

  /** Reads the model's metadata from the server and checks it against the model contract. */
  static async connect(options: RemoteBackendOptions, outputs: OutputNames): Promise<RemoteBackend> {
    if (!options || typeof options.url !== "string" || typeof options.model !== "string" || !options.model) {
      throw new ModelLoadError(String(options?.url), 'the remote backend needs { url: "http://host:port", model: "name" }');
    }
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new ModelLoadError(options.url, "not a valid URL for the remote backend");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new ModelLoadError(options.url, "the remote backend needs an http: or https: URL");
    const tensorFormat = options.tensorFormat ?? (options.binary === undefined ? "auto" : options.binary ? "binary" : "json");
    if (tensorFormat !== "auto" && tensorFormat !== "binary" && tensorFormat !== "json") {
      throw new ModelLoadError(options.url, `tensorFormat must be "auto", "binary" or "json" (got ${JSON.stringify(tensorFormat)})`);
    }
    const resolved: ResolvedOptions = {
      url: base.href.replace(/\/$/, ""),
      model: options.model,
      ...(options.version !== undefined ? { version: options.version } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 100,
      maxConcurrentRequests: options.maxConcurrentRequests ?? 4,
      maxQueuedBatches: options.maxQueuedBatches ?? 1024,
      tensorFormat,
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    };
    for (const [name, value, min] of [
      ["maxConcurrentRequests", resolved.maxConcurrentRequests, 1],
      ["timeoutMs", resolved.timeoutMs, 1],
      ["retries", resolved.retries, 0],
      ["retryDelayMs", resolved.retryDelayMs, 0],
      ["maxResponseBytes", resolved.maxResponseBytes ?? 1, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new ModelLoadError(resolved.url, `${name} must be an integer ≥ ${min} (got ${String(value)})`);
    }
    const metadataUrl = resolved.url + modelPath(resolved.model, resolved.version);
    const limit = Math.max(METADATA_MAX_BYTES, resolved.maxResponseBytes ?? 0);
    const answer = await exchange(metadataUrl, { method: "GET", headers: { ...resolved.headers } }, resolved, undefined, limit);
    const text = new TextDecoder().decode(answer.body);
    if (!answer.ok) throw new RemoteInferenceError(metadataUrl, `model metadata request failed with HTTP ${answer.status}: ${errorDetail(answer.body)}`, answer.status);
    let metadata: unknown;
    try {
      metadata = JSON.parse(text);
    } catch {
      throw new RemoteInferenceError(metadataUrl, "model metadata is not JSON", answer.status);
    }
    const { info, names } = checkMetadata(metadata, outputs, metadataUrl, resolved.maxConcurrentRequests);
    return new RemoteBackend(resolved, info, names);
  }

  /** The encoding the next request uses. */
  get tensorFormat(): "binary" | "json" {
    if (this.options.tensorFormat !== "auto") return this.options.tensorFormat;
    return jsonEndpoints.has(this.endpoint) ? "json" : "binary";
  }

  run(inputs: ModelInputs, options: RunOptions = {}): Promise<BatchOutput> {
    return this.queue.submit({ inputs, signal: options.signal }, options.signal);
  }

  stats(): BackendStats {
    return { queued: this.queue.queued, inFlight: this.queue.inFlight };
  }

  async dispose(): Promise<void> {
    this.queue.dispose();
    this.disposer.abort();
  }

  private async infer(inputs: ModelInputs, callSignal: AbortSignal | undefined): Promise<BatchOutput> {
    const signal = callSignal ? AbortSignal.any([this.disposer.signal, callSignal]) : this.disposer.signal;
    const url = this.endpoint + "/infer";
    const format = this.tensorFormat;
    let answer = await this.post(url, inputs, format, signal);
    if (format === "binary" && this.options.tensorFormat === "auto" && answer.status >= 400 && answer.status < 500 && !NOT_ABOUT_ENCODING.has(answer.status)) {
      // Maybe the server does not speak the binary extension (MLServer: 422): this request, once, as JSON.
      const refused = answer;
      answer = await this.post(url, inputs, "json", signal);
      if (answer.ok) rememberJsonEndpoint(this.endpoint);
      else {
        throw new RemoteInferenceError(
          url,
          `inference failed with HTTP ${answer.status}: ${errorDetail(answer.body)} (as JSON; with binary tensors: HTTP ${refused.status}: ${errorDetail(refused.body)})`,
          answer.status,
        );
      }
    }
    if (!answer.ok) throw new RemoteInferenceError(url, `inference failed with HTTP ${answer.status}: ${errorDetail(answer.body)}`, answer.status);
    return decodeOutputs(answer.body, answer.headers.get(INFERENCE_HEADER), { batchSize: inputs.batchSize, sequenceLength: inputs.sequenceLength, ...this.outputs }, url, answer.status);
  }

  private post(url: string, inputs: ModelInputs, format: "binary" | "json", signal: AbortSignal): Promise<Answer> {
    const { batchSize, sequenceLength } = inputs;
    const tensors: V2Tensor[] = this.info.inputNames.map((name) => ({ name, shape: [batchSize, sequenceLength], datatype: "INT64", data: inputs.tensors[name]! }));
    const wanted = [this.outputs.pruning, this.outputs.ranking].filter((name): name is string => name !== null);
    const { body, headers } = encodeInferRequest(tensors, wanted, format === "binary");
    const numbers = (this.outputs.pruning !== null ? batchSize * sequenceLength * 2 : 0) + (this.outputs.ranking !== null ? batchSize : 0);
    const limit = Math.max(numbers * BYTES_PER_NUMBER + RESPONSE_MARGIN_BYTES, this.options.maxResponseBytes ?? 0);
    return exchange(url, { method: "POST", headers: { ...this.options.headers, ...headers }, body }, this.options, signal, limit);
  }
}

/** What {@link decodeOutputs} expects of an answer. */
export interface ExpectedOutputs {
  batchSize: number;
  sequenceLength: number;
  /** Output names asked for (`null`: not read). */
  pruning: string | null;
  ranking: string | null;
}

/**
 * Decodes a successful inference answer into logits, checking names, datatypes and shapes against what the
 * batch asked for. Anything else is a {@link RemoteInferenceError} (never a raw parser error).
 */
export function decodeOutputs(body: Uint8Array, lengthHeader: string | null, expected: ExpectedOutputs, url: string, status: number): BatchOutput {
  const broken = (detail: string) => new RemoteInferenceError(url, `the response breaks the V2 protocol: ${detail}`, status);
  let headerLength: number | undefined;
  if (lengthHeader !== null) {
    if (!/^\d{1,15}$/.test(lengthHeader.trim())) throw broken(`${INFERENCE_HEADER} is not a byte count (${serverText(lengthHeader, 40)})`);
    headerLength = Number(lengthHeader.trim());
  }
  let decoded;
  try {
    decoded = decodeInferBody(body, headerLength, "outputs");
  } catch (error) {
    throw broken(serverText((error as Error)?.message ?? String(error)));
  }
  const { batchSize, sequenceLength } = expected;
  let pruningLogits: Float32Array | null = null;
  if (expected.pruning !== null) {
    const pruning = decoded.tensors.find((t) => t.name === expected.pruning);
    const shape = [batchSize, sequenceLength, 2];
    if (!pruning || pruning.datatype !== "FP32" || pruning.shape.length !== 3 || pruning.shape.some((d, i) => d !== shape[i])) {
      throw new RemoteInferenceError(url, `output "${expected.pruning}" missing or not FP32 [${shape.join(", ")}]${pruning ? ` (got ${pruning.datatype} [${pruning.shape.join(", ")}])` : ""}`, status);
    }
    pruningLogits = pruning.data as Float32Array;
  }
  let rankingLogits: Float32Array | null = null;
  if (expected.ranking !== null) {
    const ranking = decoded.tensors.find((t) => t.name === expected.ranking);
    const shapeOk = ranking && ((ranking.shape.length === 2 && ranking.shape[0] === batchSize && ranking.shape[1] === 1) || (ranking.shape.length === 1 && ranking.shape[0] === batchSize));
    if (!ranking || ranking.datatype !== "FP32" || !shapeOk) {
      throw new RemoteInferenceError(url, `output "${expected.ranking}" missing or not FP32 [${batchSize}, 1]${ranking ? ` (got ${ranking.datatype} [${ranking.shape.join(", ")}])` : ""}`, status);
    }
    rankingLogits = ranking.data as Float32Array;
  }
  return { pruningLogits, rankingLogits };
}

/** The message of an error answer: its JSON `error` (or FastAPI's `detail`), else its text. */
function errorDetail(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
  try {
    const parsed = JSON.parse(text) as { error?: unknown; detail?: unknown } | null;
    if (typeof parsed?.error === "string") return serverText(parsed.error);
    if (parsed?.detail !== undefined) return serverText(JSON.stringify(parsed.detail));
  } catch {
    /* not JSON (or cut at the read limit): keep the text */
  }
  return serverText(text) || "(empty body)";
}

/** Checks server metadata against the contract; returns what the backend feeds and reads. */
function checkMetadata(metadata: unknown, outputs: OutputNames, url: string, parallelism: number): { info: BackendInfo; names: { pruning: string | null; ranking: string | null } } {
  const tensors = (list: unknown) =>
    (Array.isArray(list) ? (list as unknown[]) : [])
      .filter((t): t is V2ModelMetadata["inputs"][number] => t !== null && typeof t === "object" && typeof (t as { name?: unknown }).name === "string")
      .map((t) => ({
        name: serverText(t.name, 100),
        type: t.datatype === "INT64" ? "int64" : t.datatype === "FP32" ? "float32" : typeof t.datatype === "string" ? serverText(t.datatype, 20).toLowerCase() : "?",
        shape: Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d)) ? t.shape : undefined,
      }));
  const meta = (metadata !== null && typeof metadata === "object" ? metadata : {}) as Partial<V2ModelMetadata>;
  const graph: GraphSignature = {
    inputs: tensors(meta.inputs).map(({ name, type }) => ({ name, type })),
    outputs: tensors(meta.outputs).map(({ name, type, shape }) => ({ name, type, ...(shape ? { shape } : {}) })),
  };
  const check = checkContract(graph, outputs);
  if (check.problems.length > 0) throw new RemoteInferenceError(url, contractMessage(check, graph, "the served model"));
  const ranking = check.ranking;
  return { info: { kind: "remote", inputNames: check.inputNames, hasRankingOutput: ranking !== null, parallelism }, names: { pruning: outputs.pruning, ranking } };
}

/**
 * One HTTP exchange: the request and its whole answer within `timeoutMs` per attempt, retried on connection
 * errors and 503/429. A successful answer is read up to `limit` bytes (beyond: `RemoteInferenceError`,
 * without reading the rest); an error answer only up to {@link ERROR_BODY_BYTES}. Redirects are refused.
 * Every failure is typed: `AbortError` (the caller's signal), `TimeoutError`, `RemoteInferenceError`.
 */
async function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array },
  options: { timeoutMs: number; retries: number; retryDelayMs: number },
  signal: AbortSignal | undefined,
  limit: number,
): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const typed = (error: unknown, what: string, status?: number): SemanticHighlightError => {
      if (signal?.aborted) return new AbortError(signal.reason);
      if (timeout.aborted) return new TimeoutError(`The request to ${url}`, options.timeoutMs);
      if (error instanceof SemanticHighlightError) return error;
      const cause = error as { message?: string; cause?: { code?: string; message?: string } };
      return new RemoteInferenceError(url, `${what} (${serverText(cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? String(error), 200)})`, status, { cause: error });
    };
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await fetch(url, { method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}), redirect: "manual", signal: combined });
    } catch (error) {
      const typedError = typed(error, "cannot reach the inference server");
      if (!(typedError instanceof RemoteInferenceError)) throw typedError;
      failure = error;
    }
    if (response) {
      const status = response.status;
      if (status >= 300 && status < 400) {
        const location = response.headers.get("location");
        void response.body?.cancel().catch(() => undefined);
        throw new RemoteInferenceError(
          url,
          `the server answered HTTP ${status} (a redirect${location ? ` to ${serverText(location, 200)}` : ""}); redirects are not followed, so that the request and its headers (e.g. API keys) never go to another address: set url to the final address`,
          status,
        );
      }
      const retryable = status === 503 || status === 429;
      if (!retryable || attempt >= options.retries) {
        try {
          const body = await readBody(response, response.ok ? limit : ERROR_BODY_BYTES, !response.ok, url);
          return { status, ok: response.ok, headers: response.headers, body };
        } catch (error) {
          throw typed(error, "the answer could not be read", status);
        }
      }
      let delay = options.retryDelayMs * 2 ** attempt * (0.8 + 0.4 * Math.random());
      const retryAfter = response.headers.get("retry-after");
      if (retryAfter && /^\d+(\.\d+)?$/.test(retryAfter)) delay = Math.max(delay, Number(retryAfter) * 1000);
      void response.body?.cancel().catch(() => undefined); // drop the rest of the answer unread
      await sleep(Math.min(delay, 30_000), signal);
      continue;
    }
    if (attempt >= options.retries) {
      const cause = failure as Error & { cause?: { code?: string } };
      throw new RemoteInferenceError(url, `cannot reach the inference server (${serverText(cause?.cause?.code ?? cause?.message ?? String(failure), 200)}) after ${attempt + 1} attempts`, undefined, { cause });
    }
    await sleep(Math.min(options.retryDelayMs * 2 ** attempt * (0.8 + 0.4 * Math.random()), 30_000), signal);
  }
}

/**
 * Reads at most `limit` bytes of a body. Beyond it: stops reading and, unless `truncate`, throws
 * `RemoteInferenceError`. A Content-Length above the limit fails before reading anything.
 */
async function readBody(response: Response, limit: number, truncate: boolean, url: string): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    new RemoteInferenceError(url, `the answer is larger than ${limit} bytes (${size}), more than this batch's outputs can take; raise maxResponseBytes if the server legitimately sends more`, response.status);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(`Content-Length ${declared}`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.byteLength > limit) {
        if (!truncate) throw tooLarge("cut off while reading");
        chunks.push(value.subarray(0, limit - total));
        total = limit;
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    // Whatever is left (beyond the limit, or after an error) is dropped unread: the connection is closed.
    void reader.cancel().catch(() => undefined);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
