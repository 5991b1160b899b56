/**
 * A process that uses the library exits by itself (issue 18, point 1): every script of `test/exit-fixtures/`
 * (core, the LangChain compressor and the LlamaIndex postprocessor from `fromModel()`, ESM and CJS, default
 * worker backend, never disposed) runs as a child process against the BUILT packages and must exit with
 * code 0 soon after printing its result. And the other side of it: a call still in flight keeps the process
 * alive until it settles (no premature exit), and disposed highlighters and the remote backend (against the
 * real KServe server) exit too. Needs `npm run build` first (`npm test` does it).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startV2Server, v2KitPresent, type V2Server } from "./support/v2-servers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = path.join(root, "test/exit-fixtures");
const model = path.join(root, "models/default");
const built = ["core", "langchain", "llamaindex"].every((p) => existsSync(path.join(root, `packages/${p}/dist/index.js`)));

/** How long after its last output line a finished script may take to exit. */
const EXIT_WITHIN_MS = 3_000;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from spawn to the first stdout line, and to exit. */
  outputAtMs: number | undefined;
  exitAtMs: number;
  /** Whether the run was killed for not exiting `EXIT_WITHIN_MS` after its output (or at `limitMs`). */
  killed: boolean;
}

/**
 * Runs `node args` from the repository root (packages resolve through the workspace's node_modules to the
 * built dist/). Kills it `EXIT_WITHIN_MS` after it printed `lines` stdout lines, or at `limitMs`.
 */
function runNode(args: string[], options: { env?: Record<string, string>; lines?: number; limitMs?: number } = {}): Promise<ChildRun> {
  const { lines = 1, limitMs = 60_000 } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, SH_MODEL: model, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let outputAtMs: number | undefined;
    let killed = false;
    const kill = () => {
      killed = true;
      child.kill("SIGKILL");
    };
    const limit = setTimeout(kill, limitMs);
    let grace: ReturnType<typeof setTimeout> | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (outputAtMs === undefined && stdout.split("\n").filter((l) => l.trim()).length >= lines && stdout.endsWith("\n")) {
        outputAtMs = performance.now() - started;
        grace = setTimeout(kill, EXIT_WITHIN_MS);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      clearTimeout(grace);
      resolve({ code, signal, stdout, stderr, outputAtMs, exitAtMs: performance.now() - started, killed });
    });
  });
}

/** Runs an ES module given as source text (bare imports resolve from the repository root). */
const runModule = (source: string, options?: Parameters<typeof runNode>[1] & { flags?: string[] }) =>
  runNode([...(options?.flags ?? []), "--input-type=module", "--eval", source], options);

