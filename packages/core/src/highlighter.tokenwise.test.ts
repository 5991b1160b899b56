/**
 * Exact expectations with the token-wise test model, whose keep logit is a known function of the token id
 * (keep = ((id * 7919) mod 1000) / 100 − 5, drop = 0; ranking = masked mean of keep logits). Every expected
 * number below is recomputed here from token ids, independently of the pipeline's packing code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SemanticHighlighter } from "./highlighter.js";
import { testModels } from "./test-support/models.js";

const keepLogit = (id: number) => Math.fround(Math.fround((id * 7919) % 1000) / 100) - 5;
const keepProb = (id: number) => 1 / (1 + Math.exp(-keepLogit(id)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Expected sentence score: mean over fragments (≤ fragmentLength tokens) of the mean token keep probability. */
function expectedScore(ids: number[], fragmentLength: number, mode: "mean" | "decision" = "mean", threshold = 0.5): number {
  if (ids.length === 0) return 0;
  const fragments: number[] = [];
  for (let i = 0; i < ids.length; i += fragmentLength) {
    const probs = ids.slice(i, i + fragmentLength).map(keepProb);
    fragments.push(mean(mode === "mean" ? probs : probs.map((p) => (p > threshold ? 1 : 0))));
  }
  return mean(fragments);
}

const sentences = [
  "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France. ",
  "They were descended from Norse raiders and pirates from Denmark, Iceland and Norway. ",
  "Their leader Rollo agreed to swear fealty to King Charles III of West Francia. ",
  "诺曼人是十世纪和十一世纪把名字给了法国诺曼底地区的人。",
  "The distinct cultural and ethnic identity of the Normans emerged initially in the first half of the 10th century, and it continued to evolve over the succeeding centuries, through many wars, marriages, alliances and migrations across Europe and the Mediterranean, until the Norman identity eventually dissolved. ",
];
const query = "Who gave their name to Normandy?";

let highlighter: SemanticHighlighter;
let ids: number[][];
let queryIds: number[];
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(testModels.tokenwise);
  ids = sentences.map((s) => highlighter.tokenizer.encode(s));
  queryIds = highlighter.tokenizer.encode(query);
});
afterAll(() => highlighter.dispose());

