/**
 * A deterministic, offline embedding model for LlamaIndex.TS examples and tests.
 *
 * It is a real `BaseEmbedding` subclass (so `VectorStoreIndex`, `Settings.embedModel` and the ingestion
 * pipeline treat it like any hosted model); the vector is the feature hash of `hashing-vector.ts`.
 */
import { BaseEmbedding } from "@llamaindex/core/embeddings";

import { hashingVector } from "./hashing-vector.js";

export { hashingFeatures, hashingVector } from "./hashing-vector.js";

/** Options of {@link HashingEmbedding}. */
export interface HashingEmbeddingOptions {
  /** Vector length. Default 256. */
  dimensions?: number;
}

/** Deterministic feature-hashing embedding model (words + CJK bigrams → 256-dim unit vector). */
export class HashingEmbedding extends BaseEmbedding {
  /** Vector length. */
  readonly dimensions: number;

  constructor(options: HashingEmbeddingOptions = {}) {
    super();
    const dimensions = options.dimensions ?? 256;
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer (got ${dimensions})`);
    this.dimensions = dimensions;
  }

  /** Embeds one text. */
  override async getTextEmbedding(text: string): Promise<number[]> {
    return hashingVector(text, this.dimensions);
  }
}
