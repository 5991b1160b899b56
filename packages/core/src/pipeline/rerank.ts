/**
 * Cross-encoder reranking: one relevance score per (query, document), the second stage of two-stage
 * retrieval. Runs through the same {@link InferenceBackend} as highlighting, on any model with a ranking
 * output — a rerank-only model (bge-reranker-v2-m3 and its family: `"pruning_output": null`, or an Optimum
 * export) or a Provence-family model with both heads.
 *
 * Two modes:
 * - `"pair"` (default): the pair is tokenized as two whole texts with the tokenizer's pair template
 *   (`<s> query </s></s> document </s>` for XLM-R) and truncated to the maximum length with Hugging Face
 *   fast tokenizers' `longest_first` rule — how FlagEmbedding's reranker and sentence-transformers'
 *   CrossEncoder call the tokenizer, so the scores are the ones Python gives. Text past the limit is not read.
 * - `"blocks"`: the document is cut into sentence blocks as for highlighting (query repeated in each) and the
 *   best block's logit wins. Long documents are read to the end, but the score is no longer Python's: a
 *   document is as good as its best block, and a relevant passage split across two blocks scores lower.
 */
import { sigmoid } from "./aggregation.js";
import type { InferenceBackend } from "../backends/types.js";
import type { ModelConfig, RerankActivation } from "../models/config.js";
import { withCallSignal } from "./call-signal.js";
import { yieldIfBusy } from "./slicing.js";
import { AbortError, InferenceError, InvalidInputError, UnsupportedByModelError } from "../errors.js";
import { checkOptionNames, describeValue as describe } from "./options.js";
import { makeBatch, planBatches, toModelInputs, type BlockLayout } from "./packing.js";
import type { PairTemplate, TextTokenizer } from "../text/tokenization.js";
import { parseDocumentInput } from "./result.js";
import type { DocumentInput, DocumentSource, HighlightOptions, HighlightResponse, HighlightResult } from "./types.js";

/** How a document is scored: `"pair"` (whole texts, truncated, as in Python) or `"blocks"` (best sentence block). */
export type RerankMode = "pair" | "blocks";

/** Options of one `rerank` call. */
export interface RerankOptions {
  /** Return only the best `topN` documents. Default: all of them. */
  topN?: number;
  /** `"pair"` (default) or `"blocks"`; see the module docs for what `"blocks"` changes. */
  mode?: RerankMode;
  /**
   * Longest pair in tokens, special tokens included; at most the model's `max_length`. Default: the model's
   * `max_length` (sentence-transformers' CrossEncoder). FlagEmbedding's `compute_score` defaults to 512.
   */
  maxLength?: number;
  /** Most pairs per onnxruntime call. Default 8. */
  batchSize?: number;
  /** Most padded tokens per onnxruntime call. Default 8192. */
  maxBatchTokens?: number;
  /** Cancels the call with an `AbortError`. */
  signal?: AbortSignal;
  /** Rejects the call with a `TimeoutError` after this many milliseconds. */
  timeoutMs?: number;
}

/** Every option name `rerank` accepts. */
export const RERANK_OPTION_NAMES = ["topN", "mode", "maxLength", "batchSize", "maxBatchTokens", "signal", "timeoutMs"] as const satisfies readonly (keyof RerankOptions)[];

/** One reranked document. */
export interface RerankResult {
  /** Index of the document in the call's input. */
  documentIndex: number;
  /** The input's `id`, when it had one. */
  id?: string;
  /** The document text. */
  text: string;
  /**
   * Relevance: sigmoid of the logit (default, in (0, 1)), or the logit itself when the model config says
   * `rerank_activation: "none"`. Higher is better.
   */
  score: number;
  /** The ranking logit (best block's in `"blocks"` mode); `null` for an empty document in `"blocks"` mode (score 0 / −∞). */
  logit: number | null;
  /** Document tokens the model read (after truncation in `"pair"` mode; all of them in `"blocks"` mode). */
  tokens: number;
  /** Whether the document was cut to fit (`"pair"` mode). */
  truncated: boolean;
}

/** The activation of a model's ranking logit: the config's `rerank_activation`, else sigmoid. */
export function rerankActivation(config: Pick<ModelConfig, "rerankActivation">): RerankActivation {
  return config.rerankActivation ?? "sigmoid";
}

/** A ranking logit as a score under `activation`. */
export function activateLogit(logit: number, activation: RerankActivation): number {
  return activation === "none" ? logit : sigmoid(logit);
}

