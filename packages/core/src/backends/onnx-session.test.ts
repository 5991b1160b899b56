/** onnxruntime-node on the exported graph matches the PyTorch reference module (tools/model/provence_arch.py). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { InferenceError } from "../errors.js";
import type { ModelInputs } from "./types.js";
import { OnnxModelSession } from "./onnx-session.js";
import { repoRoot, testModels } from "../test-support/models.js";

interface Reference {
  atol: number;
  batches: {
    input_ids: number[][];
    attention_mask: number[][];
    /** Present for graphs that declare the optional `sentence_index` input (models/default). */
    sentence_index?: number[][];
    pruning_logits: number[][][][] | number[][][];
    ranking_logits: number[][];
  }[];
}

function toBatch(ids: number[][], mask: number[][], sentenceIndex?: number[][]): ModelInputs {
  const batchSize = ids.length;
  const sequenceLength = ids[0]!.length;
  return {
    batchSize,
    sequenceLength,
    tensors: {
      input_ids: BigInt64Array.from(ids.flat(), (v) => BigInt(v)),
      attention_mask: BigInt64Array.from(mask.flat(), (v) => BigInt(v)),
      ...(sentenceIndex ? { sentence_index: BigInt64Array.from(sentenceIndex.flat(), (v) => BigInt(v)) } : {}),
    },
  };
}

describe("OnnxModelSession", () => {
  it.each([
    ["the tiny XLM-R model", testModels.tinyXlmr],
    // The shipped default: its graph also computes the lexical sentence features (provence_arch.sentence_match_features).
    ["the embedded default model", path.join(repoRoot, "models/default")],
  ])("reproduces the torch reference outputs of %s, padding included", async (_name, dir) => {
    const reference = JSON.parse(readFileSync(path.join(dir, "reference_outputs.json"), "utf8")) as Reference;
    const session = await OnnxModelSession.create(path.join(dir, "model.onnx"), { pruning: "pruning_logits", ranking: "ranking_logits", rankingRequired: true });
    expect(reference.batches.some((b) => b.attention_mask.flat().includes(0))).toBe(true);
    for (const b of reference.batches) {
      expect(b.sentence_index !== undefined).toBe(session.inputNames.includes("sentence_index"));
      const out = await session.run(toBatch(b.input_ids, b.attention_mask, b.sentence_index));
      const pruningLogits = out.pruningLogits!;
      const expectedPruning = (b.pruning_logits as unknown[]).flat(3) as number[];
      expect(pruningLogits.length).toBe(expectedPruning.length);
      let worst = 0;
      expectedPruning.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - pruningLogits[i]!))));
      expect(worst).toBeLessThan(reference.atol);
      b.ranking_logits.flat().forEach((v, i) => expect(Math.abs(v - out.rankingLogits![i]!)).toBeLessThan(reference.atol));
    }
    await session.release();
    await expect(session.run(toBatch([[0, 5, 2]], [[1, 1, 1]]))).rejects.toBeInstanceOf(InferenceError);
  });
});
