/**
 * Document-level choices shared by the framework adapters: drop irrelevant documents, keep the top N by
 * rerank score, return them best-first or in retrieval order. Pure.
 */

/** Order of returned documents: by rerank score (best first, ties in retrieval order) or as retrieved. */
export type DocumentOrder = "rerank" | "retrieval";

/** Which documents to return. */
export interface DocumentSelectionOptions {
  /** Drop candidates that are not `relevant`. Default true. */
  dropIrrelevant?: boolean;
  /** Keep at most this many candidates, the best by rerank score. Default: no limit. */
  topN?: number;
  /** Default "rerank". */
  order?: DocumentOrder;
}

/** What {@link selectDocuments} needs to know of a candidate document. */
export interface DocumentCandidate {
  /** Whether the document has anything worth keeping. */
  relevant: boolean;
  /** The model's rerank score. */
  rerankScore: number;
}

/**
 * Applies drop / topN / order to candidates given in retrieval order; returns the chosen candidates
 * (the same objects).
 */
export function selectDocuments<T extends DocumentCandidate>(candidates: readonly T[], options: DocumentSelectionOptions = {}): T[] {
  const { dropIrrelevant = true, topN, order = "rerank" } = options;
  const position = new Map(candidates.map((c, i) => [c, i]));
  const kept = dropIrrelevant ? candidates.filter((c) => c.relevant) : [...candidates];
  const ranked = [...kept].sort((a, b) => b.rerankScore - a.rerankScore || position.get(a)! - position.get(b)!);
  const chosen = topN === undefined ? ranked : ranked.slice(0, topN);
  return order === "rerank" ? chosen : chosen.sort((a, b) => position.get(a)! - position.get(b)!);
}

/** Validates document selection options; throws RangeError naming the bad option. */
export function validateDocumentSelectionOptions(options: DocumentSelectionOptions): void {
  const { topN, dropIrrelevant, order } = options;
  if (topN !== undefined && !(Number.isInteger(topN) && topN >= 1)) throw new RangeError(`topN must be a positive integer (got ${topN})`);
  if (dropIrrelevant !== undefined && typeof dropIrrelevant !== "boolean") throw new RangeError("dropIrrelevant must be a boolean");
  if (order !== undefined && order !== "rerank" && order !== "retrieval") throw new RangeError(`order must be "rerank" or "retrieval" (got ${String(order)})`);
}
