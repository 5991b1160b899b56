/**
 * The public API that the Node entry (`index.ts`) and the browser / edge entry (`index.web.ts`) share: one list,
 * so the two builds cannot drift apart. Everything here is Node-free. Each entry adds its own loader
 * (`loadHighlighter`: `SemanticHighlighter` in Node, `WebHighlighter` in browsers) and what only it can do.
 * Internals (the pipeline's stages, packing, option plumbing) are not exported: the CLI and the benchmarks
 * reach them through `@semantic-highlight/core/internal`, which has no semver guarantee.
 */

// Highlighting: inputs, options, results.
export type {
  Compression,
  DocumentInput,
  HighlightOptions,
  HighlightResponse,
  HighlightResult,
  HighlightTimings,
  KeepReason,
  RerankScoreSource,
  SelectionOptions,
  SentenceResult,
} from "./pipeline/types.js";
export type { AggregationMode } from "./pipeline/aggregation.js";
export type { RerankMode, RerankOptions, RerankResult } from "./pipeline/rerank.js";

// A loaded model, whichever build loaded it, and how adapters hold one.
export { HighlighterHandle } from "./highlighter-handle.js";
export type { Highlighter, HighlighterHandleOptions } from "./highlighter-handle.js";
export type { ModelConfig, RerankActivation } from "./models/config.js";

// Text: sentence segmentation (to pre-split documents as the pipeline would) and the model's tokenizer.
export { segmentSentences } from "./text/segmentation.js";
export type { SegmentationOptions, SentenceSpan } from "./text/segmentation.js";
export { TextTokenizer } from "./text/tokenization.js";
export type { PairTemplate, TokenizerFiles } from "./text/tokenization.js";

// The zero-model fallback: BM25 sentence scores, and highlights from them.
export { bm25Highlight, bm25SentenceScores } from "./pipeline/bm25.js";
export type { Bm25HighlightOptions, Bm25Normalization, Bm25Options } from "./pipeline/bm25.js";

// After a call: one token budget across documents, and rendering for people.
export { selectWithinContextBudget } from "./pipeline/budget.js";
export type { ContextBudgetOptions, ContextBudgetSelection } from "./pipeline/budget.js";
export { renderHighlights, shouldUseColor } from "./render/index.js";
export type { AnsiRenderOptions, HtmlRenderOptions, MarkdownRenderOptions, RenderableResult, RenderableSentence, RenderFormat, RenderOptions } from "./render/index.js";

// For framework adapters (LangChain, LlamaIndex, yours): strict option names, document selection, metadata.
export { checkOptionNames, HIGHLIGHT_OPTION_NAMES } from "./pipeline/options.js";
export { RERANK_OPTION_NAMES } from "./pipeline/rerank.js";
export { selectDocuments, validateDocumentSelectionOptions } from "./pipeline/documents.js";
export type { DocumentCandidate, DocumentOrder, DocumentSelectionOptions } from "./pipeline/documents.js";
export { copyRecord, highlightDetails, metadataKeyProblem } from "./pipeline/details.js";
export type { HighlightDetails, HighlightedSentence } from "./pipeline/details.js";

// Errors: every failure is one of these (`error.code` says which kind).
export {
  AbortError,
  ConversionError,
  InferenceError,
  InvalidInputError,
  MissingDependencyError,
  ModelLoadError,
  ModelNotAvailableOfflineError,
  OverloadedError,
  QueryTooLongError,
  RemoteInferenceError,
  SemanticHighlightError,
  TimeoutError,
  TritonRepositoryError,
  UnsupportedByModelError,
  WorkerCrashedError,
} from "./errors.js";
export type { ConversionErrorReason, ModelCapability, SemanticHighlightErrorCode, TritonRepositoryErrorReason } from "./errors.js";
