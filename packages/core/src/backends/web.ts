/**
 * The browser / edge backend: onnxruntime-web (WebAssembly, or WebGPU where the browser has it) behind the
 * same {@link InferenceBackend} seam as the Node backends, so the sentence pipeline is shared unchanged.
 * onnxruntime-web runs one `session.run` at a time per session; batches are queued.
 */
import { checkContract, contractMessage, type GraphSignature, type OutputNames } from "./contract.js";
import type * as OnnxRuntimeWeb from "onnxruntime-web";

import { InferenceError, MissingDependencyError, ModelLoadError } from "../errors.js";
import { JobQueue } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputName, ModelInputs, RunOptions } from "./types.js";

/** Where onnxruntime-web runs the graph. */
export type WebDevice = "wasm" | "webgpu" | "auto";

/** Options of the onnxruntime-web backend (`WebHighlighter.load` takes them). */
export interface WebBackendOptions {
  /**
   * `"wasm"`: WebAssembly on the CPU (the reference: same scores as Node within 1e-4). `"webgpu"`: the GPU,
   * failing when the browser has no WebGPU. `"auto"` (default): WebGPU when `navigator.gpu` gives an adapter,
   * else WebAssembly.
   */
  device?: WebDevice;
  /**
   * Where onnxruntime-web fetches its `.wasm` files (a URL prefix ending in "/"). Default: next to the bundled
   * onnxruntime-web script, which bundlers such as Vite resolve and copy for you.
   */
  wasmPaths?: string;
  /** WebAssembly threads (they need a cross-origin-isolated page). Default: onnxruntime-web's choice. */
  numThreads?: number;
  /** Most batches waiting for the session; beyond it calls fail with `OverloadedError`. Default 1024. */
  maxQueuedBatches?: number;
}

type Ort = typeof OnnxRuntimeWeb;
let runtime: Promise<Ort> | undefined;

/**
 * onnxruntime-web, imported on first use rather than by a static import: it is an optional peer dependency,
 * and an app built without it (bundlers such as Vite build such an app with a warning and a stub module that
 * throws on evaluation) would otherwise die while its scripts load, before any of its own error handling runs.
 * Loaded here, the failure is a {@link MissingDependencyError} from `WebHighlighter.load` saying what to
 * install. Bundlers still bundle onnxruntime-web (as its own chunk) when it is installed.
 */
export function loadOnnxRuntimeWeb(): Promise<Ort> {
  runtime ??= import("onnxruntime-web").catch((cause: unknown) => {
    runtime = undefined; // a later call tries again (a chunk may have failed to download)
    throw new MissingDependencyError("onnxruntime-web", "WebHighlighter (the browser / edge build)", { cause });
  });
  return runtime;
}

/** Names of the graph outputs the pipeline reads (from `highlight_config.json`). */
export type WebOutputNames = OutputNames;

