/** Loading a model folder: each way a folder can be broken gives a ModelLoadError naming the file. */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ModelLoadError } from "./errors.js";
import { SemanticHighlighter } from "./highlighter.js";
import { loadModelFolder } from "./model.js";
import { copyModel, testModels } from "./test-support/models.js";

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
