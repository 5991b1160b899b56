/**
 * @semantic-highlight/core — semantic highlighting and context pruning with Provence-family models, in Node.
 * Models run on onnxruntime-node (an optional peer dependency: `npm install @semantic-highlight/core onnxruntime-node`).
 *
 * ```ts
 * const highlighter = await SemanticHighlighter.load(); // the embedded default model, a folder, or "hf:org/name"
 * const { results } = await highlighter.highlight("How do I make Python faster?", [doc1, doc2]);
 * console.log(results[0].prunedText, results[0].rerankScore);
 * ```
 *
 * The browser / edge build is `@semantic-highlight/core/web`; both share the list in `exports.common.ts`.
 *
 * @packageDocumentation
 */
export * from "./exports.common.js";

// Loading and running a model in Node: model folders, the hub, worker / in-process / remote backends.
export { loadHighlighter, SemanticHighlighter } from "./highlighter.js";
export type { BackendOptions, HighlighterLoadOptions, LoadHighlighterOptions } from "./highlighter.js";
export type { InProcessBackendOptions } from "./backends/in-process.js";
export type { WorkerBackendOptions } from "./backends/worker.js";
export type { RemoteBackendOptions, TensorFormat } from "./backends/remote.js";
export type { BackendInfo, BackendKind, BackendStats, HighlighterBackend, ModelInputName } from "./backends/types.js";
export type { RuntimeOptions } from "./backends/onnx-session.js";
export { defaultModelDirectory } from "./models/default-model.js";

// The Hugging Face hub: download (and convert) ahead of time, e.g. while building a container image.
export { downloadHubRepo, looksLikeHubId, resolveHubModel } from "./models/hub.js";
export type { DownloadedHubRepo, HubOptions, HubProgress } from "./models/hub.js";

// Converting a Hugging Face checkpoint into a model folder, in TypeScript.
export { convertCheckpoint } from "./models/convert/convert.js";
export type { ConversionProgress, ConversionResult, ConvertOptions } from "./models/convert/convert.js";
export type { LayoutKind } from "./models/convert/layout.js";

// Serving a model folder with Triton Inference Server.
export { writeTritonRepository } from "./serving/triton.js";
export type { TritonRepositoryOptions, TritonRepositoryResult } from "./serving/triton.js";
export type { Int8Options, WeightWriteStats } from "./models/convert/int8.js";
export type { XlmrGraphOps } from "./models/convert/xlmr-graph.js";