describe("token-wise model: exact sentence scores", () => {
  const specials = 4; // <s> q </s></s> ctx </s>
  const total = () => ids.reduce((a, s) => a + s.length, 0);

  it.each([
    ["one block", 512],
    ["two or more blocks", 0], // filled in below from the document's length
    ["many blocks", 40],
  ])("matches the token-id formula with %s", async (_label, requested) => {
    const longest = Math.max(...ids.map((s) => s.length));
    // "two or more": room for a bit more than half the context, so the document needs exactly 2 blocks.
    const maxLength = requested || queryIds.length + specials + Math.max(longest, Math.ceil(total() * 0.6));
    const capacity = maxLength - queryIds.length - specials;
    const fragmentLength = Math.min(Math.max(16, Math.floor(maxLength / 2)), capacity);
    const result = await highlighter.highlightOne(query, { sentences }, { maxLength, threshold: 0.5 });

    result.sentences.forEach((sentence, i) => {
      expect(sentence.score).toBeCloseTo(expectedScore(ids[i]!, fragmentLength), 6);
      expect(sentence.tokens).toBe(ids[i]!.length);
    });
    if (maxLength === 512) expect(result.blocks).toBe(1);
    else if (requested === 0) expect(result.blocks).toBe(2);
    else expect(result.blocks).toBeGreaterThanOrEqual(Math.ceil(total() / capacity));
    // Kept exactly the sentences strictly above the threshold.
    expect(result.keptSentences.map((s) => s.index)).toEqual(result.sentences.filter((s) => s.score > 0.5).map((s) => s.index));
  });

  it("cuts sentences longer than the fragment limit into fragments and averages the fragment means", async () => {
    const longIds = ids[4]!;
    expect(longIds.length).toBeGreaterThan(16);
    const result = await highlighter.highlightOne(query, { sentences: [sentences[4]!] }, { fragmentLength: 16 });
    const plainMean = mean(longIds.map(keepProb));
    expect(result.sentences[0]!.score).toBeCloseTo(expectedScore(longIds, 16), 6);
    if (longIds.length % 16 !== 0) expect(Math.abs(result.sentences[0]!.score - plainMean)).toBeGreaterThan(1e-9);
  });

  it("supports naver's decision average (tokens binarised at the threshold)", async () => {
    const result = await highlighter.highlightOne(query, { sentences }, { aggregation: "decision", threshold: 0.3 });
    result.sentences.forEach((s, i) => expect(s.score).toBeCloseTo(expectedScore(ids[i]!, 256, "decision", 0.3), 6));
  });

  it("rerank score is sigmoid of the best block's ranking logit (masked mean of keep logits)", async () => {
    const maxLength = 40;
    const result = await highlighter.highlightOne(query, { sentences }, { maxLength, threshold: 0 });
    const capacity = maxLength - queryIds.length - specials;
    const fragmentLength = Math.min(Math.max(16, maxLength / 2), capacity);
    // Independent greedy packing of fragments into blocks.
    const blocks: number[][] = [];
    let current: number[] = [];
    for (const s of ids) {
      for (let i = 0; i < s.length; i += fragmentLength) {
        const fragment = s.slice(i, i + fragmentLength);
        if (current.length + fragment.length > capacity) {
          blocks.push(current);
          current = [];
        }
        current.push(...fragment);
      }
    }
    if (current.length) blocks.push(current);
    const logits = blocks.map((ctx) => mean([0, ...queryIds, 2, 2, ...ctx, 2].map(keepLogit)));
    expect(result.blocks).toBe(blocks.length);
    expect(result.rankingLogit!).toBeCloseTo(Math.max(...logits), 4);
    expect(result.rerankScore).toBeCloseTo(1 / (1 + Math.exp(-Math.max(...logits))), 5);
  });

  it("rerank score is 0 when no sentence passes the threshold", async () => {
    const result = await highlighter.highlightOne(query, { sentences }, { threshold: 0.9999 });
    expect(result.keptSentences).toEqual([]);
    expect(result.relevant).toBe(false);
    expect(result.rerankScore).toBe(0);
    expect(result.rankingLogit).not.toBeNull();
  });
});

describe("token-wise model: selection and output", () => {
  it("pruned text is the kept sentences' original text, with the separator only between non-adjacent ones", async () => {
    const all = await highlighter.highlightOne(query, { sentences }, { threshold: 0 });
    expect(all.prunedText).toBe(sentences.join(""));
    const some = await highlighter.highlightOne(query, { sentences }, { threshold: 0, topK: 3, separator: " […] " });
    const kept = some.keptSentences.map((s) => s.index);
    expect(kept).toHaveLength(3);
    let expected = "";
    kept.forEach((k, j) => {
      if (j > 0 && kept[j - 1] !== k - 1) expected += " […] ";
      expected += sentences[k];
    });
    expect(some.prunedText).toBe(expected);
    for (const s of some.keptSentences) expect(some.text.slice(s.start, s.end)).toBe(s.text);
  });

  it("reports characters and tokens before and after", async () => {
    const result = await highlighter.highlightOne(query, { sentences }, { threshold: 0, topK: 1 });
    const kept = result.keptSentences[0]!;
    expect(result.compression).toMatchObject({
      charactersBefore: sentences.join("").length,
      charactersAfter: kept.text.length,
      tokensBefore: ids.flat().length,
      tokensAfter: ids[kept.index]!.length,
    });
    expect(result.compression.tokenReduction).toBeCloseTo(1 - ids[kept.index]!.length / ids.flat().length, 12);
  });

  it("packs all documents of a call together and can order them by rerank score", async () => {
    const docs = [sentences.slice(0, 2).join(""), sentences[3]!, sentences.slice(2).join("")];
    const response = await highlighter.highlight(query, docs, { threshold: 0, sortByRerankScore: true });
    const scores = response.results.map((r) => r.rerankScore);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(response.results.map((r) => r.documentIndex).sort()).toEqual([0, 1, 2]);
    expect(response.stats.batches).toBe(1);
    const inOrder = await highlighter.highlight(query, docs, { threshold: 0 });
    expect(inOrder.results.map((r) => r.documentIndex)).toEqual([0, 1, 2]);
  });
});
