#!/usr/bin/env node
// Runs two model folders with onnxruntime-node on the input batches of A's reference_outputs.json and prints
// the largest difference of their logits; exits 1 above atol (default 1e-4).
//
//   node tools/model/compare_onnx.mjs DIR_A DIR_B [atol]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const require = createRequire(join(process.cwd(), "package.json"));
const ort = require("onnxruntime-node");

const [a, b] = process.argv.slice(2, 4).map((d) => resolve(d));
const atol = Number(process.argv[4] ?? 1e-4);
const ref = JSON.parse(readFileSync(join(a, "reference_outputs.json"), "utf8"));
const open = (dir) => ort.InferenceSession.create(join(dir, JSON.parse(readFileSync(join(dir, "highlight_config.json"), "utf8")).model_file));
const [sa, sb] = [await open(a), await open(b)];
let worst = 0;
for (const batch of ref.batches) {
  const [n, s] = [batch.input_ids.length, batch.input_ids[0].length];
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(batch.input_ids.flat().map(BigInt)), [n, s]),
    attention_mask: new ort.Tensor("int64", BigInt64Array.from(batch.attention_mask.flat().map(BigInt)), [n, s]),
  };
  const [oa, ob] = [await sa.run(feeds), await sb.run(feeds)];
  for (const name of sa.outputNames) {
    if (!ob[name]) throw new Error(`${b} has no output ${name}`);
    const [x, y] = [oa[name].data, ob[name].data];
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
}
console.log(`max |A - B| = ${worst.toExponential(2)} over ${ref.batches.length} batches (atol ${atol})`);
process.exit(worst <= atol ? 0 : 1);