/**
 * Lengths kept of two sequences so that together they fit `max` tokens, by Hugging Face tokenizers'
 * `longest_first` rule (Rust `truncate_encodings`, `TruncationStrategy::LongestFirst`): the shorter keeps
 * all of itself if it can and leaves the rest to the longer; when both are long each gets half (the
 * second one the odd token). The start of each sequence is kept.
 * @param max room for the two sequences (the model's max length minus the template's special tokens)
 */
export function longestFirstLengths(firstLength: number, secondLength: number, max: number): [number, number] {
  if (!(Number.isInteger(max) && max >= 0)) throw new RangeError(`max must be a non-negative integer (got ${max})`);
  if (firstLength + secondLength <= max) return [firstLength, secondLength];
  const swap = firstLength > secondLength;
  let n1 = swap ? secondLength : firstLength;
  let n2: number;
  if (n1 > max) n2 = n1;
  else n2 = Math.max(n1, max - n1);
  if (n1 + n2 > max) {
    n1 = Math.floor(max / 2);
    n2 = n1 + (max % 2);
  }
  const [keepFirst, keepSecond] = swap ? [n2, n1] : [n1, n2];
  return [Math.min(firstLength, keepFirst), Math.min(secondLength, keepSecond)];
}

/** One (query, document) pair laid out for the model. */
export interface PairLayout extends BlockLayout {
  /** Document tokens kept. */
  documentTokens: number;
  /** Whether the query or the document was cut. */
  truncated: boolean;
}

/**
 * Lays out `prefix query middle document suffix` within `maxLength` tokens, truncating with
 * {@link longestFirstLengths}. `sentenceIndex` marks the document tokens as sentence 0 (for graphs that
 * read sentence boundaries).
 */
export function layoutPair(queryIds: readonly number[], documentIds: readonly number[], template: PairTemplate, maxLength: number): PairLayout {
  const room = maxLength - template.specialTokenCount;
  if (room < 1) throw new RangeError(`maxLength ${maxLength} leaves no room next to ${template.specialTokenCount} special tokens`);
  const [q, d] = longestFirstLengths(queryIds.length, documentIds.length, room);
  const t = template.typeIds;
  const inputIds = [...template.prefix, ...queryIds.slice(0, q), ...template.middle];
  const typeIds = [...t.prefix, ...new Array<number>(q).fill(t.query), ...t.middle];
  const contextStart = inputIds.length;
  for (let i = 0; i < d; i++) inputIds.push(documentIds[i]!);
  for (let i = 0; i < d; i++) typeIds.push(t.context);
  inputIds.push(...template.suffix);
  typeIds.push(...t.suffix);
  const sentenceIndex = inputIds.map((_, i) => (i >= contextStart && i < contextStart + d ? 0 : -1));
  return { inputIds, typeIds, sentenceIndex, contextStart, documentTokens: d, truncated: q < queryIds.length || d < documentIds.length };
}

/**
 * Sorts reranked documents best first (ties: input order) and keeps the best `topN`. Pure; used by
 * `rerank` and by adapters that rank highlight results.
 */
export function rankResults<T extends { score: number; documentIndex: number }>(results: readonly T[], topN?: number): T[] {
  const sorted = [...results].sort((a, b) => b.score - a.score || a.documentIndex - b.documentIndex);
  return topN === undefined ? sorted : sorted.slice(0, topN);
}

/** Options after defaults, validated. */
interface ResolvedRerankOptions {
  topN: number | undefined;
  mode: RerankMode;
  maxLength: number;
  batchSize: number;
  maxBatchTokens: number;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
}

/** What the reranker needs about one model. */
export interface RerankParts {
  config: ModelConfig;
  tokenizer: TextTokenizer;
  backend: InferenceBackend;
}

/** Runs `highlight` for the `"blocks"` mode (the sentence pipeline). */
export type HighlightRunner = (query: string, documents: readonly DocumentInput[], options: HighlightOptions) => Promise<HighlightResponse>;

/**
 * Scores documents against a query with one model behind one backend. Stateless apart from the backend;
 * concurrent calls are safe.
 */
export class Reranker {
  private readonly config: ModelConfig;
  private readonly tokenizer: TextTokenizer;
  private readonly backend: InferenceBackend;
  private readonly highlight: HighlightRunner;

  constructor(parts: RerankParts, highlight: HighlightRunner) {
    this.config = parts.config;
    this.tokenizer = parts.tokenizer;
    this.backend = parts.backend;
    this.highlight = highlight;
  }

