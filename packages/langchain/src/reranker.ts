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

import { copyMetadata } from "./metadata.js";

/**
 * Options of {@link CrossEncoderReranker}: core's rerank options (`topN`, `mode` "pair" | "blocks",
 * `maxLength`, `batchSize`, `maxBatchTokens`, `signal`, `timeoutMs`), checked by core when it is built.
 */
export type CrossEncoderRerankerOptions = RerankOptions;

/** Fields of {@link CrossEncoderReranker}: options plus a loaded highlighter (see `fromModel` to load one). */
export interface CrossEncoderRerankerFields extends CrossEncoderRerankerOptions {
  /** A loaded model (`SemanticHighlighter` in Node, `WebHighlighter` in browsers); the reranker never disposes it. */
  highlighter: Highlighter;
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
  readonly highlighter: Highlighter;
  private readonly options: CrossEncoderRerankerOptions;
  /** Borrowed when a highlighter was passed in, owned when {@link CrossEncoderReranker.fromModel} loaded it. */
  private handle: HighlighterHandle;

  constructor(fields: CrossEncoderRerankerFields) {
    super();
    if (fields === null || typeof fields !== "object" || typeof (fields.highlighter as { rerank?: unknown } | undefined)?.rerank !== "function") {
      throw new InvalidInputError("CrossEncoderReranker needs { highlighter } (a loaded SemanticHighlighter), or use `await CrossEncoderReranker.fromModel(pathOrHubId, options)`");
    }
    const { highlighter, ...options } = fields;
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
    const ranked = await this.highlighter.rerank(query, texts, this.options);
    return ranked.map((r) => {
      const source = documents[r.documentIndex]!;
      return new Document({
        pageContent: source.pageContent,
        metadata: { ...copyMetadata(source.metadata), [RELEVANCE_SCORE_KEY]: r.score },
        ...(source.id !== undefined ? { id: source.id } : {}),
      });
    });
  }

  /** Frees the model if {@link CrossEncoderReranker.fromModel} loaded it; a highlighter passed in is left to its owner. */
  dispose(): Promise<void> {
    return this.handle.dispose();
  }
}
