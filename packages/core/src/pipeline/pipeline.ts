/**
 * The sentence pipeline around one inference backend, free of Node APIs (the browser build uses it as is):
 * segmentation → tokenization → packing → backend → aggregation → selection → results.
 *
 * It never holds the caller's event loop for long: big inputs are segmented and tokenized by the backend
 * (worker threads) when it can, other work is cut into slices of a few milliseconds, and batches are sent
 * a few ahead so workers or a remote server stay busy while results come back in order.
 */
import { withCallSignal } from "./call-signal.js";
import { yieldIfBusy } from "./slicing.js";
import { fragmentScore, SentenceScoreAccumulator } from "./aggregation.js";
import type { BatchOutput, InferenceBackend } from "../backends/types.js";
import { defaultFragmentLength, type ModelConfig, type RerankActivation } from "../models/config.js";
import { AbortError, InferenceError, InvalidInputError, QueryTooLongError } from "../errors.js";
import { contextCapacity, layoutBlock, makeBatch, packBlocks, planBatches, toModelInputs, type Batch, type Block, type BlockLayout } from "./packing.js";
import { prepareDocument, unpackPreparationSteps, type PreparedDocument } from "./preparation.js";
import { activateLogit, checkRerankOnlyOptions, rerankActivation, rerankOnlyResult } from "./rerank.js";
import { assembleResult, parseDocumentInput } from "./result.js";
import { segmentSentences } from "../text/segmentation.js";
import { checkBoolean, checkOptionNames, definedEntries, describeValue as describe, HIGHLIGHT_OPTION_NAMES } from "./options.js";
import { validateSelectionOptions } from "./selection.js";
import type { TextTokenizer } from "../text/tokenization.js";
import type { DocumentInput, DocumentSource, HighlightOptions, HighlightResponse, HighlightResult, HighlightTimings, RerankScoreSource, SelectionOptions } from "./types.js";
import type { AggregationMode } from "./aggregation.js";

const now = () => performance.now();

// Batching defaults, chosen from bench/results (see bench/README.md): on CPU a bigger batch does not raise
// throughput per token, so padding is compute thrown away; a batch may carry at most 10 % padding, except
// a small batch (≤ 512 tokens in all), where one more session.run would cost more than the padding.
const DEFAULT_MAX_PADDING_RATIO = 0.1;
const DEFAULT_SMALL_BATCH_TOKENS = 512;
/** Calls with more text than this (UTF-16 units) are segmented and tokenized by the backend when it can. */
const OFF_THREAD_PREPARE_CHARS = 4096;
/** Documents sent to one worker per prepare job (so several workers share a big call). */
const PREPARE_CHUNK_CHARS = 65_536;

/** Everything the pipeline needs about one model. */
export interface PipelineParts {
  config: ModelConfig;
  tokenizer: TextTokenizer;
  backend: InferenceBackend;
}

/** Options after defaults, validated. */
export type ResolvedOptions = HighlightOptions &
  SelectionOptions & {
    aggregation: AggregationMode;
    separator: string;
    maxLength: number;
    fragmentLength: number;
    batchSize: number;
    maxBatchTokens: number;
    maxPaddingRatio: number;
    smallBatchTokens: number;
    rerankScoreSource: RerankScoreSource;
  };

/**
 * Fewest context tokens a block must keep next to the query: max(16, maxLength / 4), but at most half of
 * what the special tokens leave (so tiny test lengths still work). A query that leaves less is refused with
 * `QueryTooLongError`: a long query would otherwise cut a document into many near-empty blocks (an 8 KB
 * document with a 504-token query in 512-token blocks made 667 blocks), a denial of service where users
 * type the query.
 */
export function minimumContextTokens(maxLength: number, specialTokens: number): number {
  return Math.max(1, Math.min(Math.max(16, Math.floor(maxLength / 4)), Math.floor((maxLength - specialTokens) / 2)));
}


/**
 * Scores every sentence of documents against a query with one model behind one backend. Stateless apart
 * from the backend; concurrent calls are safe.
 */
export class HighlightPipeline {
  readonly config: ModelConfig;
  readonly tokenizer: TextTokenizer;
  readonly backend: InferenceBackend;
  private readonly defaults: HighlightOptions;
  private disposed = false;

  constructor(parts: PipelineParts, defaults: HighlightOptions = {}) {
    this.config = parts.config;
    this.tokenizer = parts.tokenizer;
    this.backend = parts.backend;
    if (defaults === null || typeof defaults !== "object") throw new InvalidInputError(`defaults must be an object (got ${describe(defaults)})`);
    checkOptionNames(defaults, HIGHLIGHT_OPTION_NAMES, "highlight option (in defaults)");
    this.defaults = { ...defaults };
    this.resolveOptions({}); // validate defaults early
  }

