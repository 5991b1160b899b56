import { defineConfig } from "tsup";

import { libraryBuild } from "../../tsup.base.js";

export default defineConfig([
  // Cleans only its own files: the two builds run at the same time.
  { ...libraryBuild, clean: ["index.js*", "index.cjs*", "index.d.ts", "index.d.cts"] },
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
