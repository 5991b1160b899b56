/** Loading a model folder: each way a folder can be broken gives a ModelLoadError naming the file. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ModelLoadError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { loadModelFiles, loadModelFolder, MAX_CONFIG_JSON_BYTES } from "./model-folder.js";
import { convertCheckpoint } from "./convert/convert.js";
import { decodeOnnxModel, encodeOnnxModel } from "./convert/onnx-proto.js";
import { copyCheckpoint } from "../test-support/checkpoints.js";
import { copyModel, testModels } from "../test-support/models.js";

async function loadError(dir: string): Promise<ModelLoadError> {
  const error = await loadModelFolder(dir).then(
    (m) => m.session.release().then(() => null),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

function editConfig(dir: string, edit: (config: Record<string, unknown>) => void): void {
  const file = path.join(dir, "highlight_config.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(config);
  writeFileSync(file, JSON.stringify(config));
}

describe("loading a model folder", () => {
  it("loads each committed test model", async () => {
    for (const dir of Object.values(testModels)) {
      const model = await loadModelFolder(dir);
      expect(model.config.maxLength).toBeGreaterThan(16);
      await model.session.release();
    }
  });

  it("names a folder that does not exist", async () => {
    const error = await loadError("/nonexistent/model");
    expect(error.file).toBe("/nonexistent/model");
    expect(error.message).toMatch(/does not exist/);
  });

  it.each([
    ["highlight_config.json", /highlight_config\.json: file is missing/],
    ["tokenizer.json", /tokenizer\.json: file is missing/],
    ["model.onnx", /model\.onnx: ONNX file named by highlight_config\.json/],
  ])("names a missing %s", async (file, message) => {
    const dir = copyModel(testModels.tinyXlmr);
    rmSync(path.join(dir, file));
    const error = await loadError(dir);
    expect(error.file).toBe(path.join(dir, file));
    expect(error.message).toMatch(message);
  });

  it("names a config that is not JSON and a config with a bad max_length", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    writeFileSync(path.join(dir, "highlight_config.json"), "{ not json");
    expect((await loadError(dir)).message).toMatch(/highlight_config\.json: not valid JSON/);
    writeFileSync(path.join(dir, "highlight_config.json"), JSON.stringify({ max_length: "512", threshold: 0.5 }));
    expect((await loadError(dir)).message).toMatch(/"max_length" must be an integer/);
  });

  it("names a tokenizer.json that is not a tokenizer", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify({ version: "1.0" }));
    expect((await loadError(dir)).message).toMatch(/tokenizer\.json: not a Hugging Face tokenizer\.json/);
  });

  it("names an ONNX file that is not a model", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    writeFileSync(path.join(dir, "model.onnx"), "this is not protobuf");
    const error = await loadError(dir);
    expect(error.file).toBe(path.join(dir, "model.onnx"));
    expect(error.message).toMatch(/onnxruntime cannot load/);
  });

  it("names a graph whose outputs do not follow the contract", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    editConfig(dir, (c) => (c.pruning_output = "token_logits"));
    expect((await loadError(dir)).message).toMatch(/missing output "token_logits"/);
    editConfig(dir, (c) => {
      c.pruning_output = "pruning_logits";
      c.ranking_output = "rank_score";
    });
    expect((await loadError(dir)).message).toMatch(/missing output "rank_score"/);
  });

  it("uses the ranking output only when the graph has it, when the config does not name one", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    editConfig(dir, (c) => delete c.ranking_output);
    const model = await loadModelFolder(dir);
    expect(model.session.rankingOutput).toBe("ranking_logits");
    await model.session.release();
  });

  it("detects a tokenizer that does not match the model config", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    editConfig(dir, (c) => (c.vocab_size = 123));
    expect((await loadError(dir)).message).toMatch(/tokenizer and model do not match/);
    const bert = copyModel(testModels.tokenwise);
    // A BERT WordPiece tokenizer next to a config that expects XLM-R's pad id.
    writeFileSync(path.join(bert, "tokenizer.json"), readFileSync(path.join(testModels.tokenwiseBert, "tokenizer.json")));
    rmSync(path.join(bert, "tokenizer_config.json"));
    editConfig(bert, (c) => (c.pad_token_id = 1));
    expect((await loadError(bert)).message).toMatch(/pad_token_id 1/);
  });

  it("rejects a max_length above the model's and bad options with clear messages", async () => {
    const highlighter = await SemanticHighlighter.load(testModels.tokenwise);
    await expect(highlighter.highlightOne("q", "Some text.", { maxLength: 100_000 })).rejects.toThrow(/maxLength must be an integer between 6 and the model's max_length 512/);
    await expect(highlighter.highlightOne("q", "Some text.", { topK: -2 })).rejects.toThrow(/topK/);
    await highlighter.dispose();
  });
});

describe("a model folder cannot make the loader read outside it", () => {
  it("refuses a model_file that climbs out of the folder or is absolute, before reading it", async () => {
    const parent = mkdtempSync(path.join(tmpdir(), "sh-escape-"));
    const dir = path.join(parent, "model");
    cpSync(testModels.tinyXlmr, dir, { recursive: true });
    // A real ONNX file one folder up: loading it would "work", which is the problem.
    mkdirSync(path.join(parent, "other"));
    cpSync(path.join(dir, "model.onnx"), path.join(parent, "other", "model.onnx"));
    for (const modelFile of ["../../../../etc/passwd", "../other/model.onnx", "/etc/passwd", "sub/../../other/model.onnx", "..\\other\\model.onnx", "C:/x.onnx", "%2e%2e/other/model.onnx", "./model.onnx"]) {
      editConfig(dir, (c) => (c.model_file = modelFile));
      const error = await loadError(dir);
      expect(error.file, modelFile).toBe(path.join(dir, "highlight_config.json"));
      expect(error.message).toMatch(/"model_file" .* must name a file inside the model folder/);
    }
    // A file below the folder is fine.
    mkdirSync(path.join(dir, "onnx"));
    renameSync(path.join(dir, "model.onnx"), path.join(dir, "onnx", "model.onnx"));
    editConfig(dir, (c) => (c.model_file = "onnx/model.onnx"));
    const model = await loadModelFolder(dir);
    await model.session.release();
  });

  it("refuses files that are symlinks to outside the folder (model, tokenizer, config)", async () => {
    const parent = mkdtempSync(path.join(tmpdir(), "sh-symlink-"));
    const secret = path.join(parent, "secret.json");
    writeFileSync(secret, JSON.stringify({ token: "hunter2" }));
    for (const file of ["model.onnx", "tokenizer.json", "tokenizer_config.json", "highlight_config.json"]) {
      const dir = copyModel(testModels.tinyXlmr);
      const outside = path.join(parent, `${file}.outside`);
      cpSync(path.join(dir, file), outside);
      rmSync(path.join(dir, file));
      symlinkSync(outside, path.join(dir, file));
      const error = await loadError(dir);
      expect(error.message, file).toMatch(/outside the model folder/);
      expect(error.message).not.toMatch(/hunter2/);
    }
  });

  it("keeps onnxruntime's refusal of external data outside the folder, and refuses external data symlinked outside", async () => {
    const converted = path.join(mkdtempSync(path.join(tmpdir(), "sh-extdata-")), "model");
    await convertCheckpoint(copyCheckpoint("open-provence"), converted);
    const graph = readFileSync(path.join(converted, "model.onnx"));
    for (const location of ["../outside.safetensors", "/tmp/outside.safetensors"]) {
      const dir = copyModel(converted);
      const target = location.startsWith("/") ? location : path.join(path.dirname(dir), "outside.safetensors");
      cpSync(path.join(dir, "model.safetensors"), target);
      rmSync(path.join(dir, "model.safetensors"));
      const model = decodeOnnxModel(graph);
      for (const tensor of model.graph.initializer) for (const entry of tensor.externalData ?? []) if (entry.key === "location") entry.value = location;
      writeFileSync(path.join(dir, "model.onnx"), encodeOnnxModel(model));
      expect((await loadError(dir)).message, location).toMatch(/External data path|Absolute path not allowed/);
    }
    const dir = copyModel(converted);
    const outside = path.join(path.dirname(dir), "weights.safetensors");
    cpSync(path.join(dir, "model.safetensors"), outside);
    rmSync(path.join(dir, "model.safetensors"));
    symlinkSync(outside, path.join(dir, "model.safetensors"));
    expect((await loadError(dir)).message).toMatch(/model\.safetensors: resolves to .* outside the model folder/);
  });

  it("still loads a Hugging Face cache snapshot whose files are symlinks into the repository's blobs", async () => {
    const repo = path.join(mkdtempSync(path.join(tmpdir(), "sh-hfcache-")), "models--org--m");
    const snapshot = path.join(repo, "snapshots", "c".repeat(40));
    mkdirSync(path.join(repo, "blobs"), { recursive: true });
    mkdirSync(snapshot, { recursive: true });
    for (const file of readdirSync(testModels.tinyXlmr)) {
      cpSync(path.join(testModels.tinyXlmr, file), path.join(repo, "blobs", `blob-${file}`));
      symlinkSync(path.join("..", "..", "blobs", `blob-${file}`), path.join(snapshot, file));
    }
    const model = await loadModelFolder(snapshot);
    expect(model.config.maxLength).toBeGreaterThan(16);
    await model.session.release();
  });

  it("bounds what it reads: config size, max_length, a model file that is a folder", async () => {
    const dir = copyModel(testModels.tinyXlmr);
    editConfig(dir, (c) => (c.max_length = 1e9));
    expect((await loadError(dir)).message).toMatch(/"max_length" must be an integer from 8 to 1048576/);
    editConfig(dir, (c) => (c.max_length = 64));
    const config = JSON.parse(readFileSync(path.join(dir, "highlight_config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "highlight_config.json"), JSON.stringify({ ...config, padding: "x".repeat(MAX_CONFIG_JSON_BYTES) }));
    expect((await loadError(dir)).message).toMatch(/more than the 16777216 accepted/);
    writeFileSync(path.join(dir, "highlight_config.json"), JSON.stringify(config));
    rmSync(path.join(dir, "model.onnx"));
    mkdirSync(path.join(dir, "model.onnx"));
    expect((await loadError(dir)).message).toMatch(/found a folder/);
    await expect(loadModelFiles(dir, { requireModelFile: false })).resolves.toMatchObject({ config: { maxLength: 64 } });
  });
});
