/**
 * The adapters take any core `Highlighter`: here the browser build's `WebHighlighter` (onnxruntime-web's
 * WebAssembly backend, run in Node) behind the compressor and the reranker, compared with the Node build's
 * `SemanticHighlighter` on the same model. (In a real browser: test/consumer-web.browser.test.ts.)
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

import { Document } from "@langchain/core/documents";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { WebHighlighter, type WebHighlighterLoadOptions } from "@semantic-highlight/core/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CrossEncoderReranker, SemanticHighlightCompressor } from "./index.js";

const MODEL = fileURLToPath(new URL("../../../models/default/", import.meta.url));
const QUERY = "When was the Eiffel Tower completed?";
const TEXTS = [
  "The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in 1889 for the World's Fair. Bananas are yellow.",
  "Cheetahs run fast. They live in Africa.",
];

/** fetch() over file:// URLs, as a static server would answer. */
const fileFetch: NonNullable<WebHighlighterLoadOptions["fetch"]> = async (url) => {
  const bytes = await readFile(new URL(url));
  return { ok: true, status: 200, statusText: "OK", json: async () => JSON.parse(bytes.toString("utf8")) as unknown, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
};

let web: WebHighlighter;
let node: SemanticHighlighter;
beforeAll(async () => {
  web = await WebHighlighter.load(pathToFileURL(MODEL).href, { fetch: fileFetch, device: "wasm", numThreads: 1 });
  node = await SemanticHighlighter.load(MODEL, { backend: "in-process" });
});
afterAll(async () => {
  await web?.dispose();
  await node?.dispose();
});

const docs = () => TEXTS.map((text, i) => new Document({ pageContent: text, id: `d${i}`, metadata: { source: i } }));

describe("the LangChain adapters on a WebHighlighter", () => {
  it("SemanticHighlightCompressor keeps the same sentences and order as on the Node highlighter", async () => {
    const [onWeb, onNode] = await Promise.all([
      new SemanticHighlightCompressor({ highlighter: web }).compressDocuments(docs(), QUERY),
      new SemanticHighlightCompressor({ highlighter: node }).compressDocuments(docs(), QUERY),
    ]);
    expect(onWeb.map((d) => [d.id, d.pageContent])).toEqual(onNode.map((d) => [d.id, d.pageContent]));
    expect(onWeb[0]!.id).toBe("d0"); // the Eiffel Tower document, pruned
    onWeb.forEach((d, i) => expect(Math.abs((d.metadata.relevanceScore as number) - (onNode[i]!.metadata.relevanceScore as number))).toBeLessThanOrEqual(1e-4));
  });

  it("CrossEncoderReranker ranks like on the Node highlighter", async () => {
    const [onWeb, onNode] = await Promise.all([new CrossEncoderReranker({ highlighter: web }).compressDocuments(docs(), QUERY), new CrossEncoderReranker({ highlighter: node }).compressDocuments(docs(), QUERY)]);
    expect(onWeb.map((d) => d.id)).toEqual(onNode.map((d) => d.id));
  });
});
