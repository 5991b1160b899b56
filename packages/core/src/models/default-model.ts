/**
 * The embedded default model: a small bilingual (English/Chinese) Provence-style model trained by this
 * project (tools/model/train_default.py). The npm package ships it in `model/` (copied at pack time from
 * the repository's `models/default`); inside the repository the folder itself is used.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { CONFIG_FILE } from "./config.js";
import { ModelLoadError } from "../errors.js";

/** Environment variable that overrides the default model folder. */
export const DEFAULT_MODEL_ENV = "SEMANTIC_HIGHLIGHT_MODEL";

/** Folders searched for the default model, in order: the packaged copy, then the repository's. */
export function defaultModelCandidates(moduleUrl: string = import.meta.url): string[] {
  // This module is bundled into dist/ (one level below the package root), or run from src/models/ in tests
  // (two levels): the package root is the nearest folder with a package.json, packages/core in the repository.
  let packageRoot = path.dirname(fileURLToPath(moduleUrl));
  while (!existsSync(path.join(packageRoot, "package.json")) && path.dirname(packageRoot) !== packageRoot) packageRoot = path.dirname(packageRoot);
  return [path.join(packageRoot, "model"), path.resolve(packageRoot, "..", "..", "models", "default")];
}

/**
 * The default model folder: `$SEMANTIC_HIGHLIGHT_MODEL` when set, else the embedded model.
 * @throws ModelLoadError when no default model is present.
 */
export function defaultModelDirectory(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env[DEFAULT_MODEL_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const candidates = defaultModelCandidates();
  const found = candidates.find((dir) => existsSync(path.join(dir, CONFIG_FILE)));
  if (found === undefined) {
    throw new ModelLoadError(candidates[0]!, `no embedded default model found (looked in ${candidates.join(", ")}); pass a model folder or set ${DEFAULT_MODEL_ENV}`);
  }
  return found;
}
