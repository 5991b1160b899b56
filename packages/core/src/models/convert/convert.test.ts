import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { SemanticHighlighter } from "../../highlighter.js";
import { testModels } from "../../test-support/models.js";
import { copyCheckpoint as checkpoint, freshOutDir as outDir, readSafetensorsFile, writeSafetensorsFile, type ReferenceBatch } from "../../test-support/checkpoints.js";
import { convertCheckpoint, looksLikeCheckpoint } from "./convert.js";

interface Tensor {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}
import { decodeOnnxModel } from "./onnx-proto.js";


/** Largest |onnxruntime − torch| over the fixture's reference batches. */
async function maxDiffToReference(modelDir: string, reference: string): Promise<{ diff: number; outputs: string[] }> {
  const session = await ort.InferenceSession.create(path.join(modelDir, "model.onnx"));
  const ref = JSON.parse(readFileSync(reference, "utf8")) as { batches: ReferenceBatch[] };
  let diff = 0;
  for (const batch of ref.batches) {
    const [b, s] = [batch.input_ids.length, batch.input_ids[0]!.length];
    const feeds = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(batch.input_ids.flat().map(BigInt)), [b, s]),
      attention_mask: new ort.Tensor("int64", BigInt64Array.from(batch.attention_mask.flat().map(BigInt)), [b, s]),
    };
    const out = await session.run(feeds);
    expect(out.pruning_logits!.dims).toEqual([b, s, 2]);
    const p = out.pruning_logits!.data as Float32Array;
    batch.pruning_logits.flat(2).forEach((v, i) => (diff = Math.max(diff, Math.abs(v - p[i]!))));
    if (batch.ranking_logits) {
      expect(out.ranking_logits!.dims).toEqual([b, 1]);
      const r = out.ranking_logits!.data as Float32Array;
      batch.ranking_logits.flat().forEach((v, i) => (diff = Math.max(diff, Math.abs(v - r[i]!))));
    }
  }
  const outputs = [...session.outputNames];
  await session.release();
  return { diff, outputs };
}

