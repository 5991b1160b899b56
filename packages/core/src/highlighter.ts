/**
 * The public entry point in Node: `SemanticHighlighter.load(model)` then `highlight(query, documents)`.
 * Finds and validates the model folder (local or hub), opens the chosen inference backend (worker
 * threads by default, in-process, or a remote KServe V2 / Triton server) and runs the Node-free
 * {@link HighlightPipeline} on it. Backends are shared per folder and settings across highlighters.
 */
import path from "node:path";

import { InProcessBackend, type InProcessBackendOptions } from "./backends/in-process.js";
import { RemoteBackend, type RemoteBackendOptions } from "./backends/remote.js";
import type { BackendKind, HighlighterBackend, InferenceBackend } from "./backends/types.js";
import { WorkerBackend, type WorkerBackendOptions } from "./backends/worker.js";
import type { ModelConfig } from "./models/config.js";
import { defaultModelDirectory } from "./models/default-model.js";
import { InferenceError, InvalidInputError } from "./errors.js";
import type { Highlighter } from "./highlighter-handle.js";
import { looksLikeHubId, resolveHubModel, type HubOptions } from "./models/hub.js";
import { loadModelFiles } from "./models/model-folder.js";
import { HighlightPipeline } from "./pipeline/pipeline.js";
import { Reranker, type RerankOptions, type RerankResult } from "./pipeline/rerank.js";
import { OnnxModelSession, type RuntimeOptions } from "./backends/onnx-session.js";
import type { TextTokenizer } from "./text/tokenization.js";
import type { DocumentInput, HighlightOptions, HighlightResponse, HighlightResult } from "./pipeline/types.js";

export type { Compression, DocumentInput, HighlightOptions, HighlightResponse, HighlightResult, HighlightTimings, SentenceResult } from "./pipeline/types.js";

/**
 * Where the model runs.
 * - `"worker"` (default): worker threads with their own sessions; the event loop stays free.
 * - `"in-process"`: a session on the calling thread; each batch blocks the event loop (CLI, tests, batch jobs).
 * - `"remote"`: a KServe V2 / Triton inference server; tokenization and sentence logic stay here.
 */
export type BackendOptions =
  | ({ kind: "worker" } & WorkerBackendOptions)
  | ({ kind: "in-process" } & InProcessBackendOptions)
  | ({ kind: "remote" } & RemoteBackendOptions);

/** How to load a highlighter. */
export interface HighlighterLoadOptions {
  /** Where the model runs: `"worker"` (default), `"in-process"`, or an options object (e.g. `{ kind: "remote", url, model }`). */
  backend?: "worker" | "in-process" | BackendOptions;
  /** onnxruntime session settings (worker and in-process backends). */
  runtime?: RuntimeOptions;
  /** Hub settings, used when the model reference is a hub id. */
  hub?: HubOptions;
  /** Defaults for every `highlight` call. */
  defaults?: HighlightOptions;
  /**
   * Share one backend (its sessions or workers) with every other highlighter of this process that loads the
   * same folder with the same `runtime` and `backend` settings (default true): the weights exist once, and
   * runs are queued together. The backend is released when the last highlighter using it is disposed. Set
   * false for a private one (e.g. after rewriting the model folder in place).
   */
  shareSession?: boolean;
}

interface LoadedParts {
  directory: string;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  backend: InferenceBackend;
}

interface SharedParts {
  loading: Promise<LoadedParts>;
  users: number;
}
/** Backends shared across highlighters, keyed by folder + runtime + backend options. */
const sharedParts = new Map<string, SharedParts>();

const BACKEND_KINDS: readonly BackendKind[] = ["worker", "in-process", "remote"];

