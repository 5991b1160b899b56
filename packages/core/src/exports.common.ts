/**
 * The Node-free public API, re-exported by both entries: `index.ts` (Node: adds model folders, the hub,
 * onnxruntime-node backends, conversion) and `index.web.ts` (browsers and edge runtimes: adds onnxruntime-web
 * and loading by URL). One list, so the two builds cannot drift apart.
 */
export { HighlightPipeline, minimumContextTokens } from "./pipeline.js";
export type { PipelineParts } from "./pipeline.js";
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
} from "./types.js";
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
export { CONFIG_FILE, defaultFragmentLength, parseModelConfig } from "./config.js";
export type { ModelConfig, RerankActivation } from "./config.js";
export { checkModelParts } from "./model-parts.js";
export { segmentSentences } from "./segmentation.js";
export type { SegmentationOptions, SentenceSpan } from "./segmentation.js";
export { TextTokenizer } from "./tokenization.js";
export type { PairTemplate, TokenizerFiles } from "./tokenization.js";
export { buildBatches, contextCapacity, layoutBlock, makeBatch, packBlocks, planBatches, splitIntoFragments, toModelInputs } from "./packing.js";
export type { Batch, BatchingOptions, Block, BlockLayout, Fragment, TokenIds } from "./packing.js";
export { packPreparation, prepareDocument, sentenceTokenIds, unpackPreparation } from "./preparation.js";
export type { PackedPreparation, PreparedDocument } from "./preparation.js";
export { parseDocumentInput, sourceSpans } from "./result.js";
export type { DocumentSource } from "./result.js";
export { fragmentScore, keepProbability, SentenceScoreAccumulator, sigmoid } from "./aggregation.js";
export type { AggregationMode } from "./aggregation.js";
export { selectSentences, validateSelectionOptions } from "./selection.js";
export type { KeepReason, Selection, SelectionOptions } from "./selection.js";
export { selectWithinContextBudget, validateContextBudgetOptions } from "./budget.js";
export type { ContextBudgetOptions, ContextBudgetSelection } from "./budget.js";
export { activateLogit, layoutPair, longestFirstLengths, rankResults, Reranker, rerankActivation, RERANK_OPTION_NAMES, SENTENCE_OPTION_NAMES } from "./rerank.js";
export type { PairLayout, RerankMode, RerankOptions, RerankResult } from "./rerank.js";
export { checkOptionNames, closestName, definedEntries, describeValue, HIGHLIGHT_OPTION_NAMES } from "./options.js";
export { approximateTokenCount, BM25_DEFAULT_THRESHOLD, bm25Highlight, bm25SentenceScores, bm25Terms, Bm25SentenceScorer, lightStem } from "./bm25.js";
export type { Bm25HighlightOptions, Bm25Normalization, Bm25Options } from "./bm25.js";
export { copyRecord, highlightDetails, metadataKeyProblem } from "./details.js";
export type { HighlightDetails, HighlightedSentence } from "./details.js";
export { selectDocuments, validateDocumentSelectionOptions } from "./documents.js";
export type { DocumentCandidate, DocumentOrder, DocumentSelectionOptions } from "./documents.js";
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
