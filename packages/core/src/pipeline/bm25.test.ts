import { describe, expect, it } from "vitest";

import { approximateTokenCount, BM25_DEFAULT_THRESHOLD, bm25Highlight, bm25SentenceScores, bm25Terms, Bm25SentenceScorer, lightStem } from "./bm25.js";
import { InvalidInputError } from "../errors.js";

const K1 = 1.2;

describe("bm25Terms", () => {
  it("lowercases, drops English stop words and stems", () => {
    expect(bm25Terms("The Cats were running to the Boxes")).toEqual(["cat", "run", "box"]);
    expect(bm25Terms("The Cats", { stopWords: false, stem: false })).toEqual(["the", "cats"]);
  });

  it("splits possessives and drops their 's'", () => {
    expect(bm25Terms("Jacksonville's Navy")).toEqual(["jacksonvill", "navy"]); // trailing "e" folded
  });

  it("turns Han runs into unigrams + bigrams, and bigrams only without unigrams", () => {
    expect(bm25Terms("大熊猫吃竹子")).toEqual(["大", "大熊", "熊", "熊猫", "猫", "猫吃", "吃", "吃竹", "竹", "竹子", "子"]);
    expect(bm25Terms("大熊猫吃竹子", { cjkUnigrams: false })).toEqual(["大熊", "熊猫", "猫吃", "吃竹", "竹子"]);
  });

  it("breaks Han runs at punctuation and at Latin text; NFKC folds full-width characters", () => {
    expect(bm25Terms("你好，世界", { cjkUnigrams: false })).toEqual(["你好", "世界"]);
    expect(bm25Terms("GPT模型", { cjkUnigrams: false })).toEqual(["gpt", "模型"]);
    expect(bm25Terms("２０１０年", { cjkUnigrams: false })).toEqual(["2010", "年"]);
  });
});

describe("lightStem", () => {
  it.each([
    ["running", "run"],
    ["rules", "rul"],
    ["ruled", "rul"],
    ["rule", "rul"],
    ["cities", "city"],
    ["boxes", "box"],
    ["glass", "glass"],
    ["status", "status"],
    ["analysis", "analysis"],
    ["quickly", "quick"],
    ["added", "add"],
    ["bus", "bus"],
    ["2010", "2010"],
  ])("%s → %s", (word, stem) => expect(lightStem(word)).toBe(stem));
});

describe("bm25SentenceScores", () => {
  it("scores equal-length sentences with the document's IDF (exact)", () => {
    const sentences = ["the cat sat", "the dog ran", "cats and dogs"];
    // Terms: [cat, sat], [dog, ran], [cat, dog]; N = 3, avgdl = 2, df(cat) = 2.
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const scorer = new Bm25SentenceScorer();
    const raw = scorer.rawScores("cat", sentences);
    expect(raw[0]).toBeCloseTo(idf, 12); // tf 1 at average length: idf · (k1+1) / (1 + k1)
    expect(raw[1]).toBe(0);
    expect(raw[2]).toBeCloseTo(idf, 12);
    // "query" normalisation divides by Σ idf · (k1 + 1).
    const scores = bm25SentenceScores("cat", sentences);
    expect(scores[0]).toBeCloseTo(1 / (K1 + 1), 12);
    expect(scores).toEqual([scores[0], 0, scores[0]]);
    expect(bm25SentenceScores("cat", sentences, { normalization: "max" })).toEqual([1, 0, 1]);
  });

  it("normalises by sentence length (b = 0.75)", () => {
    const sentences = ["apple", "apple banana cherry"]; // lengths 1 and 3, avgdl 2
    const s = bm25SentenceScores("apple", sentences);
    const norm0 = K1 * (1 - 0.75 + (0.75 * 1) / 2);
    const norm1 = K1 * (1 - 0.75 + (0.75 * 3) / 2);
    expect(s[0]).toBeCloseTo(1 / (1 + norm0), 12);
    expect(s[1]).toBeCloseTo(1 / (1 + norm1), 12);
    for (const score of bm25SentenceScores("apple", sentences, { b: 0 })) expect(score).toBeCloseTo(1 / (1 + K1), 12);
  });

  it("scores Chinese sentences with character n-grams (exact)", () => {
    const sentences = ["熊猫吃竹子。", "老虎吃肉。"];
    // Query terms: 熊 熊猫 猫 猫吃 吃 吃什 什 什么 么; sentence lengths 9 and 7, avgdl 8, N = 2.
    const idf = (df: number) => Math.log(1 + (2 - df + 0.5) / (df + 0.5));
    const ceiling = (K1 + 1) * (4 * idf(1) + idf(2) + 4 * idf(0));
    const norm0 = K1 * (0.25 + (0.75 * 9) / 8);
    const norm1 = K1 * (0.25 + (0.75 * 7) / 8);
    const expected0 = ((4 * idf(1) + idf(2)) * (K1 + 1)) / (1 + norm0) / ceiling;
    const expected1 = (idf(2) * (K1 + 1)) / (1 + norm1) / ceiling;
    const s = bm25SentenceScores("熊猫吃什么？", sentences);
    expect(s[0]).toBeCloseTo(expected0, 12);
    expect(s[1]).toBeCloseTo(expected1, 12);
    expect(s[0]).toBeGreaterThan(s[1]!);
  });

  it("gives 0 everywhere when nothing matches, and for an empty document", () => {
    expect(bm25SentenceScores("quantum", ["a cat", "a dog"])).toEqual([0, 0]);
    expect(bm25SentenceScores("the", ["the cat"])).toEqual([0]); // only a stop word
    expect(bm25SentenceScores("cat", [])).toEqual([]);
  });

  it("takes IDF and average length from a corpus when given", () => {
    const corpus = ["cat", "cat", "cat", "dog"]; // df(cat) = 3, df(dog) = 1, N = 4, avgdl = 1
    const scorer = new Bm25SentenceScorer({ corpus });
    const raw = scorer.rawScores("cat dog", ["cat", "dog"]);
    const idf = (df: number) => Math.log(1 + (4 - df + 0.5) / (df + 0.5));
    expect(raw[0]).toBeCloseTo(idf(3), 12);
    expect(raw[1]).toBeCloseTo(idf(1), 12);
  });

  it("counts a repeated query term once", () => {
    const sentences = ["cat here", "dog there"];
    expect(bm25SentenceScores("cat cat cat dog", sentences)).toEqual(bm25SentenceScores("cat dog", sentences));
  });

  it("rejects bad parameters", () => {
    expect(() => new Bm25SentenceScorer({ b: 2 })).toThrow(InvalidInputError);
    expect(() => new Bm25SentenceScorer({ k1: -1 })).toThrow(InvalidInputError);
  });
});

