/**
 * The public API of every package entry point is the committed report (packages/*\/etc/*.api.md, written by API
 * Extractor from the built declarations by tools/api-report.mjs): an API change without an updated report fails
 * here, so it is seen in review. The reports also hold no exported item without a doc comment and no type that
 * the API uses without exporting it. After an intended change: `npm run api:update`, review and commit the diff.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function apiReport(...args: string[]): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [path.join(root, "tools/api-report.mjs"), ...args], { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (run.error) throw run.error;
  return { code: run.status, output: `${run.stdout}\n${run.stderr}` };
}

describe("API reports", () => {
  it("every public entry point matches its committed report, with every exported item documented", () => {
    const { code, output } = apiReport();
    expect(output).toMatch(/packages\/core\/api-extractor\.json: ok/);
    expect(output).toMatch(/packages\/core\/api-extractor\.web\.json: ok/);
    expect(output).toMatch(/packages\/core\/api-extractor\.testing\.json: ok/);
    for (const pkg of ["langchain", "llamaindex", "cli"]) expect(output).toMatch(new RegExp(`packages/${pkg}/api-extractor\\.json: ok`));
    expect(code, output).toBe(0);
  }, 300_000);

  it("fails, naming the entry, when the API differs from the report (here: a report missing one export)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sh-api-report-"));
    try {
      cpSync(path.join(root, "packages/langchain/etc"), dir, { recursive: true });
      const file = path.join(dir, "langchain.api.md");
      const report = readFileSync(file, "utf8");
      const edited = report.replace(/^export const RELEVANCE_SCORE_KEY.*\n/m, "");
      expect(edited).not.toBe(report);
      writeFileSync(file, edited);
      const { code, output } = apiReport("--config", "packages/langchain/api-extractor.json", "--report-folder", dir);
      expect(code, output).toBe(1);
      expect(output).toContain("packages/langchain/api-extractor.json: the public API differs");
      expect(output).toContain("npm run api:update");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
