/**
 * Fragments and blocks (DESIGN §4.3–4.5). Pure functions: token ids in, layouts out.
 *
 * A sentence longer than the fragment limit is cut into consecutive fragments; fragments are packed
 * greedily, in order, into blocks that hold `query + context + special tokens` within `maxLength`.
 * Each block belongs to one document; the blocks of every document in a call are batched together.
 */
import type { ModelInputName, ModelInputs } from "../backends/types.js";
import type { PairTemplate } from "../text/tokenization.js";

/** Token ids of a sentence or fragment: a plain array, or a view into a packed buffer from a worker. */
export type TokenIds = readonly number[] | Int32Array;

/** A run of at most `fragmentLength` tokens of one sentence. */
export interface Fragment {
  /** Index of the sentence inside its document. */
  sentenceIndex: number;
  /** Token ids of this piece of the sentence. */
  tokenIds: TokenIds;
}

/** Fragments of one document that go through the model together with the query. */
export interface Block {
  /** Index of the document inside the call. */
  documentIndex: number;
  /** Fragments in document order. */
  fragments: Fragment[];
  /** Number of context tokens (sum of the fragments' lengths). */
  contextLength: number;
}

/** Cuts one sentence's tokens into consecutive, non-overlapping fragments of at most `fragmentLength`. */
export function splitIntoFragments(sentenceIndex: number, tokenIds: TokenIds, fragmentLength: number): Fragment[] {
  if (!(fragmentLength >= 1)) throw new RangeError(`fragmentLength must be >= 1 (got ${fragmentLength})`);
  const fragments: Fragment[] = [];
  for (let start = 0; start < tokenIds.length; start += fragmentLength) {
    fragments.push({ sentenceIndex, tokenIds: tokenIds.slice(start, start + fragmentLength) });
  }
  return fragments;
}

/**
 * Packs a document's sentences into blocks: fragments in order, a new block whenever the next fragment
 * does not fit in `contextCapacity` tokens. Sentences with no tokens produce no fragments.
 */
export function packBlocks(
  documentIndex: number,
  sentenceTokenIds: readonly TokenIds[],
  contextCapacity: number,
  fragmentLength: number,
): Block[] {
  if (!(contextCapacity >= 1)) throw new RangeError(`contextCapacity must be >= 1 (got ${contextCapacity})`);
  // A fragment can never be longer than a block's context room.
  const limit = Math.min(fragmentLength, contextCapacity);
  const blocks: Block[] = [];
  let current: Block | null = null;
  sentenceTokenIds.forEach((ids, sentenceIndex) => {
    for (const fragment of splitIntoFragments(sentenceIndex, ids, limit)) {
      if (current === null || current.contextLength + fragment.tokenIds.length > contextCapacity) {
        current = { documentIndex, fragments: [], contextLength: 0 };
        blocks.push(current);
      }
      current.fragments.push(fragment);
      current.contextLength += fragment.tokenIds.length;
    }
  });
  return blocks;
}

/** Context tokens one block can hold next to the query and the template's special tokens. */
export function contextCapacity(maxLength: number, queryLength: number, template: PairTemplate): number {
  return maxLength - queryLength - template.specialTokenCount;
}

/** Input ids of one block laid out with the pair template, and where its context starts. */
export interface BlockLayout {
  /** Token ids (an Int32Array from {@link layoutBlock}: one allocation per block, no per-token growth). */
  inputIds: ArrayLike<number>;
  typeIds: ArrayLike<number>;
  /**
   * Per token: 0-based index, within this block, of the sentence the token belongs to (fragments of one
   * sentence share it); −1 for query and special tokens. Fed as the optional `sentence_index` input.
   */
  sentenceIndex: ArrayLike<number>;
  /** Position of the first context token in `inputIds`. */
  contextStart: number;
}