describe("convertCheckpoint", () => {
  it.each([
    ["open-provence", "open-provence"],
    ["flat-sharded", "flat"],
    ["xprovence", "xprovence"],
    ["bf16", "flat"],
    ["fp16", "open-provence"],
  ])("converts the %s checkpoint to a graph that matches torch within 1e-4", async (fixture, layout) => {
    const src = checkpoint(fixture);
    expect(looksLikeCheckpoint(src)).toBe(true);
    const out = outDir();
    const result = await convertCheckpoint(src, out);
    expect(result.layout).toBe(layout);
    const { diff, outputs } = await maxDiffToReference(out, path.join(src, "reference_outputs.json"));
    expect(outputs).toEqual(["pruning_logits", "ranking_logits"]);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(readdirSync(path.dirname(out)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("points float32 weights into the linked safetensors file instead of copying them", async () => {
    const src = checkpoint("open-provence");
    const out = outDir();
    const result = await convertCheckpoint(src, out);
    expect(result.weightFiles).toEqual([{ file: "model.safetensors", how: "linked", bytes: statSync(path.join(src, "model.safetensors")).size }]);
    expect(statSync(path.join(out, "model.safetensors")).ino).toBe(statSync(path.join(src, "model.safetensors")).ino);
    expect(existsSync(path.join(out, "model.onnx_data"))).toBe(false);
    const model = decodeOnnxModel(readFileSync(path.join(out, "model.onnx")));
    const word = model.graph.initializer.find((t) => t.name === "roberta.embeddings.word_embeddings.weight")!;
    expect(word.dataLocation).toBe(1);
    expect(Object.fromEntries(word.externalData!.map((e) => [e.key, e.value]))).toMatchObject({ location: "model.safetensors", length: String(8002 * 16 * 4) });
    expect(statSync(path.join(out, "model.onnx")).size).toBeLessThan(100_000);
  });

  it("widens bfloat16 and float16 weights into one model.onnx_data", async () => {
    for (const fixture of ["bf16", "fp16"]) {
      const out = outDir();
      const result = await convertCheckpoint(checkpoint(fixture), out);
      expect(result.weightFiles.map((f) => [f.file, f.how])).toEqual([["model.onnx_data", "written"]]);
      expect(readdirSync(out).sort()).toEqual(["highlight_config.json", "model.onnx", "model.onnx_data", "tokenizer.json", "tokenizer_config.json"]);
    }
  });

  it("writes the checkpoint's max_length and the reference threshold rules into highlight_config.json", async () => {
    const read = async (fixture: string) => {
      const out = outDir();
      await convertCheckpoint(checkpoint(fixture), out);
      return JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8")) as Record<string, unknown>;
    };
    // default_threadshold 0.0 (the reference's spelling) is kept, not replaced by a fallback
    expect(await read("open-provence")).toMatchObject({ max_length: 384, threshold: 0, format: "semantic-highlight/v1", vocab_size: 8002, pad_token_id: 1 });
    // nothing in config.json: the reference defaults 512 and 0.1
    expect(await read("flat-sharded")).toMatchObject({ max_length: 512, threshold: 0.1, graph_vocab_size: 1000 });
    expect(await read("fp16")).toMatchObject({ max_length: 512, threshold: 0.25 });
  });

  it("produces a folder that SemanticHighlighter loads and runs", async () => {
    const out = outDir();
    await convertCheckpoint(checkpoint("open-provence"), out);
    const highlighter = await SemanticHighlighter.load(out, { backend: "in-process" });
    const result = await highlighter.highlightOne("What is converted?", "The checkpoint is converted. It runs in TypeScript.");
    expect(result.sentences).toHaveLength(2);
    expect(result.rerankScore).toBeGreaterThanOrEqual(0);
    await highlighter.dispose();
  });

  it("builds tokenizer.json from sentencepiece.bpe.model exactly as the Python tooling does", async () => {
    const out = outDir();
    const result = await convertCheckpoint(checkpoint("open-provence", "spm"), out);
    expect(result.tokenizer).toBe("converted sentencepiece.bpe.model");
    const built = JSON.parse(readFileSync(path.join(out, "tokenizer.json"), "utf8")) as unknown;
    const reference = JSON.parse(readFileSync(path.join(testModels.tinyXlmr, "tokenizer.json"), "utf8")) as unknown;
    expect(built).toEqual(reference);
  });

  it("replaces an existing folder only when asked, and leaves nothing behind when conversion fails", async () => {
    const out = outDir();
    await convertCheckpoint(checkpoint("xprovence"), out);
    await expect(convertCheckpoint(checkpoint("xprovence"), out)).rejects.toMatchObject({ reason: "WRITE" });
    await convertCheckpoint(checkpoint("flat-sharded"), out, { overwrite: true });
    expect(JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8"))).toMatchObject({ conversion: { layout: "flat" } });

    const broken = checkpoint("flat-sharded", "none");
    const target = outDir();
    await expect(convertCheckpoint(broken, target)).rejects.toMatchObject({ reason: "TOKENIZER" });
    expect(readdirSync(path.dirname(target))).toEqual([]);
  });
});

describe("convertCheckpoint errors", () => {
  /** Rewrites a fixture's safetensors file with renamed tensors; tensors renamed to null are dropped with their bytes. */
  function renameTensors(dir: string, rename: (name: string) => string | null): void {
    const file = path.join(dir, "model.safetensors");
    const { header, data } = readSafetensorsFile(file);
    const renamed: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    let at = 0;
    const entries = Object.entries(header).sort(([, a], [, b]) => ((a as Tensor).data_offsets?.[0] ?? -1) - ((b as Tensor).data_offsets?.[0] ?? -1));
    for (const [k, v] of entries) {
      if (k === "__metadata__") {
        renamed[k] = v;
        continue;
      }
      const name = rename(k);
      if (name === null) continue;
      const [begin, end] = (v as Tensor).data_offsets;
      chunks.push(data.subarray(begin, end));
      renamed[name] = { ...(v as Tensor), data_offsets: [at, at + end - begin] };
      at += end - begin;
    }
    writeSafetensorsFile(file, renamed, Buffer.concat(chunks));
  }

  it("names the non-encoder tensors when the pruning head is not recognised", async () => {
    const src = checkpoint("xprovence");
    renameTensors(src, (k) => k.replace("token_classifier.", "mystery_layer.").replace(/^classifier\./, "other_head."));
    const error = await convertCheckpoint(src, outDir(), { allowMissingRankingHead: true, pruningHeadPrefix: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConversionError);
    expect(error).toMatchObject({ code: "CONVERSION", reason: "NO_PRUNING_HEAD" });
    expect((error as Error).message).toMatch(/mystery_layer\.weight \[2, 16\]/);
  });

  it("refuses a checkpoint without a ranking head unless allowed, then emits pruning_logits only", async () => {
    const src = checkpoint("xprovence");
    renameTensors(src, (k) => (k.startsWith("classifier.") ? null : k));
    await expect(convertCheckpoint(src, outDir())).rejects.toMatchObject({ reason: "NO_RANKING_HEAD" });
    const out = outDir();
    await convertCheckpoint(src, out, { allowMissingRankingHead: true });
    const session = await ort.InferenceSession.create(path.join(out, "model.onnx"));
    expect(session.outputNames).toEqual(["pruning_logits"]);
    await session.release();
    expect(JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8"))).toMatchObject({ ranking_output: null });
  });

  it("says that pickled PyTorch weights need the Python exporter", async () => {
    const src = checkpoint("xprovence");
    writeFileSync(path.join(src, "pytorch_model.bin"), "");
    renameTensors(src, (k) => k);
    cpSync(path.join(src, "model.safetensors"), path.join(src, "elsewhere.safetensors"));
    const { rmSync } = await import("node:fs");
    rmSync(path.join(src, "model.safetensors"));
    const error = await convertCheckpoint(src, outDir()).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "UNSUPPORTED_FORMAT" });
    expect((error as Error).message).toMatch(/export_hf_checkpoint\.py/);
  });

  it("rejects an encoder that is not XLM-RoBERTa and a missing encoder layer by name", async () => {
    const src = checkpoint("flat-sharded");
    const configFile = path.join(src, "config.json");
    const config = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, model_type: "bert" }));
    await expect(convertCheckpoint(src, outDir())).rejects.toMatchObject({ reason: "UNSUPPORTED_CONFIG" });
    writeFileSync(configFile, JSON.stringify({ ...config, num_hidden_layers: 3 }));
    const error = await convertCheckpoint(src, outDir()).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "UNKNOWN_LAYOUT" });
    expect((error as Error).message).toMatch(/roberta\.encoder\.layer\.2\.attention\.self\.query\.weight/);
  });
});
