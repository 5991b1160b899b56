/**
 * Checkpoint fixtures for tests that break them: a copy of a committed checkpoint (models/test/checkpoints)
 * with the tiny-xlmr tokenizer, and raw access to safetensors files (header JSON and data bytes) so a test
 * can write exactly the hostile header it means.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";

import { repoRoot, testModels } from "./models.js";

/** The committed checkpoint fixtures. */
export const checkpointFixtures = path.join(repoRoot, "models/test/checkpoints");

/** A checkpoint fixture copied to a fresh temporary folder, with the tiny-xlmr tokenizer files. */
export function copyCheckpoint(layout: string, tokenizer: "json" | "spm" | "none" = "json"): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-ckpt-")), layout);
  cpSync(path.join(checkpointFixtures, layout), dir, { recursive: true });
  if (tokenizer === "json") {
    cpSync(path.join(testModels.tinyXlmr, "tokenizer.json"), path.join(dir, "tokenizer.json"));
    cpSync(path.join(testModels.tinyXlmr, "tokenizer_config.json"), path.join(dir, "tokenizer_config.json"));
  } else if (tokenizer === "spm") {
    cpSync(path.join(testModels.tinyXlmr, "sentencepiece.bpe.model"), path.join(dir, "sentencepiece.bpe.model"));
  }
  return dir;
}

/** A fresh output path (its parent exists and is empty). */
export function freshOutDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "sh-conv-")), "model");
}

/** The header (parsed JSON) and data bytes of a safetensors file. */
export function readSafetensorsFile(file: string): { header: Record<string, unknown>; data: Buffer } {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>, data: bytes.subarray(8 + n) };
}

/** Writes a safetensors file from a header (any JSON value, or raw header text) and data bytes, padding the header to 8 bytes. */
export function writeSafetensorsFile(file: string, header: unknown, data: Uint8Array): void {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  text += " ".repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  writeFileSync(file, Buffer.concat([head, Buffer.from(text), data]));
}

/** Rewrites the header of a safetensors file (data untouched): `edit` changes it in place, or returns the new header (null included). */
export function editSafetensorsHeader(file: string, edit: (header: Record<string, unknown>) => unknown): void {
  const { header, data } = readSafetensorsFile(file);
  const edited = edit(header);
  writeSafetensorsFile(file, edited === undefined ? header : edited, data);
}

/** Rewrites a JSON file of a checkpoint: `edit` changes it in place, or returns the new content (null included). */
export function editJson(file: string, edit: (json: Record<string, unknown>) => unknown): void {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const edited = edit(json);
  writeFileSync(file, JSON.stringify(edited === undefined ? json : edited));
}

/** One batch of a fixture's reference_outputs.json (torch outputs). */
export interface ReferenceBatch {
  input_ids: number[][];
  attention_mask: number[][];
  pruning_logits: number[][][];
  ranking_logits?: number[][];
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
