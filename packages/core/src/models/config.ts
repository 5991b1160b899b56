import { ModelLoadError } from "../errors.js";

/** File name of the model folder's own config (DESIGN §3). */
export const CONFIG_FILE = "highlight_config.json";
/** Format tag written by the project's export tooling. */
export const CONFIG_FORMAT = "semantic-highlight/v1";

/**
 * What the pipeline needs to know about a model that `tokenizer.json` and the ONNX graph do not say.
 * Read from `highlight_config.json` (snake_case keys, written by the Python export tooling).
 */
export interface ModelConfig {
  /** Human-readable model name. */
  name: string;
  /** Free-text description. */
  description?: string;
  /** ONNX file inside the folder (default `model.onnx`). External weights (`<file>_data`) sit beside it. */
  modelFile: string;
  /** Maximum sequence length of one block, special tokens included. */
  maxLength: number;
  /** Default keep threshold on sentence scores (a sentence is kept when its score is strictly greater). */
  threshold: number;
  /** Longest fragment of one sentence, in tokens; default max(16, maxLength / 2) as in the reference. */
  fragmentLength?: number;
  /**
   * Name of the per-token pruning output, shape [batch, seq, 2]; `null` for a rerank-only model (a
   * cross-encoder such as bge-reranker-v2-m3: `"pruning_output": null`), which scores documents but no sentences.
   */
  pruningOutput: string | null;
  /** Name of the rerank output, shape [batch, 1]; `null` when the model has no ranking head. */
  rankingOutput: string | null;
  /** Languages the model was trained for (informational). */
  languages: string[];
  /**
   * Default source of the rerank score (`rerank_score_source`): `"head"` (the ranking head) or
   * `"max-sentence"` (the best sentence score). Absent: `"head"`.
   */
  rerankScoreSource?: "head" | "max-sentence";
  /**
   * How a ranking logit becomes a score (`rerank_activation`): `"sigmoid"` (default: bge-reranker-v2-m3,
   * FlagEmbedding's `normalize=True`, sentence-transformers' CrossEncoder with one label) or `"none"` (the
   * raw logit, for models whose users compare logits).
   */
  rerankActivation?: RerankActivation;
}

/** How a ranking logit becomes a score: `"sigmoid"` (in (0, 1)) or `"none"` (the raw logit). */
export type RerankActivation = "sigmoid" | "none";

function fail(file: string, problem: string): never {
  throw new ModelLoadError(file, problem);
}

/** Largest `max_length` a config may name (no encoder has more positions; bounds what a block may cost). */
export const MAX_CONFIG_MAX_LENGTH = 1 << 20;

/**
 * Why `name` is not a plain relative path inside the model folder (or below its base URL), or `null` when it
 * is one: no absolute path, no `..`, `.` or empty segment, no backslash, drive letter, URL syntax
 * (`:` `?` `#` `%`, so `%2e%2e` cannot become `..` in a URL) or control character.
 */
