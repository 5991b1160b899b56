import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { describe, expect, it } from "vitest";

import { ModelLoadError } from "../errors.js";
import { testModels } from "../test-support/models.js";
import { fetchModelFiles, modelBaseUrl, type FetchLike } from "./model-url.js";

/** A fetch over file:// URLs with some files replaced. */
function fakeFetch(overrides: Record<string, string | 404> = {}): FetchLike {
  return async (url) => {
    const name = url.slice(url.lastIndexOf("/") + 1);
    const override = overrides[name];
    if (override === 404) return { ok: false, status: 404, statusText: "Not Found", json: async () => null, arrayBuffer: async () => new ArrayBuffer(0) };
    const bytes = override !== undefined ? Buffer.from(override) : await readFile(new URL(url)).catch(() => null);
    if (!bytes) return { ok: false, status: 404, statusText: "Not Found", json: async () => null, arrayBuffer: async () => new ArrayBuffer(0) };
    return { ok: true, status: 200, statusText: "OK", json: async () => JSON.parse(bytes.toString("utf8")) as unknown, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
  };
}

const base = pathToFileURL(testModels.tinyXlmr).href; // no trailing slash: modelBaseUrl adds it

/**
 * A fetch over file:// URLs whose answer for `name` is a body without end (1 MiB chunks, stopped at 1 GiB so a
 * client that never stops cannot exhaust the test machine), optionally with a Content-Length header.
 */
function endlessFetch(name: string, contentLength?: number): { fetch: FetchLike; sent: () => number } {
  let sent = 0;
  const chunk = new Uint8Array(1 << 20).fill(7);
  const files = fakeFetch();
  const fetch: FetchLike = async (url, init) => {
    if (!url.endsWith(`/${name}`)) return files(url, init);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 ** 30) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return new Response(body, { headers: contentLength === undefined ? {} : { "content-length": String(contentLength) } });
  };
  return { fetch, sent: () => sent };
}

describe("fetchModelFiles (model loading by URL)", () => {
  it("cancels an ONNX file that grows past maxModelBytes, and a JSON file past its limit: typed error, bounded reading", async () => {
    const modelFile = (JSON.parse(await readFile(path.join(testModels.tinyXlmr, "highlight_config.json"), "utf8")) as { model_file?: string }).model_file ?? "model.onnx";
    const endless = endlessFetch(modelFile);
    await expect(fetchModelFiles(base, { fetch: endless.fetch, maxModelBytes: 8 * 2 ** 20 })).rejects.toThrow(/more than the 8388608-byte limit for this file/);
    expect(endless.sent()).toBeLessThanOrEqual(16 * 2 ** 20); // before the limit, all of the 1 GiB was read

    const tokenizer = endlessFetch("tokenizer.json");
    const error = await fetchModelFiles(base, { fetch: tokenizer.fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/tokenizer\.json: the server sends more than 67108864 bytes/);
    expect(tokenizer.sent()).toBeLessThanOrEqual(72 * 2 ** 20);
  }, 60_000);

  it("refuses a Content-Length over the limit before reading the body", async () => {
    const modelFile = (JSON.parse(await readFile(path.join(testModels.tinyXlmr, "highlight_config.json"), "utf8")) as { model_file?: string }).model_file ?? "model.onnx";
    const announced = endlessFetch(modelFile, 5 * 2 ** 30);
    await expect(fetchModelFiles(base, { fetch: announced.fetch })).rejects.toThrow(/the server sends 5368709120 bytes, more than the 4294967296-byte limit/);
    expect(announced.sent()).toBeLessThanOrEqual(2 * 2 ** 20); // a stream may pull a chunk ahead, never the body
    await expect(fetchModelFiles(base, { fetch: fakeFetch(), maxModelBytes: 0 })).rejects.toThrow(/maxModelBytes must be a positive integer/);
  });


  it("resolves the folder URL, fetches config, tokenizer and graph", async () => {
    expect(modelBaseUrl("https://example.com/models/default")).toBe("https://example.com/models/default/");
    expect(() => modelBaseUrl("not a url")).toThrow(ModelLoadError);
    const files = await fetchModelFiles(base, { fetch: fakeFetch() });
    expect(files.url).toBe(`${base}/`);
    expect(files.modelUrl).toBe(`${base}/${files.config.modelFile}`);
    expect(files.model.length).toBeGreaterThan(1000);
    expect(files.tokenizer.vocabSize).toBeGreaterThan(10);
  });

  it("tokenizer_config.json is optional; the other files are not", async () => {
    await expect(fetchModelFiles(base, { fetch: fakeFetch({ "tokenizer_config.json": 404 }) })).resolves.toBeDefined();
    await expect(fetchModelFiles(base, { fetch: fakeFetch({ "tokenizer.json": 404 }) })).rejects.toThrow(/tokenizer\.json: cannot fetch the file: HTTP 404/);
  });

  it("broken files are ModelLoadErrors naming the URL and the problem", async () => {
    const config = JSON.parse(await readFile(path.join(testModels.tinyXlmr, "highlight_config.json"), "utf8")) as Record<string, unknown>;
    await expect(fetchModelFiles(base, { fetch: fakeFetch({ "highlight_config.json": "{ nope" }) })).rejects.toThrow(/highlight_config\.json: not valid JSON/);
    await expect(fetchModelFiles(base, { fetch: fakeFetch({ "highlight_config.json": JSON.stringify({ ...config, vocab_size: 7 }) }) })).rejects.toThrow(/tokenizer\.json: tokenizer has \d+ tokens but highlight_config\.json says vocab_size 7/);
    const failing: FetchLike = async () => {
      throw new TypeError("Failed to fetch");
    };
    const error = await fetchModelFiles(base, { fetch: failing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe(`${base}/highlight_config.json`);
  });
});
