/**
 * Hugging Face Provence-family checkpoint folder → model folder in the contract (DESIGN §3), in TypeScript:
 * no Python, no torch. Reads `config.json`, the safetensors headers and the tokenizer files; writes
 * `model.onnx` (graph only), `tokenizer.json`, `tokenizer_config.json` and `highlight_config.json`.
 *
 * Weights are not copied when they are float32: the checkpoint's safetensors file(s) are hard-linked into
 * the folder (copied only across file systems) and the graph's initializers point at their bytes as ONNX
 * external data (location + offset + length). float16 / bfloat16 / float64 tensors are widened to float32
 * into one `model.onnx_data`, streamed in chunks. Memory stays bounded by one chunk plus the graph.
 *
 * Output is written to a temporary sibling folder and renamed into place at the end, so an interrupted
 * conversion never leaves a folder that loads.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, link, mkdir, realpath, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { CONFIG_FILE, CONFIG_FORMAT } from "../config.js";
import { ConversionError } from "../../errors.js";
import { parseCheckpointConfig } from "./checkpoint-config.js";
import { readCheckpointJson } from "./checkpoint-files.js";
import { checkEncoderAgainstTensors, detectLayout, type CheckpointLayout, type LayoutKind } from "./layout.js";
import { encodeOnnxModel, OnnxDataType, type OnnxTensor } from "./onnx-proto.js";
import { openCheckpointTensors, readTensorChunks, toFloat32, type TensorEntry } from "./safetensors.js";
import { writeTokenizerFiles } from "./tokenizer-files.js";
import { encoderLinearWeights, int8Plan, writeWeights, type Int8Options, type WeightPlan, type WeightWriteStats } from "./int8.js";
import { buildXlmrModel, expectedTensorShapes, type XlmrGraphOps } from "./xlmr-graph.js";

/** Progress of a conversion, reported in bytes of weights handled. */
export interface ConversionProgress {
  /** `inspect`: reading config and headers; `weights`: linking / widening weights; `graph`: writing model.onnx and configs; `done`. */
  phase: "inspect" | "weights" | "graph" | "done";
  /** Bytes of weights handled so far. */
  done: number;
  /** Bytes of weights in all. */
  total: number;
}

/** Options of {@link convertCheckpoint}. */
export interface ConvertOptions {
  /** Model name written to `highlight_config.json`. Default: the checkpoint folder's name. */
  name?: string;
  /** State-dict prefix of the pruning head, when it has an unusual name. */
  pruningHeadPrefix?: string;
  /** Convert a checkpoint without a ranking head (no `ranking_logits` output). */
  allowMissingRankingHead?: boolean;
  /**
   * Convert the encoder and ranking head only (a rerank-only folder, `"pruning_output": null`), ignoring any
   * pruning head. A plain `XLMRobertaForSequenceClassification` checkpoint (bge-reranker-v2-m3) is converted
   * this way without asking.
   */
  rerankOnly?: boolean;
  /** Override the block length (default: the checkpoint config's `max_length`, else 512 as the reference). */
  maxLength?: number;
  /** Override the default threshold (default: the reference's rule, see "Use the real model" in the README). */
  threshold?: number;
  /**
   * How float32 weights reach the folder: `"link"` (default) hard-links the safetensors files and points
   * into them (copies when a link is impossible); `"copy"` always writes `model.onnx_data`; `"transposed"`
   * writes `model.onnx_data` with the encoder's Linear weights transposed to [in, out] (measured no faster
   * than the default, which reads [out, in] in place: bench/results/fp32-layouts.md). Ignored with `int8`.
   */
  weights?: "link" | "copy" | "transposed";
  /**
   * Operators of the emitted graph: `"fused"` (default) uses onnxruntime's contrib kernels (fused attention,
   * SkipLayerNormalization, BiasGelu, MatMul reading the checkpoint's [out, in] weights); `"plain"` only
   * standard ONNX operators, for runtimes without them.
   */
  graph?: XlmrGraphOps;
  /**
   * Write int8 weights (see ./int8.ts): encoder Linear layers s8 per output column, embedding tables s8 per
   * row, the rest float32 — all in one `model.onnx_data`, nothing linked. About 4× smaller and, on the zilliz
   * shape, several times faster on CPU; costs a little agreement with float32 (bench/README.md).
   */
  int8?: boolean | Int8Options;
  /** Replace an existing output folder. Default false: an existing folder is an error. */
  overwrite?: boolean;
  /** Languages recorded in the config (informational). Default `["en", "zh"]`. */
  languages?: string[];
  /** Called as the conversion advances. */
  onProgress?: (progress: ConversionProgress) => void;
}

