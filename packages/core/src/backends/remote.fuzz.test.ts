/**
 * Fuzz target (fast-check, seeded) for the remote backend's reading of V2 inference answers (issue 19): valid
 * JSON and binary-extension answers, and the same broken in every way a hostile or buggy server could (random
 * JSON, random bytes, wrong shapes, datatypes, names, binary sizes, truncation, a wrong
 * Inference-Header-Content-Length). Every outcome must be either the right logits or a typed
 * `RemoteInferenceError`, never a raw `TypeError` / `RangeError` / `SyntaxError`. First on the decoder alone
 * (many runs), then through HTTP and the whole backend (fewer runs).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RemoteInferenceError } from "../errors.js";
import { INFERENCE_HEADER } from "./kserve.js";
import { decodeOutputs, RemoteBackend } from "./remote.js";
import type { BatchOutput } from "./types.js";

const SEED = Number(process.env.FC_SEED ?? 20240612);
const params = (numRuns: number) => ({ numRuns, seed: SEED });

const NAMES = { pruning: "pruning_logits", ranking: "ranking_logits" } as const;

interface Case {
  batchSize: number;
  sequenceLength: number;
  pruning: Float32Array;
  ranking: Float32Array;
  body: Uint8Array;
  /** The Inference-Header-Content-Length header, or null for none. */
  lengthHeader: string | null;
  /** Whether the answer is still a valid one (then the right logits are the only acceptable outcome). */
  intact: boolean;
}

type Header = { outputs: Record<string, unknown>[] } & Record<string, unknown>;

/** A mutation of the JSON header and/or the binary tail. */
type Mutation =
  | { kind: "none" }
  | { kind: "datatype"; tensor: number; value: unknown }
  | { kind: "shape"; tensor: number; value: unknown }
  | { kind: "name"; tensor: number; value: unknown }
  | { kind: "drop"; tensor: number }
  | { kind: "duplicate"; tensor: number }
  | { kind: "size"; tensor: number; value: unknown }
  | { kind: "data"; tensor: number; value: unknown }
  | { kind: "outputs"; value: unknown }
  /** JSON data nested by rows (valid: the protocol allows it), or each value doubled into a pair (not). */
  | { kind: "nest"; tensor: number; valid: boolean }
  | { kind: "header-length"; value: string | null }
  | { kind: "truncate"; at: number }
  | { kind: "json"; value: unknown }
  | { kind: "bytes"; value: Uint8Array };

const finite = fc.float({ noNaN: true, noDefaultInfinity: true });
const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom<unknown>(-1, 1.5, 2 ** 53, "1", [], [[1]], [null], [{}], {}, null));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({ kind: fc.constant("datatype" as const), tensor: fc.nat(1), value: fc.oneof(fc.constantFrom<unknown>("FP16", "INT64", "BYTES", "fp32", "FP64"), junk) }),
  fc.record({ kind: fc.constant("shape" as const), tensor: fc.nat(1), value: fc.oneof(fc.array(fc.integer({ min: -2, max: 9 }), { maxLength: 4 }), fc.constantFrom<unknown>([1e12, 1e12, 2], [2 ** 60], [1.5, 2, 2]), junk) }),
  fc.record({ kind: fc.constant("name" as const), tensor: fc.nat(1), value: fc.oneof(fc.constantFrom<unknown>("pruning_logits", "ranking_logits", "other"), junk) }),
  fc.record({ kind: fc.constant("drop" as const), tensor: fc.nat(1) }),
  fc.record({ kind: fc.constant("duplicate" as const), tensor: fc.nat(1) }),
  fc.record({ kind: fc.constant("size" as const), tensor: fc.nat(1), value: fc.oneof(fc.integer({ min: -8, max: 400 }), junk) }),
  fc.record({ kind: fc.constant("data" as const), tensor: fc.nat(1), value: fc.oneof(fc.array(fc.oneof(finite, fc.constantFrom<unknown>("1", null, [0.5], 1e400))), junk) }),
  fc.record({ kind: fc.constant("outputs" as const), value: junk }),
  fc.record({ kind: fc.constant("nest" as const), tensor: fc.nat(1), valid: fc.boolean() }),
  fc.record({ kind: fc.constant("header-length" as const), value: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5000 }).map(String), fc.constantFrom("abc", "1e3", " 12", "", "0x10", "-0", "99999999999999999999")) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(2000) }),
  fc.record({ kind: fc.constant("json" as const), value: fc.jsonValue({ maxDepth: 4 }) }),
  fc.record({ kind: fc.constant("bytes" as const), value: fc.uint8Array({ maxLength: 300 }) }),
);

