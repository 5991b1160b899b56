/** Tokenization from tokenizer.json matches the reference encoders, and the pair template is read, not assumed. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ModelLoadError } from "../errors.js";
import { MAX_UNIGRAM_WORD, TextTokenizer } from "./tokenization.js";
import { repoRoot, sharedData, testModels } from "../test-support/models.js";

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

describe("word-cached encoding", () => {
  const defaultModel = path.join(repoRoot, "models/default");
  const reference = (dir: string) => new Tokenizer(readJson(dir, "tokenizer.json") as object, readJson(dir, "tokenizer_config.json") as object);
  const odd = [
    "  leading and trailing spaces  ",
    "double  spaces\tand a tab\nand a newline",
    "fullwidth ＡＢＣ１２３ and ligature ﬁ (NFKC changes them)",
    "a literal ▁ marker, ▁▁ two, and ▁word",
    "emoji 👩‍💻 and astral 𠀋 and combining é",
    "a <mask> token and </s> inside text",
    "北京 是 中国的首都。 有空格的中文",
    "word word word word repeated repeated",
    "x".repeat(400) + " after a very long word",
  ];

  it("is on for SentencePiece Unigram tokenizers and off where it could differ (WordPiece)", () => {
    expect(load(defaultModel).wordCached).toBe(true);
    expect(load(testModels.tinyXlmr).wordCached).toBe(true);
    expect(load(testModels.tokenwiseBert).wordCached).toBe(false);
    const json = readJson(testModels.tinyXlmr, "tokenizer.json") as { model: { vocab: [string, number][] } };
    const innerMarker = { ...json, model: { ...json.model, vocab: [...json.model.vocab, ["ab▁cd", -20] as [string, number]] } };
    expect(TextTokenizer.fromJSON({ tokenizerJson: innerMarker }).wordCached).toBe(false);
  });

  it.each([
    ["the default model", defaultModel],
    ["tiny-xlmr", testModels.tinyXlmr],
  ])("gives the same ids as whole-text encoding on every eval sentence and on odd text (%s)", (_name, dir) => {
    const cached = load(dir);
    const whole = reference(dir);
    const sentences = ["squad-dev-en", "cmrc-trial-zh"].flatMap((set) =>
      readFileSync(path.join(sharedData, "eval", `${set}.jsonl`), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .flatMap((line) => (JSON.parse(line) as { sentences: string[] }).sentences),
    );
    expect(sentences.length).toBeGreaterThan(20_000);
    let differing = 0;
    // Twice: the second pass is served from the cache.
    for (let pass = 0; pass < 2; pass++) {
      for (const text of [...sentences, ...odd]) {
        const expected = whole.encode(text, { add_special_tokens: false }).ids;
        const got = cached.encode(text);
        if (got.join(",") !== expected.join(",")) differing++;
      }
    }
    expect(differing).toBe(0);
  });
});

describe("very long input", () => {
  const tokenizer = load(testModels.tinyXlmr);
  const reference = new Tokenizer(readJson(testModels.tinyXlmr, "tokenizer.json") as object, readJson(testModels.tinyXlmr, "tokenizer_config.json") as object);

  it("encodes 200 000 characters without a space (one Unigram word) instead of overflowing the call stack", () => {
    // @huggingface/tokenizers alone throws RangeError: Maximum call stack size exceeded past ~120 000 pieces.
    for (const text of ["a".repeat(200_000), "中文".repeat(65_000) + " tail"]) {
      const ids = tokenizer.encode(text);
      expect(ids.length).toBeGreaterThan(125_000);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize)).toBe(true);
    }
  });

  it("segments words up to MAX_UNIGRAM_WORD exactly as the library does, longer ones slice by slice", () => {
    const word = "abracadabra".repeat(Math.floor(MAX_UNIGRAM_WORD / 11));
    expect(tokenizer.encode(word)).toEqual(reference.encode(word, { add_special_tokens: false }).ids);
    // Two slices: the word ("▁" + text after Metaspace) is cut after MAX_UNIGRAM_WORD units and each part segmented.
    const long = "ab".repeat(MAX_UNIGRAM_WORD);
    const marked = `\u2581${long}`;
    const model = reference.model as unknown as { tokenize(text: string): string[] };
    const pieces = [...model.tokenize(marked.slice(0, MAX_UNIGRAM_WORD)), ...model.tokenize(marked.slice(MAX_UNIGRAM_WORD))];
    expect(tokenizer.encode(long)).toEqual(pieces.map((p) => reference.token_to_id(p)));
  });
});

describe("fuzz: tokenizer.json and tokenizer_config.json from a model folder", () => {
  // A small but complete XLM-R style tokenizer.json, so each run builds a real tokenizer quickly.
  const metaspace = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const sequence = (id: string) => ({ Sequence: { id, type_id: 0 } });
  const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const small = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>")],
    normalizer: null,
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [special("<s>"), sequence("A"), special("</s>")],
      pair: [special("<s>"), sequence("A"), special("</s>"), special("</s>"), sequence("B"), special("</s>")],
      special_tokens: { "<s>": { id: "<s>", ids: [0], tokens: ["<s>"] }, "</s>": { id: "</s>", ids: [2], tokens: ["</s>"] } },
    },
    decoder: metaspace,
    model: { type: "Unigram", unk_id: 3, byte_fallback: false, vocab: [["<s>", 0], ["<pad>", 0], ["</s>", 0], ["<unk>", 0], ["\u2581", -2], ["\u2581hello", -3], ["\u2581world", -3], ["h", -5], ["e", -5], ["l", -5], ["o", -5], ["w", -5], ["r", -5], ["d", -5]] },
  };
  const hostile = fc.oneof(
    fc.constantFrom<unknown>(null, 5, -1, 1e9, "", "Unigram", "BPE", "WordPiece", "Sequence", [], {}, [null], [["x", "y"]], [[7, -1]], { type: "Nope" }, true),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const paths: readonly (readonly string[])[] = [["model"], ["model", "type"], ["model", "vocab"], ["model", "unk_id"], ["added_tokens"], ["pre_tokenizer"], ["pre_tokenizer", "replacement"], ["post_processor"], ["post_processor", "pair"], ["normalizer"], ["padding"], ["decoder"]];
  const tokenizerJson = fc.oneof(
    { weight: 5, arbitrary: fc.array(fc.tuple(fc.constantFrom(...paths), hostile), { minLength: 1, maxLength: 3 }).map((edits) => {
      const json = structuredClone(small) as Record<string, unknown>;
      for (const [keys, value] of edits) {
        let at: Record<string, unknown> = json;
        for (const key of keys.slice(0, -1)) {
          if (at[key] === null || typeof at[key] !== "object") at[key] = {};
          at = at[key] as Record<string, unknown>;
        }
        at[keys.at(-1)!] = value;
      }
      return json;
    }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const tokenizerConfig = fc.oneof(fc.constant(undefined), fc.record({ pad_token: hostile, remove_space: hostile }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 }));

  it("gives a working tokenizer or a ModelLoadError naming tokenizer.json, for any JSON", () => {
    fc.assert(
      fc.property(tokenizerJson, tokenizerConfig, (json, config) => {
        const started = performance.now();
        let tokenizer: TextTokenizer;
        try {
          tokenizer = TextTokenizer.fromJSON({ tokenizerJson: json, tokenizerConfig: config }, "/m/tokenizer.json");
        } catch (error) {
          if (!(error instanceof ModelLoadError)) throw error;
          expect(error.file).toBe("/m/tokenizer.json");
          return;
        } finally {
          expect(performance.now() - started).toBeLessThan(1000);
        }
        expect(tokenizer.template.specialTokenCount).toBeGreaterThan(0);
        expect(Number.isInteger(tokenizer.padId) && tokenizer.padId >= 0 && tokenizer.padId < tokenizer.vocabSize).toBe(true);
        for (const text of ["hello world", "héllo, wörld! 中文 \u0000"]) {
          try {
            expect(tokenizer.encode(text).every((id) => Number.isInteger(id) && id >= 0)).toBe(true);
          } catch (error) {
            if (!(error instanceof ModelLoadError)) throw error;
          }
        }
      }),
      { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20240623) },
    );
  });
});
