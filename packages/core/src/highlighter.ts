/**
 * The public entry point: `SemanticHighlighter.load(model)` then `highlight(query, documents)`.
 * Orchestrates the pure stages (segmentation → tokenization → packing → inference → aggregation →
 * selection) around one stateful ONNX session.
 */
import path from "node:path";

import { defaultFragmentLength, type ModelConfig } from "./config.js";
import { defaultModelDirectory } from "./default-model.js";
import { InferenceError, InvalidInputError, QueryTooLongError, throwIfAborted } from "./errors.js";
import { fragmentScore, SentenceScoreAccumulator, sigmoid, type AggregationMode } from "./aggregation.js";
import { looksLikeHubId, resolveHubModel, type HubOptions } from "./hub.js";
import { loadModelFolder, type LoadedModel } from "./model.js";
import { buildBatches, contextCapacity, layoutBlock, packBlocks, type Block } from "./packing.js";
import type { RuntimeOptions } from "./runtime.js";
import { assembleResult, documentSpans, type DocumentSpans } from "./result.js";
import type { SegmentationOptions } from "./segmentation.js";
import { validateSelectionOptions, type KeepReason, type SelectionOptions } from "./selection.js";
import type { TextTokenizer } from "./tokenization.js";

/** A document to highlight: plain text (segmented for you), or text already split into sentences. */
export type DocumentInput =
  | string
  | { text: string; id?: string }
  | {
      /** Sentences whose concatenation is the document (keep their whitespace: offsets index the join). */
      sentences: readonly string[];
      id?: string;
    };

/** Per-call options; anything left out falls back to the highlighter's defaults, then the model config. */
export interface HighlightOptions extends Partial<SelectionOptions> {
  /** Token → fragment aggregation. Default "mean" (Open Provence); "decision" is naver's variant. */
  aggregation?: AggregationMode;
  /** Text inserted between kept sentences that are not adjacent in the original. Default "" (none). */
  separator?: string;
  /** Return documents sorted by rerank score, best first (stable). Default false: input order. */
  sortByRerankScore?: boolean;
  /**
   * Block length in tokens, special tokens included; at most the model's `max_length`. Default
   * min(512, `max_length`): attention makes longer blocks cost more per token on CPU (bench/README.md).
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
  /** Cancels the call between batches with an `AbortError`. */
  signal?: AbortSignal;
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
  charactersBefore: number;
  charactersAfter: number;
  tokensBefore: number;
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
  /** Kept sentences joined in order, original text, with `separator` between non-adjacent ones. */
  prunedText: string;
  /** sigmoid(max ranking logit over the document's blocks); 0 when no sentence scored above the threshold. */
  rerankScore: number;
  /** The max ranking logit itself, or `null` (no ranking head, or an empty document). */
  rankingLogit: number | null;
  /** Whether any sentence scored above the threshold. */
  relevant: boolean;
  compression: Compression;
  /** Model blocks this document needed. */
  blocks: number;
}

/** Wall-clock time per stage of one call, in milliseconds. */
export interface HighlightTimings {
  segmentationMs: number;
  tokenizationMs: number;
  packingMs: number;
  inferenceMs: number;
  aggregationMs: number;
  totalMs: number;
}

/** What one `highlight` call returns. */
export interface HighlightResponse {
  /** One result per document, in input order (or by rerank score with `sortByRerankScore`). */
  results: HighlightResult[];
  timings: HighlightTimings;
  /** Work sent to the model. */
  stats: { blocks: number; batches: number; tokens: number; paddingTokens: number; queryTokens: number };
  /** Threshold that was applied. */
  threshold: number;
}

/** How to load a highlighter. */
export interface HighlighterLoadOptions {
  /** onnxruntime session settings. */
  runtime?: RuntimeOptions;
  /** Hub settings, used when the model reference is a hub id. */
  hub?: HubOptions;
  /** Defaults for every `highlight` call. */
  defaults?: HighlightOptions;
  /**
   * Share one ONNX session with every other highlighter of this process that loads the same folder with
   * the same `runtime` settings (default true): the weights and onnxruntime's memory arena exist once, and
   * runs are queued on that one session. The session is released when the last highlighter using it is
   * disposed. Set false for a private session (e.g. after rewriting the model folder in place).
   */
  shareSession?: boolean;
}

