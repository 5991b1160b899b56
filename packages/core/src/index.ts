/**
 * @semantic-highlight/core — semantic highlighting and context pruning with Provence-family models.
 *
 * ```ts
 * const highlighter = await SemanticHighlighter.load("./models/default");
 * const { results } = await highlighter.highlight("How do I make Python faster?", [doc1, doc2]);
 * console.log(results[0].prunedText, results[0].rerankScore);
 * ```
 */
export { SemanticHighlighter } from "./highlighter.js";
export type { BackendOptions, HighlighterLoadOptions } from "./highlighter.js";
export { HighlightPipeline } from "./pipeline.js";
export type { PipelineParts } from "./pipeline.js";
export { KNOWN_INPUT_NAMES } from "./backends/types.js";
export type { BackendInfo, BackendKind, BackendStats, InferenceBackend, ModelInputName, ModelInputs, PrepareRequest, RunOptions } from "./backends/types.js";
export { InProcessBackend } from "./backends/in-process.js";
export type { InProcessBackendOptions } from "./backends/in-process.js";
export { WorkerBackend } from "./backends/worker.js";
export type { WorkerBackendOptions } from "./backends/worker.js";
export { RemoteBackend } from "./backends/remote.js";
export type { RemoteBackendOptions } from "./backends/remote.js";
export { startKServeServer } from "./backends/kserve-server.js";
export type { KServeFaults, KServeServer, KServeServerOptions } from "./backends/kserve-server.js";
export { writeTritonRepository } from "./backends/triton.js";
export type { TritonRepositoryOptions, TritonRepositoryResult } from "./backends/triton.js";
export type {
  Compression,
  DocumentInput,
  HighlightOptions,
  HighlightResponse,
  HighlightResult,
  HighlightTimings,
  SentenceResult,
} from "./types.js";
export {
  AbortError,
  InferenceError,
  InvalidInputError,
  ModelLoadError,
  ModelNotAvailableOfflineError,
  OverloadedError,
  QueryTooLongError,
  RemoteInferenceError,
  SemanticHighlightError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.js";
export type { SemanticHighlightErrorCode } from "./errors.js";
export { ConversionError } from "./errors.js";
export type { ConversionErrorReason } from "./errors.js";
export { CONFIG_FILE, defaultFragmentLength, parseModelConfig } from "./config.js";
export type { ModelConfig } from "./config.js";
export { segmentSentences } from "./segmentation.js";
export type { SegmentationOptions, SentenceSpan } from "./segmentation.js";
export { TextTokenizer } from "./tokenization.js";
export type { PairTemplate, TokenizerFiles } from "./tokenization.js";
export { buildBatches, contextCapacity, layoutBlock, makeBatch, packBlocks, planBatches, splitIntoFragments } from "./packing.js";
export { packPreparation, prepareDocument, sentenceTokenIds, unpackPreparation } from "./preparation.js";
export type { PackedPreparation, PreparedDocument } from "./preparation.js";
export { parseDocumentInput, sourceSpans } from "./result.js";
export type { DocumentSource } from "./result.js";
export type { Batch, BatchingOptions, Block, BlockLayout, Fragment } from "./packing.js";
export { fragmentScore, keepProbability, SentenceScoreAccumulator, sigmoid } from "./aggregation.js";
export type { AggregationMode } from "./aggregation.js";
export { selectSentences, validateSelectionOptions } from "./selection.js";
export type { KeepReason, Selection, SelectionOptions } from "./selection.js";
export { OnnxModelSession } from "./runtime.js";
export type { BatchOutput, OutputNames, RuntimeOptions } from "./runtime.js";
export { loadModelFiles, loadModelFolder } from "./model.js";
export type { LoadedModel } from "./model.js";
export { defaultConvertedCacheDir, defaultHubCacheDir, downloadHubRepo, HUB_PREFIX, hubIdOf, looksLikeHubId, resolveHubModel } from "./hub.js";
export type { DownloadedHubRepo, HubOptions, HubProgress } from "./hub.js";
export { convertCheckpoint, looksLikeCheckpoint } from "./models/convert/convert.js";
export type { ConversionProgress, ConversionResult, ConvertOptions } from "./models/convert/convert.js";
export type { LayoutKind } from "./models/convert/layout.js";
export { approximateTokenCount, BM25_DEFAULT_THRESHOLD, bm25Highlight, bm25SentenceScores, bm25Terms, Bm25SentenceScorer, lightStem } from "./bm25.js";
export type { Bm25HighlightOptions, Bm25Normalization, Bm25Options } from "./bm25.js";
export { copyRecord, highlightDetails } from "./details.js";
export type { HighlightDetails, HighlightedSentence } from "./details.js";
export { selectDocuments, validateDocumentSelectionOptions } from "./documents.js";
export type { DocumentCandidate, DocumentOrder, DocumentSelectionOptions } from "./documents.js";
export { DEFAULT_MODEL_ENV, defaultModelCandidates, defaultModelDirectory } from "./default-model.js";
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
