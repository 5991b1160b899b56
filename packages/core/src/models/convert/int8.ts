/**
 * int8 weights for the converted XLM-R graph, streamed tensor by tensor from the checkpoint's safetensors
 * into one `model.onnx_data` (DESIGN §6; the scheme of the former tools/model/quantize_int8.py):
 *
 * - every encoder Linear (query, key, value, attention output, intermediate, output: 6 per layer) → s8
 *   [in, out] — the layout `MatMulInteger` / `DynamicQuantizeMatMul` read — with one float32 scale per
 *   output column, symmetric: scale = max|W[out, :]| / 127 (63 with `reduceRange`), zero point 0.
 *   Activations are quantized to u8 per tensor at run time by onnxruntime;
 * - the word and position embedding tables (≥ 1 M elements) → s8 with one scale per row;
 * - everything else stays float32: biases, LayerNorms, the token-type row, and both heads (the pruning
 *   head Linear(hidden, 2) and the ranking head — they run on one token per block or have 1–2 outputs, so
 *   they cost nothing and the logits the pipeline reads keep full precision).
 *
 * Peak memory: one Linear weight at a time — its bytes as read, a float32 view or widened copy, and its
 * int8 copy (≤ 2 × 4 + 1 = 9 bytes per parameter; 36 MB for the zilliz model's 4096 × 1024 FFN weights) —
 * or one chunk of embedding rows (≤ 16 MB read + widened + int8). Work on the calling thread is done in
 * slices that yield to the event loop.
 */
import { createWriteStream } from "node:fs";

import { ConversionError } from "../../errors.js";
import { yieldIfBusy } from "../../pipeline/slicing.js";
import type { EncoderConfig } from "./checkpoint-config.js";
import { OnnxDataType, type OnnxTensor } from "./onnx-proto.js";
import { readTensorBytes, readTensorChunks, toFloat32, type TensorEntry } from "./safetensors.js";
import { int8ScaleName } from "./xlmr-graph.js";

/** How the int8 conversion treats the weights. */
export interface Int8Options {
  /**
   * 7-bit weights (±63) instead of 8-bit (±127). On x86 CPUs without VNNI (AVX2 only) onnxruntime's u8 × s8
   * kernels add pairs of products in 16 bits, which can saturate with full-range weights; 7 bits cannot.
   * Costs some precision; not needed on CPUs with AVX-512 VNNI / AVX-VNNI or on ARM.
   */
  reduceRange?: boolean;
  /**
   * Embedding tables with at least this many elements are stored int8 (one scale per row). Default 1,048,576:
   * XLM-R's word and position tables (the word table is 1 GB of the zilliz model's 2.27 GB in float32).
   * `Infinity` keeps every table float32.
   */
  embeddingMinElements?: number;
}

/** How each canonical tensor is written (tensors in none of the sets: float32 as in the checkpoint). */
export interface WeightPlan {
  /** Encoder Linear weights quantized: [out, in] in the checkpoint → s8 [in, out] + scales [out]. */
  linear: Set<string>;
  /** Embedding tables quantized: s8 rows + scales [rows, 1]. */
  rows: Set<string>;
  /** Float32 Linear weights written transposed, [in, out] (for a plain `MatMul`). */
  transposed?: Set<string>;
}

const EMBEDDING_MIN_ELEMENTS = 1 << 20;

/** The encoder's Linear weights: 6 per layer (query, key, value, attention output, intermediate, output). */
export function encoderLinearWeights(c: EncoderConfig): Set<string> {
  const linear = new Set<string>();
  for (let i = 0; i < c.layers; i++) {
    const p = `roberta.encoder.layer.${i}.`;
    for (const x of ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"]) {
      linear.add(`${p}${x}.weight`);
    }
  }
  return linear;
}

/** The int8 plan for an encoder: 6 Linear weights per layer and the large embedding tables. */
export function int8Plan(c: EncoderConfig, options: Int8Options = {}): WeightPlan {
  const linear = encoderLinearWeights(c);
  const rows = new Set<string>();
  const min = options.embeddingMinElements ?? EMBEDDING_MIN_ELEMENTS;
  if (c.vocabSize * c.hidden >= min) rows.add("roberta.embeddings.word_embeddings.weight");
  if (c.maxPositionEmbeddings * c.hidden >= min) rows.add("roberta.embeddings.position_embeddings.weight");
  return { linear, rows };
}

/** Largest read of an embedding table or other streamed tensor. */
const CHUNK_BYTES = 16 << 20;
/** Elements processed between two chances to yield to the event loop. */
const SLICE_ELEMENTS = 1 << 18;
const never = new AbortController().signal;

