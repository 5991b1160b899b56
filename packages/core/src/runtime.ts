/**
 * The one stateful piece: an onnxruntime-node session that follows the model contract (DESIGN §3).
 * Calls are serialised per session so concurrent `highlight` calls neither oversubscribe the CPU threads
 * nor multiply peak memory; throughput is the same because one run already uses every intra-op thread.
 */
import * as ort from "onnxruntime-node";

import { InferenceError, ModelLoadError } from "./errors.js";
import type { Batch } from "./packing.js";

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

/** Logits of one batch, flat and row-major. */
export interface BatchOutput {
  /** [batch, seq, 2] */
  pruningLogits: Float32Array;
  /** [batch] (the [batch, 1] ranking output), or `null` when the model has none. */
  rankingLogits: Float32Array | null;
}

/** Names of the graph's outputs that the pipeline reads. */
export interface OutputNames {
  pruning: string;
  /** `undefined` means: use it when the graph has an output of this name. `null` means none. */
  ranking: string | null;
  /** Whether the config insisted on the ranking output. */
  rankingRequired: boolean;
}

/** A loaded ONNX model that maps padded blocks to logits. */
export class OnnxModelSession {
  /** Whether the graph takes `token_type_ids` (BERT-style exports) besides the two contract inputs. */
  readonly usesTokenTypeIds: boolean;
  /** Name of the ranking output in use, or `null`. */
  readonly rankingOutput: string | null;
  private readonly session: ort.InferenceSession;
  private readonly pruningOutput: string;
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(session: ort.InferenceSession, pruningOutput: string, rankingOutput: string | null) {
    this.session = session;
    this.pruningOutput = pruningOutput;
    this.rankingOutput = rankingOutput;
    this.usesTokenTypeIds = session.inputNames.includes("token_type_ids");
  }

  /**
   * Loads `modelPath` (by path, so external weight data beside it is found) and checks the graph's inputs
   * and outputs against the contract.
   */
  static async create(modelPath: string, outputs: OutputNames, options: RuntimeOptions = {}): Promise<OnnxModelSession> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: (options.executionProviders ?? ["cpu"]) as ort.InferenceSession.ExecutionProviderConfig[],
      graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
      interOpNumThreads: options.interOpNumThreads ?? 1,
      enableCpuMemArena: options.enableCpuMemArena ?? true,
    };
    if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, sessionOptions);
    } catch (cause) {
      throw new ModelLoadError(modelPath, `onnxruntime cannot load this file as an ONNX model: ${(cause as Error).message}`, { cause });
    }
    const problems: string[] = [];
    for (const name of ["input_ids", "attention_mask"]) {
      const meta = session.inputMetadata.find((m) => m.name === name);
      if (!meta) problems.push(`missing input "${name}"`);
      else if (meta.isTensor && meta.type !== "int64") problems.push(`input "${name}" is ${meta.type}, expected int64`);
    }
    const unknownInputs = session.inputNames.filter((n) => !["input_ids", "attention_mask", "token_type_ids"].includes(n));
    if (unknownInputs.length > 0) problems.push(`unexpected inputs ${unknownInputs.map((n) => `"${n}"`).join(", ")}`);
    if (!session.outputNames.includes(outputs.pruning)) problems.push(`missing output "${outputs.pruning}"`);
    let ranking = outputs.ranking;
    if (ranking !== null && !session.outputNames.includes(ranking)) {
      if (outputs.rankingRequired) problems.push(`missing output "${ranking}" named by highlight_config.json`);
      ranking = null;
    }
    if (problems.length > 0) {
      await session.release().catch(() => undefined);
      throw new ModelLoadError(
        modelPath,
        `the graph does not follow the model contract: ${problems.join("; ")} ` +
          `(has inputs [${session.inputNames.join(", ")}], outputs [${session.outputNames.join(", ")}])`,
      );
    }
    return new OnnxModelSession(session, outputs.pruning, ranking);
  }

  /** Runs one padded batch. Calls are queued: one run at a time per session. */
  run(batch: Batch): Promise<BatchOutput> {
    const result = this.queue.then(() => this.runNow(batch));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(batch: Batch): Promise<BatchOutput> {
    if (this.released) throw new InferenceError("The model session has been released (dispose() was called).");
    const dims = [batch.batchSize, batch.sequenceLength];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", batch.inputIds, dims),
      attention_mask: new ort.Tensor("int64", batch.attentionMask, dims),
    };
    if (this.usesTokenTypeIds) feeds.token_type_ids = new ort.Tensor("int64", batch.tokenTypeIds, dims);
    const fetches = this.rankingOutput ? [this.pruningOutput, this.rankingOutput] : [this.pruningOutput];
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds, fetches);
    } catch (cause) {
      throw new InferenceError(`onnxruntime failed on a batch of ${batch.batchSize} × ${batch.sequenceLength} tokens: ${(cause as Error).message}`, { cause });
    }
    const pruning = out[this.pruningOutput]!;
    const expected = [batch.batchSize, batch.sequenceLength, 2];
    if (pruning.type !== "float32" || pruning.dims.length !== 3 || pruning.dims.some((d, i) => d !== expected[i])) {
      throw new InferenceError(`output "${this.pruningOutput}" is ${pruning.type} [${pruning.dims.join(", ")}], expected float32 [${expected.join(", ")}]`);
    }
    let rankingLogits: Float32Array | null = null;
    if (this.rankingOutput) {
      const ranking = out[this.rankingOutput]!;
      if (ranking.type !== "float32" || ranking.size !== batch.batchSize) {
        throw new InferenceError(`output "${this.rankingOutput}" is ${ranking.type} [${ranking.dims.join(", ")}], expected float32 [${batch.batchSize}, 1]`);
      }
      rankingLogits = ranking.data as Float32Array;
    }
    return { pruningLogits: pruning.data as Float32Array, rankingLogits };
  }

  /** Frees the native session. Further runs fail with {@link InferenceError}. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue;
    await this.session.release();
  }
}
