/**
 * The subset of the KServe V2 / Triton inference protocol this library speaks, as pure encode/decode
 * functions shared by the remote backend and the local test server:
 * - `GET  /v2/models/{name}[/versions/{v}]` → model metadata (inputs, outputs with datatype and shape);
 * - `POST /v2/models/{name}[/versions/{v}]/infer` → inference, JSON tensors or the binary tensor data
 *   extension (a JSON header of `Inference-Header-Content-Length` bytes, then raw little-endian tensors in
 *   the order of the header's `binary_data_size` entries).
 * Reference: kserve.github.io "Open Inference Protocol (V2)" and Triton's binary_tensor_data extension.
 */

/** Header naming the length of the JSON part of a binary-extension body. */
export const INFERENCE_HEADER = "inference-header-content-length";

/** V2 datatypes used by the model contract. */
export type V2Datatype = "INT64" | "FP32";

/** One tensor in a request or response. */
export interface V2Tensor {
  name: string;
  shape: number[];
  datatype: V2Datatype;
  data: BigInt64Array | Float32Array;
}

/** Tensor metadata as the server reports it (`-1` for a dynamic dimension). */
export interface V2TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** `GET /v2/models/{name}` response. */
export interface V2ModelMetadata {
  name: string;
  versions?: string[];
  platform?: string;
  inputs: V2TensorMetadata[];
  outputs: V2TensorMetadata[];
}

/** The URL path of a model (with version when given). */
export function modelPath(model: string, version?: string): string {
  return `/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ""}`;
}

/** Bytes of a typed array as a Buffer view (no copy). Little-endian on every platform Node runs on here. */
function bytesOf(data: BigInt64Array | Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A decoded request or response body: tensors plus the outputs asked for. */
export interface V2Message {
  tensors: V2Tensor[];
  /** Request only: output names asked for, and whether as binary data. */
  outputs?: { name: string; binary: boolean }[];
}

/** Encodes an inference request. `binary` uses the binary tensor data extension for inputs and outputs. */
export function encodeInferRequest(inputs: V2Tensor[], outputs: string[], binary: boolean): { body: Uint8Array; headers: Record<string, string> } {
  const header = {
    inputs: inputs.map((t) => ({
      name: t.name,
      shape: t.shape,
      datatype: t.datatype,
      ...(binary ? { parameters: { binary_data_size: t.data.byteLength } } : { data: jsonData(t.data) }),
    })),
    outputs: outputs.map((name) => ({ name, parameters: { binary_data: binary } })),
  };
  return encodeBody(header, binary ? inputs.map((t) => t.data) : []);
}

/** Encodes an inference response (server side). */
export function encodeInferResponse(model: string, outputs: V2Tensor[], binary: boolean): { body: Uint8Array; headers: Record<string, string> } {
  const header = {
    model_name: model,
    outputs: outputs.map((t) => ({
      name: t.name,
      shape: t.shape,
      datatype: t.datatype,
      ...(binary ? { parameters: { binary_data_size: t.data.byteLength } } : { data: jsonData(t.data) }),
    })),
  };
  return encodeBody(header, binary ? outputs.map((t) => t.data) : []);
}

function jsonData(data: BigInt64Array | Float32Array): number[] {
  return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data);
}

function encodeBody(header: object, binaries: (BigInt64Array | Float32Array)[]): { body: Uint8Array; headers: Record<string, string> } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (binaries.length === 0) return { body: json, headers: { "content-type": "application/json" } };
  const total = json.byteLength + binaries.reduce((n, b) => n + b.byteLength, 0);
  const body = new Uint8Array(total);
  body.set(json, 0);
  let at = json.byteLength;
  for (const b of binaries) {
    body.set(bytesOf(b), at);
    at += b.byteLength;
  }
  return { body, headers: { "content-type": "application/octet-stream", [INFERENCE_HEADER]: String(json.byteLength) } };
}