function normalizeBackend(backend: HighlighterLoadOptions["backend"]): BackendOptions {
  if (backend === undefined) return { kind: "worker" };
  if (backend === "worker" || backend === "in-process") return { kind: backend };
  if (backend === null || typeof backend !== "object" || !BACKEND_KINDS.includes((backend as { kind?: BackendKind }).kind!)) {
    throw new InvalidInputError(`backend must be "worker", "in-process" or { kind: "worker" | "in-process" | "remote", ... } (got ${JSON.stringify(backend)})`);
  }
  return backend;
}

function sharedKey(directory: string, runtime: RuntimeOptions | undefined, backend: BackendOptions): string {
  const sorted = (value: object | undefined) =>
    Object.entries(value ?? {})
      .filter(([, v]) => v !== undefined && typeof v !== "function")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([path.resolve(directory), sorted(runtime), sorted(backend)]);
}

async function openParts(directory: string, runtime: RuntimeOptions = {}, backend: BackendOptions): Promise<LoadedParts> {
  const files = await loadModelFiles(directory, { requireModelFile: backend.kind !== "remote" });
  const outputs = { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared };
  let opened: InferenceBackend;
  if (backend.kind === "in-process") {
    const { kind: _kind, ...options } = backend;
    opened = new InProcessBackend(await OnnxModelSession.create(files.modelPath, outputs, runtime), options);
  } else if (backend.kind === "worker") {
    const { kind: _kind, ...options } = backend;
    opened = await WorkerBackend.start(files.directory, runtime, options);
  } else {
    const { kind: _kind, ...options } = backend;
    opened = await RemoteBackend.connect(options, outputs);
  }
  return { directory: files.directory, config: files.config, tokenizer: files.tokenizer, backend: opened };
}

/** Opens a model folder's backend, or joins the one another highlighter already opened for it. */
async function acquireParts(directory: string, runtime: RuntimeOptions | undefined, backend: BackendOptions, share: boolean): Promise<{ parts: LoadedParts; release: () => Promise<void> }> {
  if (!share) {
    const parts = await openParts(directory, runtime, backend);
    return { parts, release: () => parts.backend.dispose() };
  }
  const key = sharedKey(directory, runtime, backend);
  let entry = sharedParts.get(key);
  if (!entry) {
    const created: SharedParts = { loading: openParts(directory, runtime, backend), users: 0 };
    created.loading.catch(() => {
      if (sharedParts.get(key) === created) sharedParts.delete(key);
    });
    sharedParts.set(key, created);
    entry = created;
  }
  const joined = entry;
  joined.users++;
  let parts: LoadedParts;
  try {
    parts = await joined.loading;
  } catch (error) {
    joined.users--;
    throw error;
  }
  let released = false;
  return {
    parts,
    release: async () => {
      if (released) return;
      released = true;
      joined.users--;
      if (joined.users > 0) return;
      if (sharedParts.get(key) === joined) sharedParts.delete(key);
      await parts.backend.dispose();
    },
  };
}

/**
 * Scores every sentence of retrieved documents against a query with a Provence-family model and keeps
 * the relevant ones. Concurrent calls are safe; share one instance across callers.
 */
export class SemanticHighlighter implements Highlighter {
  /** The model's config (`highlight_config.json`). */
  readonly config: ModelConfig;
  /** Folder the model was loaded from. */
  readonly modelDirectory: string;
  /** The model's tokenizer. */
  readonly tokenizer: TextTokenizer;
  /** Where the model runs (`backend.info.kind`) and how busy it is (`backend.stats()`, for load shedding). */
  readonly backend: HighlighterBackend;
  private readonly pipeline: HighlightPipeline;
  private readonly reranker: Reranker;
  private readonly releaseParts: () => Promise<void>;
  private disposed = false;

  private constructor(parts: LoadedParts, pipeline: HighlightPipeline, releaseParts: () => Promise<void>) {
    this.config = parts.config;
    this.modelDirectory = parts.directory;
    this.tokenizer = parts.tokenizer;
    this.backend = parts.backend;
    this.pipeline = pipeline;
    this.reranker = new Reranker(parts, (query, documents, options) => pipeline.highlight(query, documents, options));
    this.releaseParts = releaseParts;
  }

