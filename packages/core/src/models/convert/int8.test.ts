import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { SemanticHighlighter } from "../../highlighter.js";
import { repoRoot } from "../../test-support/models.js";
import { copyCheckpoint, maxDiffToTorch, maxLogitDiff, referenceBatches, runBatches } from "../../test-support/checkpoints.js";
import { convertCheckpoint } from "./convert.js";
import { int8Plan, quantizeRows, writeWeights } from "./int8.js";
import { decodeOnnxModel, OnnxDataType } from "./onnx-proto.js";
import { readSafetensorsHeader } from "./safetensors.js";

const outDir = () => path.join(mkdtempSync(path.join(tmpdir(), "sh-int8-")), "model");
const softmax1 = (a: number, b: number) => 1 / (1 + Math.exp(a - b));

describe("quantizeRows", () => {
  it("gives each row (a Linear's output column) its own symmetric scale and writes the weight transposed to [in, out]", async () => {
    // W [out = 2, in = 3]
    const w = Float32Array.from([0.5, -1, 0.25, 2, 0, -2]);
    const { q, scale } = await quantizeRows(w, 2, 3, { qmax: 127, transpose: true });
    expect([...scale]).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    // [in = 3, out = 2]: column o holds row o of W
    expect([...q]).toEqual([64, 127, -127, 0, 32, -127]);
    const { q: rows } = await quantizeRows(w, 2, 3, { qmax: 127, transpose: false });
    expect([...rows]).toEqual([64, -127, 32, 127, 0, -127]);
  });

  it("keeps an all-zero row exact, bounds the error by half a step, honours the 7-bit range, and rejects NaN", async () => {
    const w = Float32Array.from({ length: 4 * 64 }, (_, i) => (i < 64 ? 0 : Math.sin(i * 12.9898) * (1 + (i % 7))));
    const { q, scale } = await quantizeRows(w, 4, 64, { qmax: 63, transpose: false });
    expect(scale[0]).toBe(1);
    expect(q.subarray(0, 64).every((v) => v === 0)).toBe(true);
    expect(Math.max(...q.map(Math.abs))).toBe(63);
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i]! * scale[Math.floor(i / 64)]! - w[i]!)).toBeLessThanOrEqual(scale[Math.floor(i / 64)]! / 2 + 1e-7);
    w[70] = Number.NaN;
    await expect(quantizeRows(w, 4, 64, { qmax: 127, transpose: true })).rejects.toThrow(/row 1 .*not finite/);
  });
});

