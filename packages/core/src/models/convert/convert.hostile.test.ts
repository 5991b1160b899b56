/**
 * Hostile checkpoints: every malformed or malicious input gives a typed ConversionError naming the file,
 * in bounded time and memory, reads nothing outside the checkpoint folder, and leaves no output behind.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { copyCheckpoint, editJson, editSafetensorsHeader, freshOutDir, readSafetensorsFile, writeSafetensorsFile } from "../../test-support/checkpoints.js";
import { convertCheckpoint } from "./convert.js";
import { MAX_CHECKPOINT_HEADER_BYTES, MAX_CHECKPOINT_TENSORS, MAX_SAFETENSORS_HEADER_BYTES } from "./safetensors.js";

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;

/** Converts, expecting a ConversionError; checks that nothing was left at or beside the output. */
async function refused(src: string, reason: string, message?: RegExp): Promise<ConversionError> {
  const out = freshOutDir();
  const error = await convertCheckpoint(src, out).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${reason}`).toBeInstanceOf(ConversionError);
  expect(error).toMatchObject({ code: "CONVERSION", reason });
  if (message) expect((error as Error).message).toMatch(message);
  expect(readdirSync(path.dirname(out))).toEqual([]);
  return error as ConversionError;
}

const weights = (dir: string) => path.join(dir, "model.safetensors");
const BIAS = "pruning_head.classifier.bias";

describe("hostile config.json", () => {
  it("refuses num_hidden_layers 1e9 from the tensors present, at once (was 2.5 GB RSS, then an untyped RangeError)", async () => {
    const src = copyCheckpoint("open-provence");
    editJson(path.join(src, "config.json"), (c) => void ((c.base_model_config as Record<string, unknown>).num_hidden_layers = 1e9));
    const started = performance.now();
    await refused(src, "UNKNOWN_LAYOUT", /num_hidden_layers 1000000000, the checkpoint has 2 layer/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it.each([
    ["null", null, "UNSUPPORTED_CONFIG"],
    ["an array", [], "UNSUPPORTED_CONFIG"],
    ["a string layer count", { num_hidden_layers: "2" }, "UNSUPPORTED_CONFIG"],
    ["a huge hidden size", { hidden_size: 1e12 }, "UNSUPPORTED_CONFIG"],
    ["a hidden size the embeddings do not have", { hidden_size: 32, num_attention_heads: 4 }, "SHAPE_MISMATCH"],
    ["a vocabulary the embeddings do not have", { vocab_size: 9000 }, "SHAPE_MISMATCH"],
    ["a negative layer_norm_eps", { layer_norm_eps: -1 }, "UNSUPPORTED_CONFIG"],
    ["pad_token_id past the vocabulary", { pad_token_id: 9000 }, "UNSUPPORTED_CONFIG"],
    ["zero heads", { num_attention_heads: 0 }, "UNSUPPORTED_CONFIG"],
  ])("refuses a config.json with %s", async (_what, edit, reason) => {
    const src = copyCheckpoint("open-provence");
    editJson(path.join(src, "config.json"), (c) => (edit === null || Array.isArray(edit) ? edit : { ...c, base_model_config: { ...(c.base_model_config as object), ...edit } }));
    await refused(src, reason);
  });

  it("refuses config.json that is not JSON, naming the file", async () => {
    const src = copyCheckpoint("open-provence");
    writeFileSync(path.join(src, "config.json"), "{ nope");
    const error = await refused(src, "UNSUPPORTED_FORMAT", /config\.json: not valid JSON/);
    expect(error.source).toBe(path.join(src, "config.json"));
  });
});

describe("hostile safetensors headers", () => {
  it.each<[string, (h: Header) => unknown, string, RegExp]>([
    ["a null header", () => null, "UNSUPPORTED_FORMAT", /the header is null, not a JSON object/],
    ["an array header", () => [], "UNSUPPORTED_FORMAT", /an array, not a JSON object/],
    ["a null entry", (h) => ({ ...h, extra: null }), "UNSUPPORTED_FORMAT", /tensor "extra" is not an object/],
    ["data_offsets 5", (h) => void ((h[BIAS] as { data_offsets: unknown }).data_offsets = 5), "UNSUPPORTED_FORMAT", /"data_offsets" must be \[begin, end\]/],
    ["negative offsets (reading into the header)", (h) => void (h[BIAS]!.data_offsets = [-8, 0]), "UNSUPPORTED_FORMAT", /"data_offsets" must be/],
    ["fractional offsets", (h) => void (h[BIAS]!.data_offsets = [h[BIAS]!.data_offsets[0] + 0.5, h[BIAS]!.data_offsets[1] + 0.5]), "UNSUPPORTED_FORMAT", /"data_offsets" must be/],
    ["offsets overlapping another tensor", (h) => void (h[BIAS]!.data_offsets = [h["ranking_model.classifier.dense.bias"]!.data_offsets[0], h["ranking_model.classifier.dense.bias"]!.data_offsets[0] + 8]), "UNSUPPORTED_FORMAT", /without gap or overlap/],
    ["a shape that does not match the bytes", (h) => void (h[BIAS]!.shape = [3]), "UNSUPPORTED_FORMAT", /hold 8 bytes, but shape \[3\] F32 needs 12/],
    ["a shape whose product overflows", (h) => void (h[BIAS]!.shape = [2 ** 40, 2 ** 40]), "UNSUPPORTED_FORMAT", /overflows/],
    ["a negative dimension", (h) => void (h[BIAS]!.shape = [-2]), "UNSUPPORTED_FORMAT", /"shape" must be an array of non-negative integers/],
    ["an unknown dtype", (h) => void (h[BIAS]!.dtype = "F8_E4M3"), "UNSUPPORTED_DTYPE", /"F8_E4M3"/],
    ["a dtype that is not a string", (h) => void ((h[BIAS] as { dtype: unknown }).dtype = { toString: 1 }), "UNSUPPORTED_DTYPE", /dtype/],
    ["a dtype named like an Object.prototype member", (h) => void (h[BIAS]!.dtype = "constructor"), "UNSUPPORTED_DTYPE", /"constructor"/],
    ["__metadata__ that is not an object of strings", (h) => ({ ...h, __metadata__: { format: 5 } }), "UNSUPPORTED_FORMAT", /__metadata__/],
  ])("refuses %s with a typed error", async (_what, edit, reason, message) => {
    const src = copyCheckpoint("open-provence");
    editSafetensorsHeader(weights(src), (h) => edit(h as Header));
    await refused(src, reason, message);
  });

  it("refuses data the header does not cover, and a header that is not UTF-8", async () => {
    const src = copyCheckpoint("open-provence");
    const { header, data } = readSafetensorsFile(weights(src));
    writeSafetensorsFile(weights(src), header, Buffer.concat([data, Buffer.alloc(16)]));
    await refused(src, "UNSUPPORTED_FORMAT", /the tensors end at byte \d+ but the file has \d+ bytes/);
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(8n);
    writeFileSync(weights(src), Buffer.concat([head, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x20, 0x20, 0x20, 0x20])]));
    await refused(src, "UNSUPPORTED_FORMAT", /not valid UTF-8 JSON/);
  });

  it("does not print a file's first 8 bytes as a number when they are not a header length", async () => {
    const src = copyCheckpoint("open-provence");
    writeFileSync(weights(src), "root:x:0:0:root:/root:/bin/bash\n");
    const error = await refused(src, "UNSUPPORTED_FORMAT", /its first 8 bytes do not give a header length that fits its 32 bytes/);
    expect(error.message).not.toMatch(/\d{6,}/);
  });

  it("refuses a header over 16 MiB without parsing it (a 100 MB header of 1.7 M tensors took 1.6 GB and a minute)", async () => {
    const src = copyCheckpoint("open-provence");
    const { header, data } = readSafetensorsFile(weights(src));
    const text = JSON.stringify(header);
    writeSafetensorsFile(weights(src), text.slice(0, -1) + " ".repeat(MAX_SAFETENSORS_HEADER_BYTES) + "}", data);
    const started = performance.now();
    await refused(src, "UNSUPPORTED_FORMAT", /header of \d+ bytes is over the 16777216 accepted/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("bounds tensors and header bytes across shards too", async () => {
    // Tensor count: two shards of zero-sized tensors that together pass MAX_CHECKPOINT_TENSORS.
    const many = copyCheckpoint("flat-sharded");
    const half = Math.ceil(MAX_CHECKPOINT_TENSORS / 2) + 1;
    for (const shard of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) {
      editSafetensorsHeader(path.join(many, shard), (h) => {
        const extra: Record<string, unknown> = { ...h };
        for (let i = 0; i < half; i++) extra[`${shard}.empty.${i}`] = { dtype: "F32", shape: [0], data_offsets: [0, 0] };
        return extra;
      });
    }
    await refused(many, "UNSUPPORTED_FORMAT", /more than 100000 tensors/);

    // Header bytes: shards each under the per-file cap whose headers add up to more than the checkpoint's.
    const big = copyCheckpoint("flat-sharded");
    const shards = Math.ceil(MAX_CHECKPOINT_HEADER_BYTES / (MAX_SAFETENSORS_HEADER_BYTES - 1024)) + 1;
    const weightMap: Record<string, string> = {};
    for (let i = 0; i < shards; i++) {
      const name = `pad-${i}.safetensors`;
      // {"pad.i": <empty tensor>, then spaces}: a valid header of just under the per-file cap.
      const json = Buffer.from(`{"pad.${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
      const length = MAX_SAFETENSORS_HEADER_BYTES - 1024;
      const head = Buffer.alloc(8);
      head.writeBigUInt64LE(BigInt(length));
      writeFileSync(path.join(big, name), Buffer.concat([head, json, Buffer.alloc(length - json.length - 1, 0x20), Buffer.from("}")]));
      weightMap[`pad.${i}`] = name;
    }
    editJson(path.join(big, "model.safetensors.index.json"), (j) => ({ ...j, weight_map: { ...(j.weight_map as object), ...weightMap } }));
    await refused(big, "UNSUPPORTED_FORMAT", /add up to more than the 67108864 bytes/);
  });
});