const caseArb: fc.Arbitrary<Case> = fc
  .record({ batchSize: fc.integer({ min: 1, max: 3 }), sequenceLength: fc.integer({ min: 1, max: 6 }), binary: fc.boolean(), mutation, seedValues: fc.array(finite, { minLength: 30, maxLength: 30 }) })
  .map(({ batchSize, sequenceLength, binary, mutation: m, seedValues }) => {
    const pruning = Float32Array.from({ length: batchSize * sequenceLength * 2 }, (_, i) => seedValues[i % 30]!);
    const ranking = Float32Array.from({ length: batchSize }, (_, i) => seedValues[(i + 7) % 30]!);
    const tensors = [
      { name: NAMES.pruning, shape: [batchSize, sequenceLength, 2], datatype: "FP32", data: pruning },
      { name: NAMES.ranking, shape: [batchSize, 1], datatype: "FP32", data: ranking },
    ];
    const header: Header = {
      model_name: "m",
      outputs: tensors.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, ...(binary ? { parameters: { binary_data_size: t.data.byteLength } } : { data: Array.from(t.data) }) })),
    };
    let tails = binary ? tensors.map((t) => new Uint8Array(t.data.buffer.slice(0))) : [];
    const at = (tensor: number) => header.outputs[tensor % header.outputs.length]!;
    switch (m.kind) {
      case "datatype":
        at(m.tensor).datatype = m.value;
        break;
      case "shape":
        at(m.tensor).shape = m.value;
        break;
      case "name":
        at(m.tensor).name = m.value;
        break;
      case "drop":
        header.outputs.splice(m.tensor, 1);
        if (binary) tails.splice(m.tensor, 1);
        break;
      case "duplicate":
        header.outputs.push({ ...at(m.tensor) });
        if (binary) tails.push(tails[m.tensor]!);
        break;
      case "size":
        at(m.tensor).parameters = { binary_data_size: m.value };
        break;
      case "data":
        at(m.tensor).data = m.value;
        if (binary) delete at(m.tensor).parameters;
        break;
      case "outputs":
        header.outputs = m.value as Header["outputs"];
        break;
      case "nest": {
        const t = tensors[m.tensor]!;
        const values = Array.from(t.data);
        const last = t.shape[t.shape.length - 1]!;
        at(m.tensor).data = m.valid ? Array.from({ length: values.length / last }, (_, r) => values.slice(r * last, (r + 1) * last)) : values.map((v) => [v, v]);
        if (binary) {
          delete at(m.tensor).parameters;
          tails.splice(m.tensor, 1);
        }
        break;
      }
      default:
        break;
    }
    let json = new TextEncoder().encode(JSON.stringify(header));
    if (m.kind === "json") json = new TextEncoder().encode(JSON.stringify(m.value) ?? "");
    if (m.kind === "json" || m.kind === "bytes") tails = [];
    let body: Uint8Array = m.kind === "bytes" ? m.value : new Uint8Array([...json, ...tails.flatMap((t) => [...t])]);
    let lengthHeader: string | null = binary && m.kind !== "json" && m.kind !== "bytes" ? String(json.byteLength) : null;
    if (m.kind === "header-length") lengthHeader = m.value;
    if (m.kind === "truncate") body = body.subarray(0, Math.min(m.at, Math.max(0, body.byteLength - 1)));
    return { batchSize, sequenceLength, pruning, ranking, body, lengthHeader, intact: m.kind === "none" || (m.kind === "nest" && m.valid) };
  });

/** The property: the right logits (exactly, when the answer was left intact), or a RemoteInferenceError. */
function check(c: Case, outcome: { value: BatchOutput } | { error: unknown }): void {
  if ("error" in outcome) {
    expect(outcome.error, `${String(outcome.error)}\n${(outcome.error as Error)?.stack}`).toBeInstanceOf(RemoteInferenceError);
    expect(c.intact, `an intact answer was refused: ${String(outcome.error)}`).toBe(false);
    return;
  }
  const { pruningLogits, rankingLogits } = outcome.value;
  expect(pruningLogits).toBeInstanceOf(Float32Array);
  expect(rankingLogits).toBeInstanceOf(Float32Array);
  expect(pruningLogits!.length).toBe(c.batchSize * c.sequenceLength * 2);
  expect(rankingLogits!.length).toBe(c.batchSize);
  if (c.intact) {
    const values = (a: Float32Array) => Array.from(a, (v) => v + 0); // JSON has no -0
    expect(values(pruningLogits!)).toEqual(values(c.pruning));
    expect(values(rankingLogits!)).toEqual(values(c.ranking));
  }
}

describe("fuzz: V2 inference answers", () => {
  it("decodeOutputs gives the right logits or a RemoteInferenceError for any answer", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        let outcome: { value: BatchOutput } | { error: unknown };
        try {
          outcome = { value: decodeOutputs(c.body, c.lengthHeader, { batchSize: c.batchSize, sequenceLength: c.sequenceLength, ...NAMES }, "http://fuzz/infer", 200) };
        } catch (error) {
          outcome = { error };
        }
        check(c, outcome);
      }),
      params(1500),
    );
  });

  describe("through HTTP and the whole remote backend", () => {
    let current: Case | undefined;
    let url = "";
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              name: "m",
              inputs: [
                { name: "input_ids", datatype: "INT64", shape: [-1, -1] },
                { name: "attention_mask", datatype: "INT64", shape: [-1, -1] },
              ],
              outputs: [
                { name: NAMES.pruning, datatype: "FP32", shape: [-1, -1, 2] },
                { name: NAMES.ranking, datatype: "FP32", shape: [-1, 1] },
              ],
            }),
          );
          return;
        }
        const c = current!;
        res.writeHead(200, { "content-type": "application/octet-stream", ...(c.lengthHeader !== null ? { [INFERENCE_HEADER]: c.lengthHeader } : {}) });
        res.end(c.body);
      });
    });
    let backend: RemoteBackend;
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      backend = await RemoteBackend.connect({ url, model: "m", retries: 0, timeoutMs: 5000, tensorFormat: "binary" }, { ...NAMES, rankingRequired: true });
    });
    afterAll(async () => {
      await backend.dispose();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it("every answer gives the right logits or a RemoteInferenceError", async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          current = c;
          const tensor = () => new BigInt64Array(c.batchSize * c.sequenceLength).fill(1n);
          const outcome = await backend.run({ batchSize: c.batchSize, sequenceLength: c.sequenceLength, tensors: { input_ids: tensor(), attention_mask: tensor() } }).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          check(c, outcome);
        }),
        params(150),
      );
    });
  });
});
