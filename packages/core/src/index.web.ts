/**
 * @semantic-highlight/core — the browser / edge build, chosen by the `browser` (and `worker`, `edge-light`)
 * export conditions. Everything Node-free of the Node build (segmentation, tokenization, packing,
 * aggregation, selection, the pipeline, BM25, rendering) plus {@link WebHighlighter}: a model fetched by
 * URL and run by onnxruntime-web. No `node:` import, no filesystem, no onnxruntime-node.
 *
 * ```ts
 * import { WebHighlighter, renderHighlights } from "@semantic-highlight/core";
 * const highlighter = await WebHighlighter.load("/models/default/");
 * const result = await highlighter.highlightOne(query, text);
 * element.innerHTML = renderHighlights(result, { format: "html" });
 * ```
 */
export { WebHighlighter } from "./web/highlighter.js";
export type { WebHighlighterLoadOptions } from "./web/highlighter.js";
export { checkModelParts } from "./model-parts.js";
export { fetchModelFiles, modelBaseUrl } from "./web/model-url.js";
export type { FetchedModel, FetchLike, FetchModelOptions } from "./web/model-url.js";
export { hasWebGpu, WebBackend } from "./backends/web.js";
export type { WebBackendOptions, WebDevice, WebOutputNames } from "./backends/web.js";
export { HighlightPipeline } from "./pipeline.js";
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
  SentenceResult,
} from "./types.js";
export {
  AbortError,
  InferenceError,
  InvalidInputError,
  ModelLoadError,
  OverloadedError,
  QueryTooLongError,
  SemanticHighlightError,
  TimeoutError,
} from "./errors.js";
export type { SemanticHighlightErrorCode } from "./errors.js";
export { CONFIG_FILE, defaultFragmentLength, parseModelConfig } from "./config.js";
export type { ModelConfig } from "./config.js";
export { segmentSentences } from "./segmentation.js";
export type { SegmentationOptions, SentenceSpan } from "./segmentation.js";
export { TextTokenizer } from "./tokenization.js";
export type { PairTemplate, TokenizerFiles } from "./tokenization.js";
export { buildBatches, contextCapacity, layoutBlock, makeBatch, packBlocks, planBatches, splitIntoFragments } from "./packing.js";
export type { Batch, BatchingOptions, Block, BlockLayout, Fragment } from "./packing.js";
export { packPreparation, prepareDocument, sentenceTokenIds, unpackPreparation } from "./preparation.js";
export type { PackedPreparation, PreparedDocument } from "./preparation.js";
export { parseDocumentInput, sourceSpans } from "./result.js";
export type { DocumentSource } from "./result.js";
export { fragmentScore, keepProbability, SentenceScoreAccumulator, sigmoid } from "./aggregation.js";
export type { AggregationMode } from "./aggregation.js";
export { selectSentences, validateSelectionOptions } from "./selection.js";
export type { KeepReason, Selection, SelectionOptions } from "./selection.js";
export { approximateTokenCount, BM25_DEFAULT_THRESHOLD, bm25Highlight, bm25SentenceScores, bm25Terms, Bm25SentenceScorer, lightStem } from "./bm25.js";
export type { Bm25HighlightOptions, Bm25Normalization, Bm25Options } from "./bm25.js";
export { copyRecord, highlightDetails } from "./details.js";
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
