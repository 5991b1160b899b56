/**
 * What the compressor writes into a returned document's metadata. The details themselves are core's
 * framework-neutral `HighlightDetails`; the copy helper is core's `copyRecord`.
 */
import { copyRecord, type HighlightDetails } from "@semantic-highlight/core";

export { highlightDetails as highlightMetadata } from "@semantic-highlight/core";
export type { HighlightedSentence } from "@semantic-highlight/core";

/**
 * Highlight details stored under `metadata[metadataKey]` (default `metadata.highlight`) of every
 * returned document: kept sentences with offsets into the original `pageContent`, all sentence scores,
 * compression figures, threshold and rerank score.
 */
export type SemanticHighlightMetadata = HighlightDetails;

/**
 * Copies metadata so that nothing in the copy is shared with the original (deep copies with
 * `structuredClone`; values that cannot be cloned, such as functions, are shared).
 */
export function copyMetadata(metadata: Readonly<Record<string, unknown>> | undefined | null): Record<string, unknown> {
  return copyRecord<Record<string, unknown>>(metadata);
}
