/**
 * Runs the LlamaIndex examples end to end (offline, on the tiny test model) the way a user would:
 * `npx tsx examples/<name>.ts` against the BUILT packages. Needs `npm run build` first (`npm test` does it).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const built = ["packages/core/dist/index.js", "packages/llamaindex/dist/index.js"].every((f) => existsSync(root + f));

async function runExample(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(tsx, [file], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, SEMANTIC_HIGHLIGHT_MODEL: `${root}models/test/tiny-xlmr`, SEMANTIC_HIGHLIGHT_THRESHOLD: "0.42" },
  });
  return stdout;
}

describe.skipIf(!built)("LlamaIndex examples (built packages; run `npm run build` first)", () => {
  it("llamaindex-query-engine.ts prints source nodes before and after pruning and the token saving", async () => {
    const stdout = await runExample("examples/llamaindex-query-engine.ts");
    expect(stdout).toContain("models/test/tiny-xlmr");
    expect(stdout).toMatch(/--- after semantic highlighting \(\d+ nodes?, rerank score\):/);
    expect(stdout).toMatch(/--- context for the LLM: \d+ → \d+ tokens \(\d+ % saved\)/);
    expect(stdout).toMatch(/All queries: \d+ → \d+ context tokens \(\d+ % saved\)\./);
  }, 150_000);

  it("llamaindex-agent-tool.ts has the agent call the query-engine tool and answer from its pruned output", async () => {
    const stdout = await runExample("examples/llamaindex-agent-tool.ts");
    expect(stdout).toMatch(/=== user: /);
    expect(stdout).toMatch(/--- tool search_knowledge_base returned \d+ characters \(whole retrieved chunks: \d+\)/);
    expect(stdout).toMatch(/--- agent: \S/);
  }, 150_000);
});
