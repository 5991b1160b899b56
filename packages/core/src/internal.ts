/**
 * @semantic-highlight/core/internal — pieces of core that this repository's CLI (`semantic-highlight`), benchmarks
 * (`bench/`), evaluation scripts (`tools/eval/`) and tests use, and that are not part of the public API.
 *
 * **No semver guarantee**: anything here may change or disappear in any release, patch releases included. Use
 * the package root (`@semantic-highlight/core`) instead; if you need something from here, open an issue so it
 * can become public API.
 *
 * @packageDocumentation
 */

// Stages of the pipeline, for the benchmarks.
export { buildBatches, contextCapacity, layoutBlock, packBlocks } from "./pipeline/packing.js";
export type { Batch, BatchingOptions, Block, BlockLayout, Fragment, TokenIds } from "./pipeline/packing.js";
export { defaultFragmentLength, CONFIG_FILE } from "./models/config.js";

// Sentence selection and the BM25 scorer, for the CLI's eval and the eval scripts.
export { selectSentences } from "./pipeline/selection.js";
export type { Selection } from "./pipeline/selection.js";
export { BM25_DEFAULT_THRESHOLD, Bm25SentenceScorer } from "./pipeline/bm25.js";

// Per-format renderers and escaping, for the CLI's terminal, Markdown and HTML output.
export { escapeHtml, escapeMarkdown, escapeTerminal, renderAnsi, renderHtml, renderMarkdown } from "./render/index.js";

// Where the embedded default model is looked for, for the CLI.
export { DEFAULT_MODEL_ENV, defaultModelCandidates } from "./models/default-model.js";

// The backends behind `SemanticHighlighter.backend`, for tests that look inside them.
export { InProcessBackend } from "./backends/in-process.js";
export { RemoteBackend } from "./backends/remote.js";
export { WorkerBackend } from "./backends/worker.js";
export type { InferenceBackend } from "./backends/types.js";
