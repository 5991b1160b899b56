/**
 * `SemanticHighlightPostprocessor`: a LlamaIndex.TS node postprocessor that keeps only the sentences of
 * each retrieved node that a Provence-family model finds relevant to the query. Thin by design: all model
 * logic lives in `@semantic-highlight/core`; this file maps nodes in and out.
 */
import type { MessageContent } from "@llamaindex/core/llms";
import type { BaseNodePostprocessor } from "@llamaindex/core/postprocessor";
import type { QueryBundle } from "@llamaindex/core/query-engine";
import {
  Document,
  IndexNode,
  MetadataMode,
  ObjectType,
  TextNode,
  type BaseNode,
  type Metadata,
  type NodeWithScore,
  type TextNodeParams,
} from "@llamaindex/core/schema";
import { extractText } from "@llamaindex/core/utils";
import {
  checkOptionNames,
  HighlighterHandle,
  InvalidInputError,
  loadHighlighter,
  metadataKeyProblem,
  selectDocuments,
  selectWithinContextBudget,
  validateDocumentSelectionOptions,
  type DocumentOrder,
  type Highlighter,
  type HighlighterLoadOptions,
  type HighlightOptions,
  type HighlightResult,
} from "@semantic-highlight/core";
import { copyRecord, highlightMetadata, withKey, type SemanticHighlightMetadata } from "./metadata.js";

/** The core options the postprocessor forwards to `SemanticHighlighter.highlight` on every call. */
export type HighlightPassThroughOptions = Pick<
  HighlightOptions,
  | "threshold"
  | "topK"
  | "tokenBudget"
  | "neighbors"
  | "minSentences"
  | "keepFirst"
  | "separator"
  | "aggregation"
  | "maxLength"
  | "batchSize"
  | "fragmentLength"
  | "maxBatchTokens"
  | "segmentation"
  | "signal"
  | "timeoutMs"
  | "rerankScoreSource"
>;

/** How returned nodes are ordered (core's document order). */
export type NodeOrder = DocumentOrder;
/** What `NodeWithScore.score` of a returned node holds. */
export type ScoreMode = "rerank" | "retrieval";

/**
 * Options of {@link SemanticHighlightPostprocessor}. Sentence-level options (`threshold`, `topK`,
 * `tokenBudget`, `neighbors`, `minSentences`, `keepFirst`, `separator`, …) are the core's and apply to each
 * node; the others decide which nodes come back and how.
 */
export interface SemanticHighlightPostprocessorOptions extends HighlightPassThroughOptions {
  /** Keep at most this many nodes: the ones with the best rerank score. Default: all. */
  topN?: number;
  /**
   * Remove a node in which no sentence scores above the threshold, or of which nothing could be kept within
   * `tokenBudget` (default `true`: a retrieved node with nothing relevant is exactly what pruning should
   * remove). With `false` every node is kept; an irrelevant one is cut to its `minSentences` best sentences
   * (default 1 in that case, so it is not emptied).
   */
  dropIrrelevant?: boolean;
  /**
   * Keep at least this many sentences of every scored node, even below the threshold. Default 0 when
   * `dropIrrelevant` is true, 1 when it is false.
   */
  minSentences?: number;
  /**
   * Order of the returned nodes. `"rerank"` (default): best rerank score first, ties in retrieval order —
   * the convention of LlamaIndex rerankers, and what the response synthesizers expect (they read nodes in
   * order; the most relevant context comes first). `"retrieval"`: the order the nodes arrived in.
   */
  order?: NodeOrder;
  /**
   * What `NodeWithScore.score` becomes: `"rerank"` (default): the model's rerank score, comparable across
   * nodes and retrievers (as LlamaIndex rerankers do); `"retrieval"`: the score the node arrived with.
   * Both are always in the highlight metadata (`rerankScore`, `retrievalScore`).
   */
  scoreMode?: ScoreMode;
  /** Metadata key for the highlight details ({@link SemanticHighlightMetadata}). Default `"highlight"`. */
  metadataKey?: string;
  /**
   * Most tokens of kept text over **all** nodes of a call (model tokens). Sentences are picked across nodes
   * by score within this one budget (core's `selectWithinContextBudget`): each returned node's `minSentences`
   * best sentences first (best-ranked nodes first), then relevant sentences best score first (at most `topK`
   * per node; with `keepFirst` a node's first sentence comes with its first kept sentence), then `neighbors`.
   * Applied after `dropIrrelevant` / `topN`; with `dropIrrelevant` a node left with nothing is dropped.
   * Default: none (each node on its own, `tokenBudget` per node).
   */
  contextBudget?: number;
}