/** What a conversion did. */
export interface ConversionResult {
  /** The written model folder (absolute). */
  directory: string;
  /** Which Provence-family checkpoint layout was recognised. */
  layout: LayoutKind;
  /** Checkpoint names of the ranking head, empty when none. */
  rankingHead: string[];
  /** Checkpoint prefix of the pruning head; `null` for a rerank-only conversion. */
  pruningHead: string | null;
  /** `max_length` written into `highlight_config.json`. */
  maxLength: number;
  /** `threshold` written into `highlight_config.json`. */
  threshold: number;
  /** Where `maxLength` and `threshold` came from: the checkpoint's config, or the reference's defaults. */
  sources: { maxLength: "config" | "default"; threshold: "default_threadshold" | "default_threshold" | "default" };
  /** How the weights are stored: referenced in linked / copied safetensors files, or widened into model.onnx_data. */
  weightFiles: { file: string; how: "linked" | "copied" | "written" | "quantized"; bytes: number }[];
  /** The int8 conversion's counts, when `int8` was asked for. */
  quantization?: WeightWriteStats;
  /** How the tokenizer was obtained. */
  tokenizer: string;
  /** Checkpoint tensors left unused. */
  unusedKeys: string[];
  /** Non-fatal findings (vocabulary mismatch, clamped max_length, …). */
  warnings: string[];
}

const CHUNK_BYTES = 16 * 1024 * 1024;
const DATA_FILE = "model.onnx_data";