  /**
   * Loads a model from a local folder or a Hugging Face hub id (`org/name`, cached; downloaded only when
   * missing and online). Without `model`, loads the embedded default model (or `$SEMANTIC_HIGHLIGHT_MODEL`).
   */
  static async load(model?: string, options: HighlighterLoadOptions = {}): Promise<SemanticHighlighter> {
    if (model === undefined) model = defaultModelDirectory();
    if (typeof model !== "string" || model.trim() === "") throw new InvalidInputError("model must be a folder path or a hub id");
    if (options === null || typeof options !== "object") throw new InvalidInputError("load options must be an object");
    const backend = normalizeBackend(options.backend);
    const directory = looksLikeHubId(model) ? await resolveHubModel(model, options.hub) : model;
    const { parts, release } = await acquireParts(directory, options.runtime, backend, options.shareSession ?? true);
    let pipeline: HighlightPipeline;
    try {
      pipeline = new HighlightPipeline(parts, options.defaults ?? {});
    } catch (error) {
      await release();
      throw error;
    }
    return new SemanticHighlighter(parts, pipeline, release);
  }

  /** Highlights one document. */
  async highlightOne(query: string, document: DocumentInput, options: HighlightOptions = {}): Promise<HighlightResult> {
    const response = await this.highlight(query, [document], options);
    return response.results[0]!;
  }

  /**
   * Highlights many documents for one query. All documents are packed and batched together, so one call
   * with ten documents is cheaper than ten calls.
   */
  highlight(query: string, documents: readonly DocumentInput[], options: HighlightOptions = {}): Promise<HighlightResponse> {
    return this.pipeline.highlight(query, documents, options);
  }

  /**
   * Reranks documents for a query with the model's ranking head (a cross-encoder such as bge-reranker-v2-m3,
   * or a Provence-family model with both heads): one score per document, best first, at most `topN`.
   * Default mode `"pair"` scores query and document as two whole texts, truncated to the model's max length
   * as Hugging Face tokenizers do (`longest_first`), so scores equal FlagEmbedding's / sentence-transformers';
   * `"blocks"` reads long documents to the end over sentence blocks (best block wins). Scores are sigmoid
   * of the logit unless the model config says `rerank_activation: "none"`.
   * @throws UnsupportedByModelError when the model has no ranking output
   */
  rerank(query: string, documents: readonly DocumentInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    if (this.disposed) return Promise.reject(new InferenceError("The model has been released (dispose() was called)."));
    return this.reranker.rerank(query, documents, options);
  }

  /** Checks `rerank` options against this model without running anything (`InvalidInputError` naming the bad one). */
  validateRerankOptions(options: RerankOptions): void {
    this.reranker.resolve(options);
  }

  /**
   * Checks per-call options against this model (merged over the load defaults) without running anything:
   * throws `InvalidInputError` naming the bad option. Adapters call it when they are built.
   */
  validateOptions(options: HighlightOptions): void {
    this.pipeline.resolveOptions(options);
  }

  /**
   * Releases this highlighter's hold on the backend (freed when no other highlighter shares it). The
   * highlighter cannot be used afterwards: calls reject with `InferenceError`.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pipeline.close();
    await this.releaseParts();
  }
}

/** Options of {@link loadHighlighter} (in Node: {@link HighlighterLoadOptions}; the browser build has its own). */
export type LoadHighlighterOptions = HighlighterLoadOptions;

/**
 * Loads a highlighter, with the same name in the Node and the browser build, so code that runs in both (the
 * framework adapters) loads models without naming either: in Node it is {@link SemanticHighlighter.load} (a
 * folder, a hub id, or the embedded default model when `model` is left out); in the browser build it is
 * `WebHighlighter.load` (a URL).
 */
export function loadHighlighter(model?: string, options?: LoadHighlighterOptions): Promise<SemanticHighlighter> {
  return SemanticHighlighter.load(model, options);
}
