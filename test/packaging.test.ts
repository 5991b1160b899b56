/**
 * The published shape of the packages: `npm pack` tarballs, unpacked into a fresh consumer folder outside
 * the workspace, imported from ESM and required from CommonJS, running a real compressor and a real
 * postprocessor on the tiny model. Offline: third-party packages come from the workspace's node_modules
 * (linked, not installed), and a separate check proves every bare import of the built code is declared.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const packages = ["core", "langchain", "llamaindex"] as const;
const built = packages.every((p) => existsSync(path.join(root, "packages", p, "dist/index.cjs")));
const model = path.join(root, "models/test/tiny-xlmr");

let consumer = "";

function linkWorkspaceDependencies(target: string): void {
  const source = path.join(root, "node_modules");
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === ".bin" || entry === "@semantic-highlight" || entry === "semantic-highlight" || entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      mkdirSync(path.join(target, entry), { recursive: true });
      for (const scoped of readdirSync(path.join(source, entry))) symlinkSync(path.join(source, entry, scoped), path.join(target, entry, scoped));
    } else {
      symlinkSync(path.join(source, entry), path.join(target, entry));
    }
  }
}

beforeAll(() => {
  if (!built) return;
  consumer = mkdtempSync(path.join(tmpdir(), "sh-consumer-"));
  const tarballs = path.join(consumer, "tarballs");
  mkdirSync(tarballs);
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", tarballs, ...packages.flatMap((p) => ["-w", `packages/${p}`])], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  ) as { filename: string; name: string }[];
  const modules = path.join(consumer, "node_modules");
  linkWorkspaceDependencies(modules);
  for (const pkg of packed) {
    const dir = path.join(modules, pkg.name);
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(tarballs, path.basename(pkg.filename)), "-C", dir, "--strip-components=1"]);
  }
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
}, 120_000);

const run = (file: string) => JSON.parse(execFileSync(process.execPath, [file], { cwd: consumer, encoding: "utf8", timeout: 120_000 }).trim().split("\n").pop()!) as Record<string, unknown>;

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

describe.skipIf(!built)("packed packages in a fresh consumer folder (built output; run `npm run build` first)", () => {
  it("ship dist with ESM, CommonJS and type declarations for both module systems", () => {
    for (const p of packages) {
      const dir = path.join(consumer, "node_modules/@semantic-highlight", p);
      for (const file of ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "package.json", "README.md"]) {
        expect(existsSync(path.join(dir, file)), `${p}/${file}`).toBe(true);
      }
      expect(existsSync(path.join(dir, "src"))).toBe(false);
    }
  });

  it("ship the embedded default model inside @semantic-highlight/core and load it with no arguments", () => {
    const packaged = path.join(consumer, "node_modules/@semantic-highlight/core/model");
    expect(existsSync(path.join(packaged, "highlight_config.json"))).toBe(true);
    expect(existsSync(path.join(packaged, "model.onnx"))).toBe(true);
    writeFileSync(
      path.join(consumer, "default-model.mjs"),
      `import { SemanticHighlighter } from "@semantic-highlight/core";
const highlighter = await SemanticHighlighter.load();
const result = await highlighter.highlightOne("What is the capital of France?", "Paris is the capital of France. Bananas are yellow.");
console.log(JSON.stringify({ dir: highlighter.modelDirectory, sentences: result.sentences.length }));
await highlighter.dispose();`,
    );
    const env = { ...process.env };
    delete env.SEMANTIC_HIGHLIGHT_MODEL;
    const out = JSON.parse(execFileSync(process.execPath, ["default-model.mjs"], { cwd: consumer, encoding: "utf8", env }).trim().split("\n").pop()!) as { dir: string; sentences: number };
    expect(out.dir).toBe(packaged);
    expect(out.sentences).toBe(2);
  });

  it("declare every package their built code imports", () => {
    for (const p of packages) {
      const dir = path.join(consumer, "node_modules/@semantic-highlight", p);
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      for (const file of ["dist/index.js", "dist/index.cjs"]) {
        const code = readFileSync(path.join(dir, file), "utf8");
        const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](@?[a-z0-9][\w.-]*(?:\/[\w.@-]+)*)["']/gi)].map((m) => m[1]!);
        expect(specifiers.length).toBeGreaterThan(0);
        for (const spec of specifiers) {
          const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (name.startsWith("node:") || builtinModules.includes(name)) continue;
          expect(declared.has(name), `${p}/${file} imports "${spec}" but package.json does not declare "${name}"`).toBe(true);
        }
      }
    }
  });

  it("work when imported from ESM", () => {
    writeFileSync(
      path.join(consumer, "esm.mjs"),
      program(`import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightCompressor } from "@semantic-highlight/langchain";
import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
import { Document } from "@langchain/core/documents";
import { TextNode } from "@llamaindex/core/schema";
const require_ = null;`),
    );
    const out = run("esm.mjs");
    expect(out.lc).toEqual([["Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow.", "number", "a"]]);
    expect(out.li).toEqual([["n1", "Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow."]]);
  });

  it("work when required from CommonJS", () => {
    writeFileSync(
      path.join(consumer, "cjs.cjs"),
      `(async () => {
${program(`const { SemanticHighlighter } = require("@semantic-highlight/core");
const { SemanticHighlightCompressor } = require("@semantic-highlight/langchain");
const { SemanticHighlightPostprocessor } = require("@semantic-highlight/llamaindex");
const { Document } = require("@langchain/core/documents");
const { TextNode } = require("@llamaindex/core/schema");
const require_ = require;`)}
})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const out = run("cjs.cjs");
    expect(out.li).toEqual([["n1", "Paris is the capital of France. It is known for the Eiffel Tower. Bananas are yellow."]]);
    expect((out.lc as unknown[][])[0]![1]).toBe("number");
  });

  it("share one @llamaindex/core with llamaindex 0.12, so its nodes pass the adapter's class checks", () => {
    writeFileSync(
      path.join(consumer, "single-core.mjs"),
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
    const out = run("single-core.mjs");
    expect(out.same).toBe(true);
    expect(out.version).toMatch(/^0\.6\./);
    expect(out.outIsAppTextNode).toBe(true);
  });
});