interface SharedModel {
  loading: Promise<LoadedModel>;
  users: number;
}
/** Sessions shared across highlighters, keyed by folder + runtime options. */
const sharedModels = new Map<string, SharedModel>();

function sharedModelKey(directory: string, runtime: RuntimeOptions | undefined): string {
  const entries = Object.entries(runtime ?? {}).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([path.resolve(directory), entries]);
}

/** Loads a model folder, or joins the session another highlighter already opened for it. */
async function acquireModel(directory: string, runtime: RuntimeOptions | undefined, share: boolean): Promise<{ model: LoadedModel; release: () => Promise<void> }> {
  if (!share) {
    const model = await loadModelFolder(directory, runtime);
    return { model, release: () => model.session.release() };
  }
  const key = sharedModelKey(directory, runtime);
  let entry = sharedModels.get(key);
  if (!entry) {
    const created: SharedModel = { loading: loadModelFolder(directory, runtime), users: 0 };
    created.loading.catch(() => {
      if (sharedModels.get(key) === created) sharedModels.delete(key);
    });
    sharedModels.set(key, created);
    entry = created;
  }
  const joined = entry;
  joined.users++;
  let model: LoadedModel;
  try {
    model = await joined.loading;
  } catch (error) {
    joined.users--;
    throw error;
  }
  let released = false;
  return {
    model,
    release: async () => {
      if (released) return;
      released = true;
      joined.users--;
      if (joined.users > 0) return;
      if (sharedModels.get(key) === joined) sharedModels.delete(key);
      await model.session.release();
    },
  };
}

/** A document's spans plus each sentence's token ids. */
interface PreparedDocument extends DocumentSpans {
  tokenIds: number[][];
}

const now = () => performance.now();

// Batching defaults, chosen from bench/results (see bench/README.md): on CPU a bigger batch does not raise
// throughput per token, so padding is compute thrown away; a batch may carry at most 10 % padding, except
// a small batch (≤ 512 tokens in all), where one more session.run would cost more than the padding.
const DEFAULT_MAX_PADDING_RATIO = 0.1;
const DEFAULT_SMALL_BATCH_TOKENS = 512;
// Default block length: on CPU a token costs more in a long block (attention is quadratic and
// materialised), and 512 is the Provence reference. Models with a longer max_length (zilliz: 8192) still
// take `maxLength` up to it per call.
const DEFAULT_BLOCK_LENGTH = 512;

/**
 * Scores every sentence of retrieved documents against a query with a Provence-family model and keeps
 * the relevant ones. One instance holds one ONNX session; share it across callers (calls are queued
 * per session, so concurrent calls are safe).
 */
export class SemanticHighlighter {
  /** The model's config (`highlight_config.json`). */
  readonly config: ModelConfig;
  /** Folder the model was loaded from. */
  readonly modelDirectory: string;
  /** The model's tokenizer. */
  readonly tokenizer: TextTokenizer;
  private readonly model: LoadedModel;
  private readonly defaults: HighlightOptions;
  private readonly releaseModel: () => Promise<void>;
  private disposed = false;

  private constructor(model: LoadedModel, defaults: HighlightOptions, releaseModel: () => Promise<void>) {
    this.model = model;
    this.releaseModel = releaseModel;
    this.config = model.config;
    this.modelDirectory = model.directory;
    this.tokenizer = model.tokenizer;
    this.defaults = { ...defaults };
  }

  /**
   * Loads a model from a local folder or a Hugging Face hub id (`org/name`, cached; downloaded only when
   * missing and online). Without `model`, loads the embedded default model (or `$SEMANTIC_HIGHLIGHT_MODEL`).
   */
  static async load(model?: string, options: HighlighterLoadOptions = {}): Promise<SemanticHighlighter> {
    if (model === undefined) model = defaultModelDirectory();
    if (typeof model !== "string" || model.trim() === "") throw new InvalidInputError("model must be a folder path or a hub id");
    const directory = looksLikeHubId(model) ? await resolveHubModel(model, options.hub) : model;
    const { model: loaded, release } = await acquireModel(directory, options.runtime, options.shareSession ?? true);
    const highlighter = new SemanticHighlighter(loaded, options.defaults ?? {}, release);
    try {
      highlighter.resolveOptions({}); // validate defaults early
    } catch (error) {
      await release();
      throw error;
    }
    return highlighter;
  }

