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
import { InvalidInputError, SemanticHighlighter, type HighlighterLoadOptions, type RerankMode, type RerankOptions } from "@semantic-highlight/core";

/** Options of {@link CrossEncoderReranker}. */
export interface CrossEncoderRerankerOptions {
  /** Keep only the best `topN` nodes. Default: all of them, reordered. */
  topN?: number;
  /**
   * `"pair"` (default): query and node text as two whole texts, truncated to the model's max length, scores
   * equal to Python's (FlagEmbedding, sentence-transformers). `"blocks"`: long texts read to the end over
   * sentence blocks, the best block wins.
   */
  mode?: RerankMode;
  /** Longest pair in tokens (at most the model's max_length). Default: the model's max_length. */
  maxLength?: number;
  /** Most pairs per model call. Default 8. */
  batchSize?: number;
  /** Cancels a call. */
  signal?: AbortSignal;
  /** Rejects a call that takes longer (milliseconds). */
  timeoutMs?: number;
}

/** Parameters of {@link CrossEncoderReranker}: options plus a loaded highlighter (see `fromModel`). */
export interface CrossEncoderRerankerParams extends CrossEncoderRerankerOptions {
  highlighter: SemanticHighlighter;
}

const OPTION_NAMES = ["topN", "mode", "maxLength", "batchSize", "signal", "timeoutMs"];

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
  readonly highlighter: SemanticHighlighter;
  private readonly options: CrossEncoderRerankerOptions;
  private owned = false;

  constructor(params: CrossEncoderRerankerParams) {
    if (params === null || typeof params !== "object" || !(params.highlighter instanceof SemanticHighlighter)) {
      throw new InvalidInputError("CrossEncoderReranker needs { highlighter } (a loaded SemanticHighlighter), or use `await CrossEncoderReranker.fromModel(pathOrHubId, options)`");
    }
    const { highlighter, ...options } = params;
    checkOptions(options);
    this.highlighter = highlighter;
    this.options = options;
  }

  /** Loads a model (folder, Optimum export or hub id) and builds a reranker that owns it ({@link dispose} frees it). */
  static async fromModel(model: string, options: CrossEncoderRerankerOptions & { loadOptions?: HighlighterLoadOptions } = {}): Promise<CrossEncoderReranker> {
    const { loadOptions, ...rest } = options;
    checkOptions(rest);
    const highlighter = await SemanticHighlighter.load(model, loadOptions);
    const reranker = new CrossEncoderReranker({ ...rest, highlighter });
    reranker.owned = true;
    return reranker;
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
    const ranked = await this.highlighter.rerank(text, texts, rerankOptions(this.options));
    return ranked.map((r) => ({ node: nodes[r.documentIndex]!.node, score: r.score }));
  }

  /** Frees the model if {@link fromModel} loaded it; a highlighter passed in is left to its owner. */
  async dispose(): Promise<void> {
    if (this.owned) await this.highlighter.dispose();
  }
}

function checkOptions(options: CrossEncoderRerankerOptions): void {
  if (options === null || typeof options !== "object") throw new InvalidInputError("CrossEncoderReranker options must be an object");
  for (const key of Object.keys(options)) if (!OPTION_NAMES.includes(key)) throw new InvalidInputError(`unknown CrossEncoderReranker option "${key}" (known: ${OPTION_NAMES.join(", ")})`);
  if (options.topN !== undefined && !(Number.isInteger(options.topN) && options.topN >= 0)) throw new InvalidInputError(`topN must be a non-negative integer (got ${String(options.topN)})`);
}

function rerankOptions(options: CrossEncoderRerankerOptions): RerankOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RerankOptions;
}
