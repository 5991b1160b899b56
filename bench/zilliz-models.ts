/**
 * The four zilliz-shaped model folders bench/speed.ts compares, converted by the TypeScript converter from
 * models/zilliz-checkpoint (tools/model/build_zilliz_checkpoint.py: random weights, the exact shape and
 * layout of zilliz/semantic-highlight-bilingual-v1): float32 and int8, fused (default) and plain graph; and float32 fused with its Linear weights written
 * transposed (the alternative to reading the checkpoint's bytes in place).
 * Existing folders are kept (`--force` rebuilds). Prints each conversion's wall time and peak RSS.
 * `--layers N` makes the same four folders from the first N layers only (`models/zilliz-checkpoint-<N>l`: the
 * config says N layers, the safetensors file is the full checkpoint's, linked) — for bench/profile.ts, where
 * shares of time per operator type are per layer anyway.
 *
 *   npm run bench:speed:models
 *   npx tsx bench/zilliz-models.ts --layers 4
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

import { convertCheckpoint, type ConvertOptions } from "../packages/core/src/index.js";
import { ROOT } from "./workload.js";

const full = path.join(ROOT, "models/zilliz-checkpoint");
if (!existsSync(full)) throw new Error(`${full} is missing: run /usr/bin/python3 tools/model/build_zilliz_checkpoint.py first`);
const force = process.argv.includes("--force");
const layersAt = process.argv.indexOf("--layers");
const layers = layersAt >= 0 ? Number(process.argv[layersAt + 1]) : null;
let checkpoint = full;
let prefix = "models/zilliz-shape-ts";
if (layers !== null) {
  checkpoint = path.join(ROOT, `models/zilliz-checkpoint-${layers}l`);
  prefix = `models/zilliz-shape-${layers}l`;
  mkdirSync(checkpoint, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(full, "config.json"), "utf8")) as { base_model_config: { num_hidden_layers: number } };
  config.base_model_config.num_hidden_layers = layers;
  writeFileSync(path.join(checkpoint, "config.json"), JSON.stringify(config, null, 2));
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(path.join(full, f), path.join(checkpoint, f));
  if (!existsSync(path.join(checkpoint, "model.safetensors"))) symlinkSync(path.join(full, "model.safetensors"), path.join(checkpoint, "model.safetensors"));
}
const folders: [string, ConvertOptions][] = [
  [prefix, {}],
  [`${prefix}-plain`, { graph: "plain" }],
  [`${prefix}-int8`, { int8: true }],
  [`${prefix}-int8-plain`, { int8: true, graph: "plain" }],
  ...(layers === null ? [[`${prefix}-transposed`, { weights: "transposed" }] as [string, ConvertOptions]] : []),
];
for (const [dir, options] of folders) {
  const target = path.join(ROOT, dir);
  if (existsSync(target) && !force) {
    console.log(`${dir}: kept (--force rebuilds)`);
    continue;
  }
  const t = performance.now();
  const result = await convertCheckpoint(checkpoint, target, { ...options, overwrite: true, name: "zilliz-shape" });
  console.log(`${dir}: ${((performance.now() - t) / 1000).toFixed(1)} s, ${result.weightFiles.map((f) => `${f.file} ${f.how} ${(f.bytes / 2 ** 20).toFixed(0)} MB`).join(", ")}; process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
