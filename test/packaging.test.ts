/**
 * The published shape of the packages: every publishable workspace package packed with `npm pack`, the
 * tarballs installed with npm (offline, from a lockfile derived from the workspace's) into a fresh project
 * outside the repository (test/support/consumer.ts), then imported from ESM and required from CommonJS, running
 * a real compressor and a real postprocessor, the CLI and the embedded default model.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { describeRun, NODE_CONSUMER, NODE_CONSUMER_WITHOUT_ORT, prepareConsumer, REPO, runBin, runNode, runProgram, type Consumer, type PackageManifest } from "./support/consumer.js";

const model = path.join(REPO, "models/test/tiny-xlmr");
/** The URL every package.json links to (a placeholder until the repository is public). */
const REPOSITORY = "https://github.com/semantic-highlight/semantic-highlight";

let consumer: Consumer;
const installed = (name: string, file = "") => path.join(consumer.dir, "node_modules", name, file);

beforeAll(async () => {
  consumer = await prepareConsumer(NODE_CONSUMER);
}, 600_000);

async function run(file: string, source: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  writeFileSync(path.join(consumer.dir, file), source);
  const result = await runNode(consumer, file, { env, timeoutMs: 120_000 });
  expect(result.code, describeRun(file, result)).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

/** Every file an `exports` / `main` / `types` / `bin` field of `manifest` points to. */
function entryFiles(manifest: PackageManifest & { main?: string; module?: string; types?: string; exports?: unknown }): string[] {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") out.add(value);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const field of [manifest.main, manifest.module, manifest.types]) if (field) out.add(field);
  walk(manifest.bin);
  return [...out].map((f) => path.posix.normalize(f));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const program = (imports: string) => `${imports}
const docs = [{ pageContent: "Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow.", metadata: { source: "a" } }];
const highlighter = await SemanticHighlighter.load(${JSON.stringify(model)});
const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, order: "retrieval" });
const lc = await compressor.compressDocuments(docs.map((d) => new Document(d)), "What is the capital of France?");
const post = new SemanticHighlightPostprocessor({ highlighter, threshold: 0, order: "retrieval" });
const li = await post.postprocessNodes([{ node: new TextNode({ text: docs[0].pageContent, id_: "n1" }), score: 0.5 }], "What is the capital of France?");
console.log(JSON.stringify({ lc: lc.map((d) => [d.pageContent, typeof d.metadata.relevanceScore, d.metadata.source]), li: li.map((n) => [n.node.id_, n.node.getContent()]) }));
await highlighter.dispose();
`;

describe("packed packages installed into a fresh consumer project", () => {
  it("every publishable workspace package is packed and installed from its tarball", () => {
    const names = consumer.packed.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["@semantic-highlight/core", "@semantic-highlight/langchain", "@semantic-highlight/llamaindex", "semantic-highlight"]));
    for (const pkg of consumer.packed) {
      const lock = JSON.parse(readFileSync(path.join(consumer.dir, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string }> };
      expect(lock.packages[`node_modules/${pkg.name}`]?.resolved).toBe(`file:tarballs/${pkg.filename}`);
      expect(statSync(installed(pkg.name)).isDirectory()).toBe(true); // a copy from the tarball, not a link into the repository
      expect(readFileSync(installed(pkg.name, "package.json"), "utf8")).toBe(readFileSync(path.join(REPO, pkg.dir, "package.json"), "utf8"));
    }
  });

  it("ship every file their exports, main, types and bin name, plus README and LICENSE, and no sources", () => {
    for (const pkg of consumer.packed) {
      const manifest = JSON.parse(readFileSync(installed(pkg.name, "package.json"), "utf8")) as PackageManifest;
      const files = new Set(pkg.files);
      for (const file of [...entryFiles(manifest), "package.json", "README.md", "LICENSE"]) expect(files.has(file), `${pkg.name}: ${file} is not in the tarball`).toBe(true);
      expect(pkg.files.filter((f) => f.startsWith("src/") || f.endsWith(".test.ts")), pkg.name).toEqual([]);
    }
  });

  it("every tarball carries the MIT LICENSE and repository, homepage and bugs links", () => {
    const license = readFileSync(path.join(REPO, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License\n/);
    for (const pkg of consumer.packed) {
      expect(readFileSync(installed(pkg.name, "LICENSE"), "utf8"), `${pkg.name}/LICENSE`).toBe(license);
      const manifest = JSON.parse(readFileSync(installed(pkg.name, "package.json"), "utf8")) as PackageManifest & { repository: { type: string; url: string; directory: string } };
      expect(manifest.license).toBe("MIT");
      expect(manifest.repository).toEqual({ type: "git", url: `git+${REPOSITORY}.git`, directory: pkg.dir });
      expect(manifest.homepage).toBe(`${REPOSITORY}/tree/main/${pkg.dir}#readme`);
      expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    }
  });

  it("no shipped file holds an absolute path of the machine that built it", () => {
    for (const pkg of consumer.packed) {
      for (const file of filesUnder(installed(pkg.name))) {
        const text = readFileSync(file, "utf8");
        expect(text.includes(REPO), `${file} contains ${REPO}`).toBe(false);
        if (file.endsWith(".json")) {
          const absolute = [...text.matchAll(/"(\/(?:work|home|root|tmp|Users|var|opt)\/[^"]*)"/g)].map((m) => m[1]);
          expect(absolute, file).toEqual([]);
        }
      }
    }
  });

  it("install offline with the README's allowScripts entry: onnxruntime-node's install script (the CUDA download) does not run", () => {
    expect(consumer.manifest.allowScripts).toEqual({ "onnxruntime-node": false });
    // npm prints "> pkg@version postinstall" for every install script it runs (--foreground-scripts).
    expect(consumer.installLog).not.toMatch(/onnxruntime-node@[\d.]+ (pre|post)?install/);
    expect(consumer.installLog).toMatch(/added \d+ packages/);
    const binaries = readdirSync(installed("onnxruntime-node", `bin/napi-v6/${process.platform}/${process.arch}`));
    expect(binaries.filter((f) => /cuda|tensorrt|providers_shared/.test(f))).toEqual([]);
  });

  it("core peer-depends on onnxruntime-node and onnxruntime-web, both optional; the CLI depends on onnxruntime-node itself", () => {
    const core = JSON.parse(readFileSync(installed("@semantic-highlight/core", "package.json"), "utf8")) as PackageManifest;
    expect(Object.keys(core.dependencies ?? {})).not.toContain("onnxruntime-node");
    expect(Object.keys(core.dependencies ?? {})).not.toContain("onnxruntime-web");
    for (const runtime of ["onnxruntime-node", "onnxruntime-web"]) {
      expect(core.peerDependencies?.[runtime], runtime).toBeDefined();
      expect(core.peerDependenciesMeta?.[runtime]?.optional, runtime).toBe(true);
    }
    const cli = JSON.parse(readFileSync(installed("semantic-highlight", "package.json"), "utf8")) as PackageManifest;
    expect(cli.dependencies?.["onnxruntime-node"]).toBeDefined();
  });

  it("the repository's npm configuration has no key npm does not know (no 'Unknown project config' warning)", async () => {
    const result = await runProgram("npm", ["config", "get", "fund"], { cwd: REPO, timeoutMs: 60_000 });
    expect(result.code, describeRun("npm config get fund", result)).toBe(0);
    expect(result.stderr).not.toMatch(/Unknown (project|user|global) config/);
  });

  it("the repository reviews every install script of its dependencies and denies onnxruntime-node's", async () => {
    const root = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
    expect(root.allowScripts?.["onnxruntime-node"]).toBe(false);
    const result = await runProgram("npm", ["install-scripts", "ls"], { cwd: REPO, timeoutMs: 60_000 });
    expect(result.code, describeRun("npm install-scripts ls", result)).toBe(0);
    expect(result.stdout).toContain("No packages with unreviewed install scripts");
  });

  it("ship the embedded default model inside @semantic-highlight/core and load it with no arguments", async () => {
    const packaged = installed("@semantic-highlight/core", "model");
    expect(readdirSync(packaged).sort()).toEqual(["highlight_config.json", "model.onnx", "tokenizer.json", "tokenizer_config.json"]);
    const out = await run(
      "default-model.mjs",
      `import { SemanticHighlighter } from "@semantic-highlight/core";
const highlighter = await SemanticHighlighter.load();
const result = await highlighter.highlightOne("What is the capital of France?", "Paris is the capital of France. Bananas are yellow.");
console.log(JSON.stringify({ dir: highlighter.modelDirectory, sentences: result.sentences.length }));
await highlighter.dispose();`,
    );
    expect(out.dir).toBe(packaged);
    expect(out.sentences).toBe(2);
  });

  it("the CLI from its tarball highlights a document with the packaged default model", async () => {
    writeFileSync(path.join(consumer.dir, "doc.txt"), "Paris is the capital of France. Bananas are yellow.");
    const result = await runBin(consumer, "semantic-highlight", ["highlight", "-q", "What is the capital of France?", "--file", "doc.txt", "--json"], { timeoutMs: 120_000 });
    expect(result.code, describeRun("semantic-highlight highlight", result)).toBe(0);
    const json = JSON.parse(result.stdout.trim().split("\n").pop()!) as { keptSentences: { text: string }[] };
    expect(json.keptSentences.map((s) => s.text.trim())).toEqual(["Paris is the capital of France."]);
  });

  it("@semantic-highlight/core/web gives the browser build's types under node16, nodenext and bundler resolution", async () => {
    writeFileSync(
      path.join(consumer.dir, "web-types.ts"),
      `import { MissingDependencyError, renderHighlights, WebHighlighter, type WebHighlighterLoadOptions } from "@semantic-highlight/core/web";
const options: WebHighlighterLoadOptions = { device: "wasm" };
export const load = (): Promise<WebHighlighter> => WebHighlighter.load("/semantic-highlight-model/", options);
export const missing: string = new MissingDependencyError("onnxruntime-web", "a test").code;
export const render: typeof renderHighlights = renderHighlights;
`,
    );
    const common = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--lib", "es2022,dom", "--types", "node"];
    for (const [module, resolution] of [["node16", "node16"], ["nodenext", "nodenext"], ["esnext", "bundler"]] as const) {
      const result = await runBin(consumer, "tsc", [...common, "--module", module, "--moduleResolution", resolution, "web-types.ts"], { timeoutMs: 180_000 });
      expect(result.code, describeRun(`tsc --moduleResolution ${resolution}`, result)).toBe(0);
    }
  });

  it("declare every package their built code imports", () => {
    for (const pkg of consumer.packed) {
      const manifest = JSON.parse(readFileSync(installed(pkg.name, "package.json"), "utf8")) as PackageManifest;
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      const code = pkg.files.filter((f) => /^dist\/.*\.(c?js|mjs)$/.test(f));
      expect(code.length, pkg.name).toBeGreaterThan(0);
      for (const file of code) {
        const source = readFileSync(installed(pkg.name, file), "utf8");
        const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](@?[a-z0-9][\w.-]*(?:\/[\w.@-]+)*)["']/gi)].map((m) => m[1]!);
        for (const spec of specifiers) {
          const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (name.startsWith("node:") || builtinModules.includes(name)) continue;
          expect(declared.has(name), `${pkg.name}/${file} imports "${spec}" but package.json does not declare "${name}"`).toBe(true);
        }
      }
    }
  });

  it("work when imported from ESM", async () => {
    const out = await run(
      "esm.mjs",
      program(`import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightCompressor } from "@semantic-highlight/langchain";
import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
import { Document } from "@langchain/core/documents";
import { TextNode } from "@llamaindex/core/schema";`),
    );
    expect(out.lc).toEqual([["Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow.", "number", "a"]]);
    expect(out.li).toEqual([["n1", "Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow."]]);
  });

  it("work when required from CommonJS", async () => {
    const out = await run(
      "cjs.cjs",
      `(async () => {
${program(`const { SemanticHighlighter } = require("@semantic-highlight/core");
const { SemanticHighlightCompressor } = require("@semantic-highlight/langchain");
const { SemanticHighlightPostprocessor } = require("@semantic-highlight/llamaindex");
const { Document } = require("@langchain/core/documents");
const { TextNode } = require("@llamaindex/core/schema");`)}
})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    expect(out.li).toEqual([["n1", "Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow."]]);
    expect((out.lc as unknown[][])[0]![1]).toBe("number");
  });

  it("share one @llamaindex/core with llamaindex 0.12, so its nodes pass the adapter's class checks", async () => {
    const out = await run(
      "single-core.mjs",
      `import { createRequire } from "node:module";
import { readFileSync, realpathSync } from "node:fs";
import { TextNode as AppTextNode } from "llamaindex";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
const require = createRequire(import.meta.url);
const fromAdapter = createRequire(require.resolve("@semantic-highlight/llamaindex"));
const fromLlamaindex = createRequire(realpathSync(require.resolve("llamaindex")));
const a = realpathSync(fromAdapter.resolve("@llamaindex/core/schema"));
const b = realpathSync(fromLlamaindex.resolve("@llamaindex/core/schema"));
const coreDir = a.slice(0, a.indexOf("/@llamaindex/core/") + "/@llamaindex/core/".length);
const highlighter = await SemanticHighlighter.load(${JSON.stringify(model)});
const post = new SemanticHighlightPostprocessor({ highlighter, threshold: 0 });
const [out] = await post.postprocessNodes([{ node: new AppTextNode({ text: "One sentence. Two sentences.", id_: "x" }) }], "one?");
await highlighter.dispose();
console.log(JSON.stringify({ same: a === b, version: JSON.parse(readFileSync(coreDir + "package.json", "utf8")).version, outIsAppTextNode: out.node instanceof AppTextNode }));`,
    );
    expect(out.same).toBe(true);
    expect(out.version).toMatch(/^0\.6\./);
    expect(out.outIsAppTextNode).toBe(true);
  });

  it("resolves every import inside the consumer project, never in the repository", async () => {
    const out = await run(
      "where.mjs",
      `import { createRequire } from "node:module";
import { realpathSync } from "node:fs";
const require = createRequire(import.meta.url);
const names = ${JSON.stringify(["@semantic-highlight/core", "@semantic-highlight/langchain", "@semantic-highlight/llamaindex", "onnxruntime-node", "@langchain/core/documents", "@llamaindex/core/schema"])};
console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, realpathSync(require.resolve(n))]))));`,
    );
    for (const [name, file] of Object.entries(out)) expect(String(file).startsWith(`${consumer.dir}/`), `${name} → ${String(file)}`).toBe(true);
  });
});

describe("a Node consumer without onnxruntime-node (core's optional peer)", () => {
  let bare: Consumer;
  beforeAll(async () => {
    bare = await prepareConsumer(NODE_CONSUMER_WITHOUT_ORT);
  }, 600_000);

  const tryLoad = (what: string, load: string) => `  try {
    const loaded = await (${load});
    results[${JSON.stringify(what)}] = "loaded";
    await loaded.dispose();
  } catch (e) {
    results[${JSON.stringify(what)}] = { name: e.name, code: e.code, dependency: e.dependency, missing: e instanceof MissingDependencyError, message: e.message };
  }`;

  it("installs no onnxruntime-node; importing works, BM25 works, and loading a model rejects with MissingDependencyError saying what to install", async () => {
    expect(existsSync(path.join(bare.dir, "node_modules/onnxruntime-node"))).toBe(false);
    writeFileSync(
      path.join(bare.dir, "missing.mjs"),
      `import { bm25Highlight, MissingDependencyError, SemanticHighlighter, loadHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightCompressor } from "@semantic-highlight/langchain";
const results = {};
results.bm25 = bm25Highlight("What is the capital of France?", "Paris is the capital of France. Bananas are yellow.").keptSentences.map((s) => s.text.trim());
${tryLoad("worker", "SemanticHighlighter.load()")}
${tryLoad("in-process", 'SemanticHighlighter.load(undefined, { backend: "in-process" })')}
${tryLoad("loadHighlighter", "loadHighlighter()")}
${tryLoad("compressor", "SemanticHighlightCompressor.fromModel()")}
console.log(JSON.stringify(results));
`,
    );
    const result = await runNode(bare, "missing.mjs", { timeoutMs: 120_000 });
    expect(result.code, describeRun("missing.mjs", result)).toBe(0);
    const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(out.bm25).toEqual(["Paris is the capital of France."]);
    for (const what of ["worker", "in-process", "loadHighlighter", "compressor"]) {
      const error = out[what] as { name: string; code: string; dependency: string; missing: boolean; message: string };
      expect(error, what).toMatchObject({ name: "MissingDependencyError", code: "MISSING_DEPENDENCY", dependency: "onnxruntime-node", missing: true });
      expect(error.message, what).toContain("npm install onnxruntime-node");
    }
  });

  it("CommonJS: require() works and loading rejects with the same error", async () => {
    writeFileSync(
      path.join(bare.dir, "missing.cjs"),
      `const { MissingDependencyError, SemanticHighlighter } = require("@semantic-highlight/core");
SemanticHighlighter.load(undefined, { backend: "in-process" }).then(
  () => { console.log(JSON.stringify({ loaded: true })); },
  (e) => { console.log(JSON.stringify({ missing: e instanceof MissingDependencyError, code: e.code, message: e.message })); },
);
`,
    );
    const result = await runNode(bare, "missing.cjs", { timeoutMs: 120_000 });
    expect(result.code, describeRun("missing.cjs", result)).toBe(0);
    const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as { missing: boolean; code: string; message: string };
    expect(out).toMatchObject({ missing: true, code: "MISSING_DEPENDENCY" });
    expect(out.message).toContain("npm install onnxruntime-node");
  });
});
