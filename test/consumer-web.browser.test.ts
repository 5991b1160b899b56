/**
 * The README's browser code block in a new Vite + TypeScript app, built from the packed tarballs in a project
 * outside the repository and run in Debian's Chromium (playwright-core drives it by executable path; no
 * browser download): the app's files are those `npm create vite -- --template vanilla-ts` writes
 * (test/consumer-apps/vite: `moduleResolution: "bundler"`, no custom conditions), `src/main.ts` is the README
 * block as written, `vite.config.ts` the README's Vite config block, and the README's setup block copies the
 * packaged model into `public/`. Then `tsc` (the template's type check), `vite build`, and the page in
 * Chromium from `vite preview` and from the dev server — once with onnxruntime-web installed (the highlights
 * appear) and once without (the app's own error handling shows the MissingDependencyError telling what to
 * install; the page does not die while loading). The README's second browser block (`browser langchain`) runs the
 * same way in an app that also installs `@semantic-highlight/langchain` and `@langchain/core`: the LangChain
 * compressor's `fromModel(url)` loads a WebHighlighter through core's `loadHighlighter`. No browser app installs
 * onnxruntime-node (core's optional peer for Node).
 *
 * There is no skip: without a browser this test fails, telling how to install one (.ci/run does it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { consumerEnv, describeRun, prepareConsumer, REPO, runBin, runProgram, workspaceReadmes, type Consumer } from "./support/consumer.js";
import { readmeBlocks, type CodeBlock } from "./support/docs.js";
import { chromiumPath } from "./support/chromium.js";
import { freePort } from "./support/v2-servers.js";

const APP = path.join(REPO, "test/consumer-apps/vite");
const artifacts = path.join(REPO, "test/artifacts");
const blocks = workspaceReadmes().flatMap(readmeBlocks);
const browserBlocks = blocks.filter((b) => b.annotation?.kind === "browser");
/** The plain browser block (`<!-- docs-test: browser -->`) and the LangChain one (`<!-- docs-test: browser langchain -->`). */
const coreBlocks = browserBlocks.filter((b) => b.annotation!.argument === "");
const langchainBlocks = browserBlocks.filter((b) => b.annotation!.argument === "langchain");
const setupBlocks = blocks.filter((b) => b.annotation?.kind === "web-app-setup");
const viteConfigBlocks = blocks.filter((b) => b.annotation?.kind === "vite-config");
const where = (b: CodeBlock) => `${path.relative(REPO, b.file)}:${b.line}`;

