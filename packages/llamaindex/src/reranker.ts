/**
 * `CrossEncoderReranker`: a LlamaIndex.TS node postprocessor that reorders retrieved nodes with a local
 * cross-encoder (bge-reranker-v2-m3 and its family, or a Provence-family model's ranking head) — the second
 * stage of two-stage retrieval, with no API call. Like LlamaIndex's API rerankers (`CohereRerank`,
 * `JinaAIReranker`), the score goes on `NodeWithScore.score` and only the best `topN` are kept. The nodes
 * themselves are not touched: each result is a new `NodeWithScore` around the caller's node.
 *
 * Rerank then highlight: list it before `SemanticHighlightPostprocessor` in `nodePostprocessors` when the
 * reranker and the highlighter are two models. When one model has both heads (the zilliz model), skip this
 * class: `SemanticHighlightPostprocessor` (order "rerank", `topN`) reranks and prunes in one forward pass.
 */
import type { MessageContent } from "@llamaindex/core/llms";
import type { BaseNodePostprocessor } from "@llamaindex/core/postprocessor";
import type { QueryBundle } from "@llamaindex/core/query-engine";
import { MetadataMode, type NodeWithScore } from "@llamaindex/core/schema";
import { extractText } from "@llamaindex/core/utils";
import {
  checkOptionNames,
  HighlighterHandle,
  InvalidInputError,
  loadHighlighter,
  RERANK_OPTION_NAMES,
  type Highlighter,
  type LoadHighlighterOptions,
  type RerankOptions,
} from "@semantic-highlight/core";

/**
 * Options of {@link CrossEncoderReranker}: core's rerank options (`topN`, `mode` "pair" | "blocks",
 * `maxLength`, `batchSize`, `maxBatchTokens`, `signal`, `timeoutMs`), checked by core when it is built.
 */
export type CrossEncoderRerankerOptions = RerankOptions;

/** Parameters of {@link CrossEncoderReranker}: options plus a loaded highlighter (see `fromModel`). */
export interface CrossEncoderRerankerParams extends CrossEncoderRerankerOptions {
  /** A loaded model (`SemanticHighlighter` in Node, `WebHighlighter` in browsers); the reranker never disposes it. */
  highlighter: Highlighter;
}

/**
 * Reranks nodes with a local cross-encoder.
 *
 * ```ts
 * const reranker = await CrossEncoderReranker.fromModel("./models/bge-reranker-v2-m3-onnx", { topN: 5 });
 * const engine = index.asQueryEngine({ similarityTopK: 20, nodePostprocessors: [reranker] });
 * ```
 */
export class CrossEncoderReranker implements BaseNodePostprocessor {
  /** The model behind the reranker. */
  readonly highlighter: Highlighter;
  private readonly options: CrossEncoderRerankerOptions;
  /** Borrowed when a highlighter was passed in, owned when {@link CrossEncoderReranker.fromModel} loaded it. */
  private handle: HighlighterHandle;

  constructor(params: CrossEncoderRerankerParams) {
    if (params === null || typeof params !== "object" || typeof (params.highlighter as { rerank?: unknown } | undefined)?.rerank !== "function") {
      throw new InvalidInputError("CrossEncoderReranker needs { highlighter } (a loaded SemanticHighlighter), or use `await CrossEncoderReranker.fromModel(pathOrHubId, options)`");
    }
    const { highlighter, ...options } = params;
    highlighter.validateRerankOptions(options);
    this.highlighter = highlighter;
    this.options = options;
    this.handle = HighlighterHandle.borrow(highlighter);
  }

  /**
   * Loads a model (folder, Optimum export or hub id; without one, the embedded default model, whose ranking head
   * reranks too) and builds a reranker that owns it ({@link CrossEncoderReranker.dispose} frees it).
   */
  static async fromModel(model?: string, options: CrossEncoderRerankerOptions & { loadOptions?: LoadHighlighterOptions } = {}): Promise<CrossEncoderReranker> {
    const { loadOptions, ...rest } = options;
    // Names first (before the slow load); values are checked against the model once it is loaded.
    checkOptionNames(rest, RERANK_OPTION_NAMES, "CrossEncoderReranker option");
    return HighlighterHandle.build(
      () => loadHighlighter(model, loadOptions),
      (highlighter, handle) => {
        const reranker = new CrossEncoderReranker({ ...rest, highlighter });
        reranker.handle = handle;
        return reranker;
      },
      { owner: "CrossEncoderReranker" },
    );
  }

  /**
   * New `NodeWithScore` objects, best first (at most `topN`), `score` = the model's relevance score. Each
   * node is scored on its content without metadata (`MetadataMode.NONE`).
   */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent | QueryBundle): Promise<NodeWithScore[]> {
    if (!Array.isArray(nodes)) throw new InvalidInputError("nodes must be an array of NodeWithScore");
    if (query === undefined || query === null) {
      throw new InvalidInputError("CrossEncoderReranker needs the query: a query engine passes it; when you call postprocessNodes(nodes, query) yourself, pass the question");
    }
    const text = extractText(query as MessageContent);
    if (nodes.length === 0) return [];
    const texts = nodes.map((entry, i) => {
      const node = (entry as { node?: { getContent?: unknown } } | null)?.node;
      if (!node || typeof node.getContent !== "function") throw new InvalidInputError(`nodes[${i}] must be a NodeWithScore ({ node, score? }) holding a LlamaIndex node`);
      return entry.node.getContent(MetadataMode.NONE);
    });
    const ranked = await this.highlighter.rerank(text, texts, this.options);
    return ranked.map((r) => ({ node: nodes[r.documentIndex]!.node, score: r.score }));
  }

  /** Frees the model if {@link CrossEncoderReranker.fromModel} loaded it; a highlighter passed in is left to its owner. */
  dispose(): Promise<void> {
    return this.handle.dispose();
  }
}
