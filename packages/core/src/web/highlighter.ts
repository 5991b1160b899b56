/**
 * The browser / edge highlighter: a model fetched by URL, run by onnxruntime-web, through the same
 * {@link HighlightPipeline} (segmentation, tokenization, packing, aggregation, selection) as Node.
 */
import { loadOnnxRuntimeWeb, WebBackend, type WebBackendOptions } from "../backends/web.js";
import type { ModelConfig } from "../models/config.js";
import { HighlightPipeline } from "../pipeline/pipeline.js";
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
export class WebHighlighter {
  readonly config: ModelConfig;
  readonly tokenizer: TextTokenizer;
  /** The model's base URL. */
  readonly url: string;
  /** Where the graph runs: `"wasm"` or `"webgpu"`. */
  readonly device: "wasm" | "webgpu";
  private readonly pipeline: HighlightPipeline;
  private readonly backend: WebBackend;

  private constructor(url: string, config: ModelConfig, tokenizer: TextTokenizer, backend: WebBackend, defaults: HighlightOptions) {
    this.url = url;
    this.config = config;
    this.tokenizer = tokenizer;
    this.backend = backend;
    this.device = backend.device;
    this.pipeline = new HighlightPipeline({ config, tokenizer, backend }, defaults);
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

  /** Releases the onnxruntime-web session. */
  async dispose(): Promise<void> {
    this.pipeline.close();
    await this.backend.dispose();
  }
}
