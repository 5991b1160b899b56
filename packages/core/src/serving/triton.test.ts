/**
 * A Triton model repository written from a model folder follows Triton's layout and the graph's contract,
 * checked by Triton's own model_config.proto (`check-triton-config.sh` of ../shared/v2-servers: strict text
 * format, inputs and outputs against the graph as Triton's onnxruntime backend compares them) on every
 * layout triton-repo supports; and writing one can neither reach outside the repository entry nor copy
 * anything from outside the model folder (issue 18, point 3).
 */
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkTritonConfig } from "../../../../test/support/v2-servers.js";
import { ModelLoadError, TritonRepositoryError } from "../errors.js";
import { convertCheckpoint } from "../models/convert/convert.js";
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType, type OnnxDim, type OnnxNode, type OnnxTensor } from "../models/convert/onnx-proto.js";
import { copyModel, repoRoot, testModels } from "../test-support/models.js";
import { protobufTextString, TRITON_MARKER_FILE, tritonModelNameProblem, writeTritonRepository } from "./triton.js";

/** Temp folders of this file, removed at the end (entries hard-link the committed test models). */
const created: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `sh-triton-${prefix}-`));
  created.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
const fixtures = path.join(repoRoot, "models/test");

/** A checkpoint fixture with the tiny XLM-R tokenizer beside it, ready for convertCheckpoint. */
function checkpoint(fixture: string): string {
  const dir = path.join(tmp("ckpt"), path.basename(fixture));
  cpSync(path.join(fixtures, fixture), dir, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(testModels.tinyXlmr, file), path.join(dir, file));
  return dir;
}

async function errorOf(promise: Promise<unknown>): Promise<TritonRepositoryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TritonRepositoryError) return error;
    throw error;
  }
  throw new Error("expected a TritonRepositoryError");
}

const floatBytes = (value: number) => new Uint8Array(new Float32Array([value]).buffer);
const int64Tensor = (name: string, value: number): OnnxTensor => ({ name, dims: [1], dataType: OnnxDataType.INT64, rawData: new Uint8Array(new BigInt64Array([BigInt(value)]).buffer) });
const intAttribute = (name: string, i: number) => ({ name, type: OnnxAttributeType.INT, i });
const tensorInfo = (name: string, elemType: (typeof OnnxDataType)[keyof typeof OnnxDataType], dim: OnnxDim[]) => ({ name, type: { tensorType: { elemType, shape: { dim } } } });

interface GraphSpec {
  /** Pruning output name, or null for a rerank-only model. Default "pruning_logits". */
  pruning?: string | null;
  /** Ranking output name. Default "ranking_logits". */
  ranking?: string;
  /** Declared ranking output shape. Default [batch, 1]. */
  rankingDims?: OnnxDim[];
  /** Declared first dimension of every input and output. Default the symbolic "batch". */
  batch?: OnnxDim;
  /** Where the two float weights live: inline, or external data at these locations (same file → packed one after the other). */
  weights?: "inline" | { w1: string; w2: string };
  /** Model file inside the folder. Default "model.onnx". */
  modelFile?: string;
  /** External-data locations the graph names but whose file is not written (unsafe or missing ones). */
  unwritten?: string[];
}

/**
 * A small model folder whose graph follows the contract (written with the converter's ONNX writer):
 * pruning = [x, x] per token and ranking = Σ x + w2, with x = input_ids · w1; the two float weights inline
 * or in external data files as the spec says.
 */
