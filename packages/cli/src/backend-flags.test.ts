/** `--backend` on the CLI: the same output in-process, in worker threads and through a V2 server. */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startKServeServer } from "@semantic-highlight/core/testing";
import { describe, expect, it } from "vitest";

import { memoryIo } from "./io.js";
import { runCli } from "./program.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const model = path.join(repo, "models/test/tiny-xlmr");
const document = "The Normans gave their name to Normandy. They came from Denmark. Rollo led them.";

async function run(args: string[]) {
  const io = memoryIo({});
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("--backend", () => {
  it("gives the same JSON result in-process, with worker threads and through a KServe V2 server", async () => {
    const server = await startKServeServer(model, { name: "tiny" });
    const base = ["highlight", "--model", model, "--query", "Who gave their name to Normandy?", "--json", document];
    const outputs = [];
    for (const extra of [[], ["--backend", "worker", "--workers", "2"], ["--backend", "remote", "--remote-url", server.url, "--remote-model", "tiny"], ["--remote-url", server.url, "--remote-model", "tiny"]]) {
      const { code, stdout, stderr } = await run([...base, ...extra]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const result = JSON.parse(stdout.trim()) as { sentenceScores: number[] };
      outputs.push(result.sentenceScores);
    }
    expect(server.counts.infer).toBe(2);
    for (const scores of outputs.slice(1)) expect(scores).toEqual(outputs[0]);
    await server.close();
  });

  it("explains what a remote backend needs, and rejects unknown kinds", async () => {
    const base = ["highlight", "--model", model, "--query", "q", "Some text."];
    expect((await run([...base, "--backend", "remote"])).stderr).toMatch(/--backend remote needs --remote-url URL/);
    expect((await run([...base, "--backend", "remote", "--remote-url", "http://127.0.0.1:9"])).stderr).toMatch(/needs --remote-model NAME/);
    expect((await run([...base, "--workers", "2"])).stderr).toMatch(/--workers needs --backend worker/);
    const unknown = await run([...base, "--backend", "gpu"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/expected in-process, worker or remote, got "gpu"/);
  });
});
