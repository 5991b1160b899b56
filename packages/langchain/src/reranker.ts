/**
 * `CrossEncoderReranker`: a LangChain.js document compressor that reorders retrieved documents with a local
 * cross-encoder (bge-reranker-v2-m3 and its family, or a Provence-family model's ranking head) — the second
 * stage of two-stage retrieval, with no API call. Like LangChain's API rerankers (`CohereRerank`), it puts
 * the score in `metadata.relevanceScore` and keeps the best `topN`. Documents are new objects: the caller's
 * (often a vector store's own) are never modified.
 *
 * Rerank then highlight: chain it before `SemanticHighlightCompressor` (a `DocumentCompressorPipeline`) when
 * the reranker and the highlighter are two models. When one model has both heads (the zilliz model),
 * skip this class: `SemanticHighlightCompressor` with `order: "rerank"` and `topN` reranks and prunes in one
 * forward pass per block.
 */
import type { Callbacks } from "@langchain/core/callbacks/manager";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { InvalidInputError, SemanticHighlighter, type HighlighterLoadOptions, type RerankMode, type RerankOptions } from "@semantic-highlight/core";

import { copyMetadata } from "./metadata.js";

/** Options of {@link CrossEncoderReranker}. */
export interface CrossEncoderRerankerOptions {
  /** Keep only the best `topN` documents. Default: all of them, reordered. */
  topN?: number;
  /**
   * `"pair"` (default): query and document as two whole texts, truncated to the model's max length, scores
   * equal to Python's (FlagEmbedding, sentence-transformers). `"blocks"`: long documents read to the end
   * over sentence blocks, the best block wins.
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

/** Fields of {@link CrossEncoderReranker}: options plus a loaded highlighter (see `fromModel` to load one). */
export interface CrossEncoderRerankerFields extends CrossEncoderRerankerOptions {
  highlighter: SemanticHighlighter;
}

/** Metadata key of the score, as LangChain's rerankers write it. */
export const RELEVANCE_SCORE_KEY = "relevanceScore";

/**
 * Reranks documents with a local cross-encoder.
 *
 * ```ts
 * const reranker = await CrossEncoderReranker.fromModel("./models/bge-reranker-v2-m3-onnx", { topN: 5 });
 * const retriever = new ContextualCompressionRetriever({ baseCompressor: reranker, baseRetriever });
 * ```
 */
export class CrossEncoderReranker extends BaseDocumentCompressor {
  /** The model behind the reranker. */
  readonly highlighter: SemanticHighlighter;
  private readonly options: CrossEncoderRerankerOptions;
  private owned = false;

  constructor(fields: CrossEncoderRerankerFields) {
    super();
    if (fields === null || typeof fields !== "object" || !(fields.highlighter instanceof SemanticHighlighter)) {
      throw new InvalidInputError("CrossEncoderReranker needs { highlighter } (a loaded SemanticHighlighter), or use `await CrossEncoderReranker.fromModel(pathOrHubId, options)`");
    }
    const { highlighter, ...options } = fields;
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
   * New documents, best first (at most `topN`), each with `metadata.relevanceScore`; content, id and the
   * rest of the metadata copied unchanged.
   */
  async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array of LangChain documents");
    if (documents.length === 0) return [];
    const texts = documents.map((doc, i) => {
      if (doc === null || typeof doc !== "object" || typeof doc.pageContent !== "string") throw new InvalidInputError(`documents[${i}] must be a LangChain document with a string pageContent`);
      return doc.pageContent;
    });
    const ranked = await this.highlighter.rerank(query, texts, rerankOptions(this.options));
    return ranked.map((r) => {
      const source = documents[r.documentIndex]!;
      return new Document({
        pageContent: source.pageContent,
        metadata: { ...copyMetadata(source.metadata), [RELEVANCE_SCORE_KEY]: r.score },
        ...(source.id !== undefined ? { id: source.id } : {}),
      });
    });
  }

  /** Frees the model if {@link fromModel} loaded it; a highlighter passed in is left to its owner. */
  async dispose(): Promise<void> {
    if (this.owned) await this.highlighter.dispose();
  }
}

function checkOptions(options: CrossEncoderRerankerOptions): void {
  if (options === null || typeof options !== "object") throw new InvalidInputError("CrossEncoderReranker options must be an object");
  const known = ["topN", "mode", "maxLength", "batchSize", "signal", "timeoutMs"];
  for (const key of Object.keys(options)) if (!known.includes(key)) throw new InvalidInputError(`unknown CrossEncoderReranker option "${key}" (known: ${known.join(", ")})`);
  if (options.topN !== undefined && !(Number.isInteger(options.topN) && options.topN >= 0)) throw new InvalidInputError(`topN must be a non-negative integer (got ${String(options.topN)})`);
}

function rerankOptions(options: CrossEncoderRerankerOptions): RerankOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RerankOptions;
}
