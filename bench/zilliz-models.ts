/**
 * The four zilliz-shaped model folders bench/speed.ts compares, converted by the TypeScript converter from
 * models/zilliz-checkpoint (tools/model/build_zilliz_checkpoint.py: random weights, the exact shape and
 * layout of zilliz/semantic-highlight-bilingual-v1): float32 and int8, fused (default) and plain graph; and float32 fused with its Linear weights written
 * transposed (the alternative to reading the checkpoint's bytes in place).
 * Existing folders are kept (`--force` rebuilds). Prints each conversion's wall time and peak RSS.
 *
 *   npm run bench:speed:models
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { convertCheckpoint, type ConvertOptions } from "../packages/core/src/index.js";
import { ROOT } from "./workload.js";

const checkpoint = path.join(ROOT, "models/zilliz-checkpoint");
if (!existsSync(checkpoint)) throw new Error(`${checkpoint} is missing: run /usr/bin/python3 tools/model/build_zilliz_checkpoint.py first`);
const force = process.argv.includes("--force");
const folders: [string, ConvertOptions][] = [
  ["models/zilliz-shape-ts", {}],
  ["models/zilliz-shape-ts-plain", { graph: "plain" }],
  ["models/zilliz-shape-ts-int8", { int8: true }],
  ["models/zilliz-shape-ts-int8-plain", { int8: true, graph: "plain" }],
  ["models/zilliz-shape-ts-transposed", { weights: "transposed" }],
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