/** Checks every expected tensor is present with its shape; names the missing or wrong ones. */
function checkShapes(layout: CheckpointLayout, expected: Map<string, number[]>, source: string): void {
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const [name, shape] of expected) {
    const entry = layout.tensors.get(name);
    if (!entry) missing.push(name);
    else if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      wrong.push(`${entry.name} is [${entry.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
  }
  if (missing.length) {
    throw new ConversionError(
      "UNKNOWN_LAYOUT",
      source,
      `encoder tensors missing (encoder prefix "${layout.encoderPrefix}"): ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? `, … (${missing.length} in all)` : ""}`,
    );
  }
  if (wrong.length) throw new ConversionError("SHAPE_MISMATCH", source, `tensors do not match config.json: ${wrong.slice(0, 8).join("; ")}`);
}

async function placeFile(file: string, dst: string): Promise<"linked" | "copied"> {
  const src = await realpath(file); // the Hugging Face cache's snapshot files are symlinks to blobs
  try {
    await link(src, dst);
    return "linked";
  } catch {
    await copyFile(src, dst);
    return "copied";
  }
}

/**
 * Converts a Hugging Face checkpoint folder into a model folder at `outDir`.
 * @throws ConversionError naming what was not recognised; nothing is left at `outDir` then.
 */
export async function convertCheckpoint(checkpointDir: string, outDir: string, options: ConvertOptions = {}): Promise<ConversionResult> {
  const source = path.resolve(checkpointDir);
  const target = path.resolve(outDir);
  if (existsSync(target) && !options.overwrite) {
    throw new ConversionError("WRITE", target, "output folder already exists; pass overwrite (CLI: --force) to replace it");
  }
  const progress = options.onProgress ?? (() => {});
  progress({ phase: "inspect", done: 0, total: 0 });

  const config = parseCheckpointConfig(await readCheckpointJson(source, "config.json"), path.join(source, "config.json"));
  const { tensors } = await openCheckpointTensors(source);
  const layout = detectLayout(tensors, config.encoder.hidden, source, {
    ...(options.pruningHeadPrefix ? { pruningHeadPrefix: options.pruningHeadPrefix } : {}),
    ...(options.allowMissingRankingHead ? { allowMissingRankingHead: true } : {}),
    ...(options.rerankOnly ? { rerankOnly: true } : {}),
  });
  checkEncoderAgainstTensors(config.encoder, layout, source); // before anything is planned per layer
  const expected = expectedTensorShapes(config.encoder, layout.hasRankingHead, layout.hasPruningHead);
  checkShapes(layout, expected, source);
  for (const name of expected.keys()) {
    const entry = layout.tensors.get(name)!;
    if (!["F32", "F16", "BF16", "F64"].includes(entry.dtype)) {
      throw new ConversionError("UNSUPPORTED_DTYPE", entry.file, `tensor ${entry.name} is ${entry.dtype}; expected a floating-point type`);
    }
  }

  const warnings: string[] = [];
  const positions = config.encoder.maxPositionEmbeddings - config.encoder.padTokenId - 1;
  let maxLength = options.maxLength ?? config.maxLength;
  let maxLengthFrom: string = options.maxLength !== undefined ? "option" : config.sources.maxLength;
  if (!layout.hasPruningHead && options.maxLength === undefined && config.sources.maxLength === "default") {
    // A reranker is used at its tokenizer's model_max_length (sentence-transformers), else its positions
    // (8192 for bge-reranker-v2-m3), not the Provence block default of 512.
    const tokenizerMax = await readTokenizerMaxLength(source);
    maxLength = tokenizerMax !== undefined ? Math.min(tokenizerMax, positions) : positions;
    maxLengthFrom = tokenizerMax !== undefined ? "tokenizer_config" : "max_position_embeddings";
  }
  if (maxLength > positions) {
    warnings.push(`max_length ${maxLength} exceeds the ${positions} positions the encoder has; using ${positions}`);
    maxLength = positions;
  }
  const threshold = options.threshold ?? config.threshold;

  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const firstCreated = await mkdir(tmp, { recursive: true });
  try {
    // Weights: float32 tensors stay in their (linked) safetensors file; others are widened into model.onnx_data.
    const used = [...expected.keys()].map((name) => [name, layout.tensors.get(name)!] as const);
    const total = used.reduce((sum, [, e]) => sum + e.byteLength, 0);
    let done = 0;
    progress({ phase: "weights", done, total });
    const weightFiles: ConversionResult["weightFiles"] = [];
    const locations = new Map<string, string>();
    const quantize: (Int8Options & { plan: WeightPlan }) | null = options.int8
      ? { plan: int8Plan(config.encoder, typeof options.int8 === "object" ? options.int8 : {}), ...(typeof options.int8 === "object" ? options.int8 : {}) }
      : options.weights === "transposed"
        ? { plan: { linear: new Set(), rows: new Set(), transposed: encoderLinearWeights(config.encoder) } }
        : null;
    const referenced = options.weights === "copy" || quantize ? [] : [...new Set(used.filter(([, e]) => e.dtype === "F32").map(([, e]) => e.file))];
    const taken = new Set([DATA_FILE, "model.onnx"]);
    for (const file of referenced) {
      let base = path.basename(file);
      if (!base.endsWith(".safetensors")) base = `${base}.safetensors`;
      while (taken.has(base)) base = `w-${base}`;
      taken.add(base);
      const how = await placeFile(file, path.join(tmp, base));
      locations.set(file, base);
      weightFiles.push({ file: base, how, bytes: (await stat(file)).size });
    }

    const initializers = new Map<string, OnnxTensor>();
    const external = (name: string, dims: number[], location: string, offset: number, length: number): OnnxTensor => ({
      name,
      dims,
      dataType: OnnxDataType.FLOAT,
      dataLocation: 1,
      externalData: [
        { key: "location", value: location },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(length) },
      ],
    });
    const toWrite = quantize ? [] : used.filter(([, e]) => !locations.has(e.file) || e.dtype !== "F32");
    for (const [name, entry] of used) {
      const location = locations.get(entry.file);
      if (location !== undefined && entry.dtype === "F32") {
        initializers.set(name, external(name, entry.shape, location, entry.offset, entry.byteLength));
        done += entry.byteLength;
        progress({ phase: "weights", done, total });
      }
    }
    if (toWrite.length) {
      const stream = createWriteStream(path.join(tmp, DATA_FILE));
      const write = (chunk: Uint8Array) =>
        new Promise<void>((resolve, reject) => {
          stream.write(chunk, (error) => (error ? reject(error) : resolve()));
        });
      let offset = 0;
      for (const [name, entry] of toWrite) {
        const start = offset;
        await readTensorChunks(entry, CHUNK_BYTES, async (chunk) => {
          const out = entry.dtype === "F32" ? chunk : new Uint8Array(toFloat32(chunk, entry.dtype).buffer);
          await write(out);
          offset += out.byteLength;
          done += chunk.byteLength;
          progress({ phase: "weights", done, total });
        });
        initializers.set(name, external(name, entry.shape, DATA_FILE, start, offset - start));
        const pad = (64 - (offset % 64)) % 64; // keep every tensor 64-byte aligned
        if (pad) {
          await write(new Uint8Array(pad));
          offset += pad;
        }
      }
      await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
      weightFiles.push({ file: DATA_FILE, how: "written", bytes: offset });
    }
    let quantization: WeightWriteStats | undefined;
    if (quantize) {
      const written = await writeWeights(used, quantize.plan, path.join(tmp, DATA_FILE), DATA_FILE, {
        ...(quantize.reduceRange ? { reduceRange: true } : {}),
        onBytes: (bytes) => progress({ phase: "weights", done: (done += bytes), total }),
      });
      for (const [name, tensor] of written.initializers) initializers.set(name, tensor);
      weightFiles.push({ file: DATA_FILE, how: options.int8 ? "quantized" : "written", bytes: written.bytes });
      if (options.int8) quantization = written.stats;
    }
    // Initializers in the canonical order of the graph (int8 ones in the order written, scales beside their weights).
    const ordered = quantize ? initializers : new Map([...expected.keys()].map((name) => [name, initializers.get(name)!]));

    progress({ phase: "graph", done, total });
    const name = `${options.name ?? path.basename(source)}${options.int8 ? "-int8" : ""}`;
    const model = buildXlmrModel(config.encoder, ordered, {
      ops: options.graph ?? "fused",
      ...(quantize ? { int8: new Set([...quantize.plan.linear, ...quantize.plan.rows]), transposed: quantize.plan.transposed ?? new Set() } : {}),
      ranking: layout.hasRankingHead,
      pruning: layout.hasPruningHead,
      docString: `Converted from the Hugging Face checkpoint ${name} (${layout.kind} layout) by @semantic-highlight/core convertCheckpoint.`,
      metadata: { source_layout: layout.kind, max_length: String(maxLength) },
    });
    await writeFile(path.join(tmp, "model.onnx"), encodeOnnxModel(model));

    const tokenizer = await writeTokenizerFiles(source, tmp, maxLength);
    if (tokenizer.vocabSize > config.encoder.vocabSize) {
      warnings.push(`tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${config.encoder.vocabSize}: ids past it will fail`);
    }
    const highlightConfig: Record<string, unknown> = {
      format: CONFIG_FORMAT,
      name,
      description: `Converted from Hugging Face checkpoint ${name} (${layout.kind} layout; XLM-R hidden ${config.encoder.hidden}, ${config.encoder.layers} layers, vocab ${config.encoder.vocabSize}) by semantic-highlight convert.`,
      model_file: "model.onnx",
      max_length: maxLength,
      threshold,
      pruning_output: layout.hasPruningHead ? "pruning_logits" : null,
      ranking_output: layout.hasRankingHead ? "ranking_logits" : null,
      architecture: "xlm-roberta",
      languages: options.languages ?? ["en", "zh"],
      ...(tokenizer.vocabSize === config.encoder.vocabSize ? { vocab_size: config.encoder.vocabSize } : { graph_vocab_size: config.encoder.vocabSize }),
      pad_token_id: config.encoder.padTokenId,
      external_data: weightFiles.map((f) => f.file),
      ...(quantization
        ? {
            quantization: {
              method: "dynamic int8 (convert --int8): u8 activations per tensor at run time, s8 weights per output column, symmetric; embeddings s8 per row; heads, biases and LayerNorms float32",
              ...quantization,
            },
          }
        : {}),
      conversion: {
        layout: layout.kind,
        max_length_from: maxLengthFrom,
        threshold_from: options.threshold !== undefined ? "option" : config.sources.threshold,
        weights: weightFiles,
      },
    };
    await writeFile(path.join(tmp, CONFIG_FILE), `${JSON.stringify(highlightConfig, null, 2)}\n`);

    if (existsSync(target)) {
      const old = `${target}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tmp, target);
    }
    progress({ phase: "done", done: total, total });
    return {
      directory: target,
      layout: layout.kind,
      rankingHead: layout.rankingHeadSource,
      pruningHead: layout.pruningHeadSource,
      maxLength,
      threshold,
      sources: config.sources,
      weightFiles,
      ...(quantization ? { quantization } : {}),
      tokenizer: tokenizer.how,
      unusedKeys: layout.unusedKeys,
      warnings,
    };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Parent folders this call created for the output are removed too, when still empty (another conversion may share them).
    for (let dir = path.dirname(tmp); firstCreated !== undefined && dir.length >= firstCreated.length && dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break;
    }
    throw error;
  }
}

/** `model_max_length` of a tokenizer_config.json when present and plausible (HF writes 1e30 for "unknown"). */
async function readTokenizerMaxLength(dir: string): Promise<number | undefined> {
  // A malformed file is reported by writeTokenizerFiles; here it only means "no length".
  const json = (await readCheckpointJson(dir, "tokenizer_config.json", { optional: true }).catch(() => undefined)) as { model_max_length?: unknown } | null | undefined;
  const value = json !== null && typeof json === "object" ? json.model_max_length : undefined;
  return typeof value === "number" && Number.isInteger(value) && value >= 8 && value <= 1_000_000 ? value : undefined;
}

/** Whether `dir` looks like a Hugging Face checkpoint folder (config.json + safetensors weights) rather than a model folder. */
export function looksLikeCheckpoint(dir: string): boolean {
  return (
    existsSync(path.join(dir, "config.json")) &&
    !existsSync(path.join(dir, CONFIG_FILE)) &&
    (existsSync(path.join(dir, "model.safetensors")) || existsSync(path.join(dir, "model.safetensors.index.json")))
  );
}

/** Tensor entries in use, re-exported for tools that inspect checkpoints. */
export type { TensorEntry };
