/**
 * Types shared by the pipeline, result assembly, the BM25 scorer, rendering and the adapters: inputs,
 * per-call options and results. In their own module so no two modules import each other.
 */
import type { AggregationMode } from "./aggregation.js";
import type { SegmentationOptions } from "../text/segmentation.js";

/** Options that decide which sentences of a document are kept. */
export interface SelectionOptions {
  /** A sentence is relevant when its score is strictly greater than this. */
  threshold: number;
  /** Keep at most this many relevant sentences (the highest-scoring ones). */
  topK?: number;
  /**
   * Most tokens of kept text per document. A hard cap: sentences are admitted in priority order
   * (first sentence when `keepFirst`, then relevant sentences by score, then the minimum, then neighbours)
   * and one that does not fit is skipped.
   */
  tokenBudget?: number;
  /** Also keep this many sentences before and after each kept relevant sentence, for context. Default 0. */
  neighbors?: number;
  /** Keep at least this many sentences (the highest-scoring), even below the threshold. Default 0. */
  minSentences?: number;
  /** Always keep the first sentence (a title or lead). Default false. */
  keepFirst?: boolean;
}

/** Why a sentence was kept. */
export type KeepReason = "score" | "first" | "minimum" | "neighbor";

/** A document to highlight: plain text (segmented for you), or text already split into sentences. */
export type DocumentInput =
  | string
  | { text: string; id?: string }
  | {
      /** Sentences whose concatenation is the document (keep their whitespace: offsets index the join). */
      sentences: readonly string[];
      id?: string;
    };

/** A validated input document: its text, and its sentences when the caller pre-split it. */
export interface DocumentSource {
  text: string;
  id?: string;
  /** Pre-split sentences (their concatenation is `text`); absent when the text is to be segmented. */
  sentences?: readonly string[];
}

/**
 * Where a document's rerank score comes from:
 * - `"head"`: sigmoid of the model's ranking head (best block), as the reference does;
 * - `"max-sentence"`: the best sentence score. For models whose ranking head was not trained together with
 *   the pruning head (the zilliz article says so of its model), this follows the highlights.
 * Models without a ranking head always use the best sentence score.
 */
export type RerankScoreSource = "head" | "max-sentence";

/** Per-call options; anything left out falls back to the highlighter's defaults, then the model config. */
export interface HighlightOptions extends Partial<SelectionOptions> {
  /** Token → fragment aggregation. Default "mean" (Open Provence); "decision" is naver's variant. */
  aggregation?: AggregationMode;
  /** Text inserted between kept sentences that are not adjacent in the original. Default "" (none). */
  separator?: string;
  /** Return documents sorted by rerank score, best first (stable). Default false: input order. */
  sortByRerankScore?: boolean;
  /**
   * Source of `rerankScore` (and so of the order with `sortByRerankScore` and in the adapters). Default: the
   * model config's `rerank_score_source`, else `"head"`.
   */
  rerankScoreSource?: RerankScoreSource;
  /**
   * Block length in tokens, special tokens included; at most the model's `max_length`. Default: the
   * model's `max_length` (the reference's blocks). Shorter blocks cost less per token on CPU (attention is
   * quadratic) but change scores near block edges: bench/README.md has the measured trade-off.
   */
  maxLength?: number;
  /** Longest sentence fragment in tokens. Default max(16, maxLength / 2). */
  fragmentLength?: number;
  /** Most blocks per onnxruntime call. Default 8. */
  batchSize?: number;
  /** Most padded tokens per onnxruntime call (bounds memory). Default 8192. */
  maxBatchTokens?: number;
  /**
   * Most padding per onnxruntime call, as a share of its tokens: a block that would exceed it goes into
   * a new batch (blocks are sorted by length first). Default 0.1. Padding is compute thrown away.
   */
  maxPaddingRatio?: number;
  /** A batch of at most this many tokens (rows × padded length) is never split to save padding. Default 512. */
  smallBatchTokens?: number;
  /** Sentence segmentation settings for text documents. */
  segmentation?: SegmentationOptions;
  /**
   * Cancels the call: it rejects at once with an `AbortError`, its queued batches are dropped and a batch
   * in flight is abandoned.
   */
  signal?: AbortSignal;
  /** Rejects the call with a `TimeoutError` after this many milliseconds (its queued batches are dropped). Default: none. */
  timeoutMs?: number;
}

