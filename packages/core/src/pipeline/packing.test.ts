import { describe, expect, it } from "vitest";

import { buildBatches, contextCapacity, layoutBlock, packBlocks, splitIntoFragments } from "./packing.js";
import type { PairTemplate } from "../text/tokenization.js";

const xlmrTemplate: PairTemplate = {
  prefix: [0],
  middle: [2, 2],
  suffix: [2],
  typeIds: { prefix: [0], query: 0, middle: [0, 0], context: 0, suffix: [0] },
  specialTokenCount: 4,
};

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe("splitIntoFragments", () => {
  it("cuts a long sentence into consecutive non-overlapping fragments", () => {
    const fragments = splitIntoFragments(3, range(100, 10), 4);
    expect(fragments.map((f) => f.tokenIds)).toEqual([range(100, 4), range(104, 4), range(108, 2)]);
    expect(fragments.every((f) => f.sentenceIndex === 3)).toBe(true);
  });
  it("gives no fragment for a sentence without tokens", () => {
    expect(splitIntoFragments(0, [], 4)).toEqual([]);
  });
});

describe("packBlocks", () => {
  it("packs fragments greedily in order and starts a new block when the next one does not fit", () => {
    const blocks = packBlocks(7, [range(0, 3), range(10, 3), range(20, 2), range(30, 5)], 6, 16);
    expect(blocks.map((b) => b.fragments.map((f) => f.sentenceIndex))).toEqual([[0, 1], [2], [3]]);
    expect(blocks.map((b) => b.contextLength)).toEqual([6, 2, 5]);
    expect(blocks.every((b) => b.documentIndex === 7)).toBe(true);
  });
  it("never makes a fragment longer than the block's context room", () => {
    const blocks = packBlocks(0, [range(0, 25)], 10, 16);
    expect(blocks.map((b) => b.contextLength)).toEqual([10, 10, 5]);
  });
  it("keeps every token exactly once, in order", () => {
    const sentences = [range(0, 40), range(40, 1), [], range(41, 17), range(58, 3)];
    const blocks = packBlocks(0, sentences, 12, 8);
    const flat = blocks.flatMap((b) => b.fragments.flatMap((f) => [...f.tokenIds]));
    expect(flat).toEqual(range(0, 61));
    expect(blocks.every((b) => b.contextLength <= 12)).toBe(true);
  });
});

describe("contextCapacity and layoutBlock", () => {
  it("counts the template's special tokens, not a constant", () => {
    expect(contextCapacity(512, 10, xlmrTemplate)).toBe(498);
    expect(contextCapacity(512, 10, { ...xlmrTemplate, middle: [102], specialTokenCount: 3 })).toBe(499);
  });
  it("lays out prefix, query, middle, context and suffix and fills maxLength exactly when full", () => {
    const [block] = packBlocks(0, [range(50, 5)], contextCapacity(12, 3, xlmrTemplate), 16);
    const layout = layoutBlock(block!, [7, 8, 9], xlmrTemplate);
    expect(Array.from(layout.inputIds)).toEqual([0, 7, 8, 9, 2, 2, 50, 51, 52, 53, 54, 2]);
    expect(layout.contextStart).toBe(6);
  });
  it("marks query and context with the template's token type ids", () => {
    const bert: PairTemplate = { prefix: [101], middle: [102], suffix: [102], typeIds: { prefix: [0], query: 0, middle: [0], context: 1, suffix: [1] }, specialTokenCount: 3 };
    const [block] = packBlocks(0, [[5, 6]], 10, 16);
    const layout = layoutBlock(block!, [9], bert);
    expect({ inputIds: Array.from(layout.inputIds), typeIds: Array.from(layout.typeIds), sentenceIndex: Array.from(layout.sentenceIndex), contextStart: layout.contextStart }).toEqual({
      inputIds: [101, 9, 102, 5, 6, 102],
      typeIds: [0, 0, 0, 1, 1, 1],
      sentenceIndex: [-1, -1, -1, 0, 0, -1],
      contextStart: 3,
    });
  });

  it("numbers sentences from 0 within each block, fragments of one sentence sharing an index", () => {
    const bert: PairTemplate = { prefix: [101], middle: [102], suffix: [102], typeIds: { prefix: [0], query: 0, middle: [0], context: 1, suffix: [1] }, specialTokenCount: 3 };
    // Sentence 1 (5 tokens) is cut into fragments of 2 and spills into a second block.
    const blocks = packBlocks(0, [[5], [6, 7, 8, 9, 10], [11]], 4, 2);
    const layouts = blocks.map((b) => layoutBlock(b, [9], bert));
    expect(layouts.map((l) => Array.from(l.sentenceIndex))).toEqual([
      [-1, -1, -1, 0, 1, 1, -1],
      [-1, -1, -1, 0, 0, 0, 1, -1],
    ]);
    const [batch] = buildBatches(layouts, 1, { maxBatchSize: 2, maxBatchTokens: 1000, withSentenceIndex: true });
    // Padding is −1 as well; the int64 values are exact (two's complement through the 32-bit view).
    expect(Array.from(batch!.sentenceIndex!, Number)).toEqual([-1, -1, -1, 0, 1, 1, -1, -1, -1, -1, -1, 0, 0, 0, 1, -1]);
    expect(buildBatches(layouts, 1, { maxBatchSize: 2, maxBatchTokens: 1000 })[0]!.sentenceIndex).toBeUndefined();
  });
});

