/**
 * What code built on core (the LangChain and LlamaIndex adapters, your own) needs from a highlighter, and how it
 * holds one. {@link Highlighter} is structural: `SemanticHighlighter` (Node) and `WebHighlighter` (browsers and
 * edge runtimes) both are one, so an adapter written against it runs in both. {@link HighlighterHandle} is the
 * lifecycle every adapter repeats: a highlighter that is either borrowed (its owner disposes it) or owned
 * (loaded by the adapter, now or on first use, and released by the adapter's `dispose()`).
 */
import { InferenceError } from "./errors.js";
import type { ModelConfig } from "./models/config.js";
import type { RerankOptions, RerankResult } from "./pipeline/rerank.js";
import type { DocumentInput, HighlightOptions, HighlightResponse, HighlightResult } from "./pipeline/types.js";
import type { TextTokenizer } from "./text/tokenization.js";

/**
 * A loaded model that highlights and reranks: what `loadHighlighter` returns in Node (`SemanticHighlighter`) and
 * in browsers (`WebHighlighter`). Concurrent calls are safe.
 */
export interface Highlighter {
  /** The model's config (`highlight_config.json`): name, max length, default threshold, … */
  readonly config: ModelConfig;
  /** The model's tokenizer (e.g. to count the tokens of a text as the model sees them). */
  readonly tokenizer: TextTokenizer;
  /** Scores every sentence of `documents` against `query` and keeps the relevant ones. */
  highlight(query: string, documents: readonly DocumentInput[], options?: HighlightOptions): Promise<HighlightResponse>;
  /** {@link Highlighter.highlight} for one document. */
  highlightOne(query: string, document: DocumentInput, options?: HighlightOptions): Promise<HighlightResult>;
  /** Scores whole documents with the model's ranking head, best first (at most `topN`). */
  rerank(query: string, documents: readonly DocumentInput[], options?: RerankOptions): Promise<RerankResult[]>;
  /** Checks `highlight` options against this model without running anything (`InvalidInputError` naming the bad one). */
  validateOptions(options: HighlightOptions): void;
  /** Checks `rerank` options against this model without running anything (`InvalidInputError` naming the bad one). */
  validateRerankOptions(options: RerankOptions): void;
  /** Releases the model; later calls reject with `InferenceError`. */
  dispose(): Promise<void>;
}

/** Options of {@link HighlighterHandle.lazy} and {@link HighlighterHandle.build}. */
export interface HighlighterHandleOptions {
  /** Names the holder in errors, e.g. "SemanticHighlightCompressor". Default "highlighter handle". */
  owner?: string;
}

/**
 * A highlighter held by an adapter: borrowed ({@link HighlighterHandle.borrow}: given by the caller, never
 * disposed here) or owned ({@link HighlighterHandle.lazy}, {@link HighlighterHandle.build}: loaded here and
 * released by {@link HighlighterHandle.dispose}). Copies of an adapter (e.g. `withOptions`) share one handle, so
 * they share the model and one `dispose()` releases it for all.
 *
 * ```ts
 * class MyRetrieverStep {
 *   private constructor(private readonly handle: HighlighterHandle) {}
 *   static fromModel(model?: string) {
 *     return HighlighterHandle.build(() => loadHighlighter(model), (_highlighter, handle) => new MyRetrieverStep(handle));
 *   }
 *   async run(query: string, texts: string[]) {
 *     return (await this.handle.get()).highlight(query, texts);
 *   }
 *   dispose() {
 *     return this.handle.dispose();
 *   }
 * }
 * ```
 */
export class HighlighterHandle<H extends Highlighter = Highlighter> {
  /** Whether {@link HighlighterHandle.dispose} releases the highlighter (it was loaded by this handle). */
  readonly owned: boolean;
  private readonly owner: string;
  private readonly load: (() => Promise<H>) | undefined;
  private highlighter: H | undefined;
  private loading: Promise<H> | undefined;
  private disposed = false;

  private constructor(owned: boolean, owner: string, highlighter: H | undefined, load: (() => Promise<H>) | undefined) {
    this.owned = owned;
    this.owner = owner;
    this.highlighter = highlighter;
    this.load = load;
  }

  /** A highlighter its caller owns: {@link HighlighterHandle.get} returns it, {@link HighlighterHandle.dispose} leaves it alone. */
  static borrow<H extends Highlighter>(highlighter: H): HighlighterHandle<H> {
    return new HighlighterHandle(false, "highlighter handle", highlighter, undefined);
  }

  /**
   * A highlighter loaded by `load` on the first {@link HighlighterHandle.get} and owned by the handle. A failed load is not
   * remembered: the next `get()` tries again.
   */
  static lazy<H extends Highlighter>(load: () => Promise<H>, options: HighlighterHandleOptions = {}): HighlighterHandle<H> {
    return new HighlighterHandle(true, options.owner ?? "highlighter handle", undefined, load);
  }

  /**
   * Loads a highlighter now and builds something around it (the `fromModel` of an adapter): `make` gets the
   * highlighter and an owning handle for it. When `make` throws (a bad option), the highlighter is released and
   * the error rethrown, so nothing leaks.
   */
  static async build<H extends Highlighter, T>(load: () => Promise<H>, make: (highlighter: H, handle: HighlighterHandle<H>) => T, options: HighlighterHandleOptions = {}): Promise<Awaited<T>> {
    const highlighter = await load();
    const handle = new HighlighterHandle<H>(true, options.owner ?? "highlighter handle", highlighter, undefined);
    try {
      return await make(highlighter, handle);
    } catch (error) {
      await handle.dispose();
      throw error;
    }
  }

  /** The highlighter when it is loaded (always for a borrowed one), else `undefined`. */
  get current(): H | undefined {
    return this.disposed ? undefined : this.highlighter;
  }

  /**
   * The highlighter, loading it first when the handle is lazy and nothing is loaded yet.
   * @throws InferenceError after {@link HighlighterHandle.dispose} released an owned highlighter.
   */
  get(): Promise<H> {
    if (this.disposed) return Promise.reject(new InferenceError(`this ${this.owner} was disposed (dispose() released its model); create a new one`));
    if (this.highlighter) return Promise.resolve(this.highlighter);
    const load = this.load;
    if (!load) return Promise.reject(new InferenceError(`this ${this.owner} has no model`));
    this.loading ??= load().then(
      (highlighter) => {
        this.highlighter = highlighter;
        return highlighter;
      },
      (error: unknown) => {
        this.loading = undefined; // let a later call retry
        throw error;
      },
    );
    return this.loading;
  }

  /**
   * Releases an owned highlighter (waiting for a load in progress); later {@link HighlighterHandle.get} calls reject. A borrowed
   * highlighter is left to its owner and stays usable.
   */
  async dispose(): Promise<void> {
    if (!this.owned) return;
    this.disposed = true;
    const highlighter = this.highlighter ?? (this.loading ? await this.loading.catch(() => undefined) : undefined);
    this.highlighter = undefined;
    this.loading = undefined;
    await highlighter?.dispose();
  }
}
