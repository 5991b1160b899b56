/**
 * Model folders in the transformers.js / Optimum layout, loaded without a `highlight_config.json`:
 * `config.json` + `tokenizer.json` (+ `tokenizer_config.json`) + `onnx/model.onnx` (or
 * `onnx/model_quantized.onnx`) whose one output `logits` is `[batch, 1]` — a cross-encoder reranker such as
 * an ONNX export of bge-reranker-v2-m3. Such a folder loads as a rerank-only model: what the pipeline needs
 * is derived from the Hugging Face configs (max length, activation), nothing is guessed silently.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { MAX_CONFIG_MAX_LENGTH, type ParsedModelConfig, type RerankActivation } from "./config.js";
import { ModelLoadError } from "../errors.js";

/** ONNX files of an Optimum / transformers.js export, in the order they are preferred. */
export const OPTIMUM_MODEL_FILES = ["onnx/model.onnx", "onnx/model_quantized.onnx"] as const;
/** The output name Optimum gives a sequence-classification head. */
export const OPTIMUM_LOGITS_OUTPUT = "logits";

/** HF tokenizers write a huge `model_max_length` (1e30) when the length is unknown: ignore anything above this. */
const MAX_PLAUSIBLE_LENGTH = 1_000_000;
const ROBERTA_TYPES = new Set(["xlm-roberta", "xlm_roberta", "roberta", "camembert"]);

/** The first ONNX file of {@link OPTIMUM_MODEL_FILES} present in `directory`, relative to it, or `null`. */
export function findOptimumModelFile(directory: string): string | null {
  return OPTIMUM_MODEL_FILES.find((file) => existsSync(path.join(directory, file))) ?? null;
}

/** Whether `directory` holds an Optimum / transformers.js export (config.json + an ONNX file under `onnx/`). */
export function looksLikeOptimumExport(directory: string): boolean {
  return existsSync(path.join(directory, "config.json")) && findOptimumModelFile(directory) !== null;
}

/** Number of labels of a Hugging Face classification config (`num_labels`, else the size of `id2label`), or `undefined`. */
function labelCount(config: Record<string, unknown>): number | undefined {
  if (typeof config.num_labels === "number") return config.num_labels;
  const id2label = config.id2label;
  if (id2label !== null && typeof id2label === "object") return Object.keys(id2label).length;
  return undefined;
}

/**
 * The score activation a Python user gets for this checkpoint: `rerank_activation` when config.json names
 * it; else sentence-transformers' saved `activation_fn` (`…Identity` → none, `…Sigmoid` → sigmoid); else
 * sigmoid, as FlagEmbedding (`normalize=True`) and CrossEncoder do for one label.
 */
export function activationFromConfig(config: Record<string, unknown>): RerankActivation {
  if (config.rerank_activation === "none" || config.rerank_activation === "sigmoid") return config.rerank_activation;
  const st = config.sentence_transformers as { activation_fn?: unknown } | undefined;
  const fn = typeof st?.activation_fn === "string" ? st.activation_fn : typeof config.sbert_ce_default_activation_function === "string" ? config.sbert_ce_default_activation_function : undefined;
  if (fn !== undefined && /Identity$/.test(fn)) return "none";
  return "sigmoid";
}

/**
 * Longest pair the model takes, special tokens included: `tokenizer_config.json`'s `model_max_length` when
 * plausible, else the encoder's positions (`max_position_embeddings − pad_token_id − 1` for RoBERTa-style
 * position ids, i.e. − 2 for XLM-R; `max_position_embeddings` otherwise), and never more than the positions.
 */
export function maxLengthFromConfigs(config: Record<string, unknown>, tokenizerConfig: unknown): number | undefined {
  const positions = typeof config.max_position_embeddings === "number" ? config.max_position_embeddings : undefined;
  const modelType = typeof config.model_type === "string" ? config.model_type : "";
  const pad = typeof config.pad_token_id === "number" ? config.pad_token_id : 1;
  const usable = positions === undefined ? undefined : ROBERTA_TYPES.has(modelType) ? positions - pad - 1 : positions;
  const fromTokenizer = (tokenizerConfig as { model_max_length?: unknown } | undefined)?.model_max_length;
  if (typeof fromTokenizer === "number" && Number.isInteger(fromTokenizer) && fromTokenizer > 0 && fromTokenizer <= MAX_PLAUSIBLE_LENGTH) {
    return usable === undefined ? fromTokenizer : Math.min(fromTokenizer, usable);
  }
  return usable;
}

/**
 * The model config of an Optimum / transformers.js export folder: rerank-only (`pruningOutput: null`), the
 * ranking output `logits`, max length and activation from config.json and tokenizer_config.json.
 * @param file path of config.json, for error messages
 * @throws ModelLoadError when config.json does not describe a one-label sequence classifier
 */
export function deriveOptimumConfig(configJson: unknown, tokenizerConfig: unknown, file: string, modelFile: string, fallbackName: string): ParsedModelConfig {
  if (configJson === null || typeof configJson !== "object" || Array.isArray(configJson)) throw new ModelLoadError(file, "expected a JSON object");
  const raw = configJson as Record<string, unknown>;
  const architectures = Array.isArray(raw.architectures) ? raw.architectures.filter((a): a is string => typeof a === "string") : [];
  const labels = labelCount(raw);
  if (architectures.length > 0 && !architectures.some((a) => a.endsWith("ForSequenceClassification"))) {
    throw new ModelLoadError(
      file,
      `architectures [${architectures.join(", ")}] has no *ForSequenceClassification: only cross-encoder rerankers load without highlight_config.json ` +
        `(convert a Provence-family checkpoint with \`semantic-highlight convert\` instead)`,
    );
  }
  if (labels !== undefined && labels !== 1) {
    throw new ModelLoadError(file, `the classifier has ${labels} labels; a reranker has one (num_labels 1): this model is not a cross-encoder reranker`);
  }
  const maxLength = maxLengthFromConfigs(raw, tokenizerConfig);
  if (maxLength === undefined || !Number.isInteger(maxLength) || maxLength < 8) {
    throw new ModelLoadError(file, `cannot derive the maximum length: tokenizer_config.json has no model_max_length and config.json no integer max_position_embeddings (got ${JSON.stringify(maxLength)})`);
  }
  if (maxLength > MAX_CONFIG_MAX_LENGTH) {
    throw new ModelLoadError(file, `max_position_embeddings gives a maximum length of ${maxLength}, more than the ${MAX_CONFIG_MAX_LENGTH} accepted`);
  }
  const name = typeof raw._name_or_path === "string" && raw._name_or_path !== "" ? raw._name_or_path : fallbackName;
  return {
    name,
    description: `ONNX export in the Optimum / transformers.js layout (${modelFile}), loaded as a rerank-only model`,
    modelFile,
    maxLength,
    threshold: 0.5, // unused: a rerank-only model selects no sentences
    pruningOutput: null,
    rankingOutput: OPTIMUM_LOGITS_OUTPUT,
    languages: [],
    rerankActivation: activationFromConfig(raw),
    rankingOutputDeclared: true,
  };
}