  /** Scores every document, best first (at most `topN`). */
  async rerank(query: string, documents: readonly DocumentInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    if (typeof query !== "string") throw new InvalidInputError(`query must be a string (got ${typeof query})`);
    if (query.trim() === "") throw new InvalidInputError("query is empty: give the question the documents should answer");
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array");
    const opts = this.resolve(options);
    if (!this.backend.info.hasRankingOutput) {
      throw new UnsupportedByModelError(
        "ranking",
        `model "${this.config.name}" has no ranking output, so it cannot rerank; use highlight() (rerankScoreSource "max-sentence" ranks by the best sentence) or a model with a ranking head`,
      );
    }
    const sources: DocumentSource[] = [];
    for (let i = 0; i < documents.length; i++) {
      if (!(i in documents)) throw new InvalidInputError(`documents[${i}] is missing (sparse array)`);
      sources.push(parseDocumentInput(documents[i]!, `documents[${i}]`));
    }
    if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
    if (sources.length === 0) return [];
    const results = opts.mode === "pair" ? await withCallSignal("The rerank call", opts, (signal) => this.scorePairs(query, sources, opts, signal)) : await this.scoreBlocks(query, documents, opts);
    return rankResults(results, opts.topN);
  }

  /** Validates rerank options against this model and applies the defaults (typed errors name the bad option). */
  resolve(options: RerankOptions): ResolvedRerankOptions {
    if (options === null || typeof options !== "object" || Array.isArray(options)) throw new InvalidInputError(`rerank options must be an object (got ${describe(options)})`);
    checkOptionNames(options, RERANK_OPTION_NAMES, "rerank option");
    const mode = options.mode ?? "pair";
    if (mode !== "pair" && mode !== "blocks") throw new InvalidInputError(`mode must be "pair" or "blocks" (got ${describe(mode)})`);
    const maxLength = options.maxLength ?? this.config.maxLength;
    const minLength = this.tokenizer.template.specialTokenCount + 2;
    if (!Number.isInteger(maxLength) || maxLength < minLength || maxLength > this.config.maxLength) {
      throw new InvalidInputError(`maxLength must be an integer between ${minLength} and the model's max_length ${this.config.maxLength} (got ${describe(maxLength)})`);
    }
    const topN = options.topN;
    if (topN !== undefined && !(Number.isInteger(topN) && topN >= 0)) throw new InvalidInputError(`topN must be a non-negative integer (got ${describe(topN)})`);
    const batchSize = options.batchSize ?? 8;
    const maxBatchTokens = options.maxBatchTokens ?? 8192;
    for (const [key, value] of [["batchSize", batchSize], ["maxBatchTokens", maxBatchTokens]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new InvalidInputError(`${key} must be a positive integer (got ${describe(value)})`);
    }
    if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === "number" && options.timeoutMs > 0)) {
      throw new InvalidInputError(`timeoutMs must be a positive number of milliseconds (got ${describe(options.timeoutMs)})`);
    }
    if (options.signal !== undefined && !(typeof AbortSignal !== "undefined" && options.signal instanceof AbortSignal)) {
      throw new InvalidInputError(`signal must be an AbortSignal (got ${describe(options.signal)})`);
    }
    return { topN, mode, maxLength, batchSize, maxBatchTokens, signal: options.signal, timeoutMs: options.timeoutMs };
  }

  /** `"pair"` mode: one row per document, whole texts, longest_first truncation. */
  private async scorePairs(query: string, sources: readonly DocumentSource[], opts: ResolvedRerankOptions, signal: AbortSignal): Promise<RerankResult[]> {
    const tokenizer = this.tokenizer;
    const queryIds = tokenizer.encode(query);
    const layouts: PairLayout[] = [];
    for (const source of sources) {
      await yieldIfBusy(signal); // whole documents are tokenized here, on the caller's thread
      layouts.push(layoutPair(queryIds, tokenizer.encode(source.text), tokenizer.template, opts.maxLength));
    }
    const plan = planBatches(layouts, { maxBatchSize: opts.batchSize, maxBatchTokens: opts.maxBatchTokens, maxPaddingRatio: 0.1, smallBatchTokens: 512 });
    const inputNames = this.backend.info.inputNames;
    const withSentenceIndex = inputNames.includes("sentence_index");
    const logits = new Array<number>(sources.length);
    // A few batches in flight (workers, remote), consumed in order.
    const window = Math.max(2, 2 * this.backend.info.parallelism);
    const pending: Promise<void>[] = [];
    for (let k = 0; k < plan.length; k++) {
      const batch = makeBatch(plan[k]!, layouts, tokenizer.padId, withSentenceIndex);
      const run = this.backend.run(toModelInputs(batch, inputNames), { signal }).then((output) => {
        if (!output.rankingLogits) throw new InferenceError("the backend returned no ranking logits for a model with a ranking output");
        batch.blockIndexes.forEach((documentIndex, row) => {
          const logit = output.rankingLogits![row]!;
          if (!Number.isFinite(logit)) {
            throw new InferenceError(`the model returned a non-finite ranking logit (NaN or infinity) for documents[${documentIndex}]: the weights are probably corrupted`);
          }
          logits[documentIndex] = logit;
        });
      });
      run.catch(() => undefined);
      pending.push(run);
      if (pending.length >= window) await pending.shift();
    }
    await Promise.all(pending);
    const activation = rerankActivation(this.config);
    return sources.map((source, i) => {
      const result: RerankResult = {
        documentIndex: i,
        text: source.text,
        score: activateLogit(logits[i]!, activation),
        logit: logits[i]!,
        tokens: layouts[i]!.documentTokens,
        truncated: layouts[i]!.truncated,
      };
      if (source.id !== undefined) result.id = source.id;
      return result;
    });
  }

  /** `"blocks"` mode: the sentence pipeline's blocks, best block's logit. */
  private async scoreBlocks(query: string, documents: readonly DocumentInput[], opts: ResolvedRerankOptions): Promise<RerankResult[]> {
    const response = await this.highlight(query, documents, {
      maxLength: opts.maxLength,
      batchSize: opts.batchSize,
      maxBatchTokens: opts.maxBatchTokens,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    const activation = rerankActivation(this.config);
    return response.results.map((r: HighlightResult) => {
      const result: RerankResult = {
        documentIndex: r.documentIndex,
        text: r.text,
        score: r.rankingLogit === null ? (activation === "none" ? -Infinity : 0) : activateLogit(r.rankingLogit, activation),
        logit: r.rankingLogit,
        tokens: r.compression.tokensBefore,
        truncated: false,
      };
      if (r.id !== undefined) result.id = r.id;
      return result;
    });
  }
}




/**
 * Highlight options a rerank-only model (no pruning head) cannot honour: everything that selects or scores
 * sentences. Block packing options (`maxLength`, `fragmentLength`, batching, `segmentation`) still apply.
 */
export const SENTENCE_OPTION_NAMES = ["threshold", "topK", "tokenBudget", "neighbors", "minSentences", "keepFirst", "aggregation", "separator"] as const satisfies readonly (keyof HighlightOptions)[];

/**
 * Refuses sentence-selection options on a rerank-only model with {@link UnsupportedByModelError}, naming the
 * option (given per call or as a load default).
 */
export function checkRerankOnlyOptions(options: HighlightOptions, modelName: string): void {
  const given = SENTENCE_OPTION_NAMES.filter((name) => options[name] !== undefined);
  if (options.rerankScoreSource === "max-sentence") given.push("rerankScoreSource" as never);
  if (given.length === 0) return;
  throw new UnsupportedByModelError(
    "sentence-scores",
    `model "${modelName}" is rerank-only (no pruning output): it scores documents, not sentences, so ${given.map((n) => `"${n}"`).join(", ")} cannot apply. ` +
      `Remove ${given.length === 1 ? "it" : "them"}, use rerank(), or load a model with a pruning head to select sentences.`,
  );
}

/**
 * The highlight result of a rerank-only model: the document passes through whole (`prunedText` is the
 * text), `sentencesScored: false` with empty sentence lists (no scores were computed, none are invented),
 * `rerankScore` from the ranking head (best block).
 */
export function rerankOnlyResult(
  doc: { text: string; id?: string },
  documentIndex: number,
  rankingLogit: number | null,
  activation: RerankActivation,
  tokens: number,
  blocks: number,
): HighlightResult {
  const result: HighlightResult = {
    documentIndex,
    text: doc.text,
    sentences: [],
    keptSentences: [],
    sentenceScores: [],
    sentencesScored: false,
    prunedText: doc.text,
    rerankScore: rankingLogit === null ? 0 : activateLogit(rankingLogit, activation),
    rankingLogit,
    relevant: true,
    compression: {
      charactersBefore: doc.text.length,
      charactersAfter: doc.text.length,
      tokensBefore: tokens,
      tokensAfter: tokens,
      characterReduction: 0,
      tokenReduction: 0,
    },
    blocks,
  };
  if (doc.id !== undefined) result.id = doc.id;
  return result;
}
