/** Paths of the project's committed test models (built by tools/model/build_test_models.py). */
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const testModels = {
  /** Real XLM-R architecture, tiny, random weights (seeded). */
  tinyXlmr: path.join(repoRoot, "models/test/tiny-xlmr"),
  /** Keep logit is a function of the token id only: exact expectations possible. */
  tokenwise: path.join(repoRoot, "models/test/tokenwise"),
  /** The token-wise graph with a BERT WordPiece tokenizer. */
  tokenwiseBert: path.join(repoRoot, "models/test/tokenwise-bert"),
};
export const sharedData = path.join(repoRoot, "../shared/data");

/** Copies a model folder to a fresh temporary folder (for tests that break it). */
export function copyModel(source: string): string {
  const target = path.join(mkdtempSync(path.join(tmpdir(), "sh-model-")), path.basename(source));
  cpSync(source, target, { recursive: true });
  return target;
}
