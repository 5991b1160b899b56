/**
 * Loading a model folder (DESIGN §3): `highlight_config.json`, `tokenizer.json` (+ `tokenizer_config.json`)
 * and the ONNX graph, each validated with an error that names the file and what is wrong.
 */
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import { CONFIG_FILE, parseModelConfig, type ModelConfig } from "./config.js";
import { ModelLoadError } from "../errors.js";
import { isInside, MAX_CONFIG_JSON_BYTES, MAX_TOKENIZER_JSON_BYTES, realPathInFolder } from "./folder-files.js";
import { checkModelParts } from "./model-parts.js";
import { hubReadingHint } from "./hub.js";
import { deriveOptimumConfig, findOptimumModelFile } from "./optimum.js";
import { OnnxModelSession, type RuntimeOptions } from "../backends/onnx-session.js";
import { TextTokenizer } from "../text/tokenization.js";

/** Everything a highlighter needs from one model folder. */
export interface LoadedModel {
  /** Absolute path of the folder. */
  directory: string;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  session: OnnxModelSession;
}

export { MAX_CONFIG_JSON_BYTES, MAX_TOKENIZER_JSON_BYTES };

/** The real location of `file` (symlinks followed); a file outside the model folder (or its hub blobs) is refused. */
function realFileInFolder(dir: string, file: string): string {
  const real = realPathInFolder(dir, file);
  if (real === null) throw new ModelLoadError(file, `resolves to ${realpathSync(file)}, outside the model folder ${realpathSync(dir)}: a model folder may only use its own files`);
  return real;
}

/** Refuses a symlink directly in `folder` (part of the model folder `dir`) that resolves outside `dir`. */
function checkSymlinks(dir: string, folder: string): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.slice(0, 10_000)) {
    if (!entry.isSymbolicLink()) continue;
    const file = path.join(folder, entry.name);
    if (!existsSync(file)) continue; // a dangling link cannot be read
    realFileInFolder(dir, file);
  }
}

async function readJson(file: string, required: boolean, dir: string, maxBytes = MAX_CONFIG_JSON_BYTES): Promise<unknown> {
  if (!existsSync(file)) {
    if (!required) return undefined;
    throw new ModelLoadError(file, "file is missing from the model folder");
  }
  let text: string;
  try {
    const real = realFileInFolder(dir, file);
    const { size, isFile } = await stat(real).then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw new ModelLoadError(file, "expected a file, found a folder or device");
    if (size > maxBytes) throw new ModelLoadError(file, `file is ${size} bytes, more than the ${maxBytes} accepted for it`);
    text = await readFile(real, "utf8");
  } catch (cause) {
    if (cause instanceof ModelLoadError) throw cause;
    throw new ModelLoadError(file, `cannot read the file: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ModelLoadError(file, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Reads and validates config and tokenizer of a model folder, without creating the ONNX session. */
export async function loadModelFiles(directory: string, options: { requireModelFile?: boolean } = {}): Promise<{ directory: string; config: ModelConfig; tokenizer: TextTokenizer; modelPath: string; rankingOutputDeclared: boolean }> {
  const dir = path.resolve(directory);
  if (!existsSync(dir)) throw new ModelLoadError(dir, `model folder does not exist${hubReadingHint(directory)}`);
  if (!statSync(dir).isDirectory()) throw new ModelLoadError(dir, "expected a model folder, found a file");

  let configFile = path.join(dir, CONFIG_FILE);
  // Without highlight_config.json, an ONNX export in the Optimum / transformers.js layout (config.json +
  // onnx/model.onnx with a `logits` output) loads as a rerank-only model (models/optimum.ts).
  const optimumFile = existsSync(configFile) || !existsSync(path.join(dir, "config.json")) ? null : findOptimumModelFile(dir);
  if (optimumFile !== null) configFile = path.join(dir, "config.json");
  const rawConfig = await readJson(configFile, true, dir);
  const tokenizerFile = path.join(dir, "tokenizer.json");
  const tokenizerJson = await readJson(tokenizerFile, true, dir, MAX_TOKENIZER_JSON_BYTES);
  const tokenizerConfig = await readJson(path.join(dir, "tokenizer_config.json"), false, dir);
  const { rankingOutputDeclared, ...config } =
    optimumFile !== null ? deriveOptimumConfig(rawConfig, tokenizerConfig, configFile, optimumFile, path.basename(dir)) : parseModelConfig(rawConfig, configFile);
  const tokenizer = TextTokenizer.fromJSON({ tokenizerJson, tokenizerConfig }, tokenizerFile);

  // Cross-checks: the config and the tokenizer must describe the same model. A Hugging Face config.json may
  // round vocab_size up past the tokenizer's, so there only more tokenizer ids than embeddings is wrong.
  let checked = rawConfig as Record<string, unknown>;
  if (optimumFile !== null) {
    const { vocab_size: vocabSize, ...rest } = checked;
    if (typeof vocabSize === "number" && tokenizer.vocabSize > vocabSize) {
      throw new ModelLoadError(tokenizerFile, `tokenizer has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${vocabSize}: tokenizer and model do not match`);
    }
    checked = rest;
  }
  checkModelParts(checked, config, tokenizer, configFile, tokenizerFile);

  // parseModelConfig refused absolute paths and ".." already; this also catches what symlinks point at.
  const modelPath = path.resolve(dir, config.modelFile);
  if (!isInside(dir, modelPath)) throw new ModelLoadError(configFile, `"model_file" ${JSON.stringify(config.modelFile)} is outside the model folder`);
  // A remote backend serves the graph elsewhere: the folder then needs only the config and the tokenizer.
  if (options.requireModelFile === false) return { directory: dir, config, tokenizer, modelPath, rankingOutputDeclared };
  if (!existsSync(modelPath)) throw new ModelLoadError(modelPath, `ONNX file named by ${path.basename(configFile)} ("model_file") is missing`);
  realFileInFolder(dir, modelPath);
  // onnxruntime reads external weight files named inside the graph (it refuses paths that leave the model's
  // folder, tested); a symlink beside the graph could still point anywhere, so those must stay inside too.
  for (const folder of new Set([dir, path.dirname(modelPath)])) checkSymlinks(dir, folder);
  const modelStat = statSync(modelPath);
  if (!modelStat.isFile()) throw new ModelLoadError(modelPath, "expected an ONNX file, found a folder or device");
  if (modelStat.size === 0) throw new ModelLoadError(modelPath, "ONNX file is empty");
  return { directory: dir, config, tokenizer, modelPath, rankingOutputDeclared };
}

/** Loads and validates a model folder and opens its ONNX session. */
export async function loadModelFolder(directory: string, runtime: RuntimeOptions = {}): Promise<LoadedModel> {
  const files = await loadModelFiles(directory);
  const session = await OnnxModelSession.create(
    files.modelPath,
    { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared },
    runtime,
  );
  return { directory: files.directory, config: files.config, tokenizer: files.tokenizer, session };
}
