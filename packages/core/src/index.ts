/**
 * @semantic-highlight/core — semantic highlighting and context pruning with Provence-family models.
 *
 * ```ts
 * const highlighter = await SemanticHighlighter.load("./models/default");
 * const { results } = await highlighter.highlight("How do I make Python faster?", [doc1, doc2]);
 * console.log(results[0].prunedText, results[0].rerankScore);
 * ```
 */
export * from "./exports.common.js";

// Node only: model folders and the hub, onnxruntime-node backends, checkpoint conversion.
export { SemanticHighlighter } from "./highlighter.js";
export type { BackendOptions, HighlighterLoadOptions } from "./highlighter.js";
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
export { ConversionError, ModelNotAvailableOfflineError } from "./errors.js";
export type { ConversionErrorReason } from "./errors.js";
export { OnnxModelSession } from "./runtime.js";
export type { OutputNames, RuntimeOptions } from "./runtime.js";
export { loadModelFiles, loadModelFolder } from "./model.js";
export type { LoadedModel } from "./model.js";
export { defaultConvertedCacheDir, defaultHubCacheDir, downloadHubRepo, HUB_PREFIX, hubIdOf, looksLikeHubId, resolveHubModel } from "./hub.js";
export type { DownloadedHubRepo, HubOptions, HubProgress } from "./hub.js";
export { convertCheckpoint, looksLikeCheckpoint } from "./models/convert/convert.js";
export type { ConversionProgress, ConversionResult, ConvertOptions } from "./models/convert/convert.js";
export type { LayoutKind } from "./models/convert/layout.js";
export type { Int8Options } from "./models/convert/int8.js";
export type { XlmrGraphOps } from "./models/convert/xlmr-graph.js";
export { activationFromConfig, deriveOptimumConfig, looksLikeOptimumExport, maxLengthFromConfigs, OPTIMUM_MODEL_FILES } from "./models/optimum.js";
export { DEFAULT_MODEL_ENV, defaultModelCandidates, defaultModelDirectory } from "./default-model.js";
