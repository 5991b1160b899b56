/**
 * A Triton Inference Server model repository from a model folder: `<repo>/<name>/config.pbtxt`
 * (onnxruntime backend, the contract's inputs and outputs with dynamic dimensions, dynamic batching) and
 * `<repo>/<name>/1/` with the ONNX file and its external weight data.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { ModelLoadError } from "../errors.js";
import { loadModelFiles } from "../model.js";
import { OnnxModelSession } from "../runtime.js";

/** Options of {@link writeTritonRepository}. */
export interface TritonRepositoryOptions {
  /** Model name in the repository (the remote backend's `model`). Default: the config's name. */
  name?: string;
  /** Triton's `max_batch_size`: most rows the dynamic batcher puts together. Default 8. */
  maxBatchSize?: number;
  /** Where instances run: "KIND_GPU" or "KIND_CPU". Default: left to Triton (GPU when it has one). */
  instanceKind?: "KIND_GPU" | "KIND_CPU";
  /** Instances per device. Default 1. */
  instanceCount?: number;
  /** Replace an existing `<repo>/<name>`. Default false (error). */
  overwrite?: boolean;
}

/** What was written. */
export interface TritonRepositoryResult {
  name: string;
  /** `<repo>/<name>` */
  modelDirectory: string;
  configPath: string;
  /** Files placed in `<repo>/<name>/1/`. */
  files: string[];
  inputs: string[];
  outputs: string[];
}

/** Writes a Triton model repository entry for `modelFolder` under `repository`. */
export async function writeTritonRepository(modelFolder: string, repository: string, options: TritonRepositoryOptions = {}): Promise<TritonRepositoryResult> {
  const files = await loadModelFiles(modelFolder);
  const session = await OnnxModelSession.create(
    files.modelPath,
    { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared },
    { graphOptimizationLevel: "disabled" },
  );
  const inputs = [...session.inputNames];
  const ranking = session.rankingOutput;
  await session.release();

  const name = options.name ?? files.config.name;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ModelLoadError(repository, `Triton model names use letters, digits, "_", "." and "-" (got "${name}"); pass a name`);
  const maxBatchSize = options.maxBatchSize ?? 8;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new ModelLoadError(repository, `maxBatchSize must be a positive integer (got ${maxBatchSize})`);
  const modelDirectory = path.join(path.resolve(repository), name);
  if (existsSync(modelDirectory)) {
    if (!options.overwrite) throw new ModelLoadError(modelDirectory, "already exists; choose another name or overwrite it");
    rmSync(modelDirectory, { recursive: true, force: true });
  }
  const versionDirectory = path.join(modelDirectory, "1");
  mkdirSync(versionDirectory, { recursive: true });

  // The ONNX file keeps its name (set as default_model_filename) so its external data references still resolve.
  const modelFile = path.basename(files.modelPath);
  const placed: string[] = [];
  for (const entry of readdirSync(files.directory)) {
    if (entry === modelFile || entry.startsWith(`${modelFile}_data`) || entry.endsWith(".onnx_data") || entry.endsWith(".onnx.data")) {
      const target = path.join(versionDirectory, entry);
      // Hard links avoid copying gigabytes when repository and folder share a file system.
      try {
        linkSync(path.join(files.directory, entry), target);
      } catch {
        copyFileSync(path.join(files.directory, entry), target);
      }
      placed.push(entry);
    }
  }

  const pruningOutput = files.config.pruningOutput;
  const outputs = [pruningOutput, ranking].filter((n): n is string => n !== null);
  const lines = [
    `# Written by semantic-highlight triton-repo from ${files.directory}`,
    `# Inputs and outputs follow the semantic-highlight model contract; batch is the first (implicit) dimension.`,
    `name: "${name}"`,
    `backend: "onnxruntime"`,
    `max_batch_size: ${maxBatchSize}`,
    `default_model_filename: "${modelFile}"`,
    "input [",
    inputs.map((n) => `  {\n    name: "${n}"\n    data_type: TYPE_INT64\n    dims: [ -1 ]\n  }`).join(",\n"),
    "]",
    "output [",
    [
      ...(pruningOutput !== null ? [`  {\n    name: "${pruningOutput}"\n    data_type: TYPE_FP32\n    dims: [ -1, 2 ]\n  }`] : []),
      ...(ranking ? [`  {\n    name: "${ranking}"\n    data_type: TYPE_FP32\n    dims: [ 1 ]\n  }`] : []),
    ].join(",\n"),
    "]",
    "# Requests with the same sequence length are batched together on the server.",
    "dynamic_batching {\n  max_queue_delay_microseconds: 2000\n}",
  ];
  if (options.instanceKind || options.instanceCount) {
    lines.push(`instance_group [\n  {\n    count: ${options.instanceCount ?? 1}${options.instanceKind ? `\n    kind: ${options.instanceKind}` : ""}\n  }\n]`);
  }
  const configPath = path.join(modelDirectory, "config.pbtxt");
  writeFileSync(configPath, lines.join("\n") + "\n");
  return { name, modelDirectory, configPath, files: placed, inputs, outputs };
}
