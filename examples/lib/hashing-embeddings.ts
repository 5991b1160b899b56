/**
 * A deterministic, offline embeddings model for examples and tests: a real LangChain `Embeddings`
 * subclass over the feature hash of `hashing-vector.ts`. No network, no weights.
 */
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";

import { hashingVector } from "./hashing-vector.js";

export { hashingFeatures, hashingVector } from "./hashing-vector.js";

/** Options of {@link HashingEmbeddings}. */
export interface HashingEmbeddingsParams extends EmbeddingsParams {
  /** Vector size. Default 256. */
  dimensions?: number;
}

/** Deterministic hashing embeddings (bag of words and CJK bigrams, L2-normalised). */
export class HashingEmbeddings extends Embeddings {
  /** Vector size. */
  readonly dimensions: number;

  constructor(params: HashingEmbeddingsParams = {}) {
    const { dimensions = 256, ...rest } = params;
    super(rest);
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer (got ${dimensions})`);
    this.dimensions = dimensions;
  }

  /** Embeds one text synchronously. */
  embed(text: string): number[] {
    return hashingVector(text, this.dimensions);
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((text) => this.embed(text));
  }

  override async embedQuery(document: string): Promise<number[]> {
    return this.embed(document);
  }
}