describe("buildBatches", () => {
  const layout = (length: number) => ({ inputIds: range(10, length), typeIds: new Array<number>(length).fill(0), sentenceIndex: new Array<number>(length).fill(-1), contextStart: 1 });

  it("groups blocks of similar length and pads on the right with the pad id and mask 0", () => {
    const layouts = [layout(5), layout(2), layout(4), layout(3)];
    const batches = buildBatches(layouts, 1, { maxBatchSize: 2, maxBatchTokens: 1000 });
    expect(batches.map((b) => b.blockIndexes)).toEqual([[1, 3], [2, 0]]);
    const first = batches[0]!;
    expect(first.sequenceLength).toBe(3);
    expect(Array.from(first.inputIds, Number)).toEqual([10, 11, 1, 10, 11, 12]);
    expect(Array.from(first.attentionMask, Number)).toEqual([1, 1, 0, 1, 1, 1]);
    expect(first.realTokens).toBe(5);
  });
  it("starts a new batch when padding would exceed maxPaddingRatio, unless the batch is small", () => {
    const layouts = [layout(100), layout(98), layout(60), layout(50), layout(95)];
    const options = { maxBatchSize: 8, maxBatchTokens: 10_000, maxPaddingRatio: 0.1 };
    // Sorted: 50, 60 | 95, 98, 100 — 50 + 60 would waste 10 of 120 tokens (8 %), adding 95 would waste 35 %.
    expect(buildBatches(layouts, 0, options).map((b) => b.blockIndexes)).toEqual([[3, 2], [4, 1, 0]]);
    expect(buildBatches(layouts, 0, { ...options, smallBatchTokens: 500 }).map((b) => b.blockIndexes)).toEqual([[3, 2, 4, 1, 0]]);
    expect(buildBatches(layouts, 0, { ...options, smallBatchTokens: 499 }).map((b) => b.blockIndexes)).toEqual([[3, 2, 4, 1], [0]]);
    const batches = buildBatches(layouts, 0, options);
    const padding = batches.reduce((a, b) => a + b.batchSize * b.sequenceLength - b.realTokens, 0);
    const sent = batches.reduce((a, b) => a + b.batchSize * b.sequenceLength, 0);
    expect(padding / sent).toBeLessThanOrEqual(0.1);
  });
  it("writes int64 tensors exactly (ids, mask, type ids, padding)", () => {
    const layouts = [
      { inputIds: [0, 250001, 7], typeIds: [0, 1, 1], sentenceIndex: [-1, 0, 0], contextStart: 1 },
      { inputIds: [5], typeIds: [1], sentenceIndex: [0], contextStart: 0 },
    ];
    const [batch] = buildBatches(layouts, 250000, { maxBatchSize: 8, maxBatchTokens: 100 });
    expect(Array.from(batch!.inputIds)).toEqual([5n, 250000n, 250000n, 0n, 250001n, 7n]);
    expect(Array.from(batch!.attentionMask)).toEqual([1n, 0n, 0n, 1n, 1n, 1n]);
    expect(Array.from(batch!.tokenTypeIds)).toEqual([1n, 0n, 0n, 0n, 1n, 1n]);
  });
  it("respects the token limit per batch", () => {
    const batches = buildBatches([layout(100), layout(100), layout(100)], 0, { maxBatchSize: 8, maxBatchTokens: 250 });
    expect(batches.map((b) => b.batchSize)).toEqual([2, 1]);
  });
});