/** One sentence of a result. */
export interface SentenceResult {
  /** Position of the sentence in the document. */
  index: number;
  /** The sentence exactly as it is in the document (`document.slice(start, end)`). */
  text: string;
  /** UTF-16 offset of the first character in the document. */
  start: number;
  /** UTF-16 offset after the last character. */
  end: number;
  /** Relevance score in [0, 1]: mean keep probability of its tokens (see `aggregation`). */
  score: number;
  /** Number of tokens of the sentence (tokenized on its own, no special tokens). */
  tokens: number;
  /** Whether the sentence is in the pruned text. */
  kept: boolean;
  /** Why it was kept (`null` when pruned). */
  keepReason: KeepReason | null;
}

/** Size of a document before and after pruning. */
export interface Compression {
  /** Characters of the original text. */
  charactersBefore: number;
  /** Characters of `prunedText`. */
  charactersAfter: number;
  /** Tokens of all sentences (each tokenized on its own, no special tokens). */
  tokensBefore: number;
  /** Tokens of the kept sentences. */
  tokensAfter: number;
  /** Share of characters removed, 0..1. */
  characterReduction: number;
  /** Share of tokens removed, 0..1. */
  tokenReduction: number;
}

/** The highlight of one document. */
export interface HighlightResult {
  /** Index of the document in the call's input (results may be reordered by rerank score). */
  documentIndex: number;
  /** The input's `id`, when it had one. */
  id?: string;
  /** The original document text. */
  text: string;
  /** Every sentence with its score, in document order. */
  sentences: SentenceResult[];
  /** The kept sentences, in document order. */
  keptSentences: SentenceResult[];
  /** Every sentence's score, in document order (same numbers as `sentences[i].score`). */
  sentenceScores: number[];
  /**
   * `false` when the model is rerank-only (no pruning head): no sentence was scored, so `sentences`,
   * `keptSentences` and `sentenceScores` are empty, `prunedText` is the whole text and only `rerankScore`
   * carries a model output. Absent otherwise.
   */
  sentencesScored?: false;
  /** Kept sentences joined in order, original text, with `separator` between non-adjacent ones. */
  prunedText: string;
  /** sigmoid(max ranking logit over the document's blocks); 0 when no sentence scored above the threshold. */
  rerankScore: number;
  /** The max ranking logit itself, or `null` (no ranking head, or an empty document). */
  rankingLogit: number | null;
  /** Whether any sentence scored above the threshold. */
  relevant: boolean;
  /** Size before and after pruning. */
  compression: Compression;
  /** Model blocks this document needed. */
  blocks: number;
}

/** Wall-clock time per stage of one call, in milliseconds. */
export interface HighlightTimings {
  /** Sentence segmentation on the calling thread (0 when the backend's workers did it with tokenization). */
  segmentationMs: number;
  /** Tokenization; when workers prepared the call, segmentation and tokenization together. */
  tokenizationMs: number;
  /** Cutting sentences into fragments, packing blocks and building batches. */
  packingMs: number;
  /** Waiting for the backend to run the batches. */
  inferenceMs: number;
  /** Token scores to sentence scores, selection and result assembly. */
  aggregationMs: number;
  /** The whole call. */
  totalMs: number;
}

/** What one `highlight` call returns. */
export interface HighlightResponse {
  /** One result per document, in input order (or by rerank score with `sortByRerankScore`). */
  results: HighlightResult[];
  /** Wall-clock time per stage. */
  timings: HighlightTimings;
  /** Work sent to the model. */
  stats: { blocks: number; batches: number; tokens: number; paddingTokens: number; queryTokens: number };
  /** Threshold that was applied. */
  threshold: number;
}

