/**
 * Fuzz target (fast-check, seeded) for the SentencePiece model reader: mutations of the real
 * `sentencepiece.bpe.model` and arbitrary bytes give a tokenizer.json object or a ConversionError
 * (`TOKENIZER`) — never a raw protobuf RangeError / TypeError, never a hang.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { testModels } from "../../test-support/models.js";
import { sentencePieceToTokenizerJson } from "./sentencepiece.js";

const SEED = Number(process.env.FC_SEED ?? 20240622);
const model = readFileSync(path.join(testModels.tinyXlmr, "sentencepiece.bpe.model"));

describe("fuzz: sentencepiece.bpe.model", () => {
  it("converts or refuses with a ConversionError, whatever the bytes", () => {
    const mutated = fc.array(fc.tuple(fc.nat(model.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const bytes = Buffer.from(model);
      for (const [at, value] of edits) bytes[at] = value;
      return bytes;
    });
    const truncated = fc.nat(model.length).map((n) => model.subarray(0, n));
    fc.assert(
      fc.property(fc.oneof(mutated, truncated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        const started = performance.now();
        try {
          const json = sentencePieceToTokenizerJson(bytes, "sentencepiece.bpe.model");
          expect(Array.isArray((json.model as { vocab: unknown }).vocab)).toBe(true);
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
          expect(error.reason).toBe("TOKENIZER");
        } finally {
          expect(performance.now() - started).toBeLessThan(2000);
        }
      }),
      { numRuns: 80, seed: SEED },
    );
  });
});