/** Constructor parameters: a loaded highlighter (shared, not owned) plus options. */
export interface SemanticHighlightPostprocessorParams extends SemanticHighlightPostprocessorOptions {
  /**
   * A loaded model (`SemanticHighlighter` in Node, `WebHighlighter` in browsers). The postprocessor does not
   * dispose it: share one across postprocessors and callers.
   */
  highlighter: Highlighter;
}

/** Options of {@link SemanticHighlightPostprocessor.fromModel}: postprocessor options plus how to load the model. */
export interface SemanticHighlightPostprocessorLoadOptions extends SemanticHighlightPostprocessorOptions {
  /** onnxruntime session settings. */
  runtime?: HighlighterLoadOptions["runtime"];
  /** Hugging Face hub settings, used when the model reference is a hub id. */
  hub?: HighlighterLoadOptions["hub"];
  /**
   * Where the model runs: `"worker"` (default: worker threads, the event loop stays free), `"in-process"`,
   * or `{ kind: "remote", url, model }` for a KServe V2 / Triton server.
   */
  backend?: HighlighterLoadOptions["backend"];
}

/** The node-level options after defaults are applied. */
export interface ResolvedNodeOptions {
  /** At most this many nodes (`undefined`: all). */
  topN: number | undefined;
  /** Whether nodes with nothing relevant are removed. */
  dropIrrelevant: boolean;
  /** Order of the returned nodes. */
  order: NodeOrder;
  /** What `NodeWithScore.score` holds. */
  scoreMode: ScoreMode;
  /** Metadata key of the highlight details. */
  metadataKey: string;
  /** Token budget over all nodes of a call (`undefined`: none). */
  contextBudget: number | undefined;
}

const PASS_THROUGH_KEYS = [
  "threshold",
  "topK",
  "tokenBudget",
  "neighbors",
  "minSentences",
  "keepFirst",
  "separator",
  "aggregation",
  "maxLength",
  "batchSize",
  "fragmentLength",
  "maxBatchTokens",
  "segmentation",
  "signal",
  "timeoutMs",
  "rerankScoreSource",
] as const satisfies readonly (keyof HighlightPassThroughOptions)[];

const NODE_OPTION_KEYS = ["topN", "dropIrrelevant", "order", "scoreMode", "metadataKey", "contextBudget"] as const;
/** Every option name of {@link SemanticHighlightPostprocessorOptions}. */
export const POSTPROCESSOR_OPTION_NAMES: readonly string[] = [...PASS_THROUGH_KEYS, ...NODE_OPTION_KEYS];

/** Node types whose `text` is scored: plain text nodes, documents and index nodes. */
const TEXT_TYPES: ReadonlySet<string> = new Set<string>([ObjectType.TEXT, ObjectType.DOCUMENT, ObjectType.INDEX]);

type Entry =
  | { kind: "scored"; position: number; input: NodeWithScore; node: TextNode; result?: HighlightResult }
  | { kind: "empty"; position: number; input: NodeWithScore }
  | { kind: "other"; position: number; input: NodeWithScore };

