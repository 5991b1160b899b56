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
  | "ABORTED"
  | "OVERLOADED"
  | "TIMEOUT"
  | "WORKER_CRASHED"
  | "REMOTE"
  | "CONVERSION"
  | "TRITON_REPOSITORY"
  | "MISSING_DEPENDENCY";

/**
 * Base class of all errors thrown by semantic-highlight. Each class sets its `name` as a string: minifiers
 * rename classes in browser bundles, so `new.target.name` would there be a letter.
 */
export class SemanticHighlightError extends Error {
  /** What kind of failure this is: stable across releases, unlike the message. */
  readonly code: SemanticHighlightErrorCode;
  constructor(code: SemanticHighlightErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // A subclass's own `name` field replaces this (after this constructor); other subclasses keep their class name.
    this.name = new.target === SemanticHighlightError ? "SemanticHighlightError" : new.target.name;
    this.code = code;
  }
}

/**
 * A model folder (or one file in it) is missing, unreadable or does not follow the model contract.
 * `file` names the offending file so the message can be acted on.
 */
export class ModelLoadError extends SemanticHighlightError {
  /** Always "ModelLoadError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "ModelLoadError";
  /** Absolute path of the file (or folder) that is wrong. */
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super("MODEL_LOAD", `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A Hugging Face hub id was given, it is not in the local cache, and the hub cannot be reached. */
export class ModelNotAvailableOfflineError extends SemanticHighlightError {
  /** Always "ModelNotAvailableOfflineError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "ModelNotAvailableOfflineError";
  /** The hub id that was asked for. */
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

/** Why a checkpoint conversion failed (see {@link ConversionError}). */
export type ConversionErrorReason =
  | "MISSING_FILE"
  | "UNSUPPORTED_FORMAT"
  | "UNSUPPORTED_CONFIG"
  | "UNSUPPORTED_DTYPE"
  | "UNKNOWN_LAYOUT"
  | "NO_PRUNING_HEAD"
  | "NO_RANKING_HEAD"
  | "SHAPE_MISMATCH"
  | "TOKENIZER"
  | "QUANTIZATION"
  | "WRITE";

/**
 * A Hugging Face checkpoint could not be converted to the model contract: a file is missing, the weights
 * use a layout, dtype or architecture option the converter does not know. `reason` says which; the message
 * names what was not recognised (e.g. the checkpoint's non-encoder keys) and what to do.
 */
export class ConversionError extends SemanticHighlightError {
  /** Always "ConversionError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "ConversionError";
  /** Machine-readable cause. */
  readonly reason: ConversionErrorReason;
  /** The checkpoint folder or file concerned. */
  readonly source: string;
  constructor(reason: ConversionErrorReason, source: string, problem: string, options?: { cause?: unknown }) {
    super("CONVERSION", `${source}: ${problem}`, options);
    this.reason = reason;
    this.source = source;
  }
}

/** Why a Triton model repository entry was not written (see {@link TritonRepositoryError}). */
export type TritonRepositoryErrorReason =
  /** The model name breaks Triton's rules or would not be one folder inside the repository. */
  | "INVALID_NAME"
  /** An option is out of range (max batch size, instance count or kind). */
  | "INVALID_OPTION"
  /** `<repository>/<name>` exists and overwriting was not asked for. */
  | "EXISTS"
  /** `<repository>/<name>` exists but is not an entry this writer made (or holds files it did not write): never deleted. */
  | "NOT_OURS"
  /** The graph references a file outside the model folder (absolute path, `..`, a symlink leading out) or not a regular file. */
  | "UNSAFE_REFERENCE"
  /** A file the graph references is missing. */
  | "MISSING_FILE"
  /** The graph cannot be served as configured (batch dimension, tensor type or rank), or the written entry does not load. */
  | "UNSERVABLE"
  /** The file system refused a write. */
  | "WRITE";

/**
 * A Triton model repository entry could not be written safely. `reason` says why; `path` names the folder
 * or file concerned. Nothing outside `<repository>/<name>` is ever touched, and a failed write leaves the
 * repository as it was.
 */
export class TritonRepositoryError extends SemanticHighlightError {
  /** Always "TritonRepositoryError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "TritonRepositoryError";
  /** Machine-readable cause. */
  readonly reason: TritonRepositoryErrorReason;
  /** The repository, entry folder or file concerned. */
  readonly path: string;
  constructor(reason: TritonRepositoryErrorReason, path: string, problem: string, options?: { cause?: unknown }) {
    super("TRITON_REPOSITORY", `${path}: ${problem}`, options);
    this.reason = reason;
    this.path = path;
  }
}

/** The caller passed something the library cannot work with (empty query, wrong type, bad option). */
export class InvalidInputError extends SemanticHighlightError {
  /** Always "InvalidInputError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "InvalidInputError";
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

/**
 * The query is too long for the block length: it would leave less than the minimum context per block
 * (max(16, maxLength / 4) tokens; queries are never truncated). Without the cap a long query cuts every
 * document into many near-empty blocks, multiplying the compute.
 */
export class QueryTooLongError extends SemanticHighlightError {
  /** Always "QueryTooLongError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "QueryTooLongError";
  /** Tokens of the query (tokenized without special tokens). */
  readonly queryTokens: number;
  /** The most query tokens the block length allows. */
  readonly maxQueryTokens: number;
  /** Context tokens every block must keep next to the query (when known). */
  readonly minContextTokens: number | undefined;
  constructor(queryTokens: number, maxQueryTokens: number, limits?: { maxLength: number; minContextTokens: number }) {
    super(
      "QUERY_TOO_LONG",
      `The query has ${queryTokens} tokens but at most ${Math.max(0, maxQueryTokens)} are allowed` +
        (limits
          ? ` with maxLength ${limits.maxLength}: each block must keep at least ${limits.minContextTokens} tokens of document context next to the query and the special tokens (max(16, maxLength / 4), or half the room left by the special tokens in very short blocks).`
          : ` (maxLength minus special tokens minus room for the context).`) +
        ` Shorten the query, or use a larger maxLength if the model allows it.`,
    );
    this.queryTokens = queryTokens;
    this.maxQueryTokens = maxQueryTokens;
    this.minContextTokens = limits?.minContextTokens;
  }
}

/** onnxruntime failed or returned tensors that break the model contract. */
export class InferenceError extends SemanticHighlightError {
  /** Always "InferenceError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "InferenceError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("INFERENCE", message, options);
  }
}

/** The operation was cancelled through an `AbortSignal`. */
export class AbortError extends SemanticHighlightError {
  /** Always "AbortError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "AbortError";
  constructor(reason?: unknown) {
    super("ABORTED", `The operation was aborted${reason instanceof Error ? `: ${reason.message}` : ""}.`, { cause: reason });
  }
}

/**
 * The backend's queue is full: the call was refused at once instead of waiting (backpressure). Retry later,
 * raise `maxQueuedBatches`, or add workers / servers.
 */
export class OverloadedError extends SemanticHighlightError {
  /** Always "OverloadedError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "OverloadedError";
  /** Batches waiting when the call was refused. */
  readonly queuedBatches: number;
  /** The queue's bound (`maxQueuedBatches`). */
  readonly maxQueuedBatches: number;
  constructor(queuedBatches: number, maxQueuedBatches: number) {
    super(
      "OVERLOADED",
      `The inference queue is full (${queuedBatches} batches waiting, limit ${maxQueuedBatches}): the call was refused. ` +
        `Retry later, raise maxQueuedBatches, or add workers.`,
    );
    this.queuedBatches = queuedBatches;
    this.maxQueuedBatches = maxQueuedBatches;
  }
}

/** A call (or one remote request) took longer than its `timeoutMs`. */
export class TimeoutError extends SemanticHighlightError {
  /** Always "TimeoutError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "TimeoutError";
  /** The limit that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super("TIMEOUT", `${what} did not finish within ${timeoutMs} ms (timeoutMs).`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The worker thread running a batch died (killed, out of memory, native crash). Only the calls whose
 * batches it held fail; the worker is replaced and later calls run as usual.
 */
export class WorkerCrashedError extends SemanticHighlightError {
  /** Always "WorkerCrashedError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "WorkerCrashedError";
  constructor(detail: string, options?: { cause?: unknown }) {
    super("WORKER_CRASHED", `An inference worker died while running a batch (${detail}); it has been replaced. Retry the call.`, options);
  }
}

/** A remote inference server (KServe V2 / Triton) refused, failed or answered outside the model contract. */
export class RemoteInferenceError extends SemanticHighlightError {
  /** Always "RemoteInferenceError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "RemoteInferenceError";
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The server URL (or request URL) concerned. */
  readonly url: string;
  constructor(url: string, detail: string, status?: number, options?: { cause?: unknown }) {
    super("REMOTE", `${url}: ${detail}`, options);
    this.url = url;
    this.status = status;
  }
}

/**
 * An optional package that a feature needs is not installed (or could not be loaded): `onnxruntime-node`, which
 * runs models in Node, or `onnxruntime-web`, which `WebHighlighter` runs models with (both are optional peer
 * dependencies, so each app installs only the runtime it uses). The message says what to install.
 */
export class MissingDependencyError extends SemanticHighlightError {
  /** Always "MissingDependencyError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "MissingDependencyError";
  /** The npm package that is missing. */
  readonly dependency: string;
  /** What needed it, e.g. "WebHighlighter (the browser / edge build)". */
  readonly neededFor: string;
  constructor(dependency: string, neededFor: string, options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? ` (${options.cause.message})` : "";
    super(
      "MISSING_DEPENDENCY",
      `${neededFor} needs the package "${dependency}", which could not be loaded${cause}. ` +
        `Install it next to @semantic-highlight/core: npm install ${dependency}`,
      options,
    );
    this.dependency = dependency;
    this.neededFor = neededFor;
  }
}

/** Throws {@link AbortError} if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/** What a model may lack: sentence scores (no pruning head) or document scores (no ranking head). */
export type ModelCapability = "sentence-scores" | "ranking";

/**
 * The call asks for something this model cannot compute: sentence selection on a rerank-only model (no
 * pruning head), or reranking on a model without a ranking head. Code `INVALID_INPUT`, like every bad
 * option; `capability` says what is missing.
 */
export class UnsupportedByModelError extends InvalidInputError {
  /** Always "UnsupportedByModelError", also in minified bundles (a string, not the class name a minifier renames). */
  override name: string = "UnsupportedByModelError";
  /** What the model lacks. */
  readonly capability: ModelCapability;
  constructor(capability: ModelCapability, message: string) {
    super(message);
    this.capability = capability;
  }
}
