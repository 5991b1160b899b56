/**
 * The remote backend: batches go to a KServe V2 / Triton inference server over HTTP (binary tensor data by
 * default), so the model can run on GPUs and replicas elsewhere while tokenization, packing and sentence
 * logic stay in this process. Concurrency is capped; connection errors and 503s are retried with backoff.
 */
import { AbortError, ModelLoadError, RemoteInferenceError, TimeoutError } from "../errors.js";
import { checkContract, contractMessage, type GraphSignature, type OutputNames } from "./contract.js";
import { decodeInferBody, encodeInferRequest, INFERENCE_HEADER, modelPath, V2ProtocolError, type V2ModelMetadata, type V2Tensor } from "./kserve.js";
import { JobQueue } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputs, RunOptions } from "./types.js";

/** Options of the remote backend. */
export interface RemoteBackendOptions {
  /** Server base URL, e.g. `http://triton:8000`. */
  url: string;
  /** Model name in the server's repository. */
  model: string;
  /** Model version; default: the server's choice. */
  version?: string;
  /** Extra HTTP headers on every request (e.g. `{ authorization: "Bearer …" }`). */
  headers?: Record<string, string>;
  /** Time limit of one HTTP request in ms (each retry gets its own). Default 30 000. */
  timeoutMs?: number;
  /** Retries after a connection error or a 503/429, with exponential backoff (honouring Retry-After). Default 3. */
  retries?: number;
  /** First backoff delay in ms (doubles each retry, ±20 % jitter). Default 100. */
  retryDelayMs?: number;
  /** Most requests in flight at once. Default 4. */
  maxConcurrentRequests?: number;
  /** Most batches waiting for a request slot; beyond it `OverloadedError`. Default 1024. */
  maxQueuedBatches?: number;
  /** Use the binary tensor data extension (default true); false sends and asks for JSON tensors. */
  binary?: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(new AbortError(signal.reason))), { once: true });
  });

/** Remote KServe V2 backend; create it with {@link RemoteBackend.connect}. */
export class RemoteBackend implements InferenceBackend {
  readonly info: BackendInfo;
  private readonly options: Required<Omit<RemoteBackendOptions, "version" | "headers">> & Pick<RemoteBackendOptions, "version" | "headers">;
  private readonly outputs: { pruning: string | null; ranking: string | null };
  private readonly queue: JobQueue<{ inputs: ModelInputs; signal: AbortSignal | undefined }, BatchOutput>;
  private readonly disposer = new AbortController();

