/**
 * @semantic-highlight/core/web — the browser / edge build (also chosen for the package root by the `browser`,
 * `worker` and `edge-light` export conditions). Everything Node-free of the Node build (segmentation, tokenization, packing,
 * aggregation, selection, the pipeline, BM25, rendering) plus {@link WebHighlighter}: a model fetched by
 * URL and run by onnxruntime-web. No `node:` import, no filesystem, no onnxruntime-node.
 *
 * ```ts
 * import { WebHighlighter, renderHighlights } from "@semantic-highlight/core/web";
 * const highlighter = await WebHighlighter.load("/semantic-highlight-model/");
 * const result = await highlighter.highlightOne(query, text);
 * element.innerHTML = renderHighlights(result, { format: "html" });
 * ```
 */
export * from "./exports.common.js";

// Browser / edge only: models fetched by URL, run by onnxruntime-web.
export { loadHighlighter, WebHighlighter } from "./web/highlighter.js";
export type { LoadHighlighterOptions, WebHighlighterLoadOptions } from "./web/highlighter.js";
export { fetchModelFiles, modelBaseUrl } from "./web/model-url.js";
export type { FetchedModel, FetchLike, FetchModelOptions } from "./web/model-url.js";
export { hasWebGpu, WebBackend } from "./backends/web.js";
export type { WebBackendOptions, WebDevice, WebOutputNames } from "./backends/web.js";
