/**
 * Fuzz targets (fast-check, seeded) for the checkpoint readers: the safetensors header and the shard index.
 * Every outcome is a valid result or a ConversionError — never a raw TypeError / RangeError / SyntaxError,
 * never a hang. Inputs are mutations of the real fixture headers (so most runs get deep into validation)
 * mixed with arbitrary JSON and bytes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ConversionError } from "../../errors.js";
import { checkpointFixtures, readSafetensorsFile } from "../../test-support/checkpoints.js";
import { dtypeBytes, readSafetensorsHeader, shardFilesOfIndex, validateSafetensorsHeader, type TensorEntry } from "./safetensors.js";

const SEED = Number(process.env.FC_SEED ?? 20240619);
const params = (numRuns: number) => ({ numRuns, seed: SEED });
/** Longest a single parse may take: a hang or an allocation proportional to a hostile number shows as a timeout. */
const RUN_MS = 2000;

/** Runs `fn`; a ConversionError is a valid outcome, anything else thrown fails the property. */
function outcome<T>(fn: () => T): T | ConversionError {
  const started = performance.now();
  try {
    return fn();
  } catch (error) {
    if (error instanceof ConversionError) return error;
    throw error;
  } finally {
    expect(performance.now() - started).toBeLessThan(RUN_MS);
  }
}

/** What a returned entry list must satisfy: inside the data area, contiguous, bytes = dtype × shape. */
function checkEntries(entries: TensorEntry[], base: number, size: number): void {
  let at = base;
  for (const e of [...entries].sort((a, b) => a.offset - b.offset || a.byteLength - b.byteLength)) {
    expect(Number.isSafeInteger(e.offset) && Number.isSafeInteger(e.byteLength)).toBe(true);
    expect(e.offset).toBe(at);
    expect(e.byteLength).toBe(e.shape.reduce((a, b) => a * b, dtypeBytes(e.dtype)));
    at += e.byteLength;
  }
  expect(at).toBe(size);
}

const fixtureHeader = readSafetensorsFile(path.join(checkpointFixtures, "xprovence", "model.safetensors"));
const names = Object.keys(fixtureHeader.header).filter((k) => k !== "__metadata__");

/** A hostile value for one field: the numbers and shapes that broke the reader, and arbitrary JSON. */
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(null, 5, -8, 0.5, 1e9, 1e308, -0, "F32", "", [], {}, [0], [-1, 4], [0.5, 8.5], [8, 0], [0, 2 ** 53], [2 ** 40, 2 ** 40], ["0", "4"], "constructor", "__proto__"),
  fc.jsonValue({ maxDepth: 2 }),
);
const field = fc.constantFrom("dtype", "shape", "data_offsets");
/** A mutation of the fixture header: change fields of tensors, drop or add tensors, or replace the whole header. */
const mutatedHeader: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(fc.constantFrom(...names, "extra", "__metadata__"), fc.option(field, { nil: undefined }), hostileValue), { minLength: 1, maxLength: 4 }).map((edits) => {
    const header = structuredClone(fixtureHeader.header) as Record<string, unknown>;
    for (const [name, key, value] of edits) {
      if (key === undefined || header[name] === null || typeof header[name] !== "object") header[name] = value;
      else (header[name] as Record<string, unknown>)[key] = value;
    }
    return header;
  }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.record({ dtype: fc.constantFrom("F32", "F16", "BF16", "I8", "BOOL", "X"), shape: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }), data_offsets: fc.tuple(fc.integer({ min: -4, max: 64 }), fc.integer({ min: -4, max: 64 })) }), { maxKeys: 6 }) },
);

