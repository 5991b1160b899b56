/** Tokenization from tokenizer.json matches the reference encoders, and the pair template is read, not assumed. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ModelLoadError } from "./errors.js";
import { TextTokenizer } from "./tokenization.js";
import { testModels } from "./test-support/models.js";

const readJson = (dir: string, file: string) => JSON.parse(readFileSync(path.join(dir, file), "utf8")) as unknown;
const load = (dir: string) =>
  TextTokenizer.fromJSON({ tokenizerJson: readJson(dir, "tokenizer.json"), tokenizerConfig: readJson(dir, "tokenizer_config.json") });

interface Probe {
  sentences: { text: string; ids: number[] }[];
  pair: { a: string; b: string; ids: number[] };
}

describe.each([
  ["XLM-R SentencePiece Unigram (vs SentencePiece)", testModels.tinyXlmr, { prefix: [0], middle: [2, 2], suffix: [2], count: 4, pad: 1 }],
  ["BERT WordPiece (vs a Python WordPiece reference)", testModels.tokenwiseBert, { prefix: [101], middle: [102], suffix: [102], count: 3, pad: 0 }],
])("%s", (_name, dir, expected) => {
  const tokenizer = load(dir);
  const probe = readJson(dir, "tokenizer_probe.json") as Probe;

  it("encodes every probe sentence (English and Chinese) exactly like the reference", () => {
    expect(probe.sentences.length).toBeGreaterThanOrEqual(30);
    for (const sentence of probe.sentences) expect(tokenizer.encode(sentence.text)).toEqual(sentence.ids);
  });

  it("reads the special tokens of a pair from the tokenizer's post-processor", () => {
    expect(tokenizer.template.prefix).toEqual(expected.prefix);
    expect(tokenizer.template.middle).toEqual(expected.middle);
    expect(tokenizer.template.suffix).toEqual(expected.suffix);
    expect(tokenizer.template.specialTokenCount).toBe(expected.count);
    expect(tokenizer.padId).toBe(expected.pad);
    expect(tokenizer.encodePair(probe.pair.a, probe.pair.b)).toEqual(probe.pair.ids);
    // The template plus the separately encoded halves rebuild the pair encoding.
    const t = tokenizer.template;
    expect([...t.prefix, ...tokenizer.encode(probe.pair.a), ...t.middle, ...tokenizer.encode(probe.pair.b), ...t.suffix]).toEqual(probe.pair.ids);
  });
});

describe("TextTokenizer", () => {
  it("starts every separately encoded sentence with the SentencePiece word marker", () => {
    const tokenizer = load(testModels.tinyXlmr);
    expect(tokenizer.tokenize("Hello world.")[0]!.startsWith("▁")).toBe(true);
    expect(tokenizer.tokenize("北京是中国的首都。")[0]!.startsWith("▁")).toBe(true);
    expect(tokenizer.encode("")).toEqual([]);
  });

  it("gives BERT segment ids to query and context from the template", () => {
    const tokenizer = load(testModels.tokenwiseBert);
    expect(tokenizer.template.typeIds).toEqual({ prefix: [0], query: 0, middle: [0], context: 1, suffix: [1] });
  });

  it("rejects JSON that is not a tokenizer, and a tokenizer without a pair template", () => {
    expect(() => TextTokenizer.fromJSON({ tokenizerJson: { version: "1.0" } })).toThrow(ModelLoadError);
    const json = readJson(testModels.tinyXlmr, "tokenizer.json") as Record<string, unknown>;
    expect(() => TextTokenizer.fromJSON({ tokenizerJson: { ...json, post_processor: null } })).toThrow(/no special tokens|pair template/);
  });
});
