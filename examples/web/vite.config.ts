/**
 * Vite config of the browser demo. The model folder models/default is served at /models/default/ in dev
 * and preview, and copied into the build, so the page loads it by URL like any static host would serve it.
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig, type Connect, type Plugin } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = path.resolve(here, "../../models/default");
const MODEL_FILES = ["highlight_config.json", "tokenizer.json", "tokenizer_config.json", "model.onnx"];
const TYPES: Record<string, string> = { ".json": "application/json", ".onnx": "application/octet-stream" };

function serveModel(): Connect.NextHandleFunction {
  return (req, res, next) => {
    const match = /^\/models\/default\/([\w.-]+)$/.exec((req.url ?? "").split("?")[0]!);
    if (!match || !MODEL_FILES.includes(match[1]!)) return next();
    const file = path.join(modelDir, match[1]!);
    if (!existsSync(file)) return next();
    res.setHeader("Content-Type", TYPES[path.extname(file)] ?? "application/octet-stream");
    res.setHeader("Content-Length", String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
}

/** Serves models/default at /models/default/ and copies it into the build output. */
function defaultModel(): Plugin {
  return {
    name: "semantic-highlight-default-model",
    configureServer: (server) => void server.middlewares.use(serveModel()),
    configurePreviewServer: (server) => void server.middlewares.use(serveModel()),
    generateBundle() {
      for (const name of MODEL_FILES) {
        if (existsSync(path.join(modelDir, name))) this.emitFile({ type: "asset", fileName: `models/default/${name}`, source: readFileSync(path.join(modelDir, name)) });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [defaultModel()],
  resolve: { conditions: ["browser"] },
  // onnxruntime-web loads its .wasm next to its own script; pre-bundling would move the script away from it.
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  build: { outDir: path.resolve(here, "dist"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2048 },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
