/**
 * Reading safetensors checkpoints without loading them: only the JSON headers are parsed, each tensor is
 * described by its file, absolute byte offset and length, so a converter can point ONNX external data at
 * the bytes or stream them. Format: 8-byte little-endian header length, JSON header
 * (`name -> { dtype, shape, data_offsets: [begin, end] }` relative to the end of the header), raw
 * little-endian data.
 */
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";

import { ConversionError } from "../../errors.js";
import { plainFileNameProblem } from "../folder-files.js";
import { checkpointFileRealPath, readCheckpointJson } from "./checkpoint-files.js";

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

/**
 * Largest header of one safetensors file. The reference implementation accepts 100 MB; a real checkpoint's
 * header is ~150 bytes per tensor (XLM-R large: ~60 KB), so 16 MiB holds ~100 000 tensors while a hostile
 * header cannot make us parse 100 MB of JSON (1.7 M tensors took 1.6 GB and a minute).
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024;
/** Largest total of the headers of all shards of one checkpoint. */
export const MAX_CHECKPOINT_HEADER_BYTES = 64 * 1024 * 1024;
/** Most tensors one checkpoint may hold (all shards together; XLM-R large has ~400). */
export const MAX_CHECKPOINT_TENSORS = 100_000;

/** A tensor name for an error message: quoted, control characters escaped, long names cut. */
const nameOf = (name: string) => JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);

/** `value` as an array of non-negative safe integers, or `null`. */
function naturals(value: unknown): number[] | null {
  if (!Array.isArray(value)) return null;
  for (const v of value) if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) return null;
  return value as number[];
}

/**
 * Checks a parsed header as the safetensors reference implementation does (`Metadata::validate`) and maps it
 * to entries: a JSON object; `__metadata__`, when present, an object of strings; every tensor an object with
 * a known `dtype`, a `shape` of non-negative integers and `data_offsets` `[begin, end]` of non-negative
 * integers; sorted by offsets, the tensors are contiguous from 0 (no gap, no overlap), each covers exactly
 * dtype size × product of its shape bytes, and the last ends at the end of the file.
 * @param base absolute offset of the data area (8 + header length)
 * @param size file size in bytes
 */
export function validateSafetensorsHeader(header: unknown, file: string, base: number, size: number): TensorEntry[] {
  const bad = (problem: string): never => {
    throw new ConversionError("UNSUPPORTED_FORMAT", file, `not a valid safetensors file: ${problem}`);
  };
  if (header === null || typeof header !== "object" || Array.isArray(header)) bad(`the header is ${header === null ? "null" : Array.isArray(header) ? "an array" : typeof header}, not a JSON object`);
  const found: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.values(value).every((v) => typeof v === "string")) {
        bad(`"__metadata__" must be an object of strings`);
      }
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) bad(`tensor ${nameOf(name)} is not an object`);
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info.dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, info.dtype)) {
      throw new ConversionError("UNSUPPORTED_DTYPE", file, `tensor ${nameOf(name)} has dtype ${JSON.stringify(info.dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(", ")}`);
    }
    const dtype = info.dtype as SafetensorsDtype;
    const shape = naturals(info.shape);
    if (shape === null) bad(`tensor ${nameOf(name)}: "shape" must be an array of non-negative integers`);
    const offsets = naturals(info.data_offsets);
    if (offsets === null || offsets.length !== 2 || offsets[0]! > offsets[1]!) bad(`tensor ${nameOf(name)}: "data_offsets" must be [begin, end], non-negative integers with begin <= end`);
    let bytes = DTYPE_BYTES[dtype];
    for (const d of shape!) {
      bytes *= d;
      if (!Number.isSafeInteger(bytes)) bad(`tensor ${nameOf(name)}: shape [${shape!.join(", ")}] overflows`);
    }
    const [begin, end] = offsets as [number, number];
    if (end - begin !== bytes) bad(`tensor ${nameOf(name)}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${shape!.join(", ")}] ${dtype} needs ${bytes}`);
    found.push({ name, dtype, shape: [...shape!], begin, end });
  }
  // Contiguous from 0, sorted by offsets (zero-sized tensors may share an offset), ending at the file's end.
  found.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of found) {
    if (t.begin !== at) bad(`tensor ${nameOf(t.name)} starts at ${t.begin} where ${at} was expected (tensors must follow each other without gap or overlap)`);
    at = t.end;
  }
  if (base + at !== size) bad(`the tensors end at byte ${base + at} but the file has ${size} bytes`);
  return found.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file, offset: base + t.begin, byteLength: t.end - t.begin }));
}

/**
 * Parses and validates the header of one safetensors file (see {@link validateSafetensorsHeader}).
 * @throws ConversionError (`MISSING_FILE`, `UNSUPPORTED_FORMAT`, `UNSUPPORTED_DTYPE`) naming the file
 */
export async function readSafetensorsHeader(file: string): Promise<TensorEntry[]> {
  return (await readHeader(file, MAX_CHECKPOINT_HEADER_BYTES)).entries;
}