function graphFolder(spec: GraphSpec = {}): string {
  const dir = path.join(tmp("graph"), "model");
  const modelFile = spec.modelFile ?? "model.onnx";
  const modelDir = path.dirname(path.join(dir, modelFile));
  mkdirSync(modelDir, { recursive: true });
  const pruning = spec.pruning === undefined ? "pruning_logits" : spec.pruning;
  const ranking = spec.ranking ?? "ranking_logits";
  const batch = spec.batch ?? { dimParam: "batch" };
  const rankingDims = spec.rankingDims ?? [batch, { dimValue: 1 }];
  const weights = spec.weights ?? "inline";
  const values = { w1: 0.01, w2: 0.5 };
  const fileOffsets = new Map<string, number>();
  const weight = (name: "w1" | "w2"): OnnxTensor => {
    if (weights === "inline") return { name, dims: [1], dataType: OnnxDataType.FLOAT, rawData: floatBytes(values[name]) };
    const location = weights[name];
    const offset = fileOffsets.get(location) ?? 0;
    if (!spec.unwritten?.includes(location)) {
      const file = path.join(modelDir, ...location.split("/"));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, floatBytes(values[name]), { flag: offset === 0 ? "w" : "a" });
    }
    fileOffsets.set(location, offset + 4);
    return {
      name,
      dims: [1],
      dataType: OnnxDataType.FLOAT,
      dataLocation: 1,
      externalData: [
        { key: "location", value: location },
        { key: "offset", value: String(offset) },
        { key: "length", value: "4" },
      ],
    };
  };
  const keepDims = rankingDims.length === 2 ? 1 : 0;
  const node: OnnxNode[] = [
    { opType: "Cast", input: ["input_ids"], output: ["ids_f"], attribute: [intAttribute("to", OnnxDataType.FLOAT)] },
    { opType: "Mul", input: ["ids_f", "w1"], output: ["x"] },
    { opType: "ReduceSum", input: ["x", "axis1"], output: ["sum"], attribute: [intAttribute("keepdims", keepDims)] },
    { opType: "Add", input: ["sum", "w2"], output: [ranking] },
  ];
  if (pruning !== null) {
    node.push({ opType: "Unsqueeze", input: ["x", "axis2"], output: ["x3"] }, { opType: "Concat", input: ["x3", "x3"], output: [pruning], attribute: [intAttribute("axis", 2)] });
  }
  const seq = { dimParam: "seq" };
  const bytes = encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "triton.test.ts",
    producerVersion: "1",
    graph: {
      name: "contract",
      node,
      initializer: [weight("w1"), weight("w2"), int64Tensor("axis1", 1), int64Tensor("axis2", 2)],
      input: [tensorInfo("input_ids", OnnxDataType.INT64, [batch, seq]), tensorInfo("attention_mask", OnnxDataType.INT64, [batch, seq])],
      output: [
        ...(pruning !== null ? [tensorInfo(pruning, OnnxDataType.FLOAT, [batch, seq, { dimValue: 2 }])] : []),
        tensorInfo(ranking, OnnxDataType.FLOAT, rankingDims),
      ],
    },
  });
  writeFileSync(path.join(dir, modelFile), bytes);
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(testModels.tinyXlmr, file), path.join(dir, file));
  const config = { format: "semantic-highlight/v1", name: "contract", model_file: modelFile, max_length: 64, threshold: 0.5, pruning_output: pruning, ranking_output: ranking };
  writeFileSync(path.join(dir, "highlight_config.json"), JSON.stringify(config, null, 2));
  return dir;
}

const config = (repo: string, name: string) => readFileSync(path.join(repo, name, "config.pbtxt"), "utf8");
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

