/**
 * `SemanticHighlightCompressor`: a LangChain.js document compressor that keeps only the sentences of each
 * retrieved document that a Provence-family model scores as relevant to the query. All scoring and
 * sentence selection happens in `@semantic-highlight/core`; this file only maps LangChain documents in
 * and out, picks documents (drop / topN / order) and reports to LangChain callbacks.
 */
import { CallbackManager, type CallbackManagerForRetrieverRun, type Callbacks } from "@langchain/core/callbacks/manager";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import type { SerializedNotImplemented } from "@langchain/core/load/serializable";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import {
  checkOptionNames,
  HIGHLIGHT_OPTION_NAMES,
  HighlighterHandle,
  InvalidInputError,
  loadHighlighter,
  metadataKeyProblem,
  selectDocuments,
  selectWithinContextBudget,
  validateDocumentSelectionOptions,
  type DocumentOrder as CoreDocumentOrder,
  type Highlighter,
  type HighlightOptions,
  type HighlightResponse,
  type HighlightResult,
  type HighlightTimings,
  type LoadHighlighterOptions,
} from "@semantic-highlight/core";
import { copyMetadata, highlightMetadata } from "./metadata.js";

/**
 * Order of the returned documents.
 * - `"rerank"`: by the model's rerank score, best first (ties keep retrieval order) — what LangChain's
 *   rerankers (e.g. `CohereRerank`) do.
 * - `"retrieval"`: the order the documents came in.
 */
export type DocumentOrder = CoreDocumentOrder;

/**
 * Options of {@link SemanticHighlightCompressor}: every core highlight option (sentence selection,
 * aggregation, batching, segmentation, abort signal) plus document-level choices.
 */
export interface SemanticHighlightCompressorOptions extends Omit<HighlightOptions, "sortByRerankScore"> {
  /**
   * Keep only the `topN` documents with the best rerank score (after dropping irrelevant ones).
   * Default: no limit.
   */
  topN?: number;
  /**
   * Drop documents in which no sentence scored above the threshold (and documents of which nothing could
   * be kept within `tokenBudget`). Default `true`: a retrieved document with nothing relevant is exactly
   * what pruning should remove. With `false` every document is returned; an irrelevant one is cut to its
   * `minSentences` best sentences (default 1 in that case), and an empty one is returned unchanged.
   */
  dropIrrelevant?: boolean;
  /**
   * Order of the returned documents. Default `"rerank"` (best first), like LangChain's rerankers: the
   * model's rerank score is a cross-encoder judgement of the query–document pair, a better signal than the
   * vector store's embedding similarity, and LLMs use context at the start best. Use `"retrieval"` to keep
   * the incoming order (e.g. when it is chronological or comes from a stronger reranker).
   */
  order?: DocumentOrder;
  /**
   * Metadata key for the highlight details ({@link SemanticHighlightMetadata}). Default `"highlight"`.
   * `"relevanceScore"` is refused: that key holds the rerank score.
   */
  metadataKey?: string;
  /**
   * Keep at least this many sentences of every kept document, even below the threshold. Default 0 when
   * `dropIrrelevant` is true, 1 when it is false (so a kept document is never emptied).
   */
  minSentences?: number;
  /**
   * Most tokens of kept text over **all** documents of a call (model tokens). Sentences are picked across
   * documents by score within this one budget (core's `selectWithinContextBudget`): each returned document's
   * `minSentences` best sentences first (best-ranked documents first), then relevant sentences best score
   * first (at most `topK` per document; with `keepFirst` a document's first sentence comes with its first
   * kept sentence), then `neighbors`. Applied after `dropIrrelevant` / `topN`; with `dropIrrelevant` a document
   * left with nothing is dropped. Default: none (each document on its own, `tokenBudget` per document).
   */
  contextBudget?: number;
  /**
   * Cancels compression (between model batches) with core's `AbortError`. LangChain does not pass a
   * `RunnableConfig.signal` on to document compressors (`BaseRetriever.invoke` drops it), so give the signal
   * here, or per request with {@link SemanticHighlightCompressor.withOptions}.
   */
  signal?: AbortSignal;
}