/** Thrown by the decoders for a body that breaks the protocol. */
export class V2ProtocolError extends Error {}

interface RawTensor {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown; binary_data?: unknown } | null;
}

/**
 * Decodes a request or response body. `headerLength` is the `Inference-Header-Content-Length` value, or
 * `undefined` for a JSON-only body. `key` is "inputs" (request) or "outputs" (response).
 */
export function decodeInferBody(body: Uint8Array, headerLength: number | undefined, key: "inputs" | "outputs"): V2Message {
  const jsonEnd = headerLength ?? body.byteLength;
  if (!(Number.isInteger(jsonEnd) && jsonEnd >= 0 && jsonEnd <= body.byteLength)) throw new V2ProtocolError(`inference header length ${headerLength} is outside the body (${body.byteLength} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(0, jsonEnd)));
  } catch (error) {
    throw new V2ProtocolError(`the JSON part of the body is not valid JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new V2ProtocolError("the JSON part of the body is not an object");
  const list = (header as Record<string, unknown>)[key];
  if (!Array.isArray(list)) throw new V2ProtocolError(`"${key}" is missing or not an array`);
  let at = jsonEnd;
  const tensors: V2Tensor[] = (list as unknown[]).map((item) => {
    if (item === null || typeof item !== "object") throw new V2ProtocolError(`an entry of "${key}" is not an object`);
    const raw = item as RawTensor;
    const name = raw.name;
    const shape = raw.shape;
    const datatype = raw.datatype;
    if (typeof name !== "string") throw new V2ProtocolError(`a tensor in "${key}" has no name`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new V2ProtocolError(`tensor "${name}" has an invalid shape`);
    if (datatype !== "INT64" && datatype !== "FP32") throw new V2ProtocolError(`tensor "${name}" has datatype ${String(datatype)}; this protocol subset uses INT64 and FP32`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const parameters = raw.parameters !== null && typeof raw.parameters === "object" ? raw.parameters : undefined;
    const size = parameters?.binary_data_size;
    let data: BigInt64Array | Float32Array;
    if (size !== undefined && size !== null) {
      if (typeof size !== "number" || size !== count * (datatype === "INT64" ? 8 : 4) || at + size > body.byteLength) {
        throw new V2ProtocolError(`tensor "${name}": binary_data_size ${String(size)} does not match shape [${String(shape)}] or the body`);
      }
      // Copy into an aligned buffer (the binary part may start at any byte offset).
      const bytes = body.slice(at, at + size);
      data = datatype === "INT64" ? new BigInt64Array(bytes.buffer) : new Float32Array(bytes.buffer);
      at += size;
    } else {
      // Row-major data, flat or nested (the protocol allows both): the flattened count must match the shape.
      if (!Array.isArray(raw.data)) throw new V2ProtocolError(`tensor "${name}": "data" must hold ${count} numbers`);
      const values = (raw.data as unknown[]).flat(Infinity) as unknown[];
      if (values.length !== count) throw new V2ProtocolError(`tensor "${name}": "data" must hold ${count} numbers (has ${values.length})`);
      if (!values.every((v) => typeof v === "number")) throw new V2ProtocolError(`tensor "${name}": "data" must hold numbers`);
      if (datatype === "INT64") {
        if (!values.every((v) => Number.isSafeInteger(v))) throw new V2ProtocolError(`tensor "${name}": INT64 "data" must hold integers`);
        data = BigInt64Array.from(values as number[], (v) => BigInt(v));
      } else data = Float32Array.from(values as number[]);
    }
    return { name, shape: shape as number[], datatype, data };
  });
  const message: V2Message = { tensors };
  const asked = (header as Record<string, unknown>).outputs;
  if (key === "inputs" && Array.isArray(asked)) {
    message.outputs = (asked as (RawTensor | null)[]).map((o) => ({ name: String(o?.name), binary: o?.parameters?.binary_data === true }));
  }
  return message;
}