describe("writeTritonRepository: Triton's model_config.proto accepts every layout it writes", () => {
  const layouts: Record<string, string> = {};
  const repo = tmp("repo");
  const converted = path.join(tmp("converted"), "model");

  beforeAll(async () => {
    // The default model: three inputs (sentence_index too).
    layouts.default = (await writeTritonRepository(path.join(repoRoot, "models/default"), repo, { name: "default" })).modelDirectory;
    // A converted checkpoint: its graph points into the checkpoint's two safetensors shards (external data).
    await convertCheckpoint(checkpoint("checkpoints/flat-sharded"), converted);
    layouts.converted = (await writeTritonRepository(converted, repo, { name: "converted" })).modelDirectory;
    // An Optimum / transformers.js export: onnx/model.onnx, loaded as a rerank-only model.
    const optimum = checkpoint("rerankers/xlmr-reranker-optimum");
    layouts.optimum = (await writeTritonRepository(optimum, repo, { name: "optimum" })).modelDirectory;
    // A converted rerank-only model: no pruning output at all.
    const rerankOnly = path.join(tmp("rerank-only"), "model");
    await convertCheckpoint(checkpoint("rerankers/xlmr-reranker"), rerankOnly);
    layouts.rerankOnly = (await writeTritonRepository(rerankOnly, repo, { name: "rerank-only", maxBatchSize: 4, instanceKind: "KIND_GPU" })).modelDirectory;
  });

  it("passes check-triton-config.sh for the default model, a converted checkpoint, an Optimum subfolder export and a rerank-only model", async () => {
    const check = await checkTritonConfig(...Object.values(layouts));
    expect(check.output).not.toMatch(/FAILED|PROBLEMS/);
    expect(check.ok).toBe(true);
    expect(check.output.match(/no problems found/g)).toHaveLength(4);
  });

  it("lists every graph input with the graph's dims (the default model's sentence_index too) and the outputs with theirs", () => {
    const text = config(repo, "default");
    for (const input of ["input_ids", "attention_mask", "sentence_index"]) expect(text).toMatch(new RegExp(`name: "${input}"\\s+data_type: TYPE_INT64\\s+dims: \\[ -1 \\]`));
    expect(text).toMatch(/name: "pruning_logits"\s+data_type: TYPE_FP32\s+dims: \[ -1, 2 \]/);
    expect(text).toMatch(/name: "ranking_logits"\s+data_type: TYPE_FP32\s+dims: \[ 1 \]/);
    expect(text).toContain("max_batch_size: 8");
    expect(text).toMatch(/dynamic_batching \{/);
    const rerankOnly = config(repo, "rerank-only");
    expect(rerankOnly).not.toContain("pruning_logits");
    expect(rerankOnly).toContain("max_batch_size: 4");
    expect(rerankOnly).toMatch(/kind: KIND_GPU/);
  });

  it("places the safetensors shards a converted graph references beside it in 1/ (hard-linked), and nothing else", () => {
    expect(tree(path.join(layouts.converted!, "1"))).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.onnx"]);
    const shard = "model-00001-of-00002.safetensors";
    expect(statSync(path.join(layouts.converted!, "1", shard)).ino).toBe(statSync(path.join(converted, shard)).ino);
  });

  it("moves an Optimum export's onnx/model.onnx to 1/model.onnx (it used to leave 1/ empty and exit 0)", () => {
    expect(tree(path.join(layouts.optimum!, "1"))).toEqual(["model.onnx"]);
    expect(config(repo, "optimum")).toMatch(/name: "logits"\s+data_type: TYPE_FP32\s+dims: \[ 1 \]/);
  });

  it("marks each entry as its own, listing exactly what it placed", () => {
    const marker = JSON.parse(readFileSync(path.join(layouts.converted!, TRITON_MARKER_FILE), "utf8")) as { files: string[] };
    expect(marker.files.sort()).toEqual(["1/model-00001-of-00002.safetensors", "1/model-00002-of-00002.safetensors", "1/model.onnx", "config.pbtxt"]);
    expect(readdirSync(repo).sort()).toEqual(["converted", "default", "optimum", "rerank-only"]); // no staging folder left
  });
});

describe("writeTritonRepository: model names and the folder it may replace", () => {
  /** <root>/unrelated.txt, <root>/sibling/{config.pbtxt, 1/model.onnx} and the repository <root>/out. */
  function neighbourhood(): { root: string; repo: string; before: string[] } {
    const root = tmp("names");
    writeFileSync(path.join(root, "unrelated.txt"), "keep me");
    mkdirSync(path.join(root, "sibling/1"), { recursive: true });
    writeFileSync(path.join(root, "sibling/config.pbtxt"), 'name: "sibling"');
    writeFileSync(path.join(root, "sibling/1/model.onnx"), "weights");
    mkdirSync(path.join(root, "out"));
    return { root, repo: path.join(root, "out"), before: tree(root) };
  }

  it.each([
    ["..", /contains "\.\."/],
    [".", /repository itself/],
    ["", /empty/],
    ["  ", /whitespace/],
    ["a/b", /path separator/],
    ["..\\x", /"\.\."/],
    ["a\\b", /path separator/],
    ["bad\nname", /control characters/],
    ["x".repeat(256), /255 bytes/],
  ])("refuses the name %j with --overwrite, touching nothing around the repository", async (name, message) => {
    const { root, repo, before } = neighbourhood();
    const error = await errorOf(writeTritonRepository(testModels.tinyXlmr, repo, { name, overwrite: true }));
    expect(error).toMatchObject({ code: "TRITON_REPOSITORY", reason: "INVALID_NAME" });
    expect(error.message).toMatch(message);
    expect(tree(root)).toEqual(before);
    expect(readFileSync(path.join(root, "unrelated.txt"), "utf8")).toBe("keep me");
  });

  it('refuses a model whose highlight_config.json says "name": ".." (no --name given), touching nothing', async () => {
    const model = copyModel(testModels.tinyXlmr);
    const file = path.join(model, "highlight_config.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), name: ".." }));
    const { root, repo, before } = neighbourhood();
    const error = await errorOf(writeTritonRepository(model, repo, { overwrite: true }));
    expect(error).toMatchObject({ reason: "INVALID_NAME" });
    expect(error.message).toMatch(/config's name "\.\.".*pass a name/);
    expect(tree(root)).toEqual(before);
  });

  it("accepts names Triton accepts beyond [A-Za-z0-9_.-] (spaces, quotes, non-ASCII), escaped in config.pbtxt", async () => {
    const repo = tmp("odd-names");
    const name = 'bge "m3" 重排';
    expect(tritonModelNameProblem(name)).toBeNull();
    await writeTritonRepository(graphFolder(), repo, { name });
    expect(config(repo, name)).toContain(`name: ${protobufTextString(name)}`);
    const check = await checkTritonConfig(path.join(repo, name));
    expect(check.output).toMatch(/no problems found/);
    expect(check.ok).toBe(true);
  });

  it("without overwrite, refuses an existing entry (EXISTS); with it, replaces an entry it wrote", async () => {
    const repo = tmp("replace");
    const first = await writeTritonRepository(testModels.tinyXlmr, repo, { name: "tiny" });
    await expect(writeTritonRepository(testModels.tinyXlmr, repo, { name: "tiny" })).rejects.toMatchObject({ reason: "EXISTS" });
    const second = await writeTritonRepository(graphFolder(), repo, { name: "tiny", overwrite: true, maxBatchSize: 2 });
    expect(second.modelDirectory).toBe(first.modelDirectory);
    expect(config(repo, "tiny")).toContain("max_batch_size: 2");
    expect(readdirSync(repo)).toEqual(["tiny"]);
  });

  it("never deletes a folder it did not write: a hand-made Triton entry, a file, a symlink, or its own entry with files added", async () => {
    const repo = tmp("not-ours");
    // A hand-made entry of the same shape (config.pbtxt + 1/model.onnx), but no marker.
    mkdirSync(path.join(repo, "hand/1"), { recursive: true });
    writeFileSync(path.join(repo, "hand/config.pbtxt"), 'name: "hand"');
    writeFileSync(path.join(repo, "hand/1/model.onnx"), "precious");
    // A plain file and a symlink to a folder elsewhere.
    writeFileSync(path.join(repo, "file"), "precious");
    const elsewhere = tmp("elsewhere");
    writeFileSync(path.join(elsewhere, "data"), "precious");
    symlinkSync(elsewhere, path.join(repo, "link"));
    // Our own entry, to which someone added a version 2.
    await writeTritonRepository(testModels.tinyXlmr, repo, { name: "ours" });
    mkdirSync(path.join(repo, "ours/2"));
    writeFileSync(path.join(repo, "ours/2/model.onnx"), "precious");
    const before = tree(repo);
    for (const name of ["hand", "file", "link", "ours"]) {
      const error = await errorOf(writeTritonRepository(testModels.tinyXlmr, repo, { name, overwrite: true }));
      expect(error, name).toMatchObject({ reason: "NOT_OURS" });
    }
    expect(tree(repo)).toEqual(before);
    expect(readFileSync(path.join(elsewhere, "data"), "utf8")).toBe("precious");
    expect(readFileSync(path.join(repo, "ours/2/model.onnx"), "utf8")).toBe("precious");
  });

  it("refuses bad options with INVALID_OPTION before touching anything", async () => {
    const repo = path.join(tmp("options"), "repo");
    for (const options of [{ maxBatchSize: -1 }, { maxBatchSize: 1.5 }, { instanceCount: 0 }, { instanceKind: "KIND_TPU" as "KIND_GPU" }]) {
      await expect(writeTritonRepository(testModels.tinyXlmr, repo, options)).rejects.toMatchObject({ reason: "INVALID_OPTION" });
    }
    expect(existsSync(repo)).toBe(false);
  });
});

describe("writeTritonRepository: what the graph says goes into config.pbtxt, escaped", () => {
  it("escapes output names as protobuf text: a quote and a newline in a name add no field to the config", async () => {
    const injected = 'ranking_logits"\n    data_type: TYPE_FP32\n    dims: [ 1 ]\n  }\n]\nparameters { key: "x" value: { string_value: "injected" } }\noutput [\n  {\n    name: "z';
    const repo = tmp("inject");
    const result = await writeTritonRepository(graphFolder({ ranking: injected }), repo, { name: "inject" });
    expect(result.outputs).toEqual(["pruning_logits", injected]);
    const text = config(repo, "inject");
    expect(text).not.toMatch(/^parameters/m);
    // Triton's proto parses it with exactly the graph's two outputs, the second with the name as the graph has it.
    const check = await checkTritonConfig(path.join(repo, "inject"));
    expect(check.output).toMatch(/no problems found/);
    expect(check.ok).toBe(true);
    expect(check.output).not.toContain('"parameters"');
  });

  it("quotes the source folder in its comment line: a folder name with a newline adds no field either", async () => {
    const folder = graphFolder();
    const odd = path.join(path.dirname(folder), 'm\nparameters { key: "x" value: { string_value: "injected" } }\n#');
    cpSync(folder, odd, { recursive: true });
    const repo = tmp("odd-folder");
    await writeTritonRepository(odd, repo, { name: "m" });
    expect(config(repo, "m")).not.toMatch(/^parameters/m);
    const check = await checkTritonConfig(path.join(repo, "m"));
    expect(check.ok).toBe(true);
    expect(check.output).not.toContain('"parameters"');
  });

  it("writes protobuf text-format literals as protobuf's printer does", () => {
    expect(protobufTextString('a"b\\c\nd\te\'f')).toBe(String.raw`"a\"b\\c\nd\te\'f"`);
    expect(protobufTextString("é\u0001")).toBe(String.raw`"\303\251\001"`);
  });

  it("takes every dim from the graph: a dynamic ranking dimension is -1, not the hardcoded 1", async () => {
    const repo = tmp("dims");
    await writeTritonRepository(graphFolder({ rankingDims: [{ dimParam: "batch" }, { dimParam: "heads" }] }), repo, { name: "dynamic" });
    expect(config(repo, "dynamic")).toMatch(/name: "ranking_logits"\s+data_type: TYPE_FP32\s+dims: \[ -1 \]/);
    const check = await checkTritonConfig(path.join(repo, "dynamic"));
    expect(check.output).toMatch(/no problems found/);
    expect(check.ok).toBe(true);
  });

  it("a ranking output that is only [batch] gets dims [1] with an empty reshape (Triton's form for it); without batching, its full shape", async () => {
    const folder = graphFolder({ rankingDims: [{ dimParam: "batch" }] });
    const repo = tmp("batch-only");
    await writeTritonRepository(folder, repo, { name: "batched" });
    expect(config(repo, "batched")).toMatch(/name: "ranking_logits"\s+data_type: TYPE_FP32\s+dims: \[ 1 \]\s+reshape: \{ shape: \[ \] \}/);
    // (The kit's checker does not apply reshape, so this one is checked unbatched, where no reshape is needed.)
    const result = await writeTritonRepository(folder, repo, { name: "unbatched", maxBatchSize: 0 });
    expect(result.maxBatchSize).toBe(0);
    const text = config(repo, "unbatched");
    expect(text).toContain("max_batch_size: 0");
    expect(text).not.toContain("dynamic_batching");
    expect(text).toMatch(/name: "input_ids"\s+data_type: TYPE_INT64\s+dims: \[ -1, -1 \]/);
    expect(text).toMatch(/name: "ranking_logits"\s+data_type: TYPE_FP32\s+dims: \[ -1 \]/);
    const check = await checkTritonConfig(path.join(repo, "unbatched"));
    expect(check.output).toMatch(/no problems found/);
    expect(check.ok).toBe(true);
  });

  it("a graph with a fixed batch dimension is refused for batching (UNSERVABLE, saying to pass maxBatchSize 0) and served without", async () => {
    const folder = graphFolder({ batch: { dimValue: 1 } });
    const repo = tmp("fixed-batch");
    const error = await errorOf(writeTritonRepository(folder, repo, { name: "fixed" }));
    expect(error).toMatchObject({ reason: "UNSERVABLE" });
    expect(error.message).toMatch(/first dimension.*maxBatchSize 0/);
    await writeTritonRepository(folder, repo, { name: "fixed", maxBatchSize: 0 });
    expect(config(repo, "fixed")).toMatch(/name: "input_ids"\s+data_type: TYPE_INT64\s+dims: \[ 1, -1 \]/);
    const check = await checkTritonConfig(path.join(repo, "fixed"));
    expect(check.ok).toBe(true);
  });
});

describe("writeTritonRepository: exactly the external data the graph references, from inside the model folder", () => {
  it("copies weights kept in weights.bin (a name no pattern knows), and only that: not other *.onnx_data lying around", async () => {
    const folder = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    writeFileSync(path.join(folder, "unrelated.onnx_data"), "not referenced");
    const repo = tmp("weights-bin");
    const result = await writeTritonRepository(folder, repo, { name: "m" });
    expect(result.files).toEqual(["model.onnx", "weights.bin"]);
    expect(tree(path.join(repo, "m/1"))).toEqual(["model.onnx", "weights.bin"]);
    const check = await checkTritonConfig(path.join(repo, "m"));
    expect(check.ok).toBe(true);
  });

  it("copies one file per tensor, in subfolders too, so the graph's relative locations still resolve in 1/", async () => {
    const folder = graphFolder({ weights: { w1: "w1.bin", w2: "tensors/w2.bin" } });
    const repo = tmp("per-tensor");
    const result = await writeTritonRepository(folder, repo, { name: "m" });
    expect(result.files).toEqual(["model.onnx", "tensors/w2.bin", "w1.bin"]);
    expect(readFileSync(path.join(repo, "m/1/tensors/w2.bin"))).toEqual(Buffer.from(floatBytes(0.5)));
    const check = await checkTritonConfig(path.join(repo, "m"));
    expect(check.ok).toBe(true);
  });

  it("lays out a subfolder model file (onnx/model.onnx) with its external data as 1/model.onnx + 1/<location>", async () => {
    const folder = graphFolder({ modelFile: "onnx/model.onnx", weights: { w1: "model.onnx_data", w2: "model.onnx_data" } });
    const repo = tmp("subfolder");
    const result = await writeTritonRepository(folder, repo, { name: "m" });
    expect(result.files).toEqual(["model.onnx", "model.onnx_data"]);
    const check = await checkTritonConfig(path.join(repo, "m"));
    expect(check.ok).toBe(true);
  });

  it("reads weights through symlinks that stay inside the folder, and from a Hugging Face cache snapshot's blobs", async () => {
    const cache = tmp("hf-cache");
    const snapshot = path.join(cache, "models--org--m/snapshots/abc123");
    const blobs = path.join(cache, "models--org--m/blobs");
    const source = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    mkdirSync(snapshot, { recursive: true });
    mkdirSync(blobs);
    for (const [i, file] of readdirSync(source).entries()) {
      cpSync(path.join(source, file), path.join(blobs, `blob${i}`));
      symlinkSync(`../../blobs/blob${i}`, path.join(snapshot, file));
    }
    const repo = tmp("from-cache");
    await writeTritonRepository(snapshot, repo, { name: "m" });
    // The content, not the symlinks themselves (a hard link to a relative symlink dangles in 1/).
    expect(lstatSync(path.join(repo, "m/1/model.onnx")).isFile()).toBe(true);
    expect(lstatSync(path.join(repo, "m/1/weights.bin")).isFile()).toBe(true);
    expect(readFileSync(path.join(repo, "m/1/weights.bin")).length).toBe(8);
    expect((await checkTritonConfig(path.join(repo, "m"))).ok).toBe(true);
  });

  it.each([
    ["an absolute location", { w1: "/etc/hostname", w2: "w2.bin" }, /absolute/],
    ["a location with ..", { w1: "../outside.bin", w2: "w2.bin" }, /goes up with "\.\."/],
    ["a location with a control character", { w1: "w1\n.bin", w2: "w2.bin" }, /control characters/],
    ["a location with a backslash", { w1: "..\\outside.bin", w2: "w2.bin" }, /backslash/],
  ])("refuses %s (UNSAFE_REFERENCE), writing nothing", async (_label, weights, message) => {
    const folder = graphFolder({ weights, unwritten: [weights.w1] });
    const repo = tmp("unsafe");
    const error = await errorOf(writeTritonRepository(folder, repo, { name: "m" }));
    expect(error).toMatchObject({ reason: "UNSAFE_REFERENCE" });
    expect(error.message).toMatch(message);
    expect(readdirSync(repo)).toEqual([]);
  });

  it("refuses a model_file outside the model folder (it used to give an empty 1/)", async () => {
    const folder = graphFolder();
    cpSync(path.join(folder, "model.onnx"), path.join(path.dirname(folder), "outside.onnx"));
    const file = path.join(folder, "highlight_config.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), model_file: "../outside.onnx" }));
    const repo = tmp("outside-model");
    // The model loader refuses it first (ModelLoadError); the writer's own check stays behind it.
    await expect(writeTritonRepository(folder, repo, { name: "m" })).rejects.toThrow(ModelLoadError);
    await expect(writeTritonRepository(folder, repo, { name: "m" })).rejects.toThrow(/must name a file inside the model folder/);
    expect(readdirSync(repo)).toEqual([]);
  });

  it("refuses a referenced file that is a symlink leading out of the folder, and a missing one, writing nothing", async () => {
    const secret = path.join(tmp("secret"), "id_rsa");
    writeFileSync(path.join(path.dirname(secret), "id_rsa"), "secret!!");
    const folder = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    const weights = path.join(folder, "weights.bin");
    rmSync(weights);
    symlinkSync(secret, weights);
    const repo = tmp("escape");
    // The model loader refuses a symlink beside the graph that leads out (ModelLoadError) before the writer looks.
    await expect(writeTritonRepository(folder, repo, { name: "m" })).rejects.toThrow(ModelLoadError);
    await expect(writeTritonRepository(folder, repo, { name: "m" })).rejects.toThrow(/outside the model folder/);
    rmSync(weights);
    const missing = await errorOf(writeTritonRepository(folder, repo, { name: "m" }));
    expect(missing).toMatchObject({ reason: "MISSING_FILE" });
    expect(readdirSync(repo)).toEqual([]);
  });

  it("an entry that does not load (external data shorter than the graph says) is an error, and nothing is left behind", async () => {
    const folder = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    writeFileSync(path.join(folder, "weights.bin"), new Uint8Array(2));
    const repo = tmp("unloadable");
    const error = await errorOf(writeTritonRepository(folder, repo, { name: "m" }));
    expect(error).toMatchObject({ reason: "UNSERVABLE" });
    expect(error.message).toMatch(/does not load in onnxruntime/);
    expect(readdirSync(repo)).toEqual([]);
  });

  it("a failed overwrite leaves the entry it would have replaced as it was", async () => {
    const repo = tmp("failed-overwrite");
    await writeTritonRepository(graphFolder(), repo, { name: "m" });
    const before = readFileSync(path.join(repo, "m/config.pbtxt"), "utf8");
    const broken = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    writeFileSync(path.join(broken, "weights.bin"), new Uint8Array(2));
    await expect(writeTritonRepository(broken, repo, { name: "m", overwrite: true, maxBatchSize: 3 })).rejects.toMatchObject({ reason: "UNSERVABLE" });
    expect(readFileSync(path.join(repo, "m/config.pbtxt"), "utf8")).toBe(before);
    expect(tree(repo)).toEqual(["m", "m/.semantic-highlight-triton.json", "m/1", "m/1/model.onnx", "m/config.pbtxt"]);
  });

  it("hard-links when it can: the ONNX file in 1/ is the model folder's file", async () => {
    const folder = graphFolder({ weights: { w1: "weights.bin", w2: "weights.bin" } });
    const repo = path.join(path.dirname(folder), "repo");
    await writeTritonRepository(folder, repo, { name: "m" });
    expect(statSync(path.join(repo, "m/1/weights.bin")).ino).toBe(statSync(path.join(folder, "weights.bin")).ino);
  });
});
