/**
 * The shipped default model folder (models/default, copied into @semantic-highlight/core's tarball at pack
 * time): small enough to ship (issue 21: ≤ 30 MB, whatever a new default model adds to the graph), and every
 * shipped file is the one its training record says was exported.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const modelDir = path.resolve(__dirname, "../models/default");
const training = JSON.parse(readFileSync(path.join(modelDir, "training.json"), "utf8")) as { files_sha256: Record<string, string> };

describe("models/default", () => {
  it("stays within 30 MB", () => {
    const bytes = readdirSync(modelDir).reduce((sum, f) => sum + statSync(path.join(modelDir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(30 * 1024 * 1024);
  });

  it("training.json's sha256 of every shipped file matches the file", () => {
    const files = readdirSync(modelDir).filter((f) => f !== "training.json" && f !== "README.md").sort();
    expect(Object.keys(training.files_sha256).sort()).toEqual(files);
    for (const f of files) expect(createHash("sha256").update(readFileSync(path.join(modelDir, f))).digest("hex"), f).toBe(training.files_sha256[f]);
  });
});
