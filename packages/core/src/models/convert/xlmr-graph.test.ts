import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { copyCheckpoint, maxDiffToTorch, maxLogitDiff, referenceBatches, runBatches } from "../../test-support/checkpoints.js";
import { convertCheckpoint } from "./convert.js";
import { decodeOnnxModel, type OnnxGraph } from "./onnx-proto.js";

const outDir = () => path.join(mkdtempSync(path.join(tmpdir(), "sh-graph-")), "model");

/** Operator counts of a model file, subgraphs (If branches) included. */
function opCounts(modelFile: string): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (graph: OnnxGraph) => {
    for (const node of graph.node) {
      const op = node.domain ? `${node.domain}.${node.opType}` : node.opType;
      counts.set(op, (counts.get(op) ?? 0) + 1);
      for (const attribute of node.attribute ?? []) if (attribute.g) walk(attribute.g);
    }
  };
  walk(decodeOnnxModel(readFileSync(modelFile)).graph);
  return counts;
}

describe("XLM-R graph operator sets", () => {
  it.each(["open-provence", "flat-sharded", "xprovence", "bf16", "fp16"])("%s: the fused and the plain graph both match torch within 1e-4", async (fixture) => {
    const src = copyCheckpoint(fixture);
    for (const graph of ["fused", "plain"] as const) {
      const out = outDir();
      await convertCheckpoint(src, out, { graph });
      expect(await maxDiffToTorch(out, src)).toBeLessThanOrEqual(1e-4);
    }
  });

  it("fused is the default: onnxruntime's attention, skip-LayerNorm and bias-GELU kernels, weights read in place without Transpose", async () => {
    const src = copyCheckpoint("open-provence"); // 2 layers
    const fused = outDir();
    const plain = outDir();
    await convertCheckpoint(src, fused);
    await convertCheckpoint(src, plain, { graph: "plain" });
    const f = opCounts(path.join(fused, "model.onnx"));
    // one MultiHeadAttention per If branch (unpadded / padded batch) per layer
    expect(f.get("com.microsoft.MultiHeadAttention")).toBe(4);
    expect(f.get("If")).toBe(2);
    expect(f.get("com.microsoft.SkipLayerNormalization")).toBe(4);
    expect(f.get("com.microsoft.BiasGelu")).toBe(2);
    // 6 per layer + pruning head + ranking dense + out_proj
    expect(f.get("com.microsoft.FusedMatMul")).toBe(15);
    for (const op of ["Transpose", "Softmax", "Erf", "MatMul"]) expect(f.has(op)).toBe(false);
    const p = opCounts(path.join(plain, "model.onnx"));
    expect([...p.keys()].every((op) => !op.includes("."))).toBe(true); // standard ONNX only
    expect(p.get("Softmax")).toBe(2);
    const model = decodeOnnxModel(readFileSync(path.join(fused, "model.onnx")));
    expect(model.opsetImport).toEqual([{ domain: "", version: 17 }, { domain: "com.microsoft", version: 1 }]);
    // every float32 weight still points into the linked checkpoint file
    expect(model.graph.initializer.filter((t) => t.externalData).every((t) => t.externalData!.some((e) => e.key === "location" && e.value === "model.safetensors"))).toBe(true);
  });

  it("a block alone (no padding: the flash-attention branch) and the same block in a padded batch (masked branch) give the same logits", async () => {
    const src = copyCheckpoint("open-provence");
    const out = outDir();
    await convertCheckpoint(src, out);
    const padded = referenceBatches(src).find((b) => b.attention_mask.some((row) => row.includes(0)))!;
    const rows = padded.input_ids.map((ids, r) => {
      const n = padded.attention_mask[r]!.filter((m) => m === 1).length;
      return { input_ids: [ids.slice(0, n)], attention_mask: [padded.attention_mask[r]!.slice(0, n)] };
    });
    const [batch] = await runBatches(out, [padded]);
    const alone = await runBatches(out, rows);
    const seq = padded.input_ids[0]!.length;
    const fromBatch = rows.map((row, r) => ({
      pruning: batch!.pruning.slice(r * seq * 2, r * seq * 2 + row.input_ids[0]!.length * 2),
      ranking: batch!.ranking!.slice(r, r + 1),
    }));
    expect(maxLogitDiff(alone, fromBatch)).toBeLessThanOrEqual(1e-5);
  });
});
