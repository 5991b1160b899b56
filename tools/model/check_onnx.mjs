#!/usr/bin/env node
// Check an exported model folder with onnxruntime-node against the torch outputs saved
// in its reference_outputs.json (input ids + expected pruning/ranking logits).
//
//   node tools/model/check_onnx.mjs models/default [atol]
//
// Run from the repository root (onnxruntime-node comes from node_modules). Exits 1 on a
// mismatch larger than atol (default: the file's "atol", else 1e-4).
import { readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.cwd(), "package.json"));
const ort = require("onnxruntime-node");

const dir = resolve(process.argv[2] ?? "models/default");
const cfg = JSON.parse(readFileSync(join(dir, "highlight_config.json"), "utf8"));
const ref = JSON.parse(readFileSync(join(dir, "reference_outputs.json"), "utf8"));
const atol = Number(process.argv[3] ?? ref.atol ?? 1e-4);
for (const f of [cfg.model_file, "tokenizer.json"]) {
  if (!existsSync(join(dir, f))) throw new Error(`missing ${f} in ${dir}`);
}
// load by path (a Buffer would lose external data)
const session = await ort.InferenceSession.create(join(dir, cfg.model_file));
console.log("inputs", session.inputNames, "outputs", session.outputNames);

let worst = 0;
let ok = true;
for (const [bi, batch] of ref.batches.entries()) {
  const b = batch.input_ids.length;
  const s = batch.input_ids[0].length;
  const ids = BigInt64Array.from(batch.input_ids.flat().map(BigInt));
  const mask = BigInt64Array.from(batch.attention_mask.flat().map(BigInt));
  const feeds = {
    input_ids: new ort.Tensor("int64", ids, [b, s]),
    attention_mask: new ort.Tensor("int64", mask, [b, s]),
  };
  // optional third input of the contract (graphs with in-graph sentence features)
  if (session.inputNames.includes("sentence_index")) {
    if (!batch.sentence_index) throw new Error(`the graph declares sentence_index but batch ${bi} of reference_outputs.json has none`);
    feeds.sentence_index = new ort.Tensor("int64", BigInt64Array.from(batch.sentence_index.flat().map(BigInt)), [b, s]);
  }
  const out = await session.run(feeds);
  const p = out[cfg.pruning_output ?? "pruning_logits"];
  const hasRank = Boolean(cfg.ranking_output) && batch.ranking_logits !== undefined;
  const r = hasRank ? out[cfg.ranking_output] : { dims: [b, 1], data: new Float32Array(b) };
  const expP = batch.pruning_logits.flat(2);
  const expR = hasRank ? batch.ranking_logits.flat() : [];
  if (p.dims.join() !== [b, s, 2].join() || r.dims.join() !== [b, 1].join()) {
    console.error(`batch ${bi}: bad shapes`, p.dims, r.dims);
    ok = false;
    continue;
  }
  let diff = 0;
  for (let i = 0; i < expP.length; i++) diff = Math.max(diff, Math.abs(p.data[i] - expP[i]));
  for (let i = 0; i < expR.length; i++) diff = Math.max(diff, Math.abs(r.data[i] - expR[i]));
  worst = Math.max(worst, diff);
  // keep probabilities of the first row, for a human look
  const keep = [];
  for (let t = 0; t < s; t++) {
    const a = p.data[2 * t], k = p.data[2 * t + 1];
    keep.push(1 / (1 + Math.exp(a - k)));
  }
  console.log(
    `batch ${bi}: shape [${b},${s}] max|diff| ${diff.toExponential(2)}; row0 rerank ${hasRank ? (1 / (1 + Math.exp(-r.data[0]))).toFixed(3) : "n/a"}; ` +
      `row0 keep prob min/max ${Math.min(...keep).toFixed(3)}/${Math.max(...keep).toFixed(3)}`,
  );
  if (!(diff <= atol)) ok = false;
}
console.log(`${ok ? "OK" : "MISMATCH"}: max |onnxruntime - torch| = ${worst.toExponential(3)} (atol ${atol})`);
process.exit(ok ? 0 : 1);