/** Constructor fields: a loaded highlighter to share, or a model to load lazily on first use. */
export type SemanticHighlightCompressorFields = SemanticHighlightCompressorOptions &
  (
    | {
        /**
         * A loaded highlighter (`SemanticHighlighter` in Node, `WebHighlighter` in browsers), shared with other
         * components; the compressor never disposes it.
         */
        highlighter: Highlighter;
        model?: undefined;
        loadOptions?: undefined;
      }
    | {
        /** Model folder or Hugging Face hub id (in browsers: the model folder's URL), loaded on the first non-empty call. */
        model: string;
        /** How to load `model` (core's `loadHighlighter` options). */
        loadOptions?: LoadHighlighterOptions;
        highlighter?: undefined;
      }
  );

/** Name of the custom callback event that reports pruning statistics for one call. */
export const SEMANTIC_HIGHLIGHT_EVENT = "semantic_highlight";

/** Data of the {@link SEMANTIC_HIGHLIGHT_EVENT} custom event. */
export interface SemanticHighlightStats {
  /** Documents passed to the compressor. */
  documentsIn: number;
  /** Documents returned. */
  documentsOut: number;
  /** Documents dropped as irrelevant or cut by `topN`. */
  documentsDropped: number;
  /** Characters of all incoming documents. */
  charactersBefore: number;
  /** Characters of all returned documents. */
  charactersAfter: number;
  /** Model tokens of all incoming documents. */
  tokensBefore: number;
  /** Model tokens of all returned documents. */
  tokensAfter: number;
  /** Share of tokens removed, 0..1. */
  tokenReduction: number;
  /** The threshold applied. */
  threshold: number;
  /** Core's per-stage timings in milliseconds. */
  timings: HighlightTimings;
  /** Model blocks run. */
  blocks: number;
  /** Batches (backend calls) the blocks were run in. */
  batches: number;
}

const RUN_NAME = "SemanticHighlightCompressor";
const SERIALIZED: SerializedNotImplemented = { lc: 1, type: "not_implemented", id: ["semantic_highlight", "langchain", RUN_NAME] };

/** The compressor's model, shared with the copies made by `withOptions` (core's {@link HighlighterHandle}). */
const SOURCE = Symbol("semantic-highlight.source");

/** Every option name the compressor accepts (core's highlight options, less sortByRerankScore, plus its own). */
export const COMPRESSOR_OPTION_NAMES: readonly string[] = [
  ...HIGHLIGHT_OPTION_NAMES.filter((name) => name !== "sortByRerankScore"),
  "topN",
  "dropIrrelevant",
  "order",
  "metadataKey",
  "contextBudget",
];

