/**
 * Document ranking quality on the eval sets, for any model with a ranking output: each item is a
 * (query, document) pair, positive when it has a relevant sentence. Reported:
 * - ROC AUC of the rerank score, positives against negatives (over all items; undefined when the set has
 *   only one class, e.g. cmrc-trial-zh where every item is positive);
 * - MRR@k and hit@1 over the queries that several items share with at least one positive among them (a
 *   ranking question proper: does the model put a document holding the answer first?). Ties count against
 *   the positive (its rank is 1 + the negatives scored at least as high), so a constant score earns nothing.
 */
import type { RerankMode, SemanticHighlighter } from "@semantic-highlight/core";

import { isPositive, type EvalItem } from "./dataset.js";

/** One scored item. */
export interface RankedItem {
  id: string;
  query: string;
  positive: boolean;
  score: number;
}

/** Ranking metrics of one eval run. */
export interface RankingMetrics {
  items: number;
  positives: number;
  negatives: number;
  /** ROC AUC (ties count half), or null when the items are all of one class. */
  auc: number | null;
  /** Queries with several items and at least one positive among them. */
  queries: number;
  /** Cut-off of the reciprocal rank. */
  k: number;
  /** Mean over those queries of 1 / rank of the best-ranked positive (0 past k); null when there are none. */
  mrr: number | null;
  /** Share of those queries whose top-scored item is positive; null when there are none. */
  hitAt1: number | null;
  /** Mean score of positive and of negative items (null when none). */
  meanPositiveScore: number | null;
  meanNegativeScore: number | null;
}

/** ROC AUC = P(score of a random positive > score of a random negative), ties ½ (Mann–Whitney with mid-ranks). */
export function rocAuc(items: readonly Pick<RankedItem, "positive" | "score">[]): number | null {
  const positives = items.filter((i) => i.positive).length;
  const negatives = items.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let t = i; t < j; t++) if (sorted[t]!.positive) rankSum += midRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Rank (1-based) of the best positive of one query's items; ties with negatives count against it. */
export function bestPositiveRank(items: readonly Pick<RankedItem, "positive" | "score">[]): number | null {
  const scores = items.filter((i) => i.positive).map((i) => i.score);
  if (scores.length === 0) return null;
  const best = Math.max(...scores);
  return 1 + items.filter((i) => !i.positive && i.score >= best).length;
}

/** AUC, MRR@k and hit@1 of scored items (see the module docs). */
export function computeRankingMetrics(items: readonly RankedItem[], k = 10): RankingMetrics {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer (got ${k})`);
  const groups = new Map<string, RankedItem[]>();
  for (const item of items) {
    const group = groups.get(item.query);
    if (group) group.push(item);
    else groups.set(item.query, [item]);
  }
  let queries = 0;
  let reciprocal = 0;
  let hits = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const rank = bestPositiveRank(group);
    if (rank === null) continue;
    queries++;
    if (rank <= k) reciprocal += 1 / rank;
    if (rank === 1) hits++;
  }
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const positives = items.filter((i) => i.positive);
  const negatives = items.filter((i) => !i.positive);
  return {
    items: items.length,
    positives: positives.length,
    negatives: negatives.length,
    auc: rocAuc(items),
    queries,
    k,
    mrr: queries === 0 ? null : reciprocal / queries,
    hitAt1: queries === 0 ? null : hits / queries,
    meanPositiveScore: mean(positives.map((i) => i.score)),
    meanNegativeScore: mean(negatives.map((i) => i.score)),
  };
}

/** Options of {@link rankItems}. */
export interface RankItemsOptions {
  /** `"pair"` (default, as Python rerankers) or `"blocks"`. */
  mode?: RerankMode;
  /** Longest pair in tokens. Default: the model's max_length. */
  maxLength?: number;
  /** Called after each query with (items done, items in all). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores every item with `highlighter.rerank`, one call per distinct query (its items batched together).
 * @throws UnsupportedByModelError (from core) when the model has no ranking output
 */
export async function rankItems(highlighter: SemanticHighlighter, items: readonly EvalItem[], options: RankItemsOptions = {}): Promise<RankedItem[]> {
  const byQuery = new Map<string, EvalItem[]>();
  for (const item of items) {
    const group = byQuery.get(item.query);
    if (group) group.push(item);
    else byQuery.set(item.query, [item]);
  }
  const ranked: RankedItem[] = [];
  let done = 0;
  for (const [query, group] of byQuery) {
    const results = await highlighter.rerank(
      query,
      group.map((item) => ({ text: item.sentences.join(""), id: item.id })),
      { ...(options.mode ? { mode: options.mode } : {}), ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}) },
    );
    for (const r of results) {
      const item = group[r.documentIndex]!;
      ranked.push({ id: item.id, query, positive: isPositive(item), score: r.score });
    }
    done += group.length;
    options.onProgress?.(done, items.length);
  }
  return ranked;
}
