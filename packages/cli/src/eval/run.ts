/**
 * Runs a scorer over eval items once and evaluates one or more selection settings on the stored scores
 * ("score once, select many times"): a threshold sweep costs one model pass.
 */
import type { Bm25Options, SemanticHighlighter } from "@semantic-highlight/core";
import { BM25_DEFAULT_THRESHOLD, Bm25SentenceScorer, selectSentences } from "@semantic-highlight/core/internal";

import type { EvalItem } from "./dataset.js";
import { computeMetrics, type EvalMetrics, type ItemOutcome } from "./metrics.js";

/** What scores the sentences of an item. */
export type EvalMethod =
  /** A loaded model; `model` names it in reports (default: its folder). */
  | { kind: "model"; highlighter: SemanticHighlighter; model?: string }
  /** Keeps every sentence (upper bound of recall, compression 0). */
  | { kind: "keep-all" }
  /** The BM25 lexical baseline from core. */
  | { kind: "bm25"; options?: Bm25Options };

/** Sentence scores of one item, kept so that selection can be redone for any threshold. */
export interface ScoredItem {
  /** The scored item. */
  item: EvalItem;
  /** One score in 0..1 per sentence. */
  scores: number[];
  /** Tokens per sentence (model tokenizer; 0 for the baselines, which need no budget). */
  tokens: number[];
}

/** How sentences are selected from scores (core's `selectSentences` semantics: kept when score > threshold). */
export interface SelectionSetting {
  threshold: number;
  topK?: number;
}

/** Scores every item once. `onProgress(done, total)` is called after each item. */
export async function scoreItems(
  items: readonly EvalItem[],
  method: EvalMethod,
  onProgress?: (done: number, total: number) => void,
): Promise<{ scored: ScoredItem[]; seconds: number }> {
  const started = performance.now();
  const scored: ScoredItem[] = [];
  const bm25 = method.kind === "bm25" ? new Bm25SentenceScorer(method.options) : null;
  for (const item of items) {
    if (method.kind === "model") {
      // One call per item: each item has its own query.
      const result = await method.highlighter.highlightOne(item.query, { sentences: item.sentences });
      scored.push({ item, scores: result.sentenceScores, tokens: result.sentences.map((s) => s.tokens) });
    } else if (bm25) {
      scored.push({ item, scores: bm25.score(item.query, item.sentences), tokens: item.sentences.map(() => 0) });
    } else {
      scored.push({ item, scores: item.sentences.map(() => 1), tokens: item.sentences.map(() => 0) });
    }
    onProgress?.(scored.length, items.length);
  }
  return { scored, seconds: (performance.now() - started) / 1000 };
}

/** Applies one selection setting to stored scores. `keepAll` ignores the scores and keeps everything. */
export function selectOutcomes(scored: readonly ScoredItem[], setting: SelectionSetting, keepAll = false): ItemOutcome[] {
  return scored.map(({ item, scores, tokens }) => ({
    item,
    kept: keepAll ? scores.map(() => true) : selectSentences(scores, tokens, { threshold: setting.threshold, topK: setting.topK }).reasons.map((r) => r !== null),
  }));
}

/** Options of {@link runEval}. */
export interface RunEvalOptions {
  /** The items to evaluate (e.g. `loadEvalSet(file).items`). */
  items: readonly EvalItem[];
  /** What scores the sentences: a loaded model, or a baseline. */
  method: EvalMethod;
  /** Keep threshold. Default: the model config's threshold; BM25: `BM25_DEFAULT_THRESHOLD`. */
  threshold?: number;
  /** Keep at most this many sentences per item. */
  topK?: number;
  /** Also evaluate these thresholds (same scores, same topK). */
  sweep?: readonly number[];
  /** Progress callback, after each scored item. */
  onProgress?: (done: number, total: number) => void;
  /** Name of the evaluated file, for the report. */
  file?: string;
  /** Receives the scored items once scoring is done (the HTML report draws every item from them). */
  onScored?: (scored: readonly ScoredItem[]) => void;
}

/** Metrics at one threshold of a sweep. */
export interface SweepRow extends EvalMetrics {
  /** The threshold these metrics were computed at. */
  threshold: number;
}

/** Everything `semantic-highlight eval --json` prints. */
export interface EvalReport extends EvalMetrics {
  /** Evaluated file, when known. */
  file: string | null;
  /** What scored the sentences: `"model"`, `"keep-all"` or `"bm25"`. */
  method: EvalMethod["kind"];
  /** Model folder or name (null for the baselines). */
  model: string | null;
  /** Threshold the top-level metrics use. */
  threshold: number;
  /** Top-k limit, or null. */
  topK: number | null;
  /** Items scored per second (scoring only: model loading excluded). */
  itemsPerSecond: number;
  /** Seconds spent scoring. */
  seconds: number;
  /** Metrics per threshold when a sweep was asked for; null otherwise. */
  sweep: SweepRow[] | null;
}

/** Default threshold of a method. */
export function defaultThreshold(method: EvalMethod): number {
  if (method.kind === "model") return method.highlighter.config.threshold;
  if (method.kind === "bm25") return BM25_DEFAULT_THRESHOLD;
  return 0;
}

/** Scores the items once and computes the metrics at the threshold and at every sweep threshold. */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const { method } = options;
  const threshold = options.threshold ?? defaultThreshold(method);
  const keepAll = method.kind === "keep-all";
  const { scored, seconds } = await scoreItems(options.items, method, options.onProgress);
  options.onScored?.(scored);
  const metrics = computeMetrics(selectOutcomes(scored, { threshold, topK: options.topK }, keepAll));
  const sweep = options.sweep
    ? [...options.sweep]
        .sort((a, b) => a - b)
        .map((t): SweepRow => ({ threshold: t, ...computeMetrics(selectOutcomes(scored, { threshold: t, topK: options.topK }, keepAll)) }))
    : null;
  const model = method.kind === "model" ? method.model ?? method.highlighter.modelDirectory : null;
  return {
    file: options.file ?? null,
    method: method.kind,
    model,
    threshold,
    topK: options.topK ?? null,
    ...metrics,
    itemsPerSecond: seconds > 0 ? scored.length / seconds : 0,
    seconds,
    sweep,
  };
}
