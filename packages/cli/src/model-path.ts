/** Finding the model folder: `--model`, else `$SEMANTIC_HIGHLIGHT_MODEL`, else the repository's `models/default`. */
import { existsSync } from "node:fs";
import path from "node:path";

import { SemanticHighlighter, type HighlighterLoadOptions } from "@semantic-highlight/core";
import { DEFAULT_MODEL_ENV, defaultModelCandidates } from "@semantic-highlight/core/internal";

import { CliError } from "./errors.js";

/** Environment variable naming the default model folder (core's `DEFAULT_MODEL_ENV`). */
export const MODEL_ENV = DEFAULT_MODEL_ENV;

/**
 * The embedded default model folder as core finds it (the packaged copy of `@semantic-highlight/core`, else
 * the repository's `models/default`); the first candidate when none exists.
 */
export function bundledModelDirectory(): string {
  const candidates = defaultModelCandidates();
  return candidates.find((dir) => existsSync(dir)) ?? candidates[candidates.length - 1]!;
}

/**
 * Resolves which model to load. An explicit `--model` wins (a folder, or a hub id `org/name` when no such
 * folder exists); then `$SEMANTIC_HIGHLIGHT_MODEL`; then `<repo>/models/default` when it exists. Throws a
 * {@link CliError} explaining how to pass a model otherwise.
 */
export function resolveModel(explicit: string | undefined, env: Record<string, string | undefined>, bundled = bundledModelDirectory()): string {
  const given = explicit ?? (env[MODEL_ENV] ? env[MODEL_ENV] : undefined);
  if (given !== undefined) {
    if (given.trim() === "") throw new CliError("--model is empty: pass a model folder");
    // A folder that exists is always a folder, even if it looks like a hub id ("models/default").
    return existsSync(given) ? path.resolve(given) : given;
  }
  if (existsSync(bundled)) return bundled;
  throw new CliError(
    `no model given and the default model folder ${bundled} does not exist. ` +
      `Pass --model DIR (a folder with highlight_config.json, model.onnx and tokenizer.json), ` +
      `set ${MODEL_ENV}, or use --bm25 / --baseline for the model-free baselines.`,
  );
}

/** Resolves and loads the model (core's errors, such as `ModelLoadError`, propagate unchanged). */
export async function loadModel(explicit: string | undefined, env: Record<string, string | undefined>, options?: HighlighterLoadOptions): Promise<SemanticHighlighter> {
  return SemanticHighlighter.load(resolveModel(explicit, env), options);
}