/** {@link readSafetensorsHeader} with the header length, refusing a header longer than `budget` (what the other shards left). */
async function readHeader(file: string, budget: number): Promise<{ entries: TensorEntry[]; headerLength: number }> {
  const handle = await open(file, "r").catch((cause: unknown) => {
    throw new ConversionError("MISSING_FILE", file, `cannot open the weights file: ${(cause as Error).message}`, { cause });
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConversionError("UNSUPPORTED_FORMAT", file, "expected a safetensors file, found a folder or device");
    const { size } = info;
    if (size < 8) throw new ConversionError("UNSUPPORTED_FORMAT", file, `not a safetensors file: ${size} bytes, shorter than the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    await readFully(handle, lengthBytes, 0, file);
    const declared = lengthBytes.readBigUInt64LE(0);
    // The number itself is only shown when it fits the file: otherwise it is 8 arbitrary bytes of some other file.
    if (declared + 8n > BigInt(size)) throw new ConversionError("UNSUPPORTED_FORMAT", file, `not a safetensors file: its first 8 bytes do not give a header length that fits its ${size} bytes`);
    const headerLength = Number(declared);
    if (headerLength < 2) throw new ConversionError("UNSUPPORTED_FORMAT", file, `not a safetensors file: header length ${headerLength}`);
    if (headerLength > MAX_SAFETENSORS_HEADER_BYTES) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `safetensors header of ${headerLength} bytes is over the ${MAX_SAFETENSORS_HEADER_BYTES} accepted`);
    }
    if (headerLength > budget) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `the shards' safetensors headers add up to more than the ${MAX_CHECKPOINT_HEADER_BYTES} bytes accepted for one checkpoint`);
    }
    const headerBytes = Buffer.alloc(headerLength);
    await readFully(handle, headerBytes, 8, file);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
    } catch (cause) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `safetensors header is not valid UTF-8 JSON: ${(cause as Error).message}`, { cause });
    }
    return { entries: validateSafetensorsHeader(header, file, 8 + headerLength, size), headerLength };
  } finally {
    await handle.close();
  }
}

async function readFully(handle: Awaited<ReturnType<typeof open>>, buffer: Buffer, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new ConversionError("UNSUPPORTED_FORMAT", file, "file ends inside the safetensors header");
    done += bytesRead;
  }
}

/**
 * The shard files named by a parsed `model.safetensors.index.json`: each a plain file name ending in
 * `.safetensors` (no path separator, no `..`: a shard cannot be outside the checkpoint folder), in sorted order.
 * @throws ConversionError (`UNSUPPORTED_FORMAT`) naming the index file and the offending entry
 */
export function shardFilesOfIndex(index: unknown, indexFile: string): string[] {
  const bad = (problem: string): never => {
    throw new ConversionError("UNSUPPORTED_FORMAT", indexFile, problem);
  };
  if (index === null || typeof index !== "object" || Array.isArray(index)) bad("the shard index is not a JSON object");
  const weightMap = (index as { weight_map?: unknown }).weight_map;
  if (weightMap === undefined) bad(`no "weight_map" in the shard index`);
  if (weightMap === null || typeof weightMap !== "object" || Array.isArray(weightMap)) bad(`"weight_map" must be an object of tensor name → shard file name`);
  const shards = new Set<string>();
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    const problem = plainFileNameProblem(shard);
    if (problem !== null || !(shard as string).endsWith(".safetensors")) {
      bad(`"weight_map" names ${JSON.stringify(shard)} for tensor ${nameOf(tensor)}: a shard must be a plain file name ending in .safetensors inside the checkpoint folder${problem ? ` (${problem})` : ""}`);
    }
    shards.add(shard as string);
  }
  if (shards.size === 0) bad(`"weight_map" names no shard`);
  return [...shards].sort();
}

/**
 * Finds and indexes the weights of a checkpoint folder: `model.safetensors`, or the shards named by
 * `model.safetensors.index.json`. Every file must resolve inside the folder; headers are validated
 * ({@link validateSafetensorsHeader}) and bounded ({@link MAX_CHECKPOINT_HEADER_BYTES},
 * {@link MAX_CHECKPOINT_TENSORS}); a tensor name may appear in one shard only.
 * @throws ConversionError (`MISSING_FILE`, `UNSUPPORTED_FORMAT`) when there are no valid safetensors weights.
 */
export async function openCheckpointTensors(dir: string): Promise<CheckpointTensors> {
  const indexFile = path.join(dir, "model.safetensors.index.json");
  let files: string[];
  if (existsSync(indexFile)) {
    files = shardFilesOfIndex(await readCheckpointJson(dir, "model.safetensors.index.json"), indexFile).map((f) => path.join(dir, f));
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
  let headerBytes = 0;
  for (const file of files) {
    if (!existsSync(file)) throw new ConversionError("MISSING_FILE", file, "a shard named by model.safetensors.index.json is missing from the checkpoint folder");
    checkpointFileRealPath(dir, file);
    const { entries, headerLength } = await readHeader(file, MAX_CHECKPOINT_HEADER_BYTES - headerBytes);
    headerBytes += headerLength;
    if (tensors.size + entries.length > MAX_CHECKPOINT_TENSORS) {
      throw new ConversionError("UNSUPPORTED_FORMAT", file, `the checkpoint holds more than ${MAX_CHECKPOINT_TENSORS} tensors; an XLM-R checkpoint has a few hundred`);
    }
    for (const entry of entries) {
      const other = tensors.get(entry.name);
      if (other) throw new ConversionError("UNSUPPORTED_FORMAT", file, `tensor ${nameOf(entry.name)} is also in ${other.file}: a tensor may be in one shard only`);
      tensors.set(entry.name, entry);
    }
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