function expectCleanExit(run: ChildRun, label: string): void {
  const report = `${label}: code ${run.code}, signal ${run.signal}, output at ${run.outputAtMs?.toFixed(0)} ms, exit at ${run.exitAtMs.toFixed(0)} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  expect(run.killed, `${report}\n(killed: still running ${EXIT_WITHIN_MS} ms after its output)`).toBe(false);
  expect(run.code, report).toBe(0);
  expect(run.outputAtMs, report).toBeDefined();
  expect(run.exitAtMs - run.outputAtMs!, report).toBeLessThan(EXIT_WITHIN_MS);
}

const fixtureFiles = readdirSync(fixtures).filter((f) => /\.(mjs|cjs)$/.test(f)).sort();

describe.skipIf(!built)("a process that never calls dispose() exits by itself (built packages)", () => {
  it("has one fixture per entry point and module format", () => {
    expect(fixtureFiles).toEqual(["core.cjs", "core.mjs", "langchain.cjs", "langchain.mjs", "llamaindex.cjs", "llamaindex.mjs"]);
  });

  // Two at a time: each child loads the model into a worker thread.
  for (const pair of [fixtureFiles.slice(0, 2), fixtureFiles.slice(2, 4), fixtureFiles.slice(4, 6)]) {
    it(`${pair.join(" and ")}: one real call on the default backend, code 0, exit within ${EXIT_WITHIN_MS} ms of the output`, async () => {
      const runs = await Promise.all(pair.map((file) => runNode([path.join(fixtures, file)])));
      runs.forEach((run, i) => {
        expectCleanExit(run, pair[i]!);
        const line = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
        expect(line).toMatchObject({ entry: pair[i]!.split(".")[0], format: pair[i]!.endsWith(".mjs") ? "esm" : "cjs" });
        expect(Object.values(line).some((v) => typeof v === "number" && v > 0)).toBe(true);
      });
    });
  }

  it("keeps running while a call is in flight (the call was not awaited), then exits once it settles", async () => {
    // The module body returns right after starting the call: only the busy worker holds the process.
    const run = await runModule(`
      import { SemanticHighlighter } from "@semantic-highlight/core";
      const h = await SemanticHighlighter.load(process.env.SH_MODEL, { backend: { kind: "worker", workers: 1 } });
      const docs = Array.from({ length: 24 }, (_, i) => "The Normans gave their name to Normandy. They came from Denmark, Iceland and Norway. Rollo led them, " + "and more words follow here. ".repeat(i + 4));
      h.highlight("Who gave their name to Normandy?", docs, { batchSize: 1 }).then((r) => console.log(JSON.stringify({ results: r.results.length })));
    `);
    expectCleanExit(run, "call in flight");
    expect(JSON.parse(run.stdout)).toEqual({ results: 24 });
  });

  it("keeps running while a call waits for a replacement worker after a crash, then exits", async () => {
    const run = await runModule(`
      import { SemanticHighlighter } from "@semantic-highlight/core";
      const h = await SemanticHighlighter.load(process.env.SH_MODEL);
      const doc = "The Normans gave their name to Normandy. They came from Denmark.";
      const first = h.highlightOne("Who gave their name to Normandy?", doc).catch((e) => e.name);
      void h.backend.threads[0].terminate();
      first.then((name) => {
        // The only worker is gone; this call waits for its replacement to load.
        h.highlightOne("Who gave their name to Normandy?", doc).then((r) => console.log(JSON.stringify({ first: name, second: r.sentences.length })));
      });
    `);
    expectCleanExit(run, "replacement worker");
    expect(JSON.parse(run.stdout)).toMatchObject({ second: 2 });
  });

  it("exits after dispose() too, for the worker and in-process backends (and workers start under V8 flags given with --eval)", async () => {
    // --max-old-space-size is refused in an explicit worker execArgv (passed once --input-type/--eval are dropped).
    const run = await runModule(`
      import { SemanticHighlighter } from "@semantic-highlight/core";
      for (const backend of ["worker", "in-process"]) {
        const h = await SemanticHighlighter.load(process.env.SH_MODEL, { backend, shareSession: false });
        await h.highlightOne("Who gave their name to Normandy?", "The Normans gave their name to Normandy.");
        await h.dispose();
      }
      console.log(JSON.stringify({ disposed: 2 }));
    `, { flags: ["--max-old-space-size=2048", "--expose-gc"] });
    expectCleanExit(run, "disposed");
  });
});

describe.skipIf(!built || !v2KitPresent)("the remote backend lets the process exit (built packages, real KServe server)", () => {
  let server: V2Server;
  beforeAll(async () => {
    server = await startV2Server("kserve", { "semantic-highlight": path.join(model, "model.onnx") });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const script = (tail: string) => `
    import { SemanticHighlighter } from "@semantic-highlight/core";
    const h = await SemanticHighlighter.load(process.env.SH_MODEL, { backend: { kind: "remote", url: ${JSON.stringify(server.url)}, model: "semantic-highlight" } });
    ${tail}
  `;

  it("keeps running while a remote call is in flight (not awaited), then exits without dispose() (idle keep-alive connections do not hold it); and exits after dispose()", async () => {
    const [inFlight, disposed] = await Promise.all([
      runModule(
        script(`const docs = Array.from({ length: 6 }, (_, i) => "The Normans gave their name to Normandy. They came from Denmark. " + "Rollo led them there. ".repeat(10 + i));
          h.highlight("Who gave their name to Normandy?", docs, { batchSize: 1 }).then((r) => console.log(JSON.stringify({ results: r.results.length })));`),
      ),
      runModule(
        script(`await h.rerank("Who gave their name to Normandy?", ["The Normans gave their name to Normandy."]); await h.dispose();
          console.log(JSON.stringify({ disposed: true }));`),
      ),
    ]);
    expectCleanExit(inFlight, "remote call in flight, not disposed");
    expect(JSON.parse(inFlight.stdout)).toEqual({ results: 6 });
    expectCleanExit(disposed, "remote, disposed");
  });
});
