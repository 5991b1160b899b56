/**
 * Fuzz target (fast-check, seeded) for the checkpoint's `config.json`: parsed (parseCheckpointConfig), then
 * checked against the fixture's real tensors (detectLayout + checkEncoderAgainstTensors) and planned
 * (expectedTensorShapes), as convertCheckpoint does. Every outcome is a plan sized by the tensors present or a
 * ConversionError — never a raw TypeError / RangeError, never a hang or an allocation sized by a hostile number.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { checkpointFixtures } from "../../test-support/checkpoints.js";
import { parseCheckpointConfig } from "./checkpoint-config.js";
import { checkEncoderAgainstTensors, detectLayout } from "./layout.js";
import { openCheckpointTensors, type TensorEntry } from "./safetensors.js";
import { expectedTensorShapes } from "./xlmr-graph.js";

const SEED = Number(process.env.FC_SEED ?? 20240621);
const FILE = "/ckpt/config.json";

const hostile = fc.oneof(
  fc.constantFrom<unknown>(null, 0, 1, 2, 4, 16, 32, -1, 0.5, 1e9, 2 ** 31, 1e308, "2", "gelu", "relu", "absolute", "rotary", "xlm-roberta", "bert", [], {}, true),
  fc.jsonValue({ maxDepth: 2 }),
);
const keys = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "pad_token_id", "layer_norm_eps", "type_vocab_size", "hidden_act", "position_embedding_type", "model_type"] as const;
const outerKeys = ["max_length", "default_threadshold", "default_threshold", "base_model_config", "model_type"] as const;

const fixture = JSON.parse(readFileSync(path.join(checkpointFixtures, "open-provence", "config.json"), "utf8")) as Record<string, unknown>;
const configJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(fc.constantFrom(...keys), hostile), { maxLength: 4 }), fc.array(fc.tuple(fc.constantFrom(...outerKeys), hostile), { maxLength: 2 }))
      .map(([inner, outer]) => {
        const config = structuredClone(fixture);
        for (const [key, value] of inner) (config.base_model_config as Record<string, unknown>)[key] = value;
        for (const [key, value] of outer) config[key] = value;
        return config;
      }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

let tensors: Map<string, TensorEntry>;
beforeAll(async () => {
  tensors = (await openCheckpointTensors(path.join(checkpointFixtures, "open-provence"))).tensors;
});

describe("fuzz: checkpoint config.json", () => {
  it("parses, checks against the tensors and plans in bounded time, or says why with a ConversionError", () => {
    fc.assert(
      fc.property(configJson, (json) => {
        const started = performance.now();
        try {
          const config = parseCheckpointConfig(json, FILE);
          expect(Number.isInteger(config.maxLength) && config.maxLength >= 8).toBe(true);
          expect(config.threshold >= 0 && config.threshold < 1).toBe(true);
          const layout = detectLayout(tensors, config.encoder.hidden, "/ckpt");
          checkEncoderAgainstTensors(config.encoder, layout, "/ckpt");
          // Accepted: the plan is sized by the checkpoint (2 layers of 16 tensors, embeddings, heads).
          const plan = expectedTensorShapes(config.encoder, layout.hasRankingHead, layout.hasPruningHead);
          expect(plan.size).toBeLessThanOrEqual(tensors.size);
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
        } finally {
          expect(performance.now() - started).toBeLessThan(1000);
        }
      }),
      { numRuns: 400, seed: SEED },
    );
  });
});
