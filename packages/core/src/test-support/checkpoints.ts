/** Checkpoint fixtures (models/test/checkpoints, built by tools/model/build_checkpoint_fixtures.py) and their torch reference outputs. */
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";

import { repoRoot, testModels } from "./models.js";

export const checkpointFixtures = path.join(repoRoot, "models/test/checkpoints");

/** One batch of a fixture's reference_outputs.json (torch outputs). */
export interface ReferenceBatch {
  input_ids: number[][];
  attention_mask: number[][];
  pruning_logits: number[][][];
  ranking_logits?: number[][];
}

/** A checkpoint fixture copied to a temporary folder, with tiny-xlmr's tokenizer files. */
export function checkpointFixture(layout: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-ckpt-")), layout);
  cpSync(path.join(checkpointFixtures, layout), dir, { recursive: true });
  cpSync(path.join(testModels.tinyXlmr, "tokenizer.json"), path.join(dir, "tokenizer.json"));
  cpSync(path.join(testModels.tinyXlmr, "tokenizer_config.json"), path.join(dir, "tokenizer_config.json"));
  return dir;
}

/** The fixture's torch reference batches. */
export function referenceBatches(checkpointDir: string): ReferenceBatch[] {
  return (JSON.parse(readFileSync(path.join(checkpointDir, "reference_outputs.json"), "utf8")) as { batches: ReferenceBatch[] }).batches;
}

/** Logits of a converted folder's model.onnx on the given batches (flat, per batch). */
export async function runBatches(modelDir: string, batches: Pick<ReferenceBatch, "input_ids" | "attention_mask">[]): Promise<{ pruning: Float32Array; ranking: Float32Array | null }[]> {
  const session = await ort.InferenceSession.create(path.join(modelDir, "model.onnx"));
  try {
    const results = [];
    for (const batch of batches) {
      const dims = [batch.input_ids.length, batch.input_ids[0]!.length];
      const out = await session.run({
        input_ids: new ort.Tensor("int64", BigInt64Array.from(batch.input_ids.flat().map(BigInt)), dims),
        attention_mask: new ort.Tensor("int64", BigInt64Array.from(batch.attention_mask.flat().map(BigInt)), dims),
      });
      results.push({ pruning: out.pruning_logits!.data as Float32Array, ranking: out.ranking_logits ? (out.ranking_logits.data as Float32Array) : null });
    }
    return results;
  } finally {
    await session.release();
  }
}

/** Largest |a − b| over two runs of the same batches. */
export function maxLogitDiff(a: Awaited<ReturnType<typeof runBatches>>, b: Awaited<ReturnType<typeof runBatches>>): number {
  let diff = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    x.pruning.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - y.pruning[j]!))));
    x.ranking?.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - y.ranking![j]!))));
  });
  return diff;
}

/** Largest |onnxruntime − torch| over a fixture's reference batches. */
export async function maxDiffToTorch(modelDir: string, checkpointDir: string): Promise<number> {
  const batches = referenceBatches(checkpointDir);
  const ours = await runBatches(modelDir, batches);
  return maxLogitDiff(
    ours,
    batches.map((b) => ({ pruning: Float32Array.from(b.pruning_logits.flat(2)), ranking: b.ranking_logits ? Float32Array.from(b.ranking_logits.flat()) : null })),
  );
}
