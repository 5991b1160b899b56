/** A Triton model repository written from a model folder follows Triton's layout and the graph's contract. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { copyModel, testModels } from "../test-support/models.js";
import { writeTritonRepository } from "./triton.js";

describe("writeTritonRepository", () => {
  it("writes config.pbtxt with the graph's inputs and outputs and places the ONNX file and its external data in version 1", async () => {
    const model = copyModel(testModels.tinyXlmr);
    writeFileSync(path.join(model, "model.onnx_data"), "external weights stand-in");
    const repo = mkdtempSync(path.join(tmpdir(), "sh-triton-"));
    const result = await writeTritonRepository(model, repo, { name: "tiny", maxBatchSize: 4, instanceKind: "KIND_GPU" });
    expect(result.files.sort()).toEqual(["model.onnx", "model.onnx_data"]);
    expect(existsSync(path.join(repo, "tiny/1/model.onnx"))).toBe(true);
    expect(readFileSync(path.join(repo, "tiny/1/model.onnx_data"), "utf8")).toBe("external weights stand-in");
    const config = readFileSync(path.join(repo, "tiny/config.pbtxt"), "utf8");
    expect(config).toContain('name: "tiny"');
    expect(config).toContain('backend: "onnxruntime"');
    expect(config).toContain("max_batch_size: 4");
    expect(config).toContain('default_model_filename: "model.onnx"');
    // Batch is implicit with max_batch_size > 0: inputs are [seq], pruning [seq, 2], ranking [1].
    expect(config).toMatch(/name: "input_ids"\s+data_type: TYPE_INT64\s+dims: \[ -1 \]/);
    expect(config).toMatch(/name: "attention_mask"\s+data_type: TYPE_INT64\s+dims: \[ -1 \]/);
    expect(config).toMatch(/name: "pruning_logits"\s+data_type: TYPE_FP32\s+dims: \[ -1, 2 \]/);
    expect(config).toMatch(/name: "ranking_logits"\s+data_type: TYPE_FP32\s+dims: \[ 1 \]/);
    expect(config).toMatch(/dynamic_batching \{/);
    expect(config).toMatch(/kind: KIND_GPU/);
    await expect(writeTritonRepository(model, repo, { name: "tiny" })).rejects.toMatchObject({ code: "MODEL_LOAD", message: /already exists/ });
    await expect(writeTritonRepository(model, repo, { name: "bad name" })).rejects.toMatchObject({ code: "MODEL_LOAD" });
    expect((await writeTritonRepository(model, repo, { name: "tiny", overwrite: true })).name).toBe("tiny");
  });
});
