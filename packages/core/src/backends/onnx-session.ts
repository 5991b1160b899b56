/**
 * The one stateful piece: an onnxruntime-node session that follows the model contract (DESIGN §3).
 * Calls are serialised per session so concurrent `highlight` calls neither oversubscribe the CPU threads
 * nor multiply peak memory; throughput is the same because one run already uses every intra-op thread.
 */
import type * as OnnxRuntimeNode from "onnxruntime-node";

import { checkContract, contractMessage, type GraphSignature, type OutputNames } from "./contract.js";
import type { BatchOutput, ModelInputName, ModelInputs } from "./types.js";
import { InferenceError, MissingDependencyError, ModelLoadError } from "../errors.js";

export type { BatchOutput } from "./types.js";
export type { OutputNames } from "./contract.js";

type Ort = typeof OnnxRuntimeNode;
let runtime: Promise<Ort> | undefined;

/**
 * onnxruntime-node, imported on first use: it is an optional peer dependency (a browser app installs only
 * onnxruntime-web, a remote-backend service neither), so importing the package must not need it. Without it,
 * the first session fails with a {@link MissingDependencyError} saying what to install.
 */
export function loadOnnxRuntimeNode(): Promise<Ort> {
  runtime ??= import("onnxruntime-node").catch((cause: unknown) => {
    runtime = undefined; // a later call tries again
    throw new MissingDependencyError("onnxruntime-node", "Running a model in Node (the in-process and worker backends, the Triton repository check)", { cause });
  });
  return runtime;
}

/** onnxruntime settings for the session. */
export interface RuntimeOptions {
  /** Threads inside one operator (matrix products). Default: onnxruntime's choice (all physical cores). */
  intraOpNumThreads?: number;
  /** Threads across independent operators. Default 1. */
  interOpNumThreads?: number;
  /** Execution providers in priority order, e.g. `["cuda", "cpu"]`. Default `["cpu"]`. */
  executionProviders?: string[];
  /** Graph optimisation level. Default "all". */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /**
   * Keep onnxruntime's CPU memory arena. Default true: it is 2–3× faster on long blocks; turning it off
   * returns memory to the system after a long input.
   */
  enableCpuMemArena?: boolean;
}

/** A loaded ONNX model that maps padded blocks to logits. */
export class OnnxModelSession {
  /** The graph's inputs, all of them known to the pipeline (`token_type_ids` for BERT-style exports, `sentence_index` for graphs that read sentence boundaries). */
  readonly inputNames: readonly ModelInputName[];
  /** Name of the ranking output in use, or `null`. */
  readonly rankingOutput: string | null;
  private readonly ort: Ort;
  private readonly session: OnnxRuntimeNode.InferenceSession;
  /** Name of the pruning output, or `null` for a rerank-only model. */
  readonly pruningOutput: string | null;
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(ort: Ort, session: OnnxRuntimeNode.InferenceSession, pruningOutput: string | null, rankingOutput: string | null) {
    this.ort = ort;
    this.session = session;
    this.pruningOutput = pruningOutput;
    this.rankingOutput = rankingOutput;
    this.inputNames = session.inputNames as ModelInputName[];
  }

  /**
   * Loads `modelPath` (by path, so external weight data beside it is found) and checks the graph's inputs
   * and outputs against the contract.
   */
  static async create(modelPath: string, outputs: OutputNames, options: RuntimeOptions = {}): Promise<OnnxModelSession> {
    const ort = await loadOnnxRuntimeNode();
    const sessionOptions: OnnxRuntimeNode.InferenceSession.SessionOptions = {
      executionProviders: (options.executionProviders ?? ["cpu"]) as OnnxRuntimeNode.InferenceSession.ExecutionProviderConfig[],
      graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
      interOpNumThreads: options.interOpNumThreads ?? 1,
      enableCpuMemArena: options.enableCpuMemArena ?? true,
    };
    if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
    let session: OnnxRuntimeNode.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, sessionOptions);
    } catch (cause) {
      throw new ModelLoadError(modelPath, `onnxruntime cannot load this file as an ONNX model: ${(cause as Error).message}`, { cause });
    }
    const graph: GraphSignature = {
      inputs: session.inputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type } : { name: m.name })),
      outputs: session.outputNames.map((name) => ({ name })),
    };
    const check = checkContract(graph, outputs);
    if (check.problems.length > 0) {
      await session.release().catch(() => undefined);
      throw new ModelLoadError(modelPath, contractMessage(check, graph));
    }
    const ranking = check.ranking;
    return new OnnxModelSession(ort, session, outputs.pruning, ranking);
  }

  /** Runs one padded batch. Calls are queued: one run at a time per session. */
  run(inputs: ModelInputs): Promise<BatchOutput> {
    const result = this.queue.then(() => this.runNow(inputs));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(inputs: ModelInputs): Promise<BatchOutput> {
    if (this.released) throw new InferenceError("The model session has been released (dispose() was called).");
    const { batchSize, sequenceLength } = inputs;
    const dims = [batchSize, sequenceLength];
    const feeds: Record<string, OnnxRuntimeNode.Tensor> = {};
    for (const name of this.inputNames) {
      const data = inputs.tensors[name];
      if (!data) throw new InferenceError(`the graph needs input "${name}" but the batch does not carry it`);
      if (data.length !== batchSize * sequenceLength) throw new InferenceError(`input "${name}" has ${data.length} values, expected ${batchSize} × ${sequenceLength}`);
      feeds[name] = new this.ort.Tensor("int64", data, dims);
    }
    const fetches = [this.pruningOutput, this.rankingOutput].filter((name): name is string => name !== null);
    let out: OnnxRuntimeNode.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds, fetches);
    } catch (cause) {
      throw new InferenceError(`onnxruntime failed on a batch of ${batchSize} × ${sequenceLength} tokens: ${(cause as Error).message}`, { cause });
    }
    return checkOutputs(out, this.pruningOutput, this.rankingOutput, batchSize, sequenceLength);
  }

  /** Frees the native session. Further runs fail with {@link InferenceError}. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue;
    await this.session.release();
  }
}

/** Checks the graph's outputs against the contract and returns them as flat arrays. */
function checkOutputs(out: OnnxRuntimeNode.InferenceSession.ReturnType, pruningOutput: string | null, rankingOutput: string | null, batchSize: number, sequenceLength: number): BatchOutput {
  let pruningLogits: Float32Array | null = null;
  if (pruningOutput !== null) {
    const pruning = out[pruningOutput]!;
    const expected = [batchSize, sequenceLength, 2];
    if (pruning.type !== "float32" || pruning.dims.length !== 3 || pruning.dims.some((d, i) => d !== expected[i])) {
      throw new InferenceError(`output "${pruningOutput}" is ${pruning.type} [${pruning.dims.join(", ")}], expected float32 [${expected.join(", ")}]`);
    }
    pruningLogits = pruning.data as Float32Array;
  }
  let rankingLogits: Float32Array | null = null;
  if (rankingOutput) {
    const ranking = out[rankingOutput]!;
    if (ranking.type !== "float32" || ranking.size !== batchSize) {
      throw new InferenceError(`output "${rankingOutput}" is ${ranking.type} [${ranking.dims.join(", ")}], expected float32 [${batchSize}, 1]`);
    }
    rankingLogits = ranking.data as Float32Array;
  }
  return { pruningLogits, rankingLogits };
}
