/**
 * Fuzz target (fast-check, seeded) for the model folder's config parsers: `highlight_config.json`
 * (parseModelConfig) and an Optimum export's `config.json` + `tokenizer_config.json` (deriveOptimumConfig).
 * Every outcome is a config that keeps its promises (a model file inside the folder, a bounded length) or a
 * ModelLoadError naming the file — never a raw TypeError / RangeError, never a hang.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MAX_CONFIG_MAX_LENGTH, modelFileProblem, parseModelConfig, type ParsedModelConfig } from "./config.js";
import { ModelLoadError } from "../errors.js";
import { deriveOptimumConfig } from "./optimum.js";
import { testModels } from "../test-support/models.js";

const SEED = Number(process.env.FC_SEED ?? 20240620);
const params = (numRuns: number) => ({ numRuns, seed: SEED });
const FILE = "/models/x/highlight_config.json";

function outcome<T>(fn: () => T): T | ModelLoadError {
  const started = performance.now();
  try {
    return fn();
  } catch (error) {
    if (error instanceof ModelLoadError) {
      expect(error.file).toBe(FILE);
      return error;
    }
    throw error;
  } finally {
    expect(performance.now() - started).toBeLessThan(1000);
  }
}

/** What any accepted config must hold. */
function checkConfig(config: ParsedModelConfig): void {
  expect(Number.isInteger(config.maxLength) && config.maxLength >= 8 && config.maxLength <= MAX_CONFIG_MAX_LENGTH).toBe(true);
  expect(config.threshold >= 0 && config.threshold < 1).toBe(true);
  expect(typeof config.name).toBe("string");
  expect(modelFileProblem(config.modelFile)).toBeNull();
  expect(path.posix.normalize(config.modelFile).startsWith("..")).toBe(false);
  expect(config.pruningOutput !== null || config.rankingOutput !== null).toBe(true);
}

const hostile = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 7, 8, 1e9, 2 ** 20, 2 ** 20 + 1, 1e308, 0.5, "512", "", "model.onnx", "../../../../etc/passwd", "../other/model.onnx", "/etc/passwd", "onnx/model.onnx", "a/./b.onnx", "%2e%2e/x.onnx", "C:\\x.onnx", "x\u0000.onnx", "evil\u001b]0;pwned\u0007", [], {}, true, "__proto__"),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const keys = ["max_length", "threshold", "name", "model_file", "fragment_length", "pruning_output", "ranking_output", "languages", "rerank_activation", "rerank_score_source", "description", "vocab_size", "__proto__", "constructor"] as const;
const base = JSON.parse(readFileSync(path.join(testModels.tinyXlmr, "highlight_config.json"), "utf8")) as Record<string, unknown>;
const configJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(fc.constantFrom(...keys), hostile), { minLength: 1, maxLength: 4 }).map((edits) => {
    const config = structuredClone(base);
    for (const [key, value] of edits) Object.defineProperty(config, key, { value, enumerable: true, writable: true, configurable: true });
    return config;
  }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

describe("fuzz: model config (highlight_config.json)", () => {
  it("parseModelConfig gives a config that keeps its promises or a ModelLoadError for any JSON", () => {
    fc.assert(
      fc.property(configJson, (json) => {
        const result = outcome(() => parseModelConfig(json, FILE));
        if (!(result instanceof ModelLoadError)) checkConfig(result);
      }),
      params(500),
    );
  });

  it("refuses the model_file values that escaped the folder", () => {
    for (const modelFile of ["../../../../etc/passwd", "../other/model.onnx", "/etc/passwd", "%2e%2e/model.onnx", "https://evil.example/model.onnx"]) {
      expect(() => parseModelConfig({ ...base, model_file: modelFile }, FILE), modelFile).toThrow(/must name a file inside the model folder/);
    }
  });
});

describe("fuzz: Optimum export config (config.json + tokenizer_config.json)", () => {
  const bge = { architectures: ["XLMRobertaForSequenceClassification"], model_type: "xlm-roberta", max_position_embeddings: 514, pad_token_id: 1, id2label: { "0": "LABEL_0" } };
  const optimumKeys = ["architectures", "model_type", "max_position_embeddings", "pad_token_id", "id2label", "num_labels", "_name_or_path", "rerank_activation", "sentence_transformers", "sbert_ce_default_activation_function"] as const;
  const hfConfig = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.tuple(fc.constantFrom(...optimumKeys), hostile), { minLength: 1, maxLength: 4 }).map((edits) => {
      const config: Record<string, unknown> = structuredClone(bge);
      for (const [key, value] of edits) config[key] = value;
      return config;
    }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const tokenizerConfig = fc.oneof(fc.constant(undefined), fc.record({ model_max_length: hostile }), fc.jsonValue({ maxDepth: 2 }));

  it("deriveOptimumConfig gives a rerank-only config with a bounded length or a ModelLoadError", () => {
    fc.assert(
      fc.property(hfConfig, tokenizerConfig, (json, tokenizer) => {
        const result = outcome(() => deriveOptimumConfig(json, tokenizer, FILE, "onnx/model.onnx", "fallback"));
        if (result instanceof ModelLoadError) return;
        checkConfig(result);
        expect(result.pruningOutput).toBeNull();
        expect(["sigmoid", "none"]).toContain(result.rerankActivation);
      }),
      params(400),
    );
  });
});
