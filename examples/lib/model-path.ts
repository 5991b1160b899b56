/**
 * Which model folder the examples use, decided once for all of them: core's default
 * (`$SEMANTIC_HIGHLIGHT_MODEL`, else the embedded model `models/default`), else the tiny random-weights
 * test model `models/test/tiny-xlmr` (runs anywhere, but its scores are meaningless).
 */
import { fileURLToPath } from "node:url";

import { defaultModelDirectory, ModelLoadError } from "@semantic-highlight/core";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The random-weights test model. */
export const TEST_MODEL = fileURLToPath(new URL("../../models/test/tiny-xlmr", import.meta.url));

/** The model folder (or hub id) to use, and whether it is the random test model. */
export function resolveExampleModel(): { model: string; isTestModel: boolean } {
  try {
    return { model: defaultModelDirectory(), isTestModel: false };
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    return { model: TEST_MODEL, isTestModel: true };
  }
}

/** Resolves the model and prints which one is used (with a warning for the random test model). */
export function exampleModel(): string {
  const { model, isTestModel } = resolveExampleModel();
  const shown = model.startsWith(repoRoot) ? model.slice(repoRoot.length) : model;
  console.log(`Model: ${shown}`);
  if (isTestModel) {
    console.warn(
      "WARNING: using the tiny random-weights test model; its scores are meaningless, so the pruning below\n" +
        "shows the mechanics only (with its config threshold 0.5 it usually keeps nothing; try\n" +
        "SEMANTIC_HIGHLIGHT_THRESHOLD=0.45). Set SEMANTIC_HIGHLIGHT_MODEL or put a converted model in models/default.",
    );
  }
  return model;
}

/** `$SEMANTIC_HIGHLIGHT_THRESHOLD` as a number, or undefined (use the model config's threshold). */
export function exampleThreshold(): number | undefined {
  const raw = process.env.SEMANTIC_HIGHLIGHT_THRESHOLD?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new RangeError(`SEMANTIC_HIGHLIGHT_THRESHOLD must be a number in [0, 1] (got ${raw})`);
  console.log(`Threshold: ${value} (from SEMANTIC_HIGHLIGHT_THRESHOLD)`);
  return value;
}
