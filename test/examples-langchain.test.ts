/**
 * Runs the LangChain examples end to end (offline, on the tiny test model) the way a user would:
 * `npx tsx examples/<name>.ts` against the BUILT packages. Needs `npm run build` first (`npm test` does it).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const built = ["packages/core/dist/index.js", "packages/langchain/dist/index.js"].every((f) => existsSync(root + f));

async function runExample(file: string): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(tsx, [file], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, SEMANTIC_HIGHLIGHT_MODEL: `${root}models/test/tiny-xlmr`, SEMANTIC_HIGHLIGHT_THRESHOLD: "0.45" },
  });
}

describe.skipIf(!built)("LangChain examples (built packages; run `npm run build` first)", () => {
  it("langchain-retrieval.ts prints retrieved vs pruned context and the token saving", async () => {
    const { stdout } = await runExample("examples/langchain-retrieval.ts");
    expect(stdout).toContain("models/test/tiny-xlmr");
    expect(stdout.match(/^Query: /gm)).toHaveLength(5);
    expect(stdout.match(/Retrieved by the vector store \(4 documents/g)).toHaveLength(5);
    expect(stdout.match(/^ {2}Tokens: \d+ retrieved -> \d+ sent to the LLM/gm)).toHaveLength(5);
    expect(stdout).toMatch(/relevance 0\.\d{3}, kept \d+\/\d+ sentences/);
    expect(stdout).toMatch(/All queries: \d+ tokens retrieved, \d+ kept/);
  }, 150_000);

  it("langchain-remote.ts prunes through a local KServe V2 server with the same scores as in-process", async () => {
    const { stdout } = await runExample("examples/langchain-remote.ts");
    expect(stdout).toMatch(/KServe V2 server: http:\/\/127\.0\.0\.1:\d+\/v2\/models\/semantic-highlight/);
    expect(stdout.match(/^Query: /gm)).toHaveLength(5);
    expect(stdout).toMatch(/Server answered 1 metadata and \d+ inference requests\./);
    expect(stdout).toContain("Scores identical to the in-process backend: yes");
  }, 150_000);

  it("langchain-agent-tool.ts calls the retrieval tool and answers from its pruned output", async () => {
    const { stdout } = await runExample("examples/langchain-agent-tool.ts");
    expect(stdout).toContain('Assistant calls search_knowledge_base({"query":');
    expect(stdout).toMatch(/Tool returned \(this is all the LLM sees\):\n {2}\[.+\] \(relevance 0\.\d\d, \d+\/\d+ tokens kept\)/);
    expect(stdout).toMatch(/\nAssistant: From the knowledge base: \S/);
  }, 150_000);
});
