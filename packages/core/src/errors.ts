/**
 * Typed errors. Every error the library throws on purpose is a {@link SemanticHighlightError}
 * with a stable `code`, so callers can branch on it without parsing messages.
 */

/** Stable machine-readable error codes. */
export type SemanticHighlightErrorCode =
  | "MODEL_LOAD"
  | "MODEL_NOT_AVAILABLE_OFFLINE"
  | "INVALID_INPUT"
  | "QUERY_TOO_LONG"
  | "INFERENCE"
  | "ABORTED";

/** Base class of all errors thrown by semantic-highlight. */
export class SemanticHighlightError extends Error {
  readonly code: SemanticHighlightErrorCode;
  constructor(code: SemanticHighlightErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A model folder (or one file in it) is missing, unreadable or does not follow the model contract.
 * `file` names the offending file so the message can be acted on.
 */
export class ModelLoadError extends SemanticHighlightError {
  /** Absolute path of the file (or folder) that is wrong. */
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super("MODEL_LOAD", `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A Hugging Face hub id was given, it is not in the local cache, and the hub cannot be reached. */
export class ModelNotAvailableOfflineError extends SemanticHighlightError {
  readonly modelId: string;
  constructor(modelId: string, detail: string, options?: { cause?: unknown }) {
    super(
      "MODEL_NOT_AVAILABLE_OFFLINE",
      `Model "${modelId}" is not in the local cache and could not be downloaded (${detail}). ` +
        `Pass a local model folder instead (a path containing model.onnx, tokenizer.json and highlight_config.json), ` +
        `or run once with network access to fill the cache.`,
      options,
    );
    this.modelId = modelId;
  }
}

/** The caller passed something the library cannot work with (empty query, wrong type, bad option). */
export class InvalidInputError extends SemanticHighlightError {
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

/** The query alone does not fit in the model's maximum sequence length (queries are never truncated). */
export class QueryTooLongError extends SemanticHighlightError {
  readonly queryTokens: number;
  readonly maxQueryTokens: number;
  constructor(queryTokens: number, maxQueryTokens: number) {
    super(
      "QUERY_TOO_LONG",
      `The query has ${queryTokens} tokens but at most ${maxQueryTokens} fit next to the document in one block ` +
        `(maxLength minus special tokens minus room for the context). Shorten the query or use a larger maxLength.`,
    );
    this.queryTokens = queryTokens;
    this.maxQueryTokens = maxQueryTokens;
  }
}

/** onnxruntime failed or returned tensors that break the model contract. */
export class InferenceError extends SemanticHighlightError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INFERENCE", message, options);
  }
}

/** The operation was cancelled through an `AbortSignal`. */
export class AbortError extends SemanticHighlightError {
  constructor(reason?: unknown) {
    super("ABORTED", `The operation was aborted${reason instanceof Error ? `: ${reason.message}` : ""}.`, { cause: reason });
  }
}

/** Throws {@link AbortError} if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
