import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { defineConfig } from "tsup";

import { libraryBuild } from "../../tsup.base.js";

/**
 * tsup's code splitting for CommonJS (which the entries below need to share modules) writes absolute paths of
 * the build machine into its source maps (`file`, and the generated file as a first `sources` entry); the
 * published maps get paths relative to themselves instead.
 */
function relativeSourceMapPaths(dir: string): void {
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".map"))) {
    const file = path.join(dir, name);
    const map = JSON.parse(readFileSync(file, "utf8")) as { file?: string; sources?: string[] };
    const relative = (p: string) => (path.isAbsolute(p) ? path.relative(dir, p) : p);
    const fixed = { ...map, ...(map.file ? { file: relative(map.file) } : {}), ...(map.sources ? { sources: map.sources.map(relative) } : {}) };
    if (JSON.stringify(fixed) !== JSON.stringify(map)) writeFileSync(file, JSON.stringify(fixed));
  }
}

export default defineConfig([
  // The two builds run at the same time, so neither cleans: tsup's declaration build deletes every *.d.ts in
  // dist when `clean` is set, whenever it starts — under load after the web build has written
  // index.web.d.ts, which then went missing from the tarball. The build script empties dist first instead.
  // Entries: the package root, `/internal` (for the CLI and benchmarks, no semver guarantee), `/testing` (test
  // doubles), and the worker backend's thread entry (dist/worker-entry.js, started in each worker thread).
  // Code splitting in both formats, so the entries share one copy of every module (one SemanticHighlightError
  // class for `instanceof`, one table of shared sessions) instead of each bundling its own.
  {
    ...libraryBuild,
    entry: { index: "src/index.ts", internal: "src/internal.ts", testing: "src/testing.ts", "worker-entry": "src/backends/worker-entry.ts" },
    splitting: true,
    clean: false,
    onSuccess: async () => relativeSourceMapPaths(path.resolve("dist")),
  },
  // The browser / edge build (package.json "browser" condition): ESM only, no Node built-ins, onnxruntime-web
  // left to the app's bundler (an optional peer dependency).
  {
    entry: ["src/index.web.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: false,
    target: "es2022",
    platform: "browser",
    tsconfig: "tsconfig.json",
    external: ["onnxruntime-web", "@huggingface/tokenizers"],
  },
]);
