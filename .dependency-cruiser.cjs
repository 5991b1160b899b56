/**
 * Import boundaries of the packages (checked by `test/boundaries.test.ts`, part of `npm test`).
 * Type-only imports count: a type cycle still ties two modules together, and a browser build that imports a
 * Node type has a Node dependency in its typings.
 * @type {import("dependency-cruiser").IConfiguration}
 */
const core = "^packages/core/src/";
const nodeOnly = "^(node:.+|assert|buffer|child_process|crypto|fs|fs/promises|http|https|module|net|os|path|perf_hooks|stream|url|util|worker_threads|zlib)$|(^|/)node_modules/onnxruntime-node/|^packages/core/src/backends/worker-entry\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No import cycles: shared types live in modules of their own (pipeline/types.ts, backends/types.ts).",
      from: { path: "^packages/" },
      to: { circular: true },
    },
    {
      name: "text-is-a-leaf",
      severity: "error",
      comment: "text/ (segmentation, tokenization) is the first stage: it imports nothing of the later stages, the model folder code or the backends.",
      from: { path: `${core}text/` },
      to: { path: `${core}(pipeline|models|backends|serving|render|web)/|${core}(highlighter|index|index\\.web|exports\\.common|internal|testing)\\.ts$` },
    },
    {
      name: "render-and-text-not-to-backends",
      severity: "error",
      comment: "Rendering and text processing are pure: no inference backend, no onnxruntime.",
      from: { path: `${core}(render|text)/` },
      to: { path: `${core}(backends|serving)/|onnxruntime` },
    },
    {
      name: "core-not-to-adapters-or-cli",
      severity: "error",
      comment: "core knows no framework adapter and no CLI.",
      from: { path: "^packages/core/" },
      to: { path: "^packages/(langchain|llamaindex|cli)/|node_modules/(@semantic-highlight/(langchain|llamaindex)|semantic-highlight)/|^(@langchain|@llamaindex|llamaindex|commander)(/|$)" },
    },
    {
      name: "adapters-not-to-cli-or-each-other",
      severity: "error",
      comment: "The adapters build on core only.",
      from: { path: "^packages/(langchain|llamaindex)/" },
      to: { path: "^packages/cli/|^packages/(langchain|llamaindex)/", pathNot: "^packages/$1/" },
    },
    {
      name: "adapters-use-public-core",
      severity: "error",
      comment: "The adapters build on core's public root entry, never on its internal or testing entries or its sources.",
      from: { path: "^packages/(langchain|llamaindex)/src/", pathNot: "\\.test\\.ts$" },
      to: { path: `${core}`, pathNot: `${core}index\\.ts$` },
    },
    {
      name: "web-is-node-free",
      severity: "error",
      comment: "The browser / edge build (index.web.ts, web/) and everything it reaches import no Node built-in, no onnxruntime-node and not the worker entry.",
      from: { path: `${core}(index\\.web\\.ts$|web/)`, pathNot: "\\.test\\.ts$" },
      to: { path: nodeOnly, reachable: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^packages/[^/]+/dist/" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"] },
    combinedDependencies: false,
  },
};