  /** Marks the pipeline unusable (the owner releases the backend). */
  close(): void {
    this.disposed = true;
  }

  /** Highlights many documents for one query; all of them are packed and batched together. */
  async highlight(query: string, documents: readonly DocumentInput[], options: HighlightOptions = {}): Promise<HighlightResponse> {
    const started = now();
    if (typeof query !== "string") throw new InvalidInputError(`query must be a string (got ${typeof query})`);
    if (query.trim() === "") throw new InvalidInputError("query is empty: give the question the documents should answer");
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array (use highlightOne for a single document)");
    const opts = this.resolveOptions(options);
    // A rerank-only model (no pruning head) scores documents, not sentences: selection options are an error.
    if (this.config.pruningOutput === null) checkRerankOnlyOptions({ ...this.defaults, ...definedEntries(options) }, this.config.name);
    if (this.disposed) throw new InferenceError("The model has been released (dispose() was called).");
    if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);

    return withCallSignal("The highlight call", opts, (signal) => this.run(query, documents, opts, signal, started));
  }

  private async run(query: string, documents: readonly DocumentInput[], opts: ResolvedOptions, signal: AbortSignal, started: number): Promise<HighlightResponse> {
    // Yield before the first slice of work: callers often start many calls in one tick.
    await yieldIfBusy(signal);
    const tokenizer = this.tokenizer;
    const timings: HighlightTimings = { segmentationMs: 0, tokenizationMs: 0, packingMs: 0, inferenceMs: 0, aggregationMs: 0, totalMs: 0 };

    // Validate every document up front (cheap), so bad input fails before any work is queued.
    const sources: DocumentSource[] = [];
    for (let i = 0; i < documents.length; i++) {
      if (!(i in documents)) throw new InvalidInputError(`documents[${i}] is missing (sparse array)`);
      sources.push(parseDocumentInput(documents[i]!, `documents[${i}]`));
    }

    let mark = now();
    const queryIds = tokenizer.encode(query);
    const capacity = contextCapacity(opts.maxLength, queryIds.length, tokenizer.template);
    const minContext = minimumContextTokens(opts.maxLength, tokenizer.template.specialTokenCount);
    if (capacity < minContext) {
      throw new QueryTooLongError(queryIds.length, opts.maxLength - tokenizer.template.specialTokenCount - minContext, { maxLength: opts.maxLength, minContextTokens: minContext });
    }
    const prepared = await this.prepare(sources, opts, signal, timings);
    // On this thread the two steps are timed apart (prepare() fills segmentationMs); in a worker they are one
    // step, reported as tokenization.
    timings.tokenizationMs = now() - mark - timings.segmentationMs;

    mark = now();
    const blocks: Block[] = [];
    const layouts: BlockLayout[] = [];
    for (let d = 0; d < prepared.length; d++) {
      for (const block of packBlocks(d, prepared[d]!.tokenIds, capacity, opts.fragmentLength)) {
        blocks.push(block);
        layouts.push(layoutBlock(block, queryIds, tokenizer.template));
        await yieldIfBusy(signal);
      }
    }
    const plan = planBatches(layouts, {
      maxBatchSize: opts.batchSize,
      maxBatchTokens: opts.maxBatchTokens,
      maxPaddingRatio: opts.maxPaddingRatio,
      smallBatchTokens: opts.smallBatchTokens,
    });
    timings.packingMs = now() - mark;

    const inputNames = this.backend.info.inputNames;
    const withSentenceIndex = inputNames.includes("sentence_index");
    const accumulators = prepared.map((doc) => new SentenceScoreAccumulator(doc.spans.length));
    const maxRankingLogit = prepared.map((): number | null => null);
    let paddingTokens = 0;
    let sentTokens = 0;

    // Keep a few batches in flight (workers, concurrent requests), consume results in batch order so the
    // floating-point sums — and so the scores — do not depend on which batch finished first.
    const window = Math.max(2, 2 * this.backend.info.parallelism);
    const batches: Batch[] = [];
    const inFlight: Promise<BatchOutput>[] = [];
    const inferenceStart = now();
    let packingInLoop = 0;
    const submit = (k: number) => {
      const t = now();
      const batch = makeBatch(plan[k]!, layouts, tokenizer.padId, withSentenceIndex);
      packingInLoop += now() - t;
      batches[k] = batch;
      const promise = this.backend.run(toModelInputs(batch, inputNames), { signal });
      promise.catch(() => undefined); // awaited in order below; avoid unhandled-rejection noise meanwhile
      inFlight[k] = promise;
    };
    let submitted = 0;
    for (let k = 0; k < plan.length; k++) {
      while (submitted < plan.length && submitted < k + window) {
        submit(submitted++);
        await yieldIfBusy(signal);
      }
      const output = await inFlight[k]!;
      const batch = batches[k]!;
      delete inFlight[k];
      delete batches[k];
      mark = now();
      sentTokens += batch.batchSize * batch.sequenceLength;
      paddingTokens += batch.batchSize * batch.sequenceLength - batch.realTokens;
      batch.blockIndexes.forEach((blockIndex, row) => {
        const block = blocks[blockIndex]!;
        let position = batch.contextStarts[row]!;
        const pruningLogits = output.pruningLogits; // null for a rerank-only model
        if (pruningLogits) for (const fragment of block.fragments) {
          const score = fragmentScore(pruningLogits, row * batch.sequenceLength, position, fragment.tokenIds.length, opts.aggregation, opts.threshold);
          if (!Number.isFinite(score)) throw nonFinite("pruning", block.documentIndex);
          accumulators[block.documentIndex]!.add(fragment.sentenceIndex, score);
          position += fragment.tokenIds.length;
        }
        if (output.rankingLogits) {
          const logit = output.rankingLogits[row]!;
          if (!Number.isFinite(logit)) throw nonFinite("ranking", block.documentIndex);
          const best = maxRankingLogit[block.documentIndex];
          if (best === null || best === undefined || logit > best) maxRankingLogit[block.documentIndex] = logit;
        }
      });
      timings.aggregationMs += now() - mark;
      await yieldIfBusy(signal);
    }
    timings.packingMs += packingInLoop;
    timings.inferenceMs = Math.max(0, now() - inferenceStart - timings.aggregationMs - packingInLoop);

    mark = now();
    const blockCounts = new Array<number>(prepared.length).fill(0);
    for (const block of blocks) blockCounts[block.documentIndex]!++;
    const results: HighlightResult[] = [];
    for (let d = 0; d < prepared.length; d++) {
      const doc = prepared[d]!;
      results.push(
        this.config.pruningOutput === null
          ? rerankOnlyResult(doc, d, maxRankingLogit[d] ?? null, rerankActivation(this.config), doc.tokenIds.reduce((n, ids) => n + ids.length, 0), blockCounts[d]!)
          : buildResult(doc, d, accumulators[d]!.scores(), maxRankingLogit[d] ?? null, blockCounts[d]!, opts, rerankActivation(this.config)),
      );
      await yieldIfBusy(signal);
    }
    if (opts.sortByRerankScore) results.sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex);
    timings.aggregationMs += now() - mark;
    timings.totalMs = now() - started;
    return {
      results,
      timings,
      stats: { blocks: blocks.length, batches: plan.length, tokens: sentTokens, paddingTokens, queryTokens: queryIds.length },
      threshold: opts.threshold,
    };
  }

  /** Spans and token ids of every document: off this thread when the backend can and the call is big. */
  private async prepare(sources: readonly DocumentSource[], opts: ResolvedOptions, signal: AbortSignal, timings: HighlightTimings): Promise<PreparedDocument[]> {
    const totalChars = sources.reduce((n, s) => n + s.text.length, 0);
    const backend = this.backend;
    if (backend.prepare && totalChars > OFF_THREAD_PREPARE_CHARS) {
      const chunks: number[][] = [];
      let current: number[] = [];
      let chars = 0;
      sources.forEach((source, i) => {
        if (current.length > 0 && chars + source.text.length > PREPARE_CHUNK_CHARS) {
          chunks.push(current);
          current = [];
          chars = 0;
        }
        current.push(i);
        chars += source.text.length;
      });
      if (current.length > 0) chunks.push(current);
      const packed = await Promise.all(
        chunks.map((chunk) =>
          backend.prepare!({ documents: chunk.map((i) => sources[i]!), ...(opts.segmentation ? { segmentation: opts.segmentation } : {}) }, { signal }),
        ),
      );
      const prepared: PreparedDocument[] = [];
      for (let c = 0; c < chunks.length; c++) {
        for (let k = 0; k < chunks[c]!.length; k++) {
          const steps = unpackPreparationSteps(sources[chunks[c]![k]!]!, packed[c]![k]!);
          let step = steps.next();
          while (!step.done) {
            await yieldIfBusy(signal);
            step = steps.next();
          }
          prepared.push(step.value);
          await yieldIfBusy(signal);
        }
      }
      return prepared;
    }
    const prepared: PreparedDocument[] = [];
    for (const source of sources) {
      prepared.push(prepareOnThisThread(source, this.tokenizer, opts, timings));
      await yieldIfBusy(signal);
    }
    return prepared;
  }

  /** Merges per-call options over the defaults and validates them. */
  resolveOptions(options: HighlightOptions): ResolvedOptions {
    if (options === null || typeof options !== "object" || Array.isArray(options)) throw new InvalidInputError(`options must be an object (got ${describe(options)})`);
    checkOptionNames(options, HIGHLIGHT_OPTION_NAMES, "highlight option");
    const merged: HighlightOptions = { ...this.defaults, ...definedEntries(options) };
    // Fidelity first: blocks of the model's own max_length, as the reference packs them. Shorter blocks
    // (e.g. 512 for the 8192-token zilliz model) are faster on CPU and change some scores (bench/README.md).
    const maxLength = merged.maxLength ?? this.config.maxLength;
    const minLength = this.tokenizer.template.specialTokenCount + 2;
    if (!Number.isInteger(maxLength) || maxLength < minLength || maxLength > this.config.maxLength) {
      throw new InvalidInputError(`maxLength must be an integer between ${minLength} and the model's max_length ${this.config.maxLength} (got ${describe(maxLength)})`);
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
      rerankScoreSource: merged.rerankScoreSource ?? this.config.rerankScoreSource ?? "head",
    };
    try {
      validateSelectionOptions(resolved);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
    checkBoolean("sortByRerankScore", resolved.sortByRerankScore);
    checkBoolean("keepFirst", resolved.keepFirst);
    if (resolved.rerankScoreSource !== "head" && resolved.rerankScoreSource !== "max-sentence") {
      throw new InvalidInputError(`rerankScoreSource must be "head" or "max-sentence" (got ${describe(resolved.rerankScoreSource)})`);
    }
    if (resolved.aggregation !== "mean" && resolved.aggregation !== "decision") {
      throw new InvalidInputError(`aggregation must be "mean" or "decision" (got ${describe(resolved.aggregation)})`);
    }
    for (const key of ["fragmentLength", "batchSize", "maxBatchTokens"] as const) {
      if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new InvalidInputError(`${key} must be a positive integer (got ${describe(resolved[key])})`);
    }
    if (!(typeof resolved.maxPaddingRatio === "number" && resolved.maxPaddingRatio >= 0 && resolved.maxPaddingRatio <= 1)) {
      throw new InvalidInputError(`maxPaddingRatio must be a number in [0, 1] (got ${describe(resolved.maxPaddingRatio)})`);
    }
    if (!Number.isInteger(resolved.smallBatchTokens) || resolved.smallBatchTokens < 0) {
      throw new InvalidInputError(`smallBatchTokens must be a non-negative integer (got ${describe(resolved.smallBatchTokens)})`);
    }
    if (typeof resolved.separator !== "string") throw new InvalidInputError(`separator must be a string (got ${describe(resolved.separator)})`);
    if (resolved.timeoutMs !== undefined && !(typeof resolved.timeoutMs === "number" && resolved.timeoutMs > 0)) {
      throw new InvalidInputError(`timeoutMs must be a positive number of milliseconds (got ${describe(resolved.timeoutMs)})`);
    }
    if (resolved.segmentation !== undefined) {
      if (resolved.segmentation === null || typeof resolved.segmentation !== "object") throw new InvalidInputError(`segmentation must be an object (got ${describe(resolved.segmentation)})`);
      try {
        segmentSentences("A. B", resolved.segmentation); // the segmenter's own checks, on a tiny text
      } catch (error) {
        throw new InvalidInputError(`segmentation: ${(error as Error).message}`);
      }
    }
    if (resolved.signal !== undefined && !isAbortSignal(resolved.signal)) {
      throw new InvalidInputError(`signal must be an AbortSignal (got ${describe(resolved.signal)})`);
    }
    return resolved;
  }
}

