/**
 * @semantic-highlight/core/web — the browser / edge build (also chosen for the package root by the `browser`,
 * `worker` and `edge-light` export conditions): the Node-free public API (`exports.common.ts`: the same list as
 * the Node build's) plus {@link WebHighlighter}, a model fetched by URL and run by onnxruntime-web (an optional
 * peer dependency: `npm install @semantic-highlight/core onnxruntime-web`). No `node:` import, no filesystem,
 * no onnxruntime-node.
 *
 * ```ts
 * import { WebHighlighter, renderHighlights } from "@semantic-highlight/core/web";
 * const highlighter = await WebHighlighter.load("/semantic-highlight-model/");
 * const result = await highlighter.highlightOne(query, text);
 * element.innerHTML = renderHighlights(result, { format: "html" });
 * ```
 *
 * @packageDocumentation
 */
export * from "./exports.common.js";

// Browser / edge only: models fetched by URL, run by onnxruntime-web.
export { loadHighlighter, WebHighlighter } from "./web/highlighter.js";
export type { LoadHighlighterOptions, WebHighlighterLoadOptions } from "./web/highlighter.js";
export type { FetchLike, FetchModelOptions } from "./web/model-url.js";
export { hasWebGpu } from "./backends/web.js";
export type { WebBackendOptions, WebDevice } from "./backends/web.js";