interface NavigatorWithGpu {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** Whether this runtime offers a WebGPU adapter. */
export async function hasWebGpu(): Promise<boolean> {
  const nav = (globalThis as { navigator?: NavigatorWithGpu }).navigator;
  if (!nav?.gpu) return false;
  try {
    return (await nav.gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Runs batches through one onnxruntime-web session. */
export class WebBackend implements InferenceBackend {
  readonly info: BackendInfo;
  /** The execution provider in use: `"wasm"` or `"webgpu"`. */
  readonly device: "wasm" | "webgpu";
  private readonly ort: Ort;
  private readonly session: OnnxRuntimeWeb.InferenceSession;
  private readonly pruningOutput: string | null;
  private readonly rankingOutput: string | null;
  private readonly queue: JobQueue<ModelInputs, BatchOutput>;
  private released = false;

  private constructor(ort: Ort, session: OnnxRuntimeWeb.InferenceSession, device: "wasm" | "webgpu", pruningOutput: string | null, rankingOutput: string | null, maxQueued: number) {
    this.ort = ort;
    this.session = session;
    this.device = device;
    this.pruningOutput = pruningOutput;
    this.rankingOutput = rankingOutput;
    this.info = { kind: "web", inputNames: session.inputNames as ModelInputName[], hasRankingOutput: rankingOutput !== null, parallelism: 1 };
    this.queue = new JobQueue({ maxQueued });
    this.queue.addSlot({ alive: true, execute: (inputs) => this.runNow(inputs) });
  }

  /**
   * onnxruntime-web's WebAssembly settings (`wasmPaths`, `numThreads`) are global to the page: the
   * last backend created sets them, before its session is opened.
   *
   * Opens the ONNX graph (its bytes; external weight data is not supported in browsers) and checks its inputs
   * and outputs against the model contract. `source` names the model in error messages (its URL).
   * @throws MissingDependencyError when onnxruntime-web is not installed.
   */
  static async create(model: Uint8Array, outputs: WebOutputNames, options: WebBackendOptions = {}, source = "model.onnx"): Promise<WebBackend> {
    const ort = await loadOnnxRuntimeWeb();
    if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
    if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
    const wanted = options.device ?? "auto";
    const device: "wasm" | "webgpu" = wanted === "auto" ? ((await hasWebGpu()) ? "webgpu" : "wasm") : wanted;
    let session: OnnxRuntimeWeb.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, { executionProviders: [device], graphOptimizationLevel: "all" });
    } catch (cause) {
      throw new ModelLoadError(source, `onnxruntime-web (${device}) cannot load this file as an ONNX model: ${(cause as Error).message}`, { cause });
    }
    const graph: GraphSignature = { inputs: session.inputNames.map((name) => ({ name })), outputs: session.outputNames.map((name) => ({ name })) };
    const check = checkContract(graph, outputs);
    if (check.problems.length > 0) {
      await session.release().catch(() => undefined);
      throw new ModelLoadError(source, contractMessage(check, graph));
    }
    const ranking = check.ranking;
    return new WebBackend(ort, session, device, outputs.pruning, ranking, options.maxQueuedBatches ?? 1024);
  }

  run(inputs: ModelInputs, options: RunOptions = {}): Promise<BatchOutput> {
    return this.queue.submit(inputs, options.signal);
  }

  /** Queue depth now. */
  stats(): BackendStats {
    return { queued: this.queue.queued, inFlight: this.queue.inFlight };
  }

  private async runNow(inputs: ModelInputs): Promise<BatchOutput> {
    if (this.released) throw new InferenceError("The model session has been released (dispose() was called).");
    const { batchSize, sequenceLength } = inputs;
    const feeds: Record<string, OnnxRuntimeWeb.Tensor> = {};
    for (const name of this.info.inputNames) {
      const data = inputs.tensors[name];
      if (!data) throw new InferenceError(`the graph needs input "${name}" but the batch does not carry it`);
      if (data.length !== batchSize * sequenceLength) throw new InferenceError(`input "${name}" has ${data.length} values, expected ${batchSize} × ${sequenceLength}`);
      feeds[name] = new this.ort.Tensor("int64", data, [batchSize, sequenceLength]);
    }
    const fetches = [this.pruningOutput, this.rankingOutput].filter((n): n is string => n !== null);
    let out: OnnxRuntimeWeb.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds, fetches);
    } catch (cause) {
      throw new InferenceError(`onnxruntime-web failed on a batch of ${batchSize} × ${sequenceLength} tokens: ${(cause as Error).message}`, { cause });
    }
    let pruningLogits: Float32Array | null = null;
    if (this.pruningOutput !== null) {
      const pruning = out[this.pruningOutput]!;
      const expected = [batchSize, sequenceLength, 2];
      if (pruning.type !== "float32" || pruning.dims.length !== 3 || pruning.dims.some((d, i) => d !== expected[i])) {
        throw new InferenceError(`output "${this.pruningOutput}" is ${pruning.type} [${pruning.dims.join(", ")}], expected float32 [${expected.join(", ")}]`);
      }
      // WebGPU outputs may live on the GPU: getData() downloads them (a no-op copy on the CPU).
      pruningLogits = (await pruning.getData()) as Float32Array;
    }
    let rankingLogits: Float32Array | null = null;
    if (this.rankingOutput) {
      const ranking = out[this.rankingOutput]!;
      if (ranking.type !== "float32" || ranking.size !== batchSize) {
        throw new InferenceError(`output "${this.rankingOutput}" is ${ranking.type} [${ranking.dims.join(", ")}], expected float32 [${batchSize}, 1]`);
      }
      rankingLogits = (await ranking.getData()) as Float32Array;
    }
    return { pruningLogits, rankingLogits };
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.queue.dispose();
    await this.session.release();
  }
}