describe("fuzz: safetensors header", () => {
  it("validateSafetensorsHeader gives valid entries or a ConversionError for any header", () => {
    const size = 8 + 1024 + fixtureHeader.data.length;
    fc.assert(
      fc.property(mutatedHeader, fc.integer({ min: 0, max: 64 }), (header, extra) => {
        const result = outcome(() => validateSafetensorsHeader(header, "fuzz.safetensors", 8 + 1024, size + (extra % 3 === 0 ? 0 : extra)));
        if (!(result instanceof ConversionError)) checkEntries(result, 8 + 1024, size + (extra % 3 === 0 ? 0 : extra));
      }),
      params(400),
    );
  });

  it("readSafetensorsHeader gives valid entries or a ConversionError for any file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sh-fuzz-st-"));
    const file = path.join(dir, "model.safetensors");
    // A file: a header length (true, lying, or huge), the header text (mutated JSON or raw bytes), data (fixture or random).
    const fileBytes = fc
      .tuple(
        fc.oneof(mutatedHeader.map((h) => Buffer.from(JSON.stringify(h) ?? "")), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))),
        fc.oneof(fc.constant(null), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: -8, max: 8 })),
        fc.oneof(fc.constant(fixtureHeader.data), fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b))),
      )
      .map(([header, length, data]) => {
        const head = Buffer.alloc(8);
        head.writeBigUInt64LE(length === null ? BigInt(header.length) : typeof length === "bigint" ? length : BigInt(Math.max(0, header.length + length)));
        return Buffer.concat([head, header, data]);
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: fileBytes }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) }), async (bytes) => {
        writeFileSync(file, bytes);
        const started = performance.now();
        let result: TensorEntry[] | ConversionError;
        try {
          result = await readSafetensorsHeader(file);
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
          result = error;
        }
        expect(performance.now() - started).toBeLessThan(RUN_MS);
        if (!(result instanceof ConversionError)) {
          const n = Number(bytes.readBigUInt64LE(0));
          checkEntries(result, 8 + n, bytes.length);
          expect(result.every((e) => e.file === file)).toBe(true);
        }
      }),
      params(250),
    );
  });
});

describe("fuzz: shard index (model.safetensors.index.json)", () => {
  const fixtureIndex = JSON.parse(readFileSync(path.join(checkpointFixtures, "flat-sharded", "model.safetensors.index.json"), "utf8")) as { weight_map: Record<string, string> };
  const shardName = fc.oneof(
    fc.constantFrom<unknown>("model-00001-of-00002.safetensors", "../x.safetensors", "/etc/passwd", "a/b.safetensors", "..", ".", "", ".safetensors", "x\u0000.safetensors", "c:\\x.safetensors", null, 7, {}, []),
    fc.string({ unit: "binary", maxLength: 24 }),
    fc.string({ maxLength: 12 }).map((s) => `${s}.safetensors`),
  );
  const indexJson: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.tuple(fc.constantFrom(...Object.keys(fixtureIndex.weight_map), "new.tensor", "__proto__"), shardName), { maxLength: 4 }).map((edits) => {
      const index = structuredClone(fixtureIndex) as { weight_map: Record<string, unknown> };
      for (const [tensor, shard] of edits) Object.defineProperty(index.weight_map, tensor, { value: shard, enumerable: true, writable: true, configurable: true });
      return index;
    }) },
    { weight: 1, arbitrary: fc.record({ weight_map: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.string({ maxLength: 6 }), shardName as fc.Arbitrary<fc.JsonValue>, { maxKeys: 5 })) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );

  it("shardFilesOfIndex gives plain .safetensors file names or a ConversionError for any index", () => {
    fc.assert(
      fc.property(indexJson, (index) => {
        const result = outcome(() => shardFilesOfIndex(index, "model.safetensors.index.json"));
        if (result instanceof ConversionError) {
          expect(result.reason).toBe("UNSUPPORTED_FORMAT");
          return;
        }
        expect(result.length).toBeGreaterThan(0);
        for (const name of result) {
          expect(name.endsWith(".safetensors")).toBe(true);
          expect(name).not.toMatch(/[/\\\u0000-\u001f]/);
          expect(path.basename(name)).toBe(name);
          expect(name).not.toBe("..");
        }
      }),
      params(400),
    );
  });
});
