/**
 * @semantic-highlight/llamaindex — a LlamaIndex.TS node postprocessor that prunes retrieved nodes to the
 * sentences relevant to the query (semantic highlighting with a Provence-family model).
 *
 * ```ts
 * import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
 * const postprocessor = await SemanticHighlightPostprocessor.fromModel(); // the embedded default model, or a folder / hub id
 * const engine = index.asQueryEngine({ nodePostprocessors: [postprocessor] });
 * ```
 *
 * @packageDocumentation
 */
export { SemanticHighlightPostprocessor } from "./postprocessor.js";
export type {
  HighlightPassThroughOptions,
  NodeOrder,
  ResolvedNodeOptions,
  ScoreMode,
  SemanticHighlightPostprocessorLoadOptions,
  SemanticHighlightPostprocessorOptions,
  SemanticHighlightPostprocessorParams,
} from "./postprocessor.js";
export type { HighlightedSentence, SemanticHighlightMetadata } from "./metadata.js";
export { CrossEncoderReranker } from "./reranker.js";
export type { CrossEncoderRerankerOptions, CrossEncoderRerankerParams } from "./reranker.js";
