import { describe, expect, it } from "vitest";

import { ModelLoadError } from "../errors.js";
import { activationFromConfig, deriveOptimumConfig, maxLengthFromConfigs } from "./optimum.js";

const bge = { architectures: ["XLMRobertaForSequenceClassification"], model_type: "xlm-roberta", max_position_embeddings: 8194, pad_token_id: 1, id2label: { "0": "LABEL_0" } };

describe("Optimum / transformers.js exports", () => {
  it("derives a rerank-only config: output logits, no pruning output, length from tokenizer_config else positions", () => {
    const config = deriveOptimumConfig(bge, { model_max_length: 8192 }, "config.json", "onnx/model.onnx", "bge");
    expect(config).toMatchObject({ name: "bge", modelFile: "onnx/model.onnx", maxLength: 8192, pruningOutput: null, rankingOutput: "logits", rerankActivation: "sigmoid", rankingOutputDeclared: true });
    // HF writes 1e30 for an unknown model_max_length: fall back to max_position_embeddings − pad − 1
    expect(maxLengthFromConfigs(bge, { model_max_length: 1e30 })).toBe(8192);
    expect(maxLengthFromConfigs({ ...bge, max_position_embeddings: 514 }, undefined)).toBe(512);
    expect(maxLengthFromConfigs({ model_type: "bert", max_position_embeddings: 512 }, undefined)).toBe(512);
    // never past the positions the encoder has
    expect(maxLengthFromConfigs({ ...bge, max_position_embeddings: 514 }, { model_max_length: 8192 })).toBe(512);
  });

  it("follows the saved activation: sentence-transformers' Identity or rerank_activation none give raw logits", () => {
    expect(activationFromConfig({ sentence_transformers: { activation_fn: "torch.nn.modules.linear.Identity" } })).toBe("none");
    expect(activationFromConfig({ sentence_transformers: { activation_fn: "torch.nn.modules.activation.Sigmoid" } })).toBe("sigmoid");
    expect(activationFromConfig({ rerank_activation: "none" })).toBe("none");
    expect(activationFromConfig({})).toBe("sigmoid");
  });

  it("refuses what is not a one-label cross-encoder, saying what it is", () => {
    expect(() => deriveOptimumConfig({ ...bge, id2label: { "0": "a", "1": "b", "2": "c" } }, {}, "config.json", "onnx/model.onnx", "x")).toThrow(/3 labels/);
    expect(() => deriveOptimumConfig({ ...bge, architectures: ["XLMRobertaModel"] }, {}, "config.json", "onnx/model.onnx", "x")).toThrow(ModelLoadError);
    expect(() => deriveOptimumConfig({ architectures: ["XLMRobertaForSequenceClassification"] }, {}, "config.json", "onnx/model.onnx", "x")).toThrow(/maximum length/);
  });

  it("refuses a maximum length no encoder has (a hostile config.json) instead of planning blocks of it", () => {
    expect(() => deriveOptimumConfig({ ...bge, max_position_embeddings: 1e12 }, {}, "config.json", "onnx/model.onnx", "x")).toThrow(/more than the 1048576 accepted/);
    expect(() => deriveOptimumConfig({ ...bge, max_position_embeddings: 1000.5 }, {}, "config.json", "onnx/model.onnx", "x")).toThrow(ModelLoadError);
  });
});