  private constructor(options: RemoteBackend["options"], info: BackendInfo, outputs: RemoteBackend["outputs"]) {
    this.options = options;
    this.info = info;
    this.outputs = outputs;
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
    const resolved: RemoteBackend["options"] = {
      url: base.href.replace(/\/$/, ""),
      model: options.model,
      ...(options.version !== undefined ? { version: options.version } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 100,
      maxConcurrentRequests: options.maxConcurrentRequests ?? 4,
      maxQueuedBatches: options.maxQueuedBatches ?? 1024,
      binary: options.binary ?? true,
    };
    if (!Number.isInteger(resolved.maxConcurrentRequests) || resolved.maxConcurrentRequests < 1) {
      throw new ModelLoadError(resolved.url, `maxConcurrentRequests must be a positive integer (got ${String(options.maxConcurrentRequests)})`);
    }
    const metadataUrl = resolved.url + modelPath(resolved.model, resolved.version);
    const response = await fetchWithRetry(metadataUrl, { method: "GET", headers: { ...resolved.headers } }, resolved, undefined);
    const text = await response.text();
    if (!response.ok) throw new RemoteInferenceError(metadataUrl, `model metadata request failed with HTTP ${response.status}: ${text.slice(0, 300)}`, response.status);
    let metadata: V2ModelMetadata;
    try {
      metadata = JSON.parse(text) as V2ModelMetadata;
    } catch {
      throw new RemoteInferenceError(metadataUrl, "model metadata is not JSON", response.status);
    }
    const { info, names } = checkMetadata(metadata, outputs, metadataUrl, resolved.maxConcurrentRequests);
    return new RemoteBackend(resolved, info, names);
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

  private async infer(inputs: ModelInputs, signal: AbortSignal | undefined): Promise<BatchOutput> {
    const { batchSize, sequenceLength } = inputs;
    const tensors: V2Tensor[] = this.info.inputNames.map((name) => ({ name, shape: [batchSize, sequenceLength], datatype: "INT64", data: inputs.tensors[name]! }));
    const wanted = [this.outputs.pruning, this.outputs.ranking].filter((name): name is string => name !== null);
    const { body, headers } = encodeInferRequest(tensors, wanted, this.options.binary);
    const url = this.options.url + modelPath(this.options.model, this.options.version) + "/infer";
    const signals = [this.disposer.signal, ...(signal ? [signal] : [])];
    const response = await fetchWithRetry(url, { method: "POST", headers: { ...this.options.headers, ...headers }, body }, this.options, AbortSignal.any(signals));
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      let detail = new TextDecoder().decode(bytes.subarray(0, 500));
      try {
        detail = (JSON.parse(detail) as { error?: string }).error ?? detail;
      } catch {
        /* not JSON: keep the text */
      }
      throw new RemoteInferenceError(url, `inference failed with HTTP ${response.status}: ${detail}`, response.status);
    }
    const lengthHeader = response.headers.get(INFERENCE_HEADER);
    let decoded;
    try {
      decoded = decodeInferBody(bytes, lengthHeader === null ? undefined : Number(lengthHeader), "outputs");
    } catch (error) {
      if (error instanceof V2ProtocolError) throw new RemoteInferenceError(url, `the response breaks the V2 protocol: ${error.message}`, response.status);
      throw error;
    }
    let pruningLogits: Float32Array | null = null;
    if (this.outputs.pruning !== null) {
      const pruning = decoded.tensors.find((t) => t.name === this.outputs.pruning);
      const expected = [batchSize, sequenceLength, 2];
      if (!pruning || pruning.datatype !== "FP32" || pruning.shape.length !== 3 || pruning.shape.some((d, i) => d !== expected[i])) {
        throw new RemoteInferenceError(url, `output "${this.outputs.pruning}" missing or not FP32 [${expected.join(", ")}]`, response.status);
      }
      pruningLogits = pruning.data as Float32Array;
    }
    let rankingLogits: Float32Array | null = null;
    if (this.outputs.ranking) {
      const ranking = decoded.tensors.find((t) => t.name === this.outputs.ranking);
      if (!ranking || ranking.datatype !== "FP32" || ranking.data.length !== batchSize) {
        throw new RemoteInferenceError(url, `output "${this.outputs.ranking}" missing or not FP32 [${batchSize}, 1]`, response.status);
      }
      rankingLogits = ranking.data as Float32Array;
    }
    return { pruningLogits, rankingLogits };
  }
}

/** Checks server metadata against the contract; returns what the backend feeds and reads. */
function checkMetadata(metadata: V2ModelMetadata, outputs: OutputNames, url: string, parallelism: number): { info: BackendInfo; names: { pruning: string | null; ranking: string | null } } {
  const lower = (datatype: string) => (datatype === "INT64" ? "int64" : datatype === "FP32" ? "float32" : datatype.toLowerCase());
  const graph: GraphSignature = {
    inputs: (Array.isArray(metadata?.inputs) ? metadata.inputs : []).map((i) => ({ name: i.name, type: lower(i.datatype) })),
    outputs: (Array.isArray(metadata?.outputs) ? metadata.outputs : []).map((o) => ({ name: o.name, type: lower(o.datatype), shape: o.shape })),
  };
  const check = checkContract(graph, outputs);
  if (check.problems.length > 0) throw new RemoteInferenceError(url, contractMessage(check, graph, "the served model"));
  const ranking = check.ranking;
  return { info: { kind: "remote", inputNames: check.inputNames, hasRankingOutput: ranking !== null, parallelism }, names: { pruning: outputs.pruning, ranking } };
}

/** One HTTP request with a per-attempt timeout, retried on connection errors and 503/429. */
async function fetchWithRetry(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array },
  options: { timeoutMs: number; retries: number; retryDelayMs: number },
  signal: AbortSignal | undefined,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await fetch(url, { method: init.method, headers: init.headers, ...(init.body ? { body: init.body } : {}), signal: combined });
    } catch (error) {
      if (signal?.aborted) throw new AbortError(signal.reason);
      if (timeout.aborted) throw new TimeoutError(`The request to ${url}`, options.timeoutMs);
      failure = error;
    }
    const retryable = response === undefined || response.status === 503 || response.status === 429;
    if (!retryable || attempt >= options.retries) {
      if (response) return response;
      const cause = failure as Error & { cause?: { code?: string } };
      throw new RemoteInferenceError(url, `cannot reach the inference server (${cause.cause?.code ?? cause.message}) after ${attempt + 1} attempts`, undefined, { cause });
    }
    let delay = options.retryDelayMs * 2 ** attempt * (0.8 + 0.4 * Math.random());
    const retryAfter = response?.headers.get("retry-after");
    if (retryAfter && /^\d+(\.\d+)?$/.test(retryAfter)) delay = Math.max(delay, Number(retryAfter) * 1000);
    await response?.arrayBuffer().catch(() => undefined); // free the connection
    await sleep(Math.min(delay, 30_000), signal);
  }
}
