/**
 * The one seam between the sentence pipeline and model execution (DESIGN §9). The pipeline builds padded
 * int64 batches and reads logits back; a backend runs them — in this thread, in worker threads, on a
 * remote KServe V2 / Triton server, or (later) in a browser. Nothing else in core holds model state.
 */

import type { DocumentSource } from "../pipeline/types.js";
import type { SegmentationOptions } from "../text/segmentation.js";

/** Graph inputs the pipeline knows how to fill, by name. */
export type ModelInputName = "input_ids" | "attention_mask" | "token_type_ids" | "sentence_index";

/** Every input name the pipeline can feed. A graph that declares any other input is refused on load. */
export const KNOWN_INPUT_NAMES: readonly ModelInputName[] = ["input_ids", "attention_mask", "token_type_ids", "sentence_index"];

/**
 * One padded batch, row-major, `[batchSize, sequenceLength]` for every tensor. `tensors` holds exactly the
 * inputs the backend declared in {@link BackendInfo.inputNames}.
 */
export interface ModelInputs {
  batchSize: number;
  sequenceLength: number;
  tensors: Partial<Record<ModelInputName, BigInt64Array>>;
}

/** Logits of one batch, flat and row-major. */
export interface BatchOutput {
  /** `[batch, seq, 2]`: softmax(...)[1] is a token's keep probability; `null` for a rerank-only model (no pruning output). */
  pruningLogits: Float32Array | null;
  /** `[batch]` (the graph's `[batch, 1]` ranking output), or `null` when the model has none. */
  rankingLogits: Float32Array | null;
}

/** Where a backend runs the model. */
export type BackendKind = "in-process" | "worker" | "remote" | "web";

/** What a backend learned about the graph when it was opened. */
export interface BackendInfo {
  /** Where the model runs. */
  kind: BackendKind;
  /** Inputs the graph takes (a subset of `KNOWN_INPUT_NAMES`, always with input_ids and attention_mask). */
  inputNames: readonly ModelInputName[];
  /** Whether the graph has the ranking output the pipeline reads. */
  hasRankingOutput: boolean;
  /** Batches worth keeping in flight at once (workers, concurrent requests); the pipeline queues ahead by this much. */
  parallelism: number;
}

/** One prepared document as flat arrays: sentence ends, and token ids with per-sentence offsets. */
export interface PackedPreparation {
  /** End offset of each sentence (starts follow: 0, then the previous end). */
  ends: Int32Array;
  /** `tokenOffsets[i]..tokenOffsets[i+1]` are sentence i's tokens in `tokenIds`; length sentences + 1. */
  tokenOffsets: Int32Array;
  tokenIds: Int32Array;
}

/** Documents to segment and tokenize off the calling thread. */
export interface PrepareRequest {
  documents: readonly DocumentSource[];
  segmentation?: SegmentationOptions;
}

/** A backend's queue at one moment. */
export interface BackendStats {
  /** Batches (and prepare jobs) waiting for a worker, session or request slot. */
  queued: number;
  /** Batches running now. */
  inFlight: number;
}

/** Per-batch options. */
export interface RunOptions {
  /** Drops the batch from the queue at once (or abandons it in flight) with an `AbortError`. */
  signal?: AbortSignal;
}

/**
 * What a highlighter shows of its backend (`SemanticHighlighter.backend`): what runs the model, and how busy it
 * is. The batch-running interface behind it is internal.
 */
export interface HighlighterBackend {
  /** What the backend learned about the graph when it opened it. */
  readonly info: BackendInfo;
  /** Queue depth now, for monitoring and load shedding. */
  stats?(): BackendStats;
}

/** Runs padded batches through a model that follows the contract (DESIGN §3). */
export interface InferenceBackend extends HighlighterBackend {
  readonly info: BackendInfo;
  /** Runs one batch. Concurrent calls are allowed; the backend queues or spreads them. */
  run(inputs: ModelInputs, options?: RunOptions): Promise<BatchOutput>;
  /**
   * Optional: segments and tokenizes documents where the backend runs (worker threads), so a big call does
   * not hold the caller's event loop. Must give exactly what `prepareDocument` gives on the calling thread.
   */
  prepare?(request: PrepareRequest, options?: RunOptions): Promise<PackedPreparation[]>;
  /** Queue depth now, for monitoring and load shedding. */
  stats?(): BackendStats;
  /** Frees sessions, workers and connections. Queued and later runs reject with `InferenceError`. */
  dispose(): Promise<void>;
}