describe("hostile shard index", () => {
  const index = (dir: string) => path.join(dir, "model.safetensors.index.json");

  it.each<[string, unknown]>([
    ["a null entry", null],
    ["a parent-folder shard", "../x.safetensors"],
    ["an absolute path", "/etc/passwd"],
    ["a climbing path", "../../../../../../../../etc/passwd"],
    ["a sub-folder", "sub/model.safetensors"],
    ["a backslash path", "..\\x.safetensors"],
    ["a file that is not .safetensors", "config.json"],
    ["a number", 7],
  ])("refuses a weight_map with %s", async (_what, shard) => {
    const src = copyCheckpoint("flat-sharded");
    editJson(index(src), (j) => {
      const map = j.weight_map as Record<string, unknown>;
      map[Object.keys(map)[0]!] = shard;
    });
    await refused(src, "UNSUPPORTED_FORMAT", /"weight_map" names .* a shard must be a plain file name ending in \.safetensors inside the checkpoint folder/);
  });

  it("never reads or links a shard outside the checkpoint folder (was: hard-linked into the output)", async () => {
    const src = copyCheckpoint("flat-sharded");
    const first = "model-00001-of-00002.safetensors";
    cpSync(path.join(src, first), path.join(path.dirname(src), "x.safetensors"));
    rmSync(path.join(src, first));
    editJson(index(src), (j) => {
      const map = j.weight_map as Record<string, string>;
      for (const k of Object.keys(map)) if (map[k] === first) map[k] = "../x.safetensors";
    });
    await refused(src, "UNSUPPORTED_FORMAT");
    // A symlink inside the folder that points outside is refused as well.
    symlinkSync(path.join(path.dirname(src), "x.safetensors"), path.join(src, first));
    editJson(index(src), (j) => {
      const map = j.weight_map as Record<string, string>;
      for (const k of Object.keys(map)) if (map[k] === "../x.safetensors") map[k] = first;
    });
    await refused(src, "UNSUPPORTED_FORMAT", /outside the checkpoint folder/);
  });

  it.each<[string, unknown, RegExp]>([
    ["null", null, /not a JSON object/],
    ["no weight_map", { metadata: {} }, /no "weight_map"/],
    ["a weight_map array", { weight_map: [] }, /"weight_map" must be an object/],
    ["an empty weight_map", { weight_map: {} }, /names no shard/],
  ])("refuses an index that is %s", async (_what, json, message) => {
    const src = copyCheckpoint("flat-sharded");
    writeFileSync(index(src), JSON.stringify(json));
    await refused(src, "UNSUPPORTED_FORMAT", message);
  });

  it("refuses a tensor that two shards both hold", async () => {
    const src = copyCheckpoint("flat-sharded");
    const [a, b] = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"].map((f) => path.join(src, f));
    const name = Object.keys(readSafetensorsFile(a!).header).find((k) => k !== "__metadata__")!;
    editSafetensorsHeader(b!, (h) => {
      const zero = Object.keys(h).find((k) => k !== "__metadata__")!;
      return { ...h, [name]: { dtype: "F32", shape: [0], data_offsets: [(h[zero] as { data_offsets: number[] }).data_offsets[0], (h[zero] as { data_offsets: number[] }).data_offsets[0]] } };
    });
    await refused(src, "UNSUPPORTED_FORMAT", /is also in/);
  });
});

