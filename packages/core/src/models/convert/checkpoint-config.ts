/**
 * The checkpoint's `config.json`: the XLM-R encoder's shape (flat, or nested under `base_model_config` in
 * the Open Provence wrapper) and the highlighting settings the reference reads from it.
 */
import { ConversionError } from "../../errors.js";

/** Shape of the XLM-RoBERTa encoder. */
export interface EncoderConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositionEmbeddings: number;
  padTokenId: number;
  layerNormEps: number;
  typeVocabSize: number;
}

/** What the converter takes from `config.json`. */
export interface CheckpointConfig {
  encoder: EncoderConfig;
  /** Block length: the config's top-level `max_length`, else the reference default 512. */
  maxLength: number;
  /**
   * Default threshold with the reference's rule: `default_threadshold` (the reference's spelling), else
   * `default_threshold`, else 0.1. An explicit 0 is kept.
   */
  threshold: number;
  /** Where each value came from, for the conversion report. */
  sources: { maxLength: "config" | "default"; threshold: "default_threadshold" | "default_threshold" | "default" };
  /** The config's `model_type` (outer one for wrapper configs). */
  modelType: string | undefined;
}

/** Reference block length when the config names none (Open Provence). */
export const REFERENCE_MAX_LENGTH = 512;
/** Reference threshold when the config names none (Open Provence). */
export const REFERENCE_THRESHOLD = 0.1;

const ENCODER_TYPES = new Set(["xlm-roberta", "xlm_roberta", "roberta"]);
/**
 * Largest value of a size in config.json. The real bound is the tensors present (see layout.ts
 * `checkEncoderAgainstTensors`, checked before anything is allocated per layer); this one only keeps the
 * arithmetic on sizes exact.
 */
const MAX_CONFIG_SIZE = 2 ** 31 - 1;

/**
 * Maps a parsed `config.json` to `CheckpointConfig`.
 * @throws ConversionError (`UNSUPPORTED_CONFIG`) for options the XLM-R graph does not implement.
 */
export function parseCheckpointConfig(json: unknown, file: string): CheckpointConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new ConversionError("UNSUPPORTED_CONFIG", file, "expected a JSON object");
  const outer = json as Record<string, unknown>;
  const nested = outer.base_model_config;
  const hf = !("hidden_size" in outer) && nested !== null && typeof nested === "object" ? (nested as Record<string, unknown>) : outer;

  const int = (key: string, fallback?: number, min = 0): number => {
    const value = hf[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_CONFIG_SIZE) {
      throw new ConversionError("UNSUPPORTED_CONFIG", file, `"${key}" must be an integer from ${min} to ${MAX_CONFIG_SIZE} (got ${JSON.stringify(hf[key])})${hf === outer ? "" : " in base_model_config"}`);
    }
    return value;
  };
  const modelType = typeof hf.model_type === "string" ? hf.model_type : undefined;
  if (modelType !== undefined && !ENCODER_TYPES.has(modelType)) {
    throw new ConversionError("UNSUPPORTED_CONFIG", file, `encoder model_type "${modelType}" is not XLM-RoBERTa/RoBERTa; only that architecture is converted`);
  }
  const act = hf.hidden_act ?? "gelu";
  if (act !== "gelu") throw new ConversionError("UNSUPPORTED_CONFIG", file, `hidden_act ${JSON.stringify(act)} is not supported (the graph uses exact GELU)`);
  const positions = hf.position_embedding_type ?? "absolute";
  if (positions !== "absolute") throw new ConversionError("UNSUPPORTED_CONFIG", file, `position_embedding_type ${JSON.stringify(positions)} is not supported (only "absolute")`);
  const eps = hf.layer_norm_eps ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0 && eps < 1)) throw new ConversionError("UNSUPPORTED_CONFIG", file, `"layer_norm_eps" must be a number in (0, 1) (got ${JSON.stringify(hf.layer_norm_eps)})`);

  const encoder: EncoderConfig = {
    vocabSize: int("vocab_size", undefined, 1),
    hidden: int("hidden_size", undefined, 1),
    layers: int("num_hidden_layers", undefined, 1),
    heads: int("num_attention_heads", undefined, 1),
    intermediate: int("intermediate_size", undefined, 1),
    maxPositionEmbeddings: int("max_position_embeddings", undefined, 1),
    padTokenId: int("pad_token_id", 1),
    layerNormEps: eps,
    typeVocabSize: int("type_vocab_size", 1, 1),
  };
  if (encoder.hidden % encoder.heads !== 0) {
    throw new ConversionError("UNSUPPORTED_CONFIG", file, `hidden_size ${encoder.hidden} is not divisible by num_attention_heads ${encoder.heads}`);
  }
  if (encoder.padTokenId >= encoder.vocabSize) {
    throw new ConversionError("UNSUPPORTED_CONFIG", file, `pad_token_id ${encoder.padTokenId} is not below vocab_size ${encoder.vocabSize}`);
  }
  // RoBERTa position ids start after the pad id: fewer usable positions than a minimal block is not a model.
  if (encoder.maxPositionEmbeddings - encoder.padTokenId - 1 < 8) {
    throw new ConversionError("UNSUPPORTED_CONFIG", file, `max_position_embeddings ${encoder.maxPositionEmbeddings} leaves fewer than 8 positions after pad_token_id ${encoder.padTokenId}`);
  }

  // The reference (Open Provence) reads max_length and the threshold from the top-level config.
  const rawMax = outer.max_length;
  let maxLength = REFERENCE_MAX_LENGTH;
  let maxSource: CheckpointConfig["sources"]["maxLength"] = "default";
  if (rawMax !== undefined && rawMax !== null) {
    if (typeof rawMax !== "number" || !Number.isInteger(rawMax) || rawMax < 8 || rawMax > MAX_CONFIG_SIZE) {
      throw new ConversionError("UNSUPPORTED_CONFIG", file, `"max_length" must be an integer from 8 to ${MAX_CONFIG_SIZE} (got ${JSON.stringify(rawMax)})`);
    }
    maxLength = rawMax;
    maxSource = "config";
  }
  let threshold = REFERENCE_THRESHOLD;
  let thresholdSource: CheckpointConfig["sources"]["threshold"] = "default";
  for (const key of ["default_threadshold", "default_threshold"] as const) {
    const value = outer[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !(value >= 0 && value < 1)) {
      throw new ConversionError("UNSUPPORTED_CONFIG", file, `"${key}" must be a number in [0, 1) (got ${JSON.stringify(value)})`);
    }
    threshold = value;
    thresholdSource = key;
    break;
  }
  return {
    encoder,
    maxLength,
    threshold,
    sources: { maxLength: maxSource, threshold: thresholdSource },
    modelType: typeof outer.model_type === "string" ? outer.model_type : modelType,
  };
}