/** Lays a block out as `prefix query middle context suffix`. */
export function layoutBlock(block: Block, queryIds: readonly number[], template: PairTemplate): BlockLayout {
  const t = template.typeIds;
  const contextStart = template.prefix.length + queryIds.length + template.middle.length;
  const length = contextStart + block.contextLength + template.suffix.length;
  const inputIds = new Int32Array(length);
  const typeIds = new Int32Array(length);
  const sentenceIndex = new Int32Array(length).fill(-1);
  let at = 0;
  const put = (ids: readonly number[], types: readonly number[] | number) => {
    ids.forEach((id, i) => {
      inputIds[at] = id;
      typeIds[at++] = typeof types === "number" ? types : types[i]!;
    });
  };
  put(template.prefix, t.prefix);
  put(queryIds, t.query);
  put(template.middle, t.middle);
  let previousSentence = -1;
  let blockSentence = -1;
  for (const fragment of block.fragments) {
    if (fragment.sentenceIndex !== previousSentence) {
      previousSentence = fragment.sentenceIndex;
      blockSentence++;
    }
    for (let i = 0; i < fragment.tokenIds.length; i++) {
      inputIds[at] = fragment.tokenIds[i]!;
      typeIds[at] = t.context;
      sentenceIndex[at++] = blockSentence;
    }
  }
  put(template.suffix, t.suffix);
  return { inputIds, typeIds, sentenceIndex, contextStart };
}

/** Tensors for one `session.run`: blocks padded on the right to the longest in the batch. */
export interface Batch {
  /** Indexes into the call's block list, one per row. */
  blockIndexes: number[];
  /** Position of each row's first context token. */
  contextStarts: number[];
  batchSize: number;
  sequenceLength: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Per token, the sentence index within its block (−1 elsewhere); only when asked for (`withSentenceIndex`). */
  sentenceIndex?: BigInt64Array;
  /** Real (non-padding) tokens in this batch. */
  realTokens: number;
}

/** How blocks are grouped into batches. */
export interface BatchingOptions {
  /** Most blocks per `session.run`. */
  maxBatchSize: number;
  /** Most tokens (rows × padded length) per `session.run`; bounds memory for long blocks. */
  maxBatchTokens: number;
  /**
   * Most padding a batch may carry, as a share of its tokens (rows × padded length). A block that would
   * push its batch past this share starts a new batch — unless the batch stays within `smallBatchTokens`.
   * Default: no limit.
   */
  maxPaddingRatio?: number;
  /** A batch of at most this many tokens (rows × padded length) is never split to save padding. Default 0. */
  smallBatchTokens?: number;
  /** Also build the `sentence_index` tensor (for graphs that declare it). Default false. */
  withSentenceIndex?: boolean;
}

/**
 * Groups blocks into padded batches. Blocks are sorted by length first (stable), so blocks of similar
 * length share a batch and little compute is spent on padding.
 */
export function buildBatches(layouts: readonly BlockLayout[], padId: number, options: BatchingOptions): Batch[] {
  return planBatches(layouts, options).map((group) => makeBatch(group, layouts, padId, options.withSentenceIndex ?? false));
}

/**
 * The grouping of {@link buildBatches} without the tensors: each entry lists the block indexes of one
 * batch. Lets a caller build each batch's tensors only when it is about to be sent ({@link makeBatch}).
 */
