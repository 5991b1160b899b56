/**
 * Messages between the worker backend and its threads, and how errors cross the thread boundary (as
 * plain objects, rebuilt into the same typed error classes on the other side).
 */
import {
  InferenceError,
  InvalidInputError,
  MissingDependencyError,
  ModelLoadError,
  SemanticHighlightError,
  type SemanticHighlightErrorCode,
} from "../errors.js";
import type { DocumentSource } from "../pipeline/types.js";
import type { RuntimeOptions } from "./onnx-session.js";
import type { SegmentationOptions } from "../text/segmentation.js";
import type { ModelInputName, PackedPreparation } from "./types.js";

/** `workerData` of each worker thread. */
export interface WorkerInit {
  /** Model folder (the worker loads its own session and tokenizer from it). */
  directory: string;
  runtime: RuntimeOptions;
}

export type ToWorker =
  | { type: "run"; id: number; batchSize: number; sequenceLength: number; tensors: Partial<Record<ModelInputName, BigInt64Array>> }
  | { type: "prepare"; id: number; documents: readonly DocumentSource[]; segmentation?: SegmentationOptions };

export type FromWorker =
  | { type: "ready"; inputNames: ModelInputName[]; hasRankingOutput: boolean }
  | { type: "init-error"; error: SerializedError }
  | { type: "result"; id: number; pruningLogits: Float32Array | null; rankingLogits: Float32Array | null }
  | { type: "prepared"; id: number; documents: PackedPreparation[] }
  | { type: "error"; id: number; error: SerializedError };

/** An error as a structured-clone-safe object. */
export interface SerializedError {
  name: string;
  message: string;
  code?: SemanticHighlightErrorCode;
  file?: string;
  /** A {@link MissingDependencyError}'s package and what needed it. */
  dependency?: string;
  neededFor?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ModelLoadError) return { name: error.name, message: error.message, code: error.code, file: error.file };
  if (error instanceof MissingDependencyError) return { name: error.name, message: error.message, code: error.code, dependency: error.dependency, neededFor: error.neededFor };
  if (error instanceof SemanticHighlightError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Rebuilds a typed error; anything that was not one of ours becomes an {@link InferenceError}. */
export function deserializeError(error: SerializedError): SemanticHighlightError {
  if (error.code === "MODEL_LOAD" && error.file !== undefined) {
    const problem = error.message.startsWith(`${error.file}: `) ? error.message.slice(error.file.length + 2) : error.message;
    return new ModelLoadError(error.file, problem);
  }
  if (error.code === "MISSING_DEPENDENCY" && error.dependency !== undefined && error.neededFor !== undefined) return new MissingDependencyError(error.dependency, error.neededFor);
  if (error.code === "INVALID_INPUT" || error.name === "RangeError") return new InvalidInputError(error.message);
  return new InferenceError(error.code === "INFERENCE" ? error.message : `${error.name}: ${error.message}`);
}