describe("convertCheckpoint with int8", () => {
  it.each(["open-provence", "flat-sharded", "xprovence", "bf16", "fp16"])(
    "%s: int8 weights (encoder Linears per column, embedding rows) agree with the float32 graph within bounds",
    async (fixture) => {
      const src = copyCheckpoint(fixture);
      const fp32 = outDir();
      const int8 = outDir();
      await convertCheckpoint(src, fp32);
      // embeddingMinElements 0: the fixtures' tables are tiny, but the int8 path for them must be exercised
      const result = await convertCheckpoint(src, int8, { int8: { embeddingMinElements: 0 } });
      expect(result.quantization).toMatchObject({ linearQuantized: 12, embeddingsQuantized: 2, reduceRange: false });
      expect(result.weightFiles.map((f) => [f.file, f.how])).toEqual([["model.onnx_data", "quantized"]]);
      expect(readdirSync(int8).sort()).toEqual(["highlight_config.json", "model.onnx", "model.onnx_data", "tokenizer.json", "tokenizer_config.json"]);

      const model = decodeOnnxModel(readFileSync(path.join(int8, "model.onnx")));
      const ops = model.graph.node.map((n) => n.opType);
      expect(ops.filter((op) => op === "DynamicQuantizeMatMul")).toHaveLength(12);
      const query = model.graph.initializer.find((t) => t.name === "roberta.encoder.layer.0.attention.self.query.weight")!;
      expect(query).toMatchObject({ dataType: OnnxDataType.INT8, dims: [16, 16] });
      const ffn = model.graph.initializer.find((t) => t.name === "roberta.encoder.layer.0.intermediate.dense.weight")!;
      expect(ffn).toMatchObject({ dataType: OnnxDataType.INT8, dims: [16, 32] }); // [in, out]
      // heads stay float32
      expect(model.graph.initializer.find((t) => t.name === "pruning_head.weight")).toMatchObject({ dataType: OnnxDataType.FLOAT, dims: [2, 16] });
      expect(model.graph.initializer.find((t) => t.name === "classifier.dense.weight")).toMatchObject({ dataType: OnnxDataType.FLOAT });

      const batches = referenceBatches(src);
      const a = await runBatches(fp32, batches);
      const b = await runBatches(int8, batches);
      // Bounds from these fixtures (measured: logits ≤ 0.030, keep probabilities ≤ 0.010; hidden 16 means few
      // terms per dot product, so int8 error is relatively large here; the zilliz shape's numbers are in bench/results).
      expect(maxLogitDiff(a, b)).toBeLessThan(0.06);
      let probDiff = 0;
      a.forEach((x, i) => {
        for (let j = 0; j < x.pruning.length; j += 2) {
          probDiff = Math.max(probDiff, Math.abs(softmax1(x.pruning[j]!, x.pruning[j + 1]!) - softmax1(b[i]!.pruning[j]!, b[i]!.pruning[j + 1]!)));
        }
      });
      expect(probDiff).toBeLessThan(0.02);
      expect(maxLogitDiff(a, b)).toBeGreaterThan(0); // it really is a different (quantized) graph
      const config = JSON.parse(readFileSync(path.join(int8, "highlight_config.json"), "utf8")) as Record<string, unknown>;
      expect(config).toMatchObject({ name: `${fixture}-int8`, model_file: "model.onnx", external_data: ["model.onnx_data"], quantization: { linearQuantized: 12 } });
    },
  );

  it("the plain int8 graph (standard ONNX: DynamicQuantizeLinear → MatMulInteger) computes what the fused one does", async () => {
    const src = copyCheckpoint("open-provence");
    const fused = outDir();
    const plain = outDir();
    await convertCheckpoint(src, fused, { int8: true });
    await convertCheckpoint(src, plain, { int8: true, graph: "plain" });
    const ops = decodeOnnxModel(readFileSync(path.join(plain, "model.onnx"))).graph.node.map((n) => n.opType);
    expect(ops.filter((op) => op === "MatMulInteger")).toHaveLength(12);
    // one activation quantization per distinct input: q/k/v share theirs
    expect(ops.filter((op) => op === "DynamicQuantizeLinear")).toHaveLength(8);
    const batches = referenceBatches(src);
    expect(maxLogitDiff(await runBatches(fused, batches), await runBatches(plain, batches))).toBeLessThan(1e-4);
  });

  it("7-bit weights (reduceRange) stay close to float32 too, and the folder loads and highlights", async () => {
    const src = copyCheckpoint("open-provence");
    const out = outDir();
    const result = await convertCheckpoint(src, out, { int8: { reduceRange: true } });
    expect(result.quantization).toMatchObject({ reduceRange: true, embeddingsQuantized: 0 });
    expect(await maxDiffToTorch(out, src)).toBeLessThan(0.2);
    const highlighter = await SemanticHighlighter.load(out, { backend: "in-process" });
    const response = await highlighter.highlightOne("What is converted?", "The checkpoint is converted. It runs in TypeScript.");
    expect(response.sentences).toHaveLength(2);
    await highlighter.dispose();
  });

  it("fails loudly (QUANTIZATION) instead of writing an int8 folder with nothing quantized, and on a weight that is not finite", async () => {
    const src = copyCheckpoint("open-provence");
    const entries = await readSafetensorsHeader(path.join(src, "model.safetensors"));
    const bias = entries.find((e) => e.name.endsWith("layer.0.attention.self.query.bias"))!;
    const dir = mkdtempSync(path.join(tmpdir(), "sh-int8-"));
    const plan = int8Plan({ vocabSize: 8002, hidden: 16, layers: 2, heads: 4, intermediate: 32, maxPositionEmbeddings: 514, padTokenId: 1, layerNormEps: 1e-5, typeVocabSize: 1 });
    const error = await writeWeights([["roberta.encoder.layer.0.attention.self.query.bias", bias]], plan, path.join(dir, "model.onnx_data"), "model.onnx_data").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConversionError);
    expect(error).toMatchObject({ reason: "QUANTIZATION" });
    expect((error as Error).message).toMatch(/no encoder Linear weight to quantize/);

    // A NaN in a query weight: float32 conversion does not read values, int8 must refuse.
    const weight = entries.find((e) => e.name.endsWith("layer.1.attention.self.query.weight"))!;
    const file = path.join(src, "model.safetensors");
    const bytes = readFileSync(file);
    bytes.writeFloatLE(Number.NaN, weight.offset + 4 * 17);
    writeFileSync(file, bytes);
    const target = outDir();
    const nan = await convertCheckpoint(src, target, { int8: true }).catch((e: unknown) => e);
    expect(nan).toMatchObject({ reason: "QUANTIZATION" });
    expect((nan as Error).message).toMatch(/layer\.1\.attention\.self\.query\.weight: row 1 holds a value that is not finite/);
    expect(existsSync(target)).toBe(false);
  });
});

describe("tools/model/quantize_int8.py on a TypeScript-converted folder", () => {
  const python = "/usr/bin/python3";
  const hasOnnx = (() => {
    try {
      execFileSync(python, ["-c", "import onnx, numpy"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOnnx)("fails loudly instead of writing an int8 folder in which nothing is quantized", async () => {
    for (const graph of ["fused", "plain"] as const) {
      const out = outDir();
      await convertCheckpoint(copyCheckpoint("open-provence"), out, { graph });
      const dst = `${out}-int8`;
      const run = spawnSync(python, [path.join(repoRoot, "tools/model/quantize_int8.py"), out, dst], { encoding: "utf8" });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/nothing was quantized.*convert CKPT --out DIR --int8/s);
      expect(existsSync(dst)).toBe(false);
    }
  });
});