export function planBatches(layouts: readonly BlockLayout[], options: BatchingOptions): number[][] {
  const order = layouts.map((_, i) => i).sort((a, b) => layouts[a]!.inputIds.length - layouts[b]!.inputIds.length || a - b);
  const batches: number[][] = [];
  let group: number[] = [];
  const flush = () => {
    if (group.length > 0) batches.push(group);
    group = [];
  };
  const maxPadding = options.maxPaddingRatio ?? Infinity;
  const smallBatch = options.smallBatchTokens ?? 0;
  let realTokens = 0;
  for (const index of order) {
    const length = layouts[index]!.inputIds.length;
    // Sorted ascending, so the new block is the longest: the padded size is rows × its length.
    const padded = (group.length + 1) * length;
    const padding = padded - realTokens - length;
    if (
      group.length >= options.maxBatchSize ||
      (group.length > 0 && padded > options.maxBatchTokens) ||
      (group.length > 0 && padded > smallBatch && padding > maxPadding * padded)
    ) {
      flush();
      realTokens = 0;
    }
    group.push(index);
    realTokens += length;
  }
  flush();
  return batches;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Pads the given blocks on the right into one batch's int64 tensors. */
export function makeBatch(blockIndexes: number[], layouts: readonly BlockLayout[], padId: number, withSentenceIndex = false): Batch {
  const sequenceLength = Math.max(...blockIndexes.map((i) => layouts[i]!.inputIds.length));
  const batchSize = blockIndexes.length;
  const size = batchSize * sequenceLength;
  const inputIds = new BigInt64Array(size);
  const attentionMask = new BigInt64Array(size);
  const tokenTypeIds = new BigInt64Array(size);
  // Ids, mask and type ids are small non-negative integers: write the low 32 bits of each int64 through an
  // Int32Array view (the high half stays 0) instead of converting every token to a BigInt.
  const lo = LITTLE_ENDIAN ? 0 : 1;
  const ids32 = new Int32Array(inputIds.buffer);
  const mask32 = new Int32Array(attentionMask.buffer);
  const types32 = new Int32Array(tokenTypeIds.buffer);
  // −1 in two's complement: both 32-bit halves all ones, so fill the view with −1 and write the rows' values.
  const sentenceIndex = withSentenceIndex ? new BigInt64Array(size) : undefined;
  const sentences32 = sentenceIndex ? new Int32Array(sentenceIndex.buffer).fill(-1) : undefined;
  let realTokens = 0;
  blockIndexes.forEach((blockIndex, row) => {
    const layout = layouts[blockIndex]!;
    const offset = row * sequenceLength;
    const n = layout.inputIds.length;
    for (let i = 0; i < n; i++) {
      const at = 2 * (offset + i) + lo;
      ids32[at] = layout.inputIds[i]!;
      mask32[at] = 1;
      types32[at] = layout.typeIds[i]!;
      if (sentences32) {
        const s = layout.sentenceIndex[i]!;
        if (s >= 0) {
          sentences32[at] = s;
          sentences32[at + (lo === 0 ? 1 : -1)] = 0;
        }
      }
    }
    if (n < sequenceLength) {
      if (padId >= 0 && padId <= 0x7fffffff) for (let i = n; i < sequenceLength; i++) ids32[2 * (offset + i) + lo] = padId;
      else inputIds.fill(BigInt(padId), offset + n, offset + sequenceLength);
    }
    realTokens += n;
  });
  return {
    blockIndexes,
    contextStarts: blockIndexes.map((i) => layouts[i]!.contextStart),
    batchSize,
    sequenceLength,
    inputIds,
    attentionMask,
    tokenTypeIds,
    ...(sentenceIndex ? { sentenceIndex } : {}),
    realTokens,
  };
}

/** A batch's tensors under the graph's input names (only the inputs the graph declares). */
export function toModelInputs(batch: Batch, inputNames: readonly ModelInputName[]): ModelInputs {
  const all: Partial<Record<ModelInputName, BigInt64Array>> = {
    input_ids: batch.inputIds,
    attention_mask: batch.attentionMask,
    token_type_ids: batch.tokenTypeIds,
    ...(batch.sentenceIndex ? { sentence_index: batch.sentenceIndex } : {}),
  };
  const tensors: Partial<Record<ModelInputName, BigInt64Array>> = {};
  for (const name of inputNames) tensors[name] = all[name];
  return { batchSize: batch.batchSize, sequenceLength: batch.sequenceLength, tensors };
}