/** `vite preview` of the consumer's build, or `vite` (the dev server), on 127.0.0.1 — the consumer's own vite. */
async function serve(consumer: Consumer, command: "preview" | "dev"): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const args = [...(command === "preview" ? ["preview"] : []), "--host", "127.0.0.1", "--port", String(port), "--strictPort"];
  const child: ChildProcess = spawn(path.join(consumer.dir, "node_modules/.bin/vite"), args, { cwd: consumer.dir, env: consumerEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const stop = () => void child.kill("SIGTERM");
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite ${command} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`vite ${command} did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, stop };
}

const variants = [
  { name: "web-app", label: "with onnxruntime-web", block: "core", packages: ["@semantic-highlight/core"], dependencies: ["vite", "typescript", "onnxruntime-web"] },
  { name: "web-app-without-onnxruntime-web", label: "without onnxruntime-web", block: "core", packages: ["@semantic-highlight/core"], dependencies: ["vite", "typescript"] },
  {
    name: "web-app-langchain",
    label: "LangChain compressor with onnxruntime-web",
    block: "langchain",
    packages: ["@semantic-highlight/core", "@semantic-highlight/langchain"],
    dependencies: ["vite", "typescript", "onnxruntime-web", "@langchain/core"],
  },
] as const;

describe("the README's browser block in a fresh Vite + TypeScript app from the tarballs, in Chromium", () => {
  let browser: Browser;
  const stops: (() => void)[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) stop();
    await browser?.close();
  });

  it("the READMEs have one browser block, one LangChain browser block, one web-app setup block and one Vite config block", () => {
    expect(browserBlocks.map(where)).toHaveLength(2);
    expect(coreBlocks.map(where)).toHaveLength(1);
    expect(langchainBlocks.map(where)).toHaveLength(1);
    expect(setupBlocks.map(where)).toHaveLength(1);
    expect(setupBlocks[0]!.lang).toBe("sh");
    expect(viteConfigBlocks.map(where)).toHaveLength(1);
  });

  /** Opens the app, waits for its output, and checks it (and that nothing failed in the page). */
  async function checkPage(url: string, variant: (typeof variants)[number], label: string): Promise<void> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    try {
      await page.goto(url);
      await page.waitForFunction('document.querySelector("#output")?.textContent !== "loading…"', null, { timeout: 90_000 });
      const html = await page.innerHTML("#output");
      const text = (await page.textContent("#output")) ?? "";
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, `${variant.name}-${label}.png`) });
      expect(errors, label).toEqual([]);
      if (variant.name === "web-app") {
        expect(html, `${label}: ${text}`).toMatch(/<mark [^>]*>It was completed in March 1889\.<\/mark>/);
        expect(html, label).toMatch(/<span class="sh-pruned"[^>]*>Bananas are yellow\.<\/span>/);
        expect(requests, label).toContain("/semantic-highlight-model/model.onnx");
      } else if (variant.name === "web-app-langchain") {
        // The compressor's pruned document: what the browser block of core highlights, "Bananas" dropped.
        expect(text.trim(), label).toBe("The Eiffel Tower stands in Paris. It was completed in March 1889.");
        expect(requests, label).toContain("/semantic-highlight-model/model.onnx");
      } else {
        expect(text, label).toMatch(/^MissingDependencyError: .*needs the package "onnxruntime-web"/); // the name survives Vite's minifier
        expect(text, label).toContain("npm install onnxruntime-web");
        // The check comes before any model file is fetched.
        expect(requests.filter((r) => r.startsWith("/semantic-highlight-model/")), label).toEqual([]);
      }
    } finally {
      await page.close();
    }
  }

  for (const variant of variants) {
    it(`${variant.label}: installs no onnxruntime-node, type-checks, builds without warnings and, built and in the dev server, ${variant.name === "web-app-without-onnxruntime-web" ? "shows MissingDependencyError saying what to install" : "shows the highlights"}`, async () => {
      const block = variant.block === "langchain" ? langchainBlocks[0]! : coreBlocks[0]!;
      const consumer = await prepareConsumer({
        name: variant.name,
        packages: variant.packages,
        dependencies: variant.dependencies,
        files: {
          "index.html": readFileSync(path.join(APP, "index.html"), "utf8"),
          "tsconfig.json": readFileSync(path.join(APP, "tsconfig.json"), "utf8"),
          "src/main.ts": `${block.code}\n`,
          "vite.config.ts": `${viteConfigBlocks[0]!.code}\n`,
        },
      });
      expect(existsSync(path.join(consumer.dir, "node_modules/onnxruntime-web"))).toBe(variant.name !== "web-app-without-onnxruntime-web");
      expect(existsSync(path.join(consumer.dir, "node_modules/onnxruntime-node"))).toBe(false); // a browser app installs no Node runtime

      const setup = await runProgram("sh", ["-euc", setupBlocks[0]!.code], { cwd: consumer.dir, timeoutMs: 30_000 });
      expect(setup.code, describeRun(`the setup block of ${where(setupBlocks[0]!)}`, setup)).toBe(0);
      expect(existsSync(path.join(consumer.dir, "public/semantic-highlight-model/model.onnx"))).toBe(true);

      const tsc = await runBin(consumer, "tsc", ["-p", "."], { timeoutMs: 180_000 });
      expect(tsc.code, describeRun(`tsc on ${where(block)} (moduleResolution bundler)`, tsc)).toBe(0);

      const build = await runBin(consumer, "vite", ["build"], { timeoutMs: 180_000 });
      expect(build.code, describeRun("vite build", build)).toBe(0);
      // Before the fix, a build without onnxruntime-web "succeeded" with warnings like
      // '"InferenceSession" is not exported by "__vite-optional-peer-dep:onnxruntime-web…"'.
      expect(`${build.stdout}\n${build.stderr}`).not.toMatch(/is not exported by|Could not resolve|\(!\)/);

      const built = await serve(consumer, "preview");
      stops.push(built.stop);
      try {
        await checkPage(built.url, variant, "vite-build");
      } finally {
        built.stop();
      }

      // `npm run dev`: the dev server pre-bundles dependencies; the README's vite.config.ts keeps onnxruntime-web
      // out of that (a pre-bundled copy fetches its .wasm from the wrong place).
      const dev = await serve(consumer, "dev");
      stops.push(dev.stop);
      try {
        await checkPage(dev.url, variant, "vite-dev");
      } finally {
        dev.stop();
      }
    }, 600_000);
  }
});
