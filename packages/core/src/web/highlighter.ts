/**
 * The browser / edge highlighter: a model fetched by URL, run by onnxruntime-web, through the same
 * {@link HighlightPipeline} (segmentation, tokenization, packing, aggregation, selection) as Node.
 */
import { loadOnnxRuntimeWeb, WebBackend, type WebBackendOptions } from "../backends/web.js";
import { InferenceError, InvalidInputError } from "../errors.js";
import type { Highlighter } from "../highlighter-handle.js";
import type { ModelConfig } from "../models/config.js";
import { HighlightPipeline } from "../pipeline/pipeline.js";
import { Reranker, type RerankOptions, type RerankResult } from "../pipeline/rerank.js";
import type { TextTokenizer } from "../text/tokenization.js";
import type { DocumentInput, HighlightOptions, HighlightResponse, HighlightResult } from "../pipeline/types.js";
import { fetchModelFiles, type FetchModelOptions } from "./model-url.js";

/** Options of {@link WebHighlighter.load}. */
export interface WebHighlighterLoadOptions extends WebBackendOptions, FetchModelOptions {
  /** Defaults for every `highlight` call (threshold, topK, …). */
  defaults?: HighlightOptions;
}

/**
 * Highlights documents in a browser, a web worker or an edge runtime.
 *
 * ```ts
 * import { WebHighlighter } from "@semantic-highlight/core/web";
 * const highlighter = await WebHighlighter.load("/semantic-highlight-model/");
 * const result = await highlighter.highlightOne("When was it completed?", documentText);
 * ```
 */
export class WebHighlighter implements Highlighter {
  /** The model's config (`highlight_config.json`). */
  readonly config: ModelConfig;
  /** The model's tokenizer. */
  readonly tokenizer: TextTokenizer;
  /** The model's base URL. */
  readonly url: string;
  /** Where the graph runs: `"wasm"` or `"webgpu"`. */
  readonly device: "wasm" | "webgpu";
  private readonly pipeline: HighlightPipeline;
  private readonly reranker: Reranker;
  private readonly backend: WebBackend;
  private disposed = false;

  private constructor(url: string, config: ModelConfig, tokenizer: TextTokenizer, backend: WebBackend, defaults: HighlightOptions) {
    this.url = url;
    this.config = config;
    this.tokenizer = tokenizer;
    this.backend = backend;
    this.device = backend.device;
    const pipeline = new HighlightPipeline({ config, tokenizer, backend }, defaults);
    this.pipeline = pipeline;
    this.reranker = new Reranker({ config, tokenizer, backend }, (query, documents, options) => pipeline.highlight(query, documents, options));
  }

  /**
   * Fetches `highlight_config.json`, `tokenizer.json`, `tokenizer_config.json` and the ONNX file from the
   * model folder at `url`, validates them and opens an onnxruntime-web session.
   * @throws MissingDependencyError when onnxruntime-web is not installed (checked before anything is fetched).
   */
  static async load(url: string | URL, options: WebHighlighterLoadOptions = {}): Promise<WebHighlighter> {
    await loadOnnxRuntimeWeb();
    const files = await fetchModelFiles(url, options);
    const backend = await WebBackend.create(
      files.model,
      { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared },
      options,
      files.modelUrl,
    );
    try {
      return new WebHighlighter(files.url, files.config, files.tokenizer, backend, options.defaults ?? {});
    } catch (error) {
      await backend.dispose();
      throw error;
    }
  }

  /** Highlights many documents for one query (see the Node `SemanticHighlighter.highlight`). */
  highlight(query: string, documents: readonly DocumentInput[], options?: HighlightOptions): Promise<HighlightResponse> {
    return this.pipeline.highlight(query, documents, options);
  }

  /** Highlights one document. */
  async highlightOne(query: string, document: DocumentInput, options?: HighlightOptions): Promise<HighlightResult> {
    const { results } = await this.pipeline.highlight(query, [document], options);
    return results[0]!;
  }

  /**
   * Reranks documents with the model's ranking head, best first, at most `topN` (see the Node
   * `SemanticHighlighter.rerank`: same modes, same scores).
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

  /** Checks per-call options against this model (merged over the load defaults) without running anything. */
  validateOptions(options: HighlightOptions): void {
    this.pipeline.resolveOptions(options);
  }

  /** Releases the onnxruntime-web session; later calls reject with `InferenceError`. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pipeline.close();
    await this.backend.dispose();
  }
}

/** Options of {@link loadHighlighter} (in the browser build: {@link WebHighlighterLoadOptions}). */
export type LoadHighlighterOptions = WebHighlighterLoadOptions;

/**
 * Loads a highlighter, with the same name in the Node and the browser build, so code that runs in both (the
 * framework adapters) loads models without naming either: in the browser build it is {@link WebHighlighter.load}
 * (the model folder's URL; there is no embedded default model to read from disk), in Node `SemanticHighlighter.load`.
 * @throws InvalidInputError when `model` is left out
 */
export function loadHighlighter(model?: string | URL, options?: LoadHighlighterOptions): Promise<WebHighlighter> {
  if (model === undefined) {
    return Promise.reject(new InvalidInputError('in a browser, give the model folder\'s URL, e.g. loadHighlighter("/semantic-highlight-model/") (see "In the browser" in the README)'));
  }
  return WebHighlighter.load(model, options);
}
