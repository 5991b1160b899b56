import { defineConfig } from "tsup";

import { libraryBuild } from "../../tsup.base.js";

export default defineConfig([
  // The two builds run at the same time: this one cleans everything but the web build's files.
  // The worker backend starts dist/worker-entry.js in each worker thread: it is its own entry.
  { ...libraryBuild, entry: { index: "src/index.ts", "worker-entry": "src/backends/worker-entry.ts" }, clean: ["**/*", "!index.web.*"] },
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