/** Segmentation and tokenization of one document on the calling thread (timed apart), errors typed. */
function prepareOnThisThread(source: DocumentSource, tokenizer: TextTokenizer, opts: ResolvedOptions, timings: HighlightTimings): PreparedDocument {
  try {
    return prepareDocument(source, tokenizer, opts.segmentation, timings);
  } catch (error) {
    if (error instanceof RangeError) throw new InvalidInputError(`segmentation: ${error.message}`);
    throw error;
  }
}


function nonFinite(what: string, documentIndex: number): InferenceError {
  return new InferenceError(
    `the model returned non-finite ${what} logits (NaN or infinity) for documents[${documentIndex}]: the weights are probably corrupted or the graph overflows; no scores were produced`,
  );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof AbortSignal !== "undefined" && value instanceof AbortSignal;
}


function buildResult(doc: PreparedDocument, documentIndex: number, scores: number[], rankingLogit: number | null, blocks: number, opts: ResolvedOptions, activation: RerankActivation): HighlightResult {
  return assembleResult(doc, {
    documentIndex,
    scores,
    tokenCounts: doc.tokenIds.map((ids) => ids.length),
    selection: opts,
    separator: opts.separator,
    // Without a ranking head (or with rerankScoreSource "max-sentence") the best sentence score is the rerank score.
    rerankScore: rankingLogit !== null && opts.rerankScoreSource === "head" ? activateLogit(rankingLogit, activation) : scores.reduce((a, b) => Math.max(a, b), 0),
    rankingLogit,
    blocks,
  });
}
