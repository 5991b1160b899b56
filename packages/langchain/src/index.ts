/**
 * @semantic-highlight/langchain — a LangChain.js document compressor that prunes retrieved documents to
 * the sentences relevant to the query (semantic highlighting with a Provence-family model).
 *
 * ```ts
 * import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
 * import { SemanticHighlightCompressor } from "@semantic-highlight/langchain";
 *
 * const compressor = await SemanticHighlightCompressor.fromModel(); // the embedded default model, or a folder / hub id
 * const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });
 * ```
 *
 * In a browser, `fromModel` takes the model folder's URL (core's `loadHighlighter` loads a `WebHighlighter`), or
 * pass `{ highlighter }` from `WebHighlighter.load`.
 *
 * @packageDocumentation
 */
export { SemanticHighlightCompressor, SEMANTIC_HIGHLIGHT_EVENT } from "./compressor.js";
export type {
  DocumentOrder,
  SemanticHighlightCompressorFields,
  SemanticHighlightCompressorOptions,
  SemanticHighlightStats,
} from "./compressor.js";
export type { HighlightedSentence, SemanticHighlightMetadata } from "./metadata.js";
export { CrossEncoderReranker, RELEVANCE_SCORE_KEY } from "./reranker.js";
export type { CrossEncoderRerankerFields, CrossEncoderRerankerOptions } from "./reranker.js";
