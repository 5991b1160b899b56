/**
 * The browser build is Node-free and the Node build does not pull in the browser runtime: both entry points
 * are bundled with esbuild and their module graphs inspected.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const src = path.dirname(fileURLToPath(new URL("../index.ts", import.meta.url)));

async function graph(entry: string, platform: "browser" | "node"): Promise<{ inputs: string[]; imports: string[] }> {
  const result = await build({
    entryPoints: [path.join(src, entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform,
    logLevel: "silent",
    // Third-party packages stay external: the question is which of them each build imports.
    packages: "external",
  });
  const meta: Metafile = result.metafile;
  const inputs = Object.keys(meta.inputs);
  const imports = [...new Set(Object.values(meta.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)))].sort();
  return { inputs, imports };
}

describe("build entry points", () => {
  it("index.web.ts bundles for the browser with no Node built-in, filesystem or onnxruntime-node", async () => {
    const { inputs, imports } = await graph("index.web.ts", "browser");
    expect(imports).toEqual(["@huggingface/tokenizers", "onnxruntime-web"]);
    const nodeOnly = ["highlighter.ts", "backends/onnx-session.ts", "models/model-folder.ts", "models/hub.ts", "models/default-model.ts", "backends/in-process.ts", "backends/worker.ts"];
    for (const file of nodeOnly) expect(inputs).not.toContain(`packages/core/src/${file}`);
    expect(inputs).toContain("packages/core/src/pipeline/pipeline.ts"); // the shared pipeline, not a copy
    expect(inputs).toContain("packages/core/src/backends/web.ts");
  });

  it("index.ts (Node) does not import onnxruntime-web", async () => {
    const { imports } = await graph("index.ts", "node");
    expect(imports).toContain("onnxruntime-node");
    expect(imports).not.toContain("onnxruntime-web");
  });
});

describe("errors in minified bundles", () => {
  it("keep their class names (minifiers rename classes; browser apps are minified)", async () => {
    const result = await build({ entryPoints: [path.join(src, "errors.ts")], bundle: true, minify: true, write: false, format: "esm", platform: "browser", logLevel: "silent" });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toContain("class MissingDependencyError"); // the minifier did rename the classes
    const errors = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Record<string, unknown>;
    const base = errors.SemanticHighlightError as new (...args: unknown[]) => Error;
    const classes = Object.entries(errors).filter((entry): entry is [string, new (...args: unknown[]) => Error] => typeof entry[1] === "function" && (entry[1] === base || entry[1].prototype instanceof base));
    expect(classes.length).toBeGreaterThan(10);
    for (const [name, ErrorClass] of classes) {
      const error = name === "SemanticHighlightError" ? new ErrorClass("INVALID_INPUT", "m") : new ErrorClass("a", "b");
      expect(error.name, name).toBe(name);
    }
  });
});
