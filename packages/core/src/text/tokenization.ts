import { Tokenizer } from "@huggingface/tokenizers";

import { ModelLoadError } from "../errors.js";

/**
 * Where the special tokens go when a (query, context) pair is encoded, read from the tokenizer's own
 * post-processor — never hard-coded: XLM-R gives `<s> q </s></s> ctx </s>` (4 specials), BERT gives
 * `[CLS] q [SEP] ctx [SEP]` (3). Token type ids are kept for graphs that take `token_type_ids`.
 */
export interface PairTemplate {
  /** Special token ids before the query. */
  prefix: number[];
  /** Special token ids between the query and the context. */
  middle: number[];
  /** Special token ids after the context. */
  suffix: number[];
  /** Token type id of each prefix token, of query tokens, of middle tokens, of context tokens, of suffix tokens. */
  typeIds: { prefix: number[]; query: number; middle: number[]; context: number; suffix: number[] };
  /** prefix + middle + suffix length: the special tokens one block spends. */
  specialTokenCount: number;
}

/** Raw JSON of `tokenizer.json` and (optionally) `tokenizer_config.json`. */
export interface TokenizerFiles {
  /** Parsed `tokenizer.json` (Hugging Face tokenizers format). */
  tokenizerJson: unknown;
  /** Parsed `tokenizer_config.json`, when the model has one (special tokens, `model_max_length`). */
  tokenizerConfig?: unknown;
}

const PROBE_QUERY = "hello";
const PROBE_CONTEXT = "world";

function indexOfSequence(haystack: readonly number[], needle: readonly number[], from: number): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Thin wrapper around a Hugging Face `tokenizer.json` (Unigram/SentencePiece, WordPiece, BPE: whatever
 * `@huggingface/tokenizers` supports) exposing only what the pipeline needs.
 */
export class TextTokenizer {
  /** Pair layout of special tokens, derived from the tokenizer itself. */
  readonly template: PairTemplate;
  /** Id used to pad blocks on the right. */
  readonly padId: number;
  /** Number of ids in the vocabulary, added tokens included. */
  readonly vocabSize: number;
  /**
   * Whether `encode` goes word by word through a cache (see `WordCache`); false for tokenizers where
   * that is not provably identical to whole-text encoding (WordPiece, BPE, pieces with an inner "▁", ...).
   */
  readonly wordCached: boolean;
  private readonly tokenizer: Tokenizer;
  private readonly words: WordCache | null;

  /** The tokenizer.json this came from, for error messages. */
  private readonly file: string;

  private constructor(tokenizer: Tokenizer, template: PairTemplate, padId: number, vocabSize: number, words: WordCache | null, file: string) {
    this.file = file;
    this.tokenizer = tokenizer;
    this.template = template;
    this.padId = padId;
    this.vocabSize = vocabSize;
    this.words = words;
    this.wordCached = words !== null;
  }

