/**
 * Runs examples/two-stage-retrieval.ts end to end (offline, tiny test models) against the BUILT packages:
 * vector store → local cross-encoder reranker → semantic highlighter, with token counts per stage. Needs
 * `npm run build` first (`npm test` does it).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const built = ["packages/core/dist/index.js", "packages/langchain/dist/index.js"].every((f) => existsSync(root + f));

async function runExample(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(tsx, ["examples/two-stage-retrieval.ts"], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, SEMANTIC_HIGHLIGHT_MODEL: `${root}models/test/tiny-xlmr`, SEMANTIC_HIGHLIGHT_THRESHOLD: "0.45", ...env },
  });
  return stdout;
}

/** Checks the per-stage token report: 20 chunks, then 5, then at most 5, tokens never growing. */
function expectStages(stdout: string): void {
  expect(stdout.match(/^Query: /gm)).toHaveLength(5);
  const stages = [...stdout.matchAll(/1\. vector store: (\d+) chunks, (\d+) tokens\n {2}2\. reranker: +(\d+) chunks, (\d+) tokens\n(?:.*\n)*? {2}3\. highlighter: +(\d+) chunks, (\d+) tokens/g)];
  expect(stages).toHaveLength(5);
  for (const [, retrieved, retrievedTokens, reranked, rerankedTokens, pruned, prunedTokens] of stages) {
    expect(Number(retrieved)).toBe(20);
    expect(Number(reranked)).toBe(5);
    expect(Number(pruned)).toBeLessThanOrEqual(5);
    expect(Number(rerankedTokens)).toBeLessThan(Number(retrievedTokens));
    expect(Number(prunedTokens)).toBeLessThanOrEqual(Number(rerankedTokens));
  }
  expect(stdout).toMatch(/All queries: \d+ tokens retrieved -> \d+ after reranking \(\d+% saved\) -> \d+ after highlighting \(\d+% saved\)\./);
}

describe.skipIf(!built)("two-stage retrieval example (built packages; run `npm run build` first)", () => {
  it("retrieves 20, reranks to 5 with the highlighter's ranking head, prunes, and counts tokens per stage", async () => {
    const stdout = await runExample({});
    expect(stdout).toContain("Reranker: the highlighter's ranking head");
    expectStages(stdout);
  }, 150_000);

  it("uses a separate rerank-only model (Optimum export) given in SEMANTIC_HIGHLIGHT_RERANKER", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-two-stage-")), "reranker");
    cpSync(`${root}models/test/rerankers/xlmr-reranker-optimum`, dir, { recursive: true });
    for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(`${root}models/test/tiny-xlmr/${file}`, path.join(dir, file));
    const stdout = await runExample({ SEMANTIC_HIGHLIGHT_RERANKER: dir });
    expect(stdout).toContain("(tiny-xlmr-reranker)");
    expectStages(stdout);
  }, 150_000);
});