function validateDocumentOptions(options: SemanticHighlightCompressorOptions): void {
  checkOptionNames(options, COMPRESSOR_OPTION_NAMES, "SemanticHighlightCompressor option");
  try {
    validateDocumentSelectionOptions(options);
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
  const { metadataKey, contextBudget } = options;
  if (contextBudget !== undefined && !(typeof contextBudget === "number" && Number.isInteger(contextBudget) && contextBudget >= 0)) {
    throw new InvalidInputError(`contextBudget must be a non-negative integer number of tokens (got ${typeof contextBudget === "string" ? `the string ${JSON.stringify(contextBudget)}` : String(contextBudget)})`);
  }
  const keyProblem = metadataKey === undefined ? null : metadataKeyProblem(metadataKey);
  if (keyProblem !== null) throw new InvalidInputError(keyProblem);
  if (metadataKey === "relevanceScore") {
    throw new InvalidInputError('metadataKey "relevanceScore" would overwrite the rerank score the compressor stores there; choose another key (default "highlight")');
  }
}

/**
 * A LangChain document compressor that prunes every document to the sentences relevant to the query
 * (semantic highlighting with a Provence-family model) and scores it for reranking.
 *
 * Returns new `Document`s — the caller's documents and their metadata are never written to:
 * `pageContent` is the kept sentences in original order; `metadata` is a deep copy of the original plus
 * `relevanceScore` (the model's rerank score) and `metadata[metadataKey]` ({@link SemanticHighlightMetadata}).
 *
 * ```ts
 * const compressor = await SemanticHighlightCompressor.fromModel(undefined, { topN: 4 }); // the embedded default model
 * const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });
 * const docs = await retriever.invoke("How do I make Python code faster?");
 * ```
 */
export class SemanticHighlightCompressor extends BaseDocumentCompressor {
  /** The options this compressor applies (a frozen copy). */
  readonly options: Readonly<SemanticHighlightCompressorOptions>;
  private readonly source: HighlighterHandle;

  /**
   * Creates a compressor around a loaded `highlighter` (shared, never disposed by the compressor) or a
   * `model` path / hub id that is loaded on the first call. Use {@link SemanticHighlightCompressor.fromModel} to load eagerly.
   */
  constructor(fields: SemanticHighlightCompressorFields) {
    super();
    if (fields === null || typeof fields !== "object") throw new InvalidInputError("SemanticHighlightCompressor needs { highlighter } or { model }");
    const { [SOURCE]: shared, highlighter, model, loadOptions, ...options } = fields as SemanticHighlightCompressorFields & { [SOURCE]?: HighlighterHandle };
    if (shared) {
      this.source = shared;
    } else if (highlighter !== undefined) {
      // Duck-typed: an instanceof check breaks when ESM and CommonJS copies of core are both loaded.
      if (highlighter === null || typeof (highlighter as { highlight?: unknown }).highlight !== "function") {
        throw new InvalidInputError("highlighter must be a SemanticHighlighter (from SemanticHighlighter.load)");
      }
      this.source = HighlighterHandle.borrow(highlighter);
    } else if (typeof model === "string" && model.trim() !== "") {
      this.source = HighlighterHandle.lazy(() => loadHighlighter(model, loadOptions), { owner: RUN_NAME });
    } else {
      throw new InvalidInputError("SemanticHighlightCompressor needs { highlighter } (a loaded SemanticHighlighter) or { model } (a folder or hub id)");
    }
    validateDocumentOptions(options);
    // With a loaded highlighter every core option can be checked now (e.g. batchSize: 0), not on first use.
    const loaded = this.source.current;
    if (loaded && typeof loaded.validateOptions === "function") loaded.validateOptions(coreOptions(options));
    this.options = Object.freeze({ ...options });
  }

  /**
   * Loads a model (local folder or Hugging Face hub id; without one, the embedded default model that
   * `SemanticHighlighter.load()` loads) and returns a compressor that owns it (release it with {@link SemanticHighlightCompressor.dispose}).
   */
  static async fromModel(
    model?: string,
    options: SemanticHighlightCompressorOptions & { loadOptions?: LoadHighlighterOptions } = {},
  ): Promise<SemanticHighlightCompressor> {
    const { loadOptions, ...rest } = options;
    validateDocumentOptions(rest);
    return HighlighterHandle.build(
      () => loadHighlighter(model, loadOptions),
      (_highlighter, handle) => new SemanticHighlightCompressor({ ...rest, [SOURCE]: handle } as unknown as SemanticHighlightCompressorFields),
      { owner: RUN_NAME },
    );
  }

  /**
   * A compressor with some options replaced (e.g. a per-request `signal`, another `threshold`) that shares
   * this one's model. Cheap: nothing is loaded.
   */
  withOptions(overrides: SemanticHighlightCompressorOptions): SemanticHighlightCompressor {
    const fields = { ...this.options, ...overrides, [SOURCE]: this.source } as unknown as SemanticHighlightCompressorFields;
    return new SemanticHighlightCompressor(fields);
  }

  /** The highlighter, loading the model first when the compressor was given a `model`. */
  getHighlighter(): Promise<Highlighter> {
    return this.source.get();
  }

  /**
   * Prunes `documents` to their sentences relevant to `query`. See {@link SemanticHighlightCompressorOptions}
   * for which documents are kept and in which order. An empty list gives `[]` without touching the model;
   * an empty query throws `InvalidInputError`.
   *
   * `callbacks` (what `ContextualCompressionRetriever` passes: its run's child manager) get a retriever run
   * named "SemanticHighlightCompressor" with the returned documents, and a custom event
   * {@link SEMANTIC_HIGHLIGHT_EVENT} with {@link SemanticHighlightStats}.
   */
  async compressDocuments(documents: DocumentInterface[], query: string, callbacks?: Callbacks): Promise<Document[]> {
    if (typeof query !== "string") throw new InvalidInputError(`query must be a string (got ${query === null ? "null" : typeof query})`);
    if (query.trim() === "") throw new InvalidInputError("query is empty: give the question the documents should answer");
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array of LangChain documents");
    if (documents.length === 0) return [];

    const runManager: CallbackManagerForRetrieverRun | undefined = await CallbackManager.configure(callbacks)?.handleRetrieverStart(
      SERIALIZED,
      query,
      undefined,
      undefined,
      undefined,
      undefined,
      RUN_NAME,
    );
    try {
      // A plain loop: map() skips the holes of a sparse array.
      const texts: string[] = [];
      for (let i = 0; i < documents.length; i++) {
        const doc = documents[i];
        if (!(i in documents)) throw new InvalidInputError(`documents[${i}] is missing (sparse array)`);
        if (doc === null || typeof doc !== "object" || typeof doc.pageContent !== "string") {
          throw new InvalidInputError(`documents[${i}] must be a LangChain document with a string pageContent`);
        }
        texts.push(doc.pageContent);
      }
      const highlighter = await this.getHighlighter();
      const response = await highlighter.highlight(query, texts, this.highlightOptions());
      const output = this.select(documents, response);
      await runManager?.handleCustomEvent(SEMANTIC_HIGHLIGHT_EVENT, stats(response, output.results));
      await runManager?.handleRetrieverEnd(output.documents);
      return output.documents;
    } catch (error) {
      await runManager?.handleRetrieverError(error);
      throw error;
    }
  }

  /**
   * Releases the model when this compressor loaded it ({@link SemanticHighlightCompressor.fromModel} or `{ model }`) — for its
   * {@link SemanticHighlightCompressor.withOptions} copies too, which share it; a `highlighter` passed in is left alone.
   */
  dispose(): Promise<void> {
    return this.source.dispose();
  }

  private highlightOptions(): HighlightOptions {
    return coreOptions(this.options);
  }

  private select(documents: DocumentInterface[], response: HighlightResponse): { documents: Document[]; results: HighlightResult[] } {
    const { topN, dropIrrelevant = true, order = "rerank", metadataKey = "highlight", contextBudget } = this.options;
    // A document is worth returning when a sentence passed the threshold and something was kept.
    const candidates = response.results.map((result) => ({ result, relevant: result.relevant && result.keptSentences.length > 0, rerankScore: result.rerankScore }));
    let results = selectDocuments(candidates, { dropIrrelevant, order: "rerank", ...(topN !== undefined ? { topN } : {}) }).map((c) => c.result);
    if (contextBudget !== undefined) {
      const core = coreOptions(this.options);
      const budgeted = selectWithinContextBudget(results, {
        maxTokens: contextBudget,
        threshold: response.threshold,
        ...definedEntries({ topK: core.topK, keepFirst: core.keepFirst, neighbors: core.neighbors, minSentences: core.minSentences, tokenBudget: core.tokenBudget, separator: core.separator }),
      }).results;
      results = dropIrrelevant ? budgeted.filter((r) => r.keptSentences.length > 0) : budgeted;
    }
    if (order === "retrieval") results.sort((a, b) => a.documentIndex - b.documentIndex);
    const output = results.map((result) => {
      const original = documents[result.documentIndex]!;
      const metadata = copyMetadata(original.metadata);
      metadata.relevanceScore = result.rerankScore;
      metadata[metadataKey] = highlightMetadata(result, response.threshold);
      // A document without sentences (empty or blank) is passed through unchanged.
      const pageContent = result.sentences.length === 0 ? original.pageContent : result.prunedText;
      return new Document({ pageContent, metadata, ...(original.id !== undefined ? { id: original.id } : {}) });
    });
    return { documents: output, results };
  }
}

/** The entries of `value` that are not `undefined` (so a spread cannot override a default with `undefined`). */
function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The core highlight options of compressor options (document-level options removed, defaults applied). */
function coreOptions(options: SemanticHighlightCompressorOptions): HighlightOptions {
  const { topN: _topN, dropIrrelevant, order: _order, metadataKey: _key, contextBudget: _budget, ...core } = options;
  const minSentences = core.minSentences ?? (dropIrrelevant === false ? 1 : 0);
  return { ...core, minSentences, sortByRerankScore: false };
}


function stats(response: HighlightResponse, kept: readonly HighlightResult[]): SemanticHighlightStats {
  const sum = (results: readonly HighlightResult[], pick: (r: HighlightResult) => number) => results.reduce((a, r) => a + pick(r), 0);
  const tokensBefore = sum(response.results, (r) => r.compression.tokensBefore);
  const tokensAfter = sum(kept, (r) => r.compression.tokensAfter);
  return {
    documentsIn: response.results.length,
    documentsOut: kept.length,
    documentsDropped: response.results.length - kept.length,
    charactersBefore: sum(response.results, (r) => r.compression.charactersBefore),
    charactersAfter: sum(kept, (r) => (r.sentences.length === 0 ? r.text.length : r.compression.charactersAfter)),
    tokensBefore,
    tokensAfter,
    tokenReduction: tokensBefore === 0 ? 0 : 1 - tokensAfter / tokensBefore,
    threshold: response.threshold,
    timings: { ...response.timings },
    blocks: response.stats.blocks,
    batches: response.stats.batches,
  };
}