/**
 * Symmetric per-row quantization of a row-major [rows, cols] float matrix: `scale[r] = max|m[r, :]| / qmax`
 * (1 for an all-zero row), `q = round(m / scale)` clamped to ±qmax. With `transpose` the int8 result is
 * written [cols, rows] (a Linear weight [out, in] becomes the [in, out] a MatMul reads, one scale per
 * output column); otherwise [rows, cols] (embedding rows). Yields to the event loop between slices.
 */
export async function quantizeRows(m: Float32Array, rows: number, cols: number, options: { qmax: number; transpose: boolean }): Promise<{ q: Int8Array; scale: Float32Array }> {
  if (m.length !== rows * cols) throw new RangeError(`matrix has ${m.length} values, expected ${rows} × ${cols}`);
  const { qmax, transpose } = options;
  const q = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  const step = Math.max(1, Math.floor(SLICE_ELEMENTS / Math.max(1, cols)));
  for (let r0 = 0; r0 < rows; r0 += step) {
    const r1 = Math.min(rows, r0 + step);
    for (let r = r0; r < r1; r++) {
      const base = r * cols;
      let max = 0;
      for (let j = 0; j < cols; j++) {
        const v = Math.abs(m[base + j]!);
        if (!(v <= max)) {
          if (Number.isNaN(v)) max = v; // NaN is never <= anything: caught below
          else if (!Number.isNaN(max)) max = v;
        }
      }
      if (!Number.isFinite(max)) throw new RangeError(`row ${r} holds a value that is not finite`);
      const s = max === 0 ? 1 : max / qmax;
      scale[r] = s;
      const inv = 1 / Math.fround(s);
      if (transpose) {
        for (let j = 0; j < cols; j++) q[j * rows + r] = Math.max(-qmax, Math.min(qmax, Math.round(m[base + j]! * inv)));
      } else {
        for (let j = 0; j < cols; j++) q[base + j] = Math.max(-qmax, Math.min(qmax, Math.round(m[base + j]! * inv)));
      }
    }
    await yieldIfBusy(never);
  }
  return { q, scale };
}

/** [rows, cols] → [cols, rows], in slices that yield to the event loop. */
async function transpose(m: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const t = new Float32Array(rows * cols);
  const step = Math.max(1, Math.floor(SLICE_ELEMENTS / Math.max(1, cols)));
  for (let r0 = 0; r0 < rows; r0 += step) {
    for (let r = r0; r < Math.min(rows, r0 + step); r++) for (let j = 0; j < cols; j++) t[j * rows + r] = m[r * cols + j]!;
    await yieldIfBusy(never);
  }
  return t;
}