export function modelFileProblem(name: string): string | null {
  if (/[\u0000-\u001f\u007f\\:?#%]/.test(name)) return "it contains a backslash, a control character or one of : ? # %";
  if (name.startsWith("/")) return "it is an absolute path";
  if (name.split("/").some((part) => part === "" || part === "." || part === "..")) return 'it has an empty, "." or ".." segment';
  return null;
}

/** {@link ModelConfig} plus whether the config named the ranking output itself (then the graph must have it). */
export interface ParsedModelConfig extends ModelConfig {
  rankingOutputDeclared: boolean;
}

/** Validates the parsed JSON of `highlight_config.json` and maps it to {@link ModelConfig}. */
export function parseModelConfig(json: unknown, file: string): ParsedModelConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail(file, "expected a JSON object");
  const raw = json as Record<string, unknown>;

  const maxLength = raw.max_length;
  if (typeof maxLength !== "number" || !Number.isInteger(maxLength) || maxLength < 8 || maxLength > MAX_CONFIG_MAX_LENGTH) {
    fail(file, `"max_length" must be an integer from 8 to ${MAX_CONFIG_MAX_LENGTH} (got ${JSON.stringify(maxLength)})`);
  }
  const threshold = raw.threshold;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold < 1)) {
    fail(file, `"threshold" must be a number in [0, 1) (got ${JSON.stringify(threshold)})`);
  }
  const optionalString = (key: string, fallback: string): string => {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value.length === 0) fail(file, `"${key}" must be a non-empty string`);
    return value;
  };
  const fragmentLength = raw.fragment_length;
  if (fragmentLength !== undefined && fragmentLength !== null) {
    if (typeof fragmentLength !== "number" || !Number.isInteger(fragmentLength) || fragmentLength < 1) {
      fail(file, `"fragment_length" must be a positive integer or null`);
    }
  }
  const rankingOutput = raw.ranking_output;
  if (rankingOutput !== undefined && rankingOutput !== null && (typeof rankingOutput !== "string" || !rankingOutput)) {
    fail(file, `"ranking_output" must be a string or null`);
  }
  const languages = raw.languages ?? [];
  if (!Array.isArray(languages) || !languages.every((l) => typeof l === "string")) {
    fail(file, `"languages" must be an array of strings`);
  }

  const pruningOutput = raw.pruning_output;
  if (pruningOutput !== undefined && pruningOutput !== null && (typeof pruningOutput !== "string" || !pruningOutput)) {
    fail(file, `"pruning_output" must be a non-empty string, or null for a rerank-only model`);
  }
  if (pruningOutput === null && rankingOutput === null) {
    fail(file, `"pruning_output" and "ranking_output" are both null: a model needs at least one of them (a rerank-only model names its ranking output)`);
  }
  const rerankActivation = raw.rerank_activation;
  if (rerankActivation !== undefined && rerankActivation !== null && rerankActivation !== "sigmoid" && rerankActivation !== "none") {
    fail(file, `"rerank_activation" must be "sigmoid" or "none" (got ${JSON.stringify(rerankActivation)})`);
  }

  const rerankScoreSource = raw.rerank_score_source;
  if (rerankScoreSource !== undefined && rerankScoreSource !== null && rerankScoreSource !== "head" && rerankScoreSource !== "max-sentence") {
    fail(file, `"rerank_score_source" must be "head" or "max-sentence" (got ${JSON.stringify(rerankScoreSource)})`);
  }

  const modelFile = optionalString("model_file", "model.onnx");
  const modelFileIssue = modelFileProblem(modelFile);
  if (modelFileIssue !== null) fail(file, `"model_file" ${JSON.stringify(modelFile)} must name a file inside the model folder: ${modelFileIssue}`);

  const config: ParsedModelConfig = {
    name: optionalString("name", "unnamed"),
    modelFile,
    maxLength,
    threshold,
    pruningOutput: pruningOutput === null ? null : optionalString("pruning_output", "pruning_logits"),
    rankingOutput: rankingOutput === undefined ? "ranking_logits" : (rankingOutput as string | null),
    languages: languages as string[],
    // A rerank-only model has nothing but its ranking output: the graph must have it.
    rankingOutputDeclared: rankingOutput !== undefined || pruningOutput === null,
  };
  if (typeof raw.description === "string") config.description = raw.description;
  if (typeof fragmentLength === "number") config.fragmentLength = fragmentLength;
  if (rerankScoreSource === "head" || rerankScoreSource === "max-sentence") config.rerankScoreSource = rerankScoreSource;
  if (rerankActivation === "sigmoid" || rerankActivation === "none") config.rerankActivation = rerankActivation;
  return config;
}

/** The reference fragment limit: max(16, maxLength / 2) tokens. */
export function defaultFragmentLength(maxLength: number): number {
  return Math.max(16, Math.floor(maxLength / 2));
}