describe("hostile tokenizer files", () => {
  it.each<[string, string, string, RegExp]>([
    ["tokenizer.json that is not JSON", "tokenizer.json", "{bad json", /tokenizer\.json: not valid JSON/],
    ["tokenizer.json that is not a tokenizer", "tokenizer.json", '{"version":"1.0"}', /tokenizer\.json: the tokenizer does not load/],
    ["tokenizer.json with a broken vocabulary", "tokenizer.json", '{"model":{"type":"Unigram","vocab":[null,5]},"added_tokens":7}', /tokenizer\.json: the tokenizer does not load/],
    ["tokenizer_config.json null", "tokenizer_config.json", "null", /tokenizer_config\.json: expected a JSON object, found null/],
    ["tokenizer_config.json not JSON", "tokenizer_config.json", "<xml/>", /tokenizer_config\.json: not valid JSON/],
  ])("refuses %s", async (_what, file, text, message) => {
    const src = copyCheckpoint("open-provence");
    writeFileSync(path.join(src, file), text);
    await refused(src, "TOKENIZER", message);
  });

  it("refuses a sentencepiece.bpe.model that is not one", async () => {
    const src = copyCheckpoint("open-provence", "spm");
    writeFileSync(path.join(src, "sentencepiece.bpe.model"), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    await refused(src, "TOKENIZER", /not a SentencePiece model/);
  });
});

describe("no output folder is left behind", () => {
  it("removes the temporary folder and the parent folders it created when conversion fails late", async () => {
    const src = copyCheckpoint("open-provence");
    writeFileSync(path.join(src, "tokenizer.json"), '{"version":"1.0"}'); // fails after the weights are linked
    const root = path.dirname(freshOutDir());
    const out = path.join(root, "a", "b", "model");
    await expect(convertCheckpoint(src, out)).rejects.toMatchObject({ reason: "TOKENIZER" });
    expect(readdirSync(root)).toEqual([]);
    // An existing parent stays.
    mkdirSync(path.join(root, "keep"));
    await expect(convertCheckpoint(src, path.join(root, "keep", "model"))).rejects.toMatchObject({ reason: "TOKENIZER" });
    expect(readdirSync(root)).toEqual(["keep"]);
    expect(readdirSync(path.join(root, "keep"))).toEqual([]);
    expect(existsSync(path.join(root, "keep", "model"))).toBe(false);
    expect(readFileSync(path.join(src, "tokenizer.json"), "utf8")).toBe('{"version":"1.0"}');
  });
});