/** A little-endian float32 view of safetensors bytes (no copy when aligned), else a widened copy. */
function asFloat32(bytes: Uint8Array, entry: TensorEntry): Float32Array {
  if (entry.dtype === "F32" && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return toFloat32(bytes, entry.dtype);
}

/** What {@link writeWeights} wrote. */
export interface WeightWriteResult {
  /** Canonical name (and int8 scale names) → initializer pointing into the data file. */
  initializers: Map<string, OnnxTensor>;
  /** Bytes written. */
  bytes: number;
  /** Counts for the conversion report; `linearQuantized` is never 0 (that is an error). */
  stats: WeightWriteStats;
}

/** What a conversion wrote into `model.onnx_data`, tensor by tensor (the `quantization` of a conversion result). */
export interface WeightWriteStats {
  /** Encoder Linear weights stored s8 with one scale per output column (never 0 in an int8 conversion). */
  linearQuantized: number;
  /** Embedding tables stored s8 with one scale per row. */
  embeddingsQuantized: number;
  /** float32 weights written transposed (`weights: "transposed"`). */
  transposed: number;
  /** Tensors kept float32 as they are (biases, LayerNorms, heads, small tables). */
  keptFloat: number;
  /** Bytes of the weights as read from the checkpoint. */
  sourceBytes: number;
  /** Bytes written for the int8 tensors and their scales. */
  int8Bytes: number;
  /** Whether 7-bit weights were written ({@link Int8Options.reduceRange}). */
  reduceRange: boolean;
}

/**
 * Writes every tensor of `used` (canonical name → checkpoint entry, in graph order) into `dataFile` as the
 * plan says: int8, float32 transposed, or float32 as is. Tensors are 64-byte aligned.
 * @throws ConversionError `QUANTIZATION` when the plan has int8 weights but none of them is in `used`
 *   (nothing quantized: a silent float32 "int8" folder would be a lie), or a weight holds NaN / infinity.
 */
export async function writeWeights(
  used: readonly (readonly [string, TensorEntry])[],
  plan: WeightPlan,
  dataFile: string,
  dataLocation: string,
  options: Int8Options & { onBytes?: (sourceBytes: number) => void } = {},
): Promise<WeightWriteResult> {
  const planned = used.filter(([name]) => plan.linear.has(name)).length;
  if (planned === 0 && (plan.linear.size > 0 || plan.rows.size > 0)) {
    throw new ConversionError("QUANTIZATION", dataFile, `int8 conversion found no encoder Linear weight to quantize among ${used.length} tensors; refusing to write an unquantized "int8" model`);
  }
  const qmax = options.reduceRange ? 63 : 127;
  const stream = createWriteStream(dataFile);
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
  const initializers = new Map<string, OnnxTensor>();
  const stats = { linearQuantized: 0, embeddingsQuantized: 0, transposed: 0, keptFloat: 0, sourceBytes: 0, int8Bytes: 0, reduceRange: qmax === 63 };
  let offset = 0;
  let start = 0;
  /** Appends bytes to the tensor being written. */
  const append = async (bytes: Uint8Array): Promise<void> => {
    await write(bytes);
    offset += bytes.byteLength;
  };
  /** Records the tensor written since the last `finish` and pads the file to 64 bytes. */
  const finish = async (name: string, dims: number[], dataType: OnnxTensor["dataType"]): Promise<void> => {
    initializers.set(name, {
      name,
      dims,
      dataType,
      dataLocation: 1,
      externalData: [
        { key: "location", value: dataLocation },
        { key: "offset", value: String(start) },
        { key: "length", value: String(offset - start) },
      ],
    });
    const pad = (64 - (offset % 64)) % 64;
    if (pad) await append(new Uint8Array(pad));
    start = offset;
  };
  const bytesOf = (a: Int8Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const fail = (name: string, cause: unknown): never => {
    if (cause instanceof RangeError) throw new ConversionError("QUANTIZATION", dataFile, `tensor ${name}: ${cause.message}`, { cause });
    throw cause;
  };
  /** Whole rows per read chunk of at most CHUNK_BYTES. */
  const rowChunk = (entry: TensorEntry) => {
    const rowBytes = entry.shape.length > 1 ? entry.byteLength / entry.shape[0]! : entry.byteLength;
    return Math.max(1, Math.floor(CHUNK_BYTES / rowBytes)) * rowBytes;
  };

  try {
    for (const [name, entry] of used) {
      if (plan.linear.has(name)) {
        const [out, inner] = entry.shape as [number, number];
        const values = asFloat32(await readTensorBytes(entry), entry);
        const { q, scale } = await quantizeRows(values, out, inner, { qmax, transpose: true }).catch((e: unknown) => fail(name, e));
        await append(bytesOf(q));
        await finish(name, [inner, out], OnnxDataType.INT8);
        await append(bytesOf(scale));
        await finish(int8ScaleName(name), [out], OnnxDataType.FLOAT);
        stats.linearQuantized++;
        stats.int8Bytes += q.byteLength + scale.byteLength;
        options.onBytes?.(entry.byteLength);
      } else if (plan.rows.has(name)) {
        const [rows, cols] = entry.shape as [number, number];
        const scales = new Float32Array(rows);
        let row = 0;
        await readTensorChunks(entry, rowChunk(entry), async (chunk) => {
          const n = chunk.byteLength / (entry.byteLength / rows); // whole rows: rowChunk() reads whole rows
          const { q, scale } = await quantizeRows(asFloat32(chunk, entry), n, cols, { qmax: 127, transpose: false }).catch((e: unknown) => fail(name, e));
          scales.set(scale, row);
          row += n;
          await append(bytesOf(q));
          options.onBytes?.(chunk.byteLength);
        });
        await finish(name, [rows, cols], OnnxDataType.INT8);
        await append(bytesOf(scales));
        await finish(int8ScaleName(name), [rows, 1], OnnxDataType.FLOAT);
        stats.embeddingsQuantized++;
        stats.int8Bytes += rows * cols + scales.byteLength;
      } else if (plan.transposed?.has(name)) {
        const [out, inner] = entry.shape as [number, number];
        const values = asFloat32(await readTensorBytes(entry), entry);
        await append(bytesOf(await transpose(values, out, inner)));
        await finish(name, [inner, out], OnnxDataType.FLOAT);
        stats.transposed++;
        options.onBytes?.(entry.byteLength);
      } else {
        await readTensorChunks(entry, rowChunk(entry), async (chunk) => {
          await append(entry.dtype === "F32" ? chunk : bytesOf(toFloat32(chunk, entry.dtype)));
          options.onBytes?.(chunk.byteLength);
        });
        await finish(name, entry.shape, OnnxDataType.FLOAT);
        stats.keptFloat++;
      }
      stats.sourceBytes += entry.byteLength;
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
  await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  if (stats.linearQuantized !== planned) {
    throw new ConversionError("QUANTIZATION", dataFile, `quantized ${stats.linearQuantized} of the ${planned} Linear weights planned`);
  }
  return { initializers, bytes: offset, stats };
}