  /** Highlights one document. */
  async highlightOne(query: string, document: DocumentInput, options: HighlightOptions = {}): Promise<HighlightResult> {
    const response = await this.highlight(query, [document], options);
    return response.results[0]!;
  }

  /**
   * Highlights many documents for one query. All documents are packed and batched together, so one call
   * with ten documents is cheaper than ten calls.
   */
  async highlight(query: string, documents: readonly DocumentInput[], options: HighlightOptions = {}): Promise<HighlightResponse> {
    const started = now();
    if (typeof query !== "string") throw new InvalidInputError(`query must be a string (got ${typeof query})`);
    if (query.trim() === "") throw new InvalidInputError("query is empty: give the question the documents should answer");
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array (use highlightOne for a single document)");
    const opts = this.resolveOptions(options);
    throwIfAborted(opts.signal);
    const tokenizer = this.model.tokenizer;
    const timings: HighlightTimings = { segmentationMs: 0, tokenizationMs: 0, packingMs: 0, inferenceMs: 0, aggregationMs: 0, totalMs: 0 };

    let mark = now();
    const texts = documents.map((doc, i) => documentSpans(doc, `documents[${i}]`, opts.segmentation));
    timings.segmentationMs = now() - mark;

    mark = now();
    const queryIds = tokenizer.encode(query);
    // Whitespace-only sentences carry no meaning: they are not sent to the model and score 0.
    const encodeSentence = (text: string) => (text.trim() === "" ? [] : tokenizer.encode(text));
    const prepared: PreparedDocument[] = texts.map((doc) => ({ ...doc, tokenIds: doc.spans.map((s) => encodeSentence(s.text)) }));
    timings.tokenizationMs = now() - mark;

    mark = now();
    const capacity = contextCapacity(opts.maxLength, queryIds.length, tokenizer.template);
    if (capacity < 1) throw new QueryTooLongError(queryIds.length, opts.maxLength - tokenizer.template.specialTokenCount - 1);
    const blocks: Block[] = prepared.flatMap((doc, d) => packBlocks(d, doc.tokenIds, capacity, opts.fragmentLength));
    const layouts = blocks.map((block) => layoutBlock(block, queryIds, tokenizer.template));
    const batches = buildBatches(layouts, tokenizer.padId, {
      maxBatchSize: opts.batchSize,
      maxBatchTokens: opts.maxBatchTokens,
      maxPaddingRatio: opts.maxPaddingRatio,
      smallBatchTokens: opts.smallBatchTokens,
    });
    timings.packingMs = now() - mark;

    const accumulators = prepared.map((doc) => new SentenceScoreAccumulator(doc.spans.length));
    const maxRankingLogit = prepared.map((): number | null => null);
    let paddingTokens = 0;
    let sentTokens = 0;
    for (const batch of batches) {
      throwIfAborted(opts.signal);
      mark = now();
      if (this.disposed) throw new InferenceError("The model session has been released (dispose() was called).");
      const output = await this.model.session.run(batch);
      timings.inferenceMs += now() - mark;
      mark = now();
      sentTokens += batch.batchSize * batch.sequenceLength;
      paddingTokens += batch.batchSize * batch.sequenceLength - batch.realTokens;
      batch.blockIndexes.forEach((blockIndex, row) => {
        const block = blocks[blockIndex]!;
        let position = batch.contextStarts[row]!;
        for (const fragment of block.fragments) {
          const score = fragmentScore(output.pruningLogits, row * batch.sequenceLength, position, fragment.tokenIds.length, opts.aggregation, opts.threshold);
          accumulators[block.documentIndex]!.add(fragment.sentenceIndex, score);
          position += fragment.tokenIds.length;
        }
        if (output.rankingLogits) {
          const logit = output.rankingLogits[row]!;
          const best = maxRankingLogit[block.documentIndex];
          if (best === null || best === undefined || logit > best) maxRankingLogit[block.documentIndex] = logit;
        }
      });
      timings.aggregationMs += now() - mark;
    }

    mark = now();
    const blockCounts = new Array<number>(prepared.length).fill(0);
    for (const block of blocks) blockCounts[block.documentIndex]!++;
    const results = prepared.map((doc, d) =>
      buildResult(doc, d, accumulators[d]!.scores(), maxRankingLogit[d] ?? null, blockCounts[d]!, opts),
    );
    if (opts.sortByRerankScore) results.sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex);
    timings.aggregationMs += now() - mark;
    timings.totalMs = now() - started;
    return {
      results,
      timings,
      stats: { blocks: blocks.length, batches: batches.length, tokens: sentTokens, paddingTokens, queryTokens: queryIds.length },
      threshold: opts.threshold,
    };
  }

  /**
   * Releases this highlighter's hold on the ONNX session (freed when no other highlighter shares it).
   * The highlighter cannot be used afterwards.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.releaseModel();
  }

  private resolveOptions(options: HighlightOptions): ResolvedOptions {
    const merged: HighlightOptions = { ...this.defaults, ...stripUndefined(options) };
    const maxLength = merged.maxLength ?? Math.min(this.config.maxLength, DEFAULT_BLOCK_LENGTH);
    if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > this.config.maxLength) {
      throw new InvalidInputError(`maxLength must be an integer between 2 and the model's max_length ${this.config.maxLength} (got ${maxLength})`);
    }
    const resolved: ResolvedOptions = {
      ...merged,
      threshold: merged.threshold ?? this.config.threshold,
      aggregation: merged.aggregation ?? "mean",
      separator: merged.separator ?? "",
      maxLength,
      fragmentLength: merged.fragmentLength ?? this.config.fragmentLength ?? defaultFragmentLength(maxLength),
      batchSize: merged.batchSize ?? 8,
      maxBatchTokens: merged.maxBatchTokens ?? 8192,
      maxPaddingRatio: merged.maxPaddingRatio ?? DEFAULT_MAX_PADDING_RATIO,
      smallBatchTokens: merged.smallBatchTokens ?? DEFAULT_SMALL_BATCH_TOKENS,
    };
    try {
      validateSelectionOptions(resolved);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
    if (resolved.aggregation !== "mean" && resolved.aggregation !== "decision") {
      throw new InvalidInputError(`aggregation must be "mean" or "decision" (got ${String(resolved.aggregation)})`);
    }
    for (const key of ["fragmentLength", "batchSize", "maxBatchTokens"] as const) {
      if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new InvalidInputError(`${key} must be a positive integer (got ${resolved[key]})`);
    }
    if (!(resolved.maxPaddingRatio >= 0 && resolved.maxPaddingRatio <= 1)) {
      throw new InvalidInputError(`maxPaddingRatio must be a number in [0, 1] (got ${resolved.maxPaddingRatio})`);
    }
    if (!Number.isInteger(resolved.smallBatchTokens) || resolved.smallBatchTokens < 0) {
      throw new InvalidInputError(`smallBatchTokens must be a non-negative integer (got ${resolved.smallBatchTokens})`);
    }
    if (typeof resolved.separator !== "string") throw new InvalidInputError("separator must be a string");
    return resolved;
  }
}

type ResolvedOptions = HighlightOptions &
  SelectionOptions & {
    aggregation: AggregationMode;
    separator: string;
    maxLength: number;
    fragmentLength: number;
    batchSize: number;
    maxBatchTokens: number;
    maxPaddingRatio: number;
    smallBatchTokens: number;
  };

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function buildResult(doc: PreparedDocument, documentIndex: number, scores: number[], rankingLogit: number | null, blocks: number, opts: ResolvedOptions): HighlightResult {
  return assembleResult(doc, {
    documentIndex,
    scores,
    tokenCounts: doc.tokenIds.map((ids) => ids.length),
    selection: opts,
    separator: opts.separator,
    // Without a ranking head the best sentence score stands in for the rerank score.
    rerankScore: rankingLogit !== null ? sigmoid(rankingLogit) : scores.reduce((a, b) => Math.max(a, b), 0),
    rankingLogit,
    blocks,
  });
}
