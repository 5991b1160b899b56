// Runs the TypeScript checkpoint converter from the sources (for the Python tests, which compare it with
// export_hf_checkpoint.py):  node_modules/.bin/tsx tools/model/ts_convert.mts CHECKPOINT OUT
import { convertCheckpoint } from "../../packages/core/src/models/convert/convert.js";

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error("usage: tsx tools/model/ts_convert.mts CHECKPOINT OUT");
  process.exit(2);
}
const result = await convertCheckpoint(src, out, { overwrite: true });
console.log(JSON.stringify({ layout: result.layout, maxLength: result.maxLength, threshold: result.threshold, weights: result.weightFiles }));