describe("bm25Highlight", () => {
  const sentences = ["Paris is the capital of France. ", "It has many museums. ", "The Louvre is the largest museum in Paris."];

  it("returns a HighlightResult selected with core's selectSentences", () => {
    const result = bm25Highlight("Which museum in Paris is the largest?", { sentences, id: "d1" }, { threshold: 0.15 });
    // Terms: [paris capital franc] [many museum] [louvr largest museum paris]; query [museum paris largest].
    expect(result.sentenceScores[2]).toBeCloseTo(0.4, 12);
    expect(result.id).toBe("d1");
    expect(result.text).toBe(sentences.join(""));
    expect(result.sentences.map((s) => [s.start, s.end])).toEqual([
      [0, 32],
      [32, 53],
      [53, 95],
    ]);
    expect(result.keptSentences.map((s) => s.index)).toEqual([2]);
    expect(result.prunedText).toBe(sentences[2]);
    expect(result.relevant).toBe(true);
    expect(result.rerankScore).toBe(Math.max(...result.sentenceScores));
    expect(result.rankingLogit).toBeNull();
    expect(result.compression.charactersBefore).toBe(95);
    expect(result.compression.charactersAfter).toBe(42);
    expect(result.compression.tokensAfter).toBe(approximateTokenCount(sentences[2]!));
  });

  it("applies topK, minSentences, keepFirst and a separator like the model pipeline", () => {
    const top1 = bm25Highlight("Paris museum", { sentences }, { threshold: 0, topK: 1 });
    expect(top1.keptSentences).toHaveLength(1);
    const none = bm25Highlight("quantum physics", { sentences }, { threshold: 0 });
    expect(none.keptSentences).toHaveLength(0);
    expect(none.rerankScore).toBe(0);
    const min = bm25Highlight("quantum physics", { sentences }, { minSentences: 1, keepFirst: true });
    expect(min.keptSentences.map((s) => s.keepReason)).toEqual(["first"]);
    const sep = bm25Highlight("Paris", { sentences }, { threshold: 0, separator: " … " });
    expect(sep.prunedText).toBe(`${sentences[0]} … ${sentences[2]}`);
  });

  it("segments plain text and counts tokens with a given counter", () => {
    const result = bm25Highlight("What do pandas eat?", "大熊猫生活在山区。大熊猫吃竹子。Pandas eat bamboo.", { threshold: 0, countTokens: (t) => t.length });
    expect(result.sentences.length).toBeGreaterThanOrEqual(3);
    expect(result.compression.tokensBefore).toBe(result.sentences.reduce((a, s) => a + s.text.length, 0));
    expect(result.keptSentences.map((s) => s.text.trim())).toEqual(["Pandas eat bamboo."]);
  });

  it("uses BM25_DEFAULT_THRESHOLD by default and validates options", () => {
    const result = bm25Highlight("capital France", { sentences });
    expect(result.sentences.every((s) => s.kept === s.score > BM25_DEFAULT_THRESHOLD)).toBe(true);
    expect(() => bm25Highlight(" ", { sentences })).toThrow(InvalidInputError);
    expect(() => bm25Highlight("x", { sentences }, { threshold: 2 })).toThrow(InvalidInputError);
    expect(() => bm25Highlight("x", { sentences }, { topK: -1 })).toThrow(InvalidInputError);
  });

  it("reports bad segmentation settings, sparse sentences and null options as InvalidInputError", () => {
    expect(() => bm25Highlight("x", "A. B.", { segmentation: { maxSentenceChars: 0 } })).toThrow(InvalidInputError);
    expect(() => bm25Highlight("x", "A. B.", { segmentation: { locale: "not a locale!!" } })).toThrow(InvalidInputError);
    const sparse = new Array<string>(2);
    sparse[1] = "Paris is the capital.";
    expect(() => bm25Highlight("capital", { sentences: sparse })).toThrow(/sentences\[0\] is missing/);
    expect(() => bm25Highlight("capital", "Paris.", null as never)).toThrow(InvalidInputError);
  });

  it("approximates tokens as words plus Han characters", () => {
    expect(approximateTokenCount("Hello, world 2024! 你好")).toBe(5);
  });
});
