/** The highlighter on the real-architecture tiny model: batching invariance, bad input, big input, concurrency. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AbortError, InvalidInputError, QueryTooLongError } from "./errors.js";
import { SemanticHighlighter } from "./highlighter.js";
import { sharedData, testModels } from "./test-support/models.js";

interface EvalItem {
  query: string;
  sentences: string[];
}
const evalItems = (file: string, n: number): EvalItem[] =>
  readFileSync(path.join(sharedData, "eval", file), "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, n)
    .map((line) => JSON.parse(line) as EvalItem);

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(testModels.tinyXlmr, { runtime: { intraOpNumThreads: 1 } });
});
afterAll(() => highlighter.dispose());

describe("padding and batching invariance (real architecture)", () => {
  const [en, zh] = [evalItems("squad-dev-en.jsonl", 6), evalItems("cmrc-trial-zh.jsonl", 6)];
  const docs = [...en, ...zh].map((item) => ({ sentences: item.sentences }));
  const query = en[0]!.query;

  it("gives the same scores alone, batched with longer and shorter documents, and in other batch sizes", async () => {
    const alone = await Promise.all(docs.map((doc) => highlighter.highlightOne(query, doc, { maxLength: 256 })));
    for (const batchSize of [1, 3, 8]) {
      const together = await highlighter.highlight(query, docs, { maxLength: 256, batchSize });
      together.results.forEach((result, d) => {
        const reference = alone[d]!;
        expect(result.sentenceScores).toHaveLength(reference.sentenceScores.length);
        result.sentenceScores.forEach((score, i) => expect(Math.abs(score - reference.sentenceScores[i]!)).toBeLessThan(1e-5));
        expect(Math.abs((result.rankingLogit ?? 0) - (reference.rankingLogit ?? 0))).toBeLessThan(1e-4);
      });
    }
    // The batched run really padded: otherwise this test would prove nothing.
    const batched = await highlighter.highlight(query, docs, { maxLength: 256, batchSize: 8 });
    expect(batched.stats.paddingTokens).toBeGreaterThan(0);
  });

  it("is deterministic across calls", async () => {
    const a = await highlighter.highlight(query, docs);
    const b = await highlighter.highlight(query, docs);
    expect(b.results.map((r) => r.sentenceScores)).toEqual(a.results.map((r) => r.sentenceScores));
  });
});

describe("bad and unusual input", () => {
  it("rejects an empty or whitespace query with InvalidInputError", async () => {
    await expect(highlighter.highlightOne("", "Text.")).rejects.toBeInstanceOf(InvalidInputError);
    await expect(highlighter.highlightOne(" \n\t", "Text.")).rejects.toThrow(/query is empty/);
    await expect(highlighter.highlightOne(42 as unknown as string, "Text.")).rejects.toThrow(/query must be a string/);
  });

  it("rejects documents of the wrong type, naming the index", async () => {
    await expect(highlighter.highlight("q", ["ok", 5 as unknown as string])).rejects.toThrow(/documents\[1\]/);
    await expect(highlighter.highlight("q", [{ sentences: ["a", 3] } as unknown as { sentences: string[] }])).rejects.toThrow(/documents\[0\]\.sentences/);
    await expect(highlighter.highlight("q", "not an array" as unknown as string[])).rejects.toThrow(/must be an array/);
  });

  it("returns an empty result for empty and whitespace documents without losing the others", async () => {
    const response = await highlighter.highlight("What is this?", ["", "   \n  ", "A real sentence. Another one."], { threshold: 0 });
    expect(response.results).toHaveLength(3);
    expect(response.results[0]).toMatchObject({ sentences: [], keptSentences: [], prunedText: "", rerankScore: 0, rankingLogit: null, blocks: 0 });
    expect(response.results[1]!.prunedText.trim()).toBe("");
    expect(response.results[1]!.rerankScore).toBe(0);
    expect(response.results[2]!.keptSentences.length).toBe(2);
  });

  it("handles an empty document list", async () => {
    const response = await highlighter.highlight("q", []);
    expect(response.results).toEqual([]);
    expect(response.stats.batches).toBe(0);
  });

  it("keeps exact offsets with emoji, astral and combining characters", async () => {
    const text = "Emoji 😀 are astral characters. 𝒳 and 𠀀 too! Café vs Cafe\u0301? 中文😀句子。最后一句。";
    const result = await highlighter.highlightOne("What are emoji?", text, { threshold: 0 });
    expect(result.sentences.map((s) => s.text).join("")).toBe(text);
    for (const s of result.sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(result.prunedText).toBe(text);
  });

  it("handles a 1 MB document: every sentence scored, offsets tile the text", async () => {
    const paragraph = evalItems("squad-dev-en.jsonl", 40).map((i) => i.sentences.join("")).join("\n\n");
    let text = "";
    while (text.length < 1_000_000) text += paragraph + "\n\n";
    const result = await highlighter.highlightOne("What is the largest city?", text, { topK: 5 });
    expect(result.sentences.length).toBeGreaterThan(5000);
    expect(result.sentences.every((s) => s.score >= 0 && s.score <= 1)).toBe(true);
    expect(result.sentences.map((s) => s.text).join("")).toBe(text);
    expect(result.keptSentences).toHaveLength(5);
    expect(result.blocks).toBeGreaterThan(100);
  }, 300_000);

  it("does not mutate the caller's input", async () => {
    const docs = [{ text: "First sentence. Second one.", id: "a" }, { sentences: ["One. ", "Two."], id: "b" }];
    const before = structuredClone(docs);
    Object.freeze(docs[0]);
    Object.freeze(docs[1]!.sentences);
    const response = await highlighter.highlight("q?", docs, { threshold: 0 });
    expect(docs).toEqual(before);
    expect(response.results.map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("refuses a query that leaves no room for context, and never truncates it", async () => {
    const longQuery = "why ".repeat(600);
    await expect(highlighter.highlightOne(longQuery, "Some text.")).rejects.toBeInstanceOf(QueryTooLongError);
  });

  it("serves concurrent calls on one session with the same answers as sequential ones", async () => {
    const items = evalItems("squad-dev-en.jsonl", 8);
    const sequential = [];
    for (const item of items) sequential.push(await highlighter.highlightOne(item.query, { sentences: item.sentences }));
    const concurrent = await Promise.all(items.map((item) => highlighter.highlightOne(item.query, { sentences: item.sentences })));
    expect(concurrent.map((r) => r.sentenceScores)).toEqual(sequential.map((r) => r.sentenceScores));
  });

  it("stops between batches when the signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user left"));
    await expect(highlighter.highlightOne("q", "Text.", { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    const late = new AbortController();
    const docs = evalItems("squad-dev-en.jsonl", 300).map((i) => ({ sentences: i.sentences }));
    const pending = highlighter.highlight("q", docs, { batchSize: 1, signal: late.signal });
    setTimeout(() => late.abort(), 20);
    await expect(pending).rejects.toThrow(/aborted/);
  });
});