function resolveNodeOptions(options: SemanticHighlightPostprocessorOptions): ResolvedNodeOptions {
  const { topN, dropIrrelevant = true, order = "rerank", scoreMode = "rerank", metadataKey = "highlight", contextBudget } = options;
  if (contextBudget !== undefined && !(typeof contextBudget === "number" && Number.isInteger(contextBudget) && contextBudget >= 0)) {
    throw new InvalidInputError(`contextBudget must be a non-negative integer number of tokens (got ${typeof contextBudget === "string" ? `the string ${JSON.stringify(contextBudget)}` : String(contextBudget)})`);
  }
  try {
    validateDocumentSelectionOptions({ topN, dropIrrelevant, order });
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
  if (scoreMode !== "rerank" && scoreMode !== "retrieval") {
    throw new InvalidInputError(`scoreMode must be "rerank" or "retrieval" (got ${String(scoreMode)})`);
  }
  const keyProblem = metadataKeyProblem(metadataKey);
  if (keyProblem !== null) throw new InvalidInputError(keyProblem);
  return { topN, dropIrrelevant, order, scoreMode, metadataKey, contextBudget };
}

function pickHighlightOptions(options: SemanticHighlightPostprocessorOptions): HighlightPassThroughOptions {
  const picked: Record<string, unknown> = {};
  for (const key of PASS_THROUGH_KEYS) if (options[key] !== undefined) picked[key] = options[key];
  return picked as HighlightPassThroughOptions;
}

function isTextNode(node: BaseNode): node is TextNode {
  return TEXT_TYPES.has(node.type) && typeof (node as Partial<TextNode>).text === "string";
}

function queryText(query: MessageContent | QueryBundle | undefined): string {
  const missing =
    "SemanticHighlightPostprocessor needs the query to score sentences against. A query engine passes it for you; " +
    "when you call postprocessNodes(nodes, query) yourself, pass the user's question as the second argument.";
  if (query === undefined || query === null) throw new InvalidInputError(missing);
  if (typeof query !== "string" && !Array.isArray(query) && !(typeof query === "object" && "query" in query)) {
    throw new InvalidInputError(`query must be a string, a MessageContent array or a { query } bundle (got ${typeof query})`);
  }
  const text = extractText(query);
  if (text.trim() === "") {
    throw new InvalidInputError(`${missing} The query given has no text${Array.isArray(query) ? " parts" : ""}.`);
  }
  return text;
}

/** A new node of the same kind as `node` (TextNode, Document or IndexNode) with `text` and extra metadata. */
function prunedCopy(node: TextNode, text: string, metadataKey: string, details: SemanticHighlightMetadata): TextNode {
  const metadata: Metadata = { ...copyRecord<Metadata>(node.metadata), [metadataKey]: details };
  const init: TextNodeParams = {
    id_: node.id_,
    text,
    metadata,
    excludedEmbedMetadataKeys: withKey(node.excludedEmbedMetadataKeys, metadataKey),
    excludedLlmMetadataKeys: withKey(node.excludedLlmMetadataKeys, metadataKey),
    relationships: copyRecord(node.relationships),
    textTemplate: node.textTemplate,
    metadataSeparator: node.metadataSeparator,
  };
  let copy: TextNode;
  if (node.type === ObjectType.INDEX) copy = new IndexNode({ ...init, indexId: (node as IndexNode).indexId });
  else if (node.type === ObjectType.DOCUMENT) copy = new Document(init);
  else copy = new TextNode(init);
  // TextNode's constructor skips a 0 offset, so copy the chunk's position in its source explicitly.
  if (node.startCharIdx !== undefined) copy.startCharIdx = node.startCharIdx;
  if (node.endCharIdx !== undefined) copy.endCharIdx = node.endCharIdx;
  return copy;
}

function withScore(node: BaseNode, score: number | undefined): NodeWithScore {
  return score === undefined ? { node } : { node, score };
}

/**
 * A LlamaIndex.TS node postprocessor that prunes every retrieved text node to the sentences a
 * Provence-family model finds relevant to the query (semantic highlighting), and reranks the nodes by the
 * model's rerank score. One model call per query covers all nodes.
 *
 * ```ts
 * const postprocessor = await SemanticHighlightPostprocessor.fromModel(); // the embedded default model, or a folder / hub id
 * const engine = index.asQueryEngine({ nodePostprocessors: [postprocessor] });
 * const response = await engine.query({ query: "How do I make Python code faster?" });
 * ```
 *
 * What comes back:
 * - a **new** node per kept text node (same class — TextNode, Document or IndexNode — and same `id_`):
 *   `text` is the pruned text; `metadata` is a deep copy of the original plus `metadata[metadataKey]`
 *   ({@link SemanticHighlightMetadata}), that key excluded from LLM and embedding metadata;
 *   `relationships`, `textTemplate`, `metadataSeparator`, `startCharIdx`/`endCharIdx` copied (the offsets
 *   still locate the whole original chunk in its source). The embedding is not copied: it no longer
 *   matches the text.
 * - text nodes with no text (`getContent(MetadataMode.NONE)` empty) count as irrelevant: dropped when
 *   `dropIrrelevant` is true, otherwise returned unchanged (the same node object, rerank score 0).
 * - nodes that are not text (ImageNode, custom node types) cannot be scored: they are always returned
 *   unchanged with their retrieval score, are not counted by `topN`, and in `"rerank"` order follow the
 *   text nodes (in `"retrieval"` order they keep their place).
 *
 * Input nodes are never modified (in-memory stores hand out their own objects).
 */
export class SemanticHighlightPostprocessor implements BaseNodePostprocessor {
  /** The model used to score sentences. */
  readonly highlighter: Highlighter;
  /** Node-level options after defaults. */
  readonly nodeOptions: Readonly<ResolvedNodeOptions>;
  /** Core options forwarded to every `highlight` call (unset ones fall back to the model config). */
  readonly highlightOptions: Readonly<HighlightPassThroughOptions>;
  /** Borrowed when a highlighter was passed in; owned (released by {@link SemanticHighlightPostprocessor.dispose}) when {@link SemanticHighlightPostprocessor.fromModel} loaded it. */
  private handle: HighlighterHandle;

  /**
   * Wraps an already loaded highlighter (not owned: {@link SemanticHighlightPostprocessor.dispose} leaves it alone). Throws
   * `InvalidInputError` on a bad option.
   */
  constructor(params: SemanticHighlightPostprocessorParams) {
    // Duck-typed rather than `instanceof`, so a highlighter from another copy of core still works.
    if (!params || typeof params.highlighter?.highlight !== "function" || typeof params.highlighter.validateOptions !== "function" || typeof params.highlighter.config !== "object") {
      throw new InvalidInputError(
        "SemanticHighlightPostprocessor needs { highlighter }: a SemanticHighlighter from SemanticHighlighter.load(...), " +
          "or use `await SemanticHighlightPostprocessor.fromModel(pathOrHubId, options)`",
      );
    }
    const { highlighter, ...options } = params;
    checkOptionNames(options, POSTPROCESSOR_OPTION_NAMES, "SemanticHighlightPostprocessor option");
    this.highlighter = highlighter;
    this.handle = HighlighterHandle.borrow(highlighter);
    this.nodeOptions = Object.freeze(resolveNodeOptions(options));
    this.highlightOptions = Object.freeze(pickHighlightOptions(options));
    // Every core option against this model (batchSize: 0, segmentation, maxLength, …) at construction.
    highlighter.validateOptions(this.callOptions());
  }

  /**
   * A postprocessor with some options replaced (e.g. a per-request `signal` or `timeoutMs`, another
   * `threshold`) sharing this one's highlighter. Cheap; the copy never disposes the model.
   */
  withOptions(overrides: SemanticHighlightPostprocessorOptions): SemanticHighlightPostprocessor {
    if (overrides === null || typeof overrides !== "object") throw new InvalidInputError("withOptions needs an options object");
    return new SemanticHighlightPostprocessor({ ...this.nodeOptions, ...this.highlightOptions, ...overrides, highlighter: this.highlighter });
  }

  /** The options of one highlight call: the pass-through options plus the minimum that dropIrrelevant implies. */
  private callOptions(): HighlightOptions {
    const options: HighlightOptions = { ...this.highlightOptions };
    // Keeping an irrelevant node only makes sense with some of its text.
    if (!this.nodeOptions.dropIrrelevant && options.minSentences === undefined) options.minSentences = 1;
    return options;
  }

  /**
   * Loads a model (a local folder, or a Hugging Face hub id resolved through the cache; without one, the
   * embedded default model that `SemanticHighlighter.load()` loads) and returns a postprocessor that owns it:
   * call {@link SemanticHighlightPostprocessor.dispose} when done.
   */
  static async fromModel(modelPathOrHubId?: string, options: SemanticHighlightPostprocessorLoadOptions = {}): Promise<SemanticHighlightPostprocessor> {
    if (options === null || typeof options !== "object") throw new InvalidInputError("fromModel options must be an object");
    const { runtime, hub, backend, ...rest } = options;
    checkOptionNames(rest, [...POSTPROCESSOR_OPTION_NAMES, "runtime", "hub", "backend"], "SemanticHighlightPostprocessor option");
    resolveNodeOptions(rest); // fail on a bad option before the (slow) model load
    const loadOptions: HighlighterLoadOptions = {};
    if (runtime !== undefined) loadOptions.runtime = runtime;
    if (hub !== undefined) loadOptions.hub = hub;
    if (backend !== undefined) loadOptions.backend = backend;
    return HighlighterHandle.build(
      () => loadHighlighter(modelPathOrHubId, loadOptions),
      (highlighter, handle) => {
        const postprocessor = new SemanticHighlightPostprocessor({ ...rest, highlighter });
        postprocessor.handle = handle;
        return postprocessor;
      },
      { owner: "SemanticHighlightPostprocessor" },
    );
  }

  /**
   * Prunes and reranks `nodes` for `query` (a string, a `MessageContent` array — its text parts are
   * joined — or a `{ query }` bundle). Returns new `NodeWithScore` objects; the input is not modified.
   * Throws `InvalidInputError` when the query is missing or has no text.
   */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    const text = queryText(query);
    if (!Array.isArray(nodes)) throw new InvalidInputError("nodes must be an array of NodeWithScore");
    if (nodes.length === 0) return [];
    const { dropIrrelevant, metadataKey, order, scoreMode, topN } = this.nodeOptions;

    // A plain loop: map() skips the holes of a sparse array.
    for (let i = 0; i < nodes.length; i++) if (!(i in nodes)) throw new InvalidInputError(`nodes[${i}] is missing (sparse array)`);
    const entries: Entry[] = nodes.map((input, position) => {
      const node = input?.node;
      if (!node || typeof node.getContent !== "function") {
        throw new InvalidInputError(`nodes[${position}] must be a NodeWithScore ({ node, score? }) holding a LlamaIndex node`);
      }
      if (!isTextNode(node)) return { kind: "other", position, input };
      if (node.getContent(MetadataMode.NONE).trim() === "") return { kind: "empty", position, input };
      return { kind: "scored", position, input, node };
    });

    const scored = entries.filter((e): e is Extract<Entry, { kind: "scored" }> => e.kind === "scored");
    let threshold = this.highlightOptions.threshold ?? this.highlighter.config.threshold;
    if (scored.length > 0) {
      const options = this.callOptions();
      const response = await this.highlighter.highlight(
        text,
        scored.map((e) => e.node.text),
        options,
      );
      threshold = response.threshold;
      response.results.forEach((result) => {
        scored[result.documentIndex]!.result = result;
      });
    }

    const rerankScore = (e: Entry): number => (e.kind === "scored" ? e.result!.rerankScore : 0);
    // Non-text nodes are not judged: they always come back, after the text nodes unless in retrieval order.
    const candidates = entries
      .filter((e) => e.kind !== "other")
      .map((entry) => ({ entry, rerankScore: rerankScore(entry), relevant: entry.kind === "scored" && entry.result!.relevant && entry.result!.keptSentences.length > 0 }));
    let chosen: Entry[] = selectDocuments(candidates, { dropIrrelevant, order: "rerank", ...(topN !== undefined ? { topN } : {}) }).map((c) => c.entry);
    if (this.nodeOptions.contextBudget !== undefined) chosen = this.applyContextBudget(chosen, threshold);
    const kept = [...chosen, ...entries.filter((e) => e.kind === "other")];
    if (order === "retrieval") kept.sort((a, b) => a.position - b.position);

    return kept.map((e) => {
      if (e.kind === "other") return withScore(e.input.node, e.input.score);
      const score = scoreMode === "rerank" ? rerankScore(e) : e.input.score;
      if (e.kind === "empty") return withScore(e.input.node, score);
      const details = highlightMetadata(e.result!, threshold, e.input.score);
      return withScore(prunedCopy(e.node, e.result!.prunedText, metadataKey, details), score);
    });
  }

  /** Re-selects the sentences of the chosen scored nodes within the call's context budget. */
  private applyContextBudget(chosen: Entry[], threshold: number): Entry[] {
    const scored = chosen.filter((e): e is Extract<Entry, { kind: "scored" }> => e.kind === "scored");
    const call = this.callOptions();
    const defined = Object.fromEntries(
      Object.entries({ topK: call.topK, keepFirst: call.keepFirst, neighbors: call.neighbors, minSentences: call.minSentences, tokenBudget: call.tokenBudget, separator: call.separator }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    const { results } = selectWithinContextBudget(
      scored.map((e) => e.result!),
      { maxTokens: this.nodeOptions.contextBudget!, threshold, ...defined },
    );
    const budgeted = new Map(scored.map((e, k) => [e, { ...e, result: results[k]! }]));
    return chosen
      .map((e) => budgeted.get(e as Extract<Entry, { kind: "scored" }>) ?? e)
      .filter((e) => !this.nodeOptions.dropIrrelevant || e.kind !== "scored" || e.result!.keptSentences.length > 0);
  }

  /** Frees the model if this postprocessor loaded it ({@link SemanticHighlightPostprocessor.fromModel}); a shared highlighter is left alone. */
  dispose(): Promise<void> {
    return this.handle.dispose();
  }
}
