/**
 * Test helper (issue 12 defect 2, non-finite model outputs): a copy of an ONNX model whose float32
 * initializers are all NaN, written from TypeScript so the test runs wherever the suite runs (it used to
 * need Debian's python3-onnx and was skipped without it).
 *
 * The bytes are patched in place on the protobuf wire format: only the payload of each float tensor
 * (`raw_data`, or packed `float_data`) changes, so every other field of the model — whatever the exporter
 * wrote, known to our schema subset or not — stays byte-identical and the file keeps its length.
 */
import { readFileSync, writeFileSync } from "node:fs";

import protobuf from "protobufjs/light.js";

const FLOAT = 1; // TensorProto.DataType.FLOAT
const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH = 2;
/** float32 quiet NaN, little-endian. */
const NAN_BYTES = [0x00, 0x00, 0xc0, 0x7f];

/** int64 values come back as Long objects when the `long` package is present. */
const toNumber = (value: number | protobuf.Long): number => protobuf.util.LongBits.from(value).toNumber();

/** Byte ranges of a length-delimited field: [start, end). */
type Range = [number, number];

/** Calls `onField(field, wireType, reader)` for each field of the message in bytes[start, end). */
function forEachField(reader: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (!onField(field, wireType)) reader.skipType(wireType);
  }
}

/** The payload range of a length-delimited field whose tag was just read; leaves the reader after it. */
function lengthDelimited(reader: protobuf.Reader): Range {
  const length = reader.uint32();
  const start = reader.pos;
  reader.pos = start + length;
  return [start, start + length];
}

/** Float payload ranges of one TensorProto in bytes[start, end), when it is a float tensor of ≥ 2 elements. */
function floatPayload(reader: protobuf.Reader, end: number): Range[] {
  let dataType = 0;
  let elements = 1;
  const ranges: Range[] = [];
  forEachField(reader, end, (field, wireType) => {
    if (field === 2 && wireType === WIRE_VARINT) dataType = reader.int32();
    else if (field === 1 && wireType === WIRE_VARINT) elements *= toNumber(reader.int64());
    else if (field === 1 && wireType === WIRE_LENGTH) {
      const [s, e] = lengthDelimited(reader);
      const dims = protobuf.Reader.create(reader.buf.subarray(s, e));
      while (dims.pos < dims.len) elements *= toNumber(dims.int64());
    } else if ((field === 9 || field === 4) && wireType === WIRE_LENGTH) ranges.push(lengthDelimited(reader)); // raw_data, packed float_data
    else if (field === 4 && wireType === WIRE_FIXED32) {
      ranges.push([reader.pos, reader.pos + 4]);
      reader.pos += 4;
    } else return false;
    return true;
  });
  return dataType === FLOAT && elements >= 2 ? ranges : [];
}

/**
 * Sets every float32 initializer with at least two elements to NaN, in place. Returns how many tensors
 * were changed.
 */
export function corruptFloatInitializers(bytes: Uint8Array): number {
  let changed = 0;
  const graph = locateGraph(bytes);
  const graphReader = protobuf.Reader.create(bytes);
  graphReader.pos = graph[0];
  forEachField(graphReader, graph[1], (field, wireType) => {
    if (field !== 5 || wireType !== WIRE_LENGTH) return false; // GraphProto.initializer
    const length = graphReader.uint32();
    const end = graphReader.pos + length;
    const ranges = floatPayload(graphReader, end);
    graphReader.pos = end;
    for (const [s, e] of ranges) for (let i = s; i < e; i++) bytes[i] = NAN_BYTES[(i - s) % 4]!;
    if (ranges.length > 0) changed++;
    return true;
  });
  return changed;
}

/** The payload range of ModelProto.graph. */
function locateGraph(bytes: Uint8Array): Range {
  const reader = protobuf.Reader.create(bytes);
  let graph: Range | undefined;
  forEachField(reader, bytes.length, (field, wireType) => {
    if (field !== 7 || wireType !== WIRE_LENGTH) return false;
    graph = lengthDelimited(reader);
    return true;
  });
  if (!graph) throw new Error("not an ONNX model: no graph field");
  return graph;
}

/** Rewrites `modelPath` with its float initializers set to NaN (see {@link corruptFloatInitializers}). */
export function corruptWeightsFile(modelPath: string): number {
  const bytes = readFileSync(modelPath);
  const changed = corruptFloatInitializers(bytes);
  if (changed === 0) throw new Error(`${modelPath}: no float initializers to corrupt`);
  writeFileSync(modelPath, bytes);
  return changed;
}
