/**
 * Reading safetensors checkpoints without loading them: only the JSON headers are parsed, each tensor is
 * described by its file, absolute byte offset and length, so a converter can point ONNX external data at
 * the bytes or stream them. Format: 8-byte little-endian header length, JSON header
 * (`name -> { dtype, shape, data_offsets: [begin, end] }` relative to the end of the header), raw
 * little-endian data.
 */
import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import path from "node:path";

import { ConversionError } from "../../errors.js";

/** Element types a safetensors file can hold. */
export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Where one tensor's bytes are. */
export interface TensorEntry {
  /** Name in the checkpoint (e.g. `roberta.encoder.layer.0.attention.self.query.weight`). */
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute path of the safetensors file holding it. */
  file: string;
  /** Absolute byte offset of the first byte in `file`. */
  offset: number;
  /** Length in bytes. */
  byteLength: number;
}

/** All tensors of a checkpoint (one file or several shards). */
export interface CheckpointTensors {
  /** The safetensors files, absolute paths, in the order read. */
  files: string[];
  /** Tensor name -> where it is. */
  tensors: Map<string, TensorEntry>;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Parses the header of one safetensors file. */
export async function readSafetensorsHeader(file: string): Promise<TensorEntry[]> {
  const handle = await open(file, "r").catch((cause: unknown) => {
    throw new ConversionError("MISSING_FILE", file, `cannot open the weights file: ${(cause as Error).message}`, { cause });
  });
  try {
    const { size } = await handle.stat();
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (size < 8 || headerLength <= 1 || headerLength > MAX_HEADER || 8 + headerLength > size) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `not a safetensors file (header length ${headerLength}, file size ${size})`);
    }
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString("utf8")) as Record<string, unknown>;
    } catch (cause) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `safetensors header is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    const base = 8 + headerLength;
    const entries: TensorEntry[] = [];
    for (const [name, value] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const info = value as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      const dtype = info.dtype as SafetensorsDtype;
      if (!(dtype in DTYPE_BYTES)) {
        throw new ConversionError("UNSUPPORTED_DTYPE", file, `tensor ${name} has dtype ${String(info.dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(", ")}`);
      }
      const shape = info.shape ?? [];
      const [begin, end] = info.data_offsets ?? [0, -1];
      const count = shape.reduce((a, b) => a * b, 1);
      if (end - begin !== count * DTYPE_BYTES[dtype] || base + end > size) {
        throw new ConversionError("UNSUPPORTED_FORMAT", file, `tensor ${name}: data_offsets [${begin}, ${end}] do not fit shape [${shape.join(", ")}] ${dtype} or the file size`);
      }
      entries.push({ name, dtype, shape: [...shape], file, offset: base + begin, byteLength: end - begin });
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/**
 * Finds and indexes the weights of a checkpoint folder: `model.safetensors`, or the shards named by
 * `model.safetensors.index.json`.
 * @throws ConversionError (`MISSING_FILE`, `UNSUPPORTED_FORMAT`) when there are no safetensors weights.
 */
export async function openCheckpointTensors(dir: string): Promise<CheckpointTensors> {
  const indexFile = path.join(dir, "model.safetensors.index.json");
  let files: string[];
  if (existsSync(indexFile)) {
    const index = JSON.parse(await readFile(indexFile, "utf8")) as { weight_map?: Record<string, string> };
    if (!index.weight_map) throw new ConversionError("UNSUPPORTED_FORMAT", indexFile, `no "weight_map" in the shard index`);
    files = [...new Set(Object.values(index.weight_map))].sort().map((f) => path.join(dir, f));
  } else if (existsSync(path.join(dir, "model.safetensors"))) {
    files = [path.join(dir, "model.safetensors")];
  } else {
    const pickled = ["pytorch_model.bin", "pytorch_model.bin.index.json"].find((f) => existsSync(path.join(dir, f)));
    throw new ConversionError(
      pickled ? "UNSUPPORTED_FORMAT" : "MISSING_FILE",
      dir,
      pickled
        ? `the weights are in ${pickled} (a Python pickle), which TypeScript cannot read safely; convert with tools/model/export_hf_checkpoint.py (needs torch), or use a revision that has model.safetensors`
        : "no model.safetensors (or model.safetensors.index.json with its shards) in the checkpoint folder",
    );
  }
  const tensors = new Map<string, TensorEntry>();
  for (const file of files) {
    for (const entry of await readSafetensorsHeader(file)) tensors.set(entry.name, entry);
  }
  return { files, tensors };
}

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: SafetensorsDtype): number {
  return DTYPE_BYTES[dtype];
}

/** Widens `count` elements of F32/F16/BF16 little-endian bytes to float32 values. */
export function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(n);
  if (dtype === "F32") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (dtype === "BF16") {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  } else if (dtype === "F16") {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else if (dtype === "F64") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  } else {
    throw new ConversionError("UNSUPPORTED_DTYPE", "(tensor)", `cannot widen ${dtype} to float32`);
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Reads one tensor's bytes (for small tensors; large ones are streamed with {@link readTensorChunks}). */
export async function readTensorBytes(entry: TensorEntry): Promise<Buffer> {
  const handle = await open(entry.file, "r");
  try {
    const buffer = Buffer.alloc(entry.byteLength);
    let done = 0;
    while (done < entry.byteLength) {
      const { bytesRead } = await handle.read(buffer, done, entry.byteLength - done, entry.offset + done);
      if (bytesRead === 0) throw new ConversionError("UNSUPPORTED_FORMAT", entry.file, `file ends inside tensor ${entry.name}`);
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Reads one tensor in chunks of at most `chunkBytes` (whole elements), calling `onChunk` for each in order. */
export async function readTensorChunks(entry: TensorEntry, chunkBytes: number, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<void> {
  const unit = DTYPE_BYTES[entry.dtype];
  const size = Math.max(unit, chunkBytes - (chunkBytes % unit));
  const handle = await open(entry.file, "r");
  try {
    const buffer = Buffer.alloc(Math.min(size, entry.byteLength));
    for (let start = 0; start < entry.byteLength; start += size) {
      const length = Math.min(size, entry.byteLength - start);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, entry.offset + start + done);
        if (bytesRead === 0) throw new ConversionError("UNSUPPORTED_FORMAT", entry.file, `file ends inside tensor ${entry.name}`);
        done += bytesRead;
      }
      await onChunk(buffer.subarray(0, length));
    }
  } finally {
    await handle.close();
  }
}
