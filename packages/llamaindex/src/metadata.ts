/**
 * What the postprocessor writes into a returned node's metadata, and how it copies the caller's
 * metadata and relationships without ever sharing mutable objects with the store.
 */
import { highlightDetails, type HighlightDetails, type HighlightResult } from "@semantic-highlight/core";

export { copyRecord } from "@semantic-highlight/core";
export type { HighlightedSentence } from "@semantic-highlight/core";

/**
 * Highlight details stored under `metadata[metadataKey]` (default `metadata.highlight`) of every node the
 * postprocessor prunes: core's `HighlightDetails` plus the score the node arrived with. Plain JSON
 * data; the key is added to the node's `excludedLlmMetadataKeys` and `excludedEmbedMetadataKeys`, so none
 * of it reaches the LLM prompt or an embedding.
 */
export interface SemanticHighlightMetadata extends HighlightDetails {
  /** The score the node arrived with (the retriever's similarity), or `null` when it had none. */
  retrievalScore: number | null;
}

/** Builds the metadata details for one result. Pure. */
export function highlightMetadata(result: HighlightResult, threshold: number, retrievalScore: number | undefined): SemanticHighlightMetadata {
  return {
    ...highlightDetails(result, threshold),
    retrievalScore: typeof retrievalScore === "number" && Number.isFinite(retrievalScore) ? retrievalScore : null,
  };
}

/** `keys` plus `extra`, without duplicates, in order (a new array). */
export function withKey(keys: readonly string[] | undefined, extra: string): string[] {
  const result = Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
  return result.includes(extra) ? [...new Set(result)] : [...new Set(result), extra];
}
