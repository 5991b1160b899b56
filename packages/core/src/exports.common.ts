/**
 * The Node-free public API, re-exported by both entries: `index.ts` (Node: adds model folders, the hub,
 * onnxruntime-node backends, conversion) and `index.web.ts` (browsers and edge runtimes: adds onnxruntime-web
 * and loading by URL). One list, so the two builds cannot drift apart.
 */
export { HighlighterHandle } from "./highlighter-handle.js";
export type { Highlighter, HighlighterHandleOptions } from "./highlighter-handle.js";
export { HighlightPipeline, minimumContextTokens } from "./pipeline/pipeline.js";
export type { PipelineParts } from "./pipeline/pipeline.js";
export { KNOWN_INPUT_NAMES } from "./backends/types.js";
export type { BackendInfo, BackendKind, BackendStats, BatchOutput, InferenceBackend, ModelInputName, ModelInputs, PrepareRequest, RunOptions } from "./backends/types.js";
export type {
  Compression,
  DocumentInput,
  HighlightOptions,
  HighlightResponse,
  HighlightResult,
  HighlightTimings,
  RerankScoreSource,
  SentenceResult,
} from "./pipeline/types.js";
export {
  AbortError,
  InferenceError,
  InvalidInputError,
  MissingDependencyError,
  ModelLoadError,
  OverloadedError,
  QueryTooLongError,
  RemoteInferenceError,
  SemanticHighlightError,
  TimeoutError,
  UnsupportedByModelError,
  WorkerCrashedError,
} from "./errors.js";
export type { ModelCapability, SemanticHighlightErrorCode } from "./errors.js";
export { CONFIG_FILE, defaultFragmentLength, parseModelConfig } from "./models/config.js";
export type { ModelConfig, RerankActivation } from "./models/config.js";
export { checkModelParts } from "./models/model-parts.js";
export { segmentSentences } from "./text/segmentation.js";
export type { SegmentationOptions, SentenceSpan } from "./text/segmentation.js";
export { TextTokenizer } from "./text/tokenization.js";
export type { PairTemplate, TokenizerFiles } from "./text/tokenization.js";
export { buildBatches, contextCapacity, layoutBlock, makeBatch, packBlocks, planBatches, splitIntoFragments, toModelInputs } from "./pipeline/packing.js";
export type { Batch, BatchingOptions, Block, BlockLayout, Fragment, TokenIds } from "./pipeline/packing.js";
export { packPreparation, prepareDocument, sentenceTokenIds, unpackPreparation } from "./pipeline/preparation.js";
export type { PreparedDocument } from "./pipeline/preparation.js";
export { parseDocumentInput, sourceSpans } from "./pipeline/result.js";
export { fragmentScore, keepProbability, SentenceScoreAccumulator, sigmoid } from "./pipeline/aggregation.js";
export type { AggregationMode } from "./pipeline/aggregation.js";
export { selectSentences, validateSelectionOptions } from "./pipeline/selection.js";
export type { Selection } from "./pipeline/selection.js";
export { selectWithinContextBudget, validateContextBudgetOptions } from "./pipeline/budget.js";
export type { ContextBudgetOptions, ContextBudgetSelection } from "./pipeline/budget.js";
export { activateLogit, layoutPair, longestFirstLengths, rankResults, Reranker, rerankActivation, RERANK_OPTION_NAMES, SENTENCE_OPTION_NAMES } from "./pipeline/rerank.js";
export type { PairLayout, RerankMode, RerankOptions, RerankResult } from "./pipeline/rerank.js";
export { checkOptionNames, closestName, definedEntries, describeValue, HIGHLIGHT_OPTION_NAMES } from "./pipeline/options.js";
export { approximateTokenCount, BM25_DEFAULT_THRESHOLD, bm25Highlight, bm25SentenceScores, bm25Terms, Bm25SentenceScorer, lightStem } from "./pipeline/bm25.js";
export type { Bm25HighlightOptions, Bm25Normalization, Bm25Options } from "./pipeline/bm25.js";
export { copyRecord, highlightDetails, metadataKeyProblem } from "./pipeline/details.js";
export type { HighlightDetails, HighlightedSentence } from "./pipeline/details.js";
export { selectDocuments, validateDocumentSelectionOptions } from "./pipeline/documents.js";
export type { DocumentCandidate, DocumentOrder, DocumentSelectionOptions } from "./pipeline/documents.js";
export {
  ANSI_CODES,
  escapeHtml,
  escapeMarkdown,
  escapeTerminal,
  markIntensity,
  renderAnsi,
  renderHighlights,
  renderHtml,
  renderMarkdown,
  shouldUseColor,
} from "./render/index.js";
export type {
  AnsiRenderOptions,
  HtmlRenderOptions,
  MarkdownRenderOptions,
  RenderableResult,
  RenderableSentence,
  RenderFormat,
  RenderOptions,
} from "./render/index.js";