  /**
   * Builds a tokenizer from parsed `tokenizer.json` (+ `tokenizer_config.json`).
   * @param file path used in error messages.
   */
  static fromJSON(files: TokenizerFiles, file = "tokenizer.json"): TextTokenizer {
    const json = files.tokenizerJson as Record<string, unknown> | null;
    if (json === null || typeof json !== "object" || typeof json.model !== "object" || json.model === null) {
      throw new ModelLoadError(file, 'not a Hugging Face tokenizer.json (no "model" section)');
    }
    const config = files.tokenizerConfig;
    if (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config))) {
      throw new ModelLoadError(file, "tokenizer_config.json is not a JSON object");
    }
    // tokenizer.json comes with the model: whatever the library trips over in it is reported as this file's fault.
    try {
      const tokenizer = new Tokenizer(json, (config as object | undefined) ?? {});
      boundUnigramWords(tokenizer);
      const template = derivePairTemplate(tokenizer, file);
      const padId = findPadId(tokenizer, json, config, file);
      let vocabSize = 0;
      for (const id of tokenizer.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
      if (!Number.isSafeInteger(vocabSize) || vocabSize < 1) throw new ModelLoadError(file, "the vocabulary has no integer token ids");
      // The probes must come out as ids of the vocabulary: a malformed model section can build a tokenizer
      // whose ids are undefined or out of range, which would only fail later, inside the graph.
      const probe = tokenizer.encode(PROBE_QUERY, { text_pair: PROBE_CONTEXT, add_special_tokens: true }).ids;
      const isId = (id: unknown) => Number.isSafeInteger(id) && (id as number) >= 0 && (id as number) < vocabSize;
      if (!probe.every(isId) || !isId(padId)) throw new ModelLoadError(file, `the tokenizer gives token ids outside its vocabulary of ${vocabSize} (is the "model" section complete?)`);
      const words = WordCache.supports(json, config) ? new WordCache(tokenizer) : null;
      return new TextTokenizer(tokenizer, template, padId, vocabSize, words, file);
    } catch (cause) {
      if (cause instanceof ModelLoadError) throw cause;
      throw new ModelLoadError(file, `cannot build the tokenizer: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
  }

  /** Token ids of `text` without special tokens (each sentence is encoded on its own, DESIGN §4.2). */
  encode(text: string): number[] {
    if (text.length === 0) return [];
    const ids = this.words?.encode(text) ?? this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // A tokenizer.json without a (valid) unknown token gives no id, or a bad one, for text it cannot cover:
    // say so instead of passing it on (`undefined` would become token 0 in the batch).
    for (const id of ids) {
      if (!(Number.isSafeInteger(id) && id >= 0 && id < this.vocabSize)) {
        throw new ModelLoadError(this.file, `the tokenizer gives ${String(id)} as a token id, outside its vocabulary of ${this.vocabSize} (no valid unknown token?)`);
      }
    }
    return ids;
  }

  /** Token strings of `text` without special tokens (for debugging and display). */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }

  /** Ids of a full (query, context) pair with special tokens, as the tokenizer's post-processor builds it. */
  encodePair(query: string, context: string): number[] {
    return this.tokenizer.encode(query, { text_pair: context, add_special_tokens: true }).ids;
  }

  /** Decodes ids back to text (special tokens skipped). */
  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}

/**
 * Longest word (in UTF-16 units, after normalization and pre-tokenization) that a Unigram model segments in
 * one lattice. Longer "words" (only pathological input has them: 10 000 characters without a space) are
 * segmented in consecutive slices of this length, so time and memory stay linear in the input; the ids may
 * then differ from a whole-word segmentation next to the slice seams. One slice costs ~10 MB and a few ms.
 */
export const MAX_UNIGRAM_WORD = 10_000;

/**
 * Two changes to `@huggingface/tokenizers` 0.2's Unigram model, on our own model instance: (1) it appends
 * each word's pieces with `push(...pieces)`, which overflows the call stack (an untyped RangeError) once a
 * word has more than ~120 000 pieces — 1 MB of text without spaces, or of Chinese, is one word; here pieces
 * are appended one by one (identical ids). (2) one lattice over a 1 MB word takes ~0.9 GB and tens of
 * seconds; words longer than {@link MAX_UNIGRAM_WORD} are segmented slice by slice instead. Other models
 * (WordPiece, BPE) append one by one and cap their words already.
 */
function boundUnigramWords(tokenizer: Tokenizer): void {
  const model = tokenizer.model as { tokenize?: unknown; encode?: unknown } | null;
  if (model === null || typeof model.tokenize !== "function" || typeof model.encode !== "function") return;
  const tokenize = (model.tokenize as (text: string) => string[]).bind(model);
  model.encode = (tokens: readonly string[]): string[] => {
    const pieces: string[] = [];
    for (const token of tokens) {
      let start = 0;
      while (start < token.length) {
        let end = Math.min(token.length, start + MAX_UNIGRAM_WORD);
        // Never cut a surrogate pair in two.
        if (end < token.length && /[\uD800-\uDBFF]/.test(token[end - 1]!)) end--;
        for (const piece of tokenize(start === 0 && end === token.length ? token : token.slice(start, end))) pieces.push(piece);
        start = end;
      }
    }
    return pieces;
  };
}

/** Words longer than this (in UTF-16 units) are encoded but not cached. */
const MAX_CACHED_WORD = 256;
/** The cache starts over when it holds this many words (bounds memory on endless streams of new words). */
const MAX_CACHED_WORDS = 65_536;
const METASPACE = "\u2581";

/**
 * Word-level memo for SentencePiece-style tokenizers (Unigram model, Metaspace pre-tokenizer). Unigram
 * segmentation is a best path whose score is a sum over pieces; when no vocabulary piece has "▁" after
 * its first character, no piece crosses a word boundary, so the best path of a sentence is the best
 * paths of its "▁"-words laid end to end. Encoding each word once and remembering it therefore gives the
 * same ids as encoding the sentence (tokenization.test checks this on every eval sentence) while skipping
 * the lattice for words seen before — most words, in English text, after a few documents.
 */
class WordCache {
  private readonly cache = new Map<string, readonly number[]>();
  private readonly addedTokens: string[];

  constructor(private readonly tokenizer: Tokenizer) {
    this.addedTokens = [...tokenizer.get_added_tokens_decoder().values()].map((t) => t.content).filter((c) => c.length > 0);
  }

  /** True when word-by-word encoding is provably identical to whole-text encoding for this tokenizer.json. */
  static supports(json: Record<string, unknown>, config: unknown): boolean {
    const model = json.model as { type?: unknown; vocab?: unknown };
    if (model.type !== "Unigram" || !Array.isArray(model.vocab)) return false;
    const pre = json.pre_tokenizer as { type?: unknown; pretokenizers?: unknown; replacement?: unknown } | null | undefined;
    const steps = pre?.type === "Sequence" && Array.isArray(pre.pretokenizers) ? (pre.pretokenizers as typeof pre[]) : [pre];
    if (steps.length === 0 || !steps.every((p) => p?.type === "Metaspace" && (p.replacement ?? METASPACE) === METASPACE)) return false;
    const cfg = (config ?? {}) as { remove_space?: unknown; do_lowercase_and_remove_accent?: unknown };
    if (cfg.remove_space === true || cfg.do_lowercase_and_remove_accent === true) return false;
    for (const entry of model.vocab as unknown[]) {
      const piece = Array.isArray(entry) ? entry[0] : undefined;
      if (typeof piece !== "string" || piece.indexOf(METASPACE, 1) >= 0) return false;
    }
    return true;
  }

  /** Ids of `text` (no special tokens), or null when the text must take the library's full path. */
  encode(text: string): number[] | null {
    // Text holding an added token ("<mask>", "<s>", ...) is split around it by the library: leave it that path.
    for (const added of this.addedTokens) if (text.includes(added)) return null;
    const { normalizer, pre_tokenizer: preTokenizer, model } = this.tokenizer;
    if (preTokenizer === null || model === null) return null;
    const normalized = normalizer === null ? text : normalizer.normalize(text);
    if (normalized.length === 0) return [];
    const ids: number[] = [];
    for (const section of preTokenizer.pre_tokenize(normalized, { section_index: 0 })) {
      let start = 0;
      while (start < section.length) {
        let end = section.indexOf(METASPACE, start + 1);
        if (end < 0) end = section.length;
        const word = section.slice(start, end);
        let wordIds = this.cache.get(word);
        if (wordIds === undefined) {
          const pieces: string[] = model._call([word]);
          const fresh = pieces.map((piece) => this.tokenizer.token_to_id(piece) ?? model.unk_token_id ?? 0);
          if (word.length <= MAX_CACHED_WORD) {
            if (this.cache.size >= MAX_CACHED_WORDS) this.cache.clear();
            this.cache.set(word, fresh);
          }
          wordIds = fresh;
        }
        for (const id of wordIds) ids.push(id);
        start = end;
      }
    }
    return ids;
  }
}

/**
 * Finds the special tokens around a pair by encoding two probe texts with and without the post-processor
 * and locating the probes' own ids in the result. This works for TemplateProcessing, RobertaProcessing and
 * BertProcessing alike, because it asks the tokenizer instead of parsing its configuration.
 */
function derivePairTemplate(tokenizer: Tokenizer, file: string): PairTemplate {
  const queryIds = tokenizer.encode(PROBE_QUERY, { add_special_tokens: false }).ids;
  const contextIds = tokenizer.encode(PROBE_CONTEXT, { add_special_tokens: false }).ids;
  const pair = tokenizer.encode(PROBE_QUERY, {
    text_pair: PROBE_CONTEXT,
    add_special_tokens: true,
    return_token_type_ids: true,
  });
  const queryAt = indexOfSequence(pair.ids, queryIds, 0);
  const contextAt = queryAt < 0 ? -1 : indexOfSequence(pair.ids, contextIds, queryAt + queryIds.length);
  if (queryIds.length === 0 || contextIds.length === 0 || queryAt < 0 || contextAt < 0) {
    throw new ModelLoadError(file, "cannot locate the query and context inside an encoded pair; is the post_processor a pair template?");
  }
  const contextEnd = contextAt + contextIds.length;
  const types = pair.token_type_ids ?? new Array<number>(pair.ids.length).fill(0);
  const template: PairTemplate = {
    prefix: pair.ids.slice(0, queryAt),
    middle: pair.ids.slice(queryAt + queryIds.length, contextAt),
    suffix: pair.ids.slice(contextEnd),
    typeIds: {
      prefix: types.slice(0, queryAt),
      query: types[queryAt] ?? 0,
      middle: types.slice(queryAt + queryIds.length, contextAt),
      context: types[contextAt] ?? 0,
      suffix: types.slice(contextEnd),
    },
    specialTokenCount: 0,
  };
  template.specialTokenCount = template.prefix.length + template.middle.length + template.suffix.length;
  if (template.specialTokenCount === 0) {
    throw new ModelLoadError(file, "the tokenizer adds no special tokens to a pair (missing post_processor); cross-encoder models need them");
  }
  return template;
}

function findPadId(tokenizer: Tokenizer, json: Record<string, unknown>, config: unknown, file: string): number {
  const padding = json.padding as { pad_id?: unknown } | null | undefined;
  if (padding && typeof padding.pad_id === "number") return padding.pad_id;
  const configPad = (config as { pad_token?: unknown } | undefined)?.pad_token;
  const padToken = typeof configPad === "string" ? configPad : (configPad as { content?: unknown } | undefined)?.content;
  for (const candidate of [padToken, "<pad>", "[PAD]"]) {
    if (typeof candidate !== "string") continue;
    const id = tokenizer.token_to_id(candidate);
    if (id !== undefined) return id;
  }
  throw new ModelLoadError(file, 'no padding token found (looked at "padding.pad_id", tokenizer_config pad_token, "<pad>", "[PAD]")');
}
