/**
 * Option rigor, typed errors and lifecycle of the LangChain compressor (issue 12, defects 4–6 and 8).
 */
import { fileURLToPath } from "node:url";
import { Document } from "@langchain/core/documents";
import { InferenceError, InvalidInputError, SemanticHighlighter } from "@semantic-highlight/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SemanticHighlightCompressor } from "./index.js";

const MODEL = fileURLToPath(new URL("../../../models/test/tokenwise", import.meta.url));
const QUERY = "Who gave their name to Normandy?";
const docs = () => [
  new Document({ pageContent: "Normandy is a region in France. The Normans gave it their name. Rollo was their leader.", metadata: { source: "a" } }),
  new Document({ pageContent: "Photosynthesis turns light into energy. It happens in chloroplasts.", metadata: { source: "b" } }),
];

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(MODEL, { backend: "in-process" });
});
afterAll(() => highlighter.dispose());

describe("SemanticHighlightCompressor option rigor", () => {
  it("refuses unknown option names with a suggestion", () => {
    expect(() => new SemanticHighlightCompressor({ highlighter, thresold: 0.2 } as never)).toThrow(/unknown SemanticHighlightCompressor option "thresold" — did you mean "threshold"/);
    expect(() => new SemanticHighlightCompressor({ highlighter, top_n: 2 } as never)).toThrow(/did you mean "topN"/);
    expect(() => new SemanticHighlightCompressor({ model: MODEL, top_k: 2 } as never)).toThrow(/did you mean "topK"/);
  });

  it("validates core options against the model when built with a highlighter (batchSize 0, booleans, segmentation)", () => {
    for (const bad of [{ batchSize: 0 }, { keepFirst: "yes" }, { topK: "3" }, { segmentation: { maxSentenceChars: 0 } }, { signal: {} }]) {
      expect(() => new SemanticHighlightCompressor({ highlighter, ...(bad as object) })).toThrow(InvalidInputError);
    }
  });

  it("reports bad segmentation as InvalidInputError at call time with the lazy { model } form", async () => {
    const compressor = new SemanticHighlightCompressor({ model: MODEL, loadOptions: { backend: "in-process" }, segmentation: { locale: "not a locale!!" } });
    await expect(compressor.compressDocuments(docs(), QUERY)).rejects.toBeInstanceOf(InvalidInputError);
    await compressor.dispose();
  });

  it("refuses metadataKey 'relevanceScore', which would overwrite the rerank score", () => {
    expect(() => new SemanticHighlightCompressor({ highlighter, metadataKey: "relevanceScore" })).toThrow(/would overwrite the rerank score/);
    expect(() => new SemanticHighlightCompressor({ highlighter }).withOptions({ metadataKey: "relevanceScore" })).toThrow(InvalidInputError);
  });

  it("refuses metadataKey __proto__ (the details would vanish into the prototype) and Object.prototype names", () => {
    for (const metadataKey of ["__proto__", "constructor", "prototype", "toString"]) {
      expect(() => new SemanticHighlightCompressor({ highlighter, metadataKey }), metadataKey).toThrow(InvalidInputError);
      expect(() => new SemanticHighlightCompressor({ highlighter }).withOptions({ metadataKey }), metadataKey).toThrow(/choose another key/);
    }
  });

  it("keeps an own __proto__ key of JSON-parsed metadata as data: the returned metadata's prototype is untouched", async () => {
    const metadata = JSON.parse('{"source":"a","__proto__":{"isAdmin":true}}') as Record<string, unknown>;
    const doc = new Document({ pageContent: docs()[0]!.pageContent, metadata });
    const [out] = await new SemanticHighlightCompressor({ highlighter, threshold: 0 }).compressDocuments([doc], QUERY);
    expect(Object.getPrototypeOf(out!.metadata)).toBe(Object.prototype);
    expect(out!.metadata.isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(out!.metadata, "__proto__")?.value).toEqual({ isAdmin: true });
    expect(out!.metadata.highlight).toBeDefined();
  });

  it("refuses a sparse documents array, naming the hole", async () => {
    const sparse = new Array<Document>(2);
    sparse[1] = docs()[0]!;
    await expect(new SemanticHighlightCompressor({ highlighter }).compressDocuments(sparse, QUERY)).rejects.toThrow(/documents\[0\] is missing/);
  });
});

describe("SemanticHighlightCompressor lifecycle", () => {
  it("after dispose(), the { model } form refuses with a typed error instead of silently reloading", async () => {
    const compressor = new SemanticHighlightCompressor({ model: MODEL, loadOptions: { backend: "in-process" }, threshold: 0 });
    const copy = compressor.withOptions({ topN: 1 });
    expect(await compressor.compressDocuments(docs(), QUERY)).toHaveLength(2);
    await compressor.dispose();
    await expect(compressor.compressDocuments(docs(), QUERY)).rejects.toBeInstanceOf(InferenceError);
    await expect(copy.compressDocuments(docs(), QUERY)).rejects.toThrow(/disposed/);
    await expect(compressor.getHighlighter()).rejects.toBeInstanceOf(InferenceError);
  });

  it("a { model } compressor disposed before its first call never loads", async () => {
    const compressor = new SemanticHighlightCompressor({ model: MODEL, loadOptions: { backend: "in-process" } });
    await compressor.dispose();
    await expect(compressor.compressDocuments(docs(), QUERY)).rejects.toBeInstanceOf(InferenceError);
  });
});

describe("SemanticHighlightCompressor rerank score source", () => {
  it("orders documents by the chosen rerank score source", async () => {
    for (const rerankScoreSource of ["head", "max-sentence"] as const) {
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0, rerankScoreSource }).compressDocuments(docs(), QUERY);
      const direct = await highlighter.highlight(QUERY, docs().map((d) => d.pageContent), { threshold: 0, rerankScoreSource });
      const expected = [...direct.results].sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex);
      expect(out.map((d) => d.metadata.relevanceScore)).toEqual(expected.map((r) => r.rerankScore));
      expect(out.map((d) => d.metadata.source)).toEqual(expected.map((r) => (r.documentIndex === 0 ? "a" : "b")));
    }
  });
});

describe("SemanticHighlightCompressor contextBudget", () => {
  it("keeps at most contextBudget tokens over all documents, picked by score, with the usual metadata and order", async () => {
    const all = await new SemanticHighlightCompressor({ highlighter, threshold: 0 }).compressDocuments(docs(), QUERY);
    const total = (out: Document[]) => out.reduce((a, d) => a + d.metadata.highlight.compression.tokensAfter, 0);
    expect(total(all)).toBeGreaterThan(12);
    const budget = 12;
    for (const order of ["rerank", "retrieval"] as const) {
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0, contextBudget: budget, order }).compressDocuments(docs(), QUERY);
      expect(total(out)).toBeLessThanOrEqual(budget);
      expect(out.length).toBeGreaterThan(0);
      for (const doc of out) {
        expect(doc.pageContent).toBe(doc.metadata.highlight.keptSentences.map((s: { text: string }) => s.text).join(""));
        expect(typeof doc.metadata.relevanceScore).toBe("number");
        expect(doc.metadata.source).toMatch(/^[ab]$/);
      }
      // The kept sentences are the best-scoring ones overall.
      const keptScores = out.flatMap((d) => d.metadata.highlight.keptSentences.map((s: { score: number }) => s.score));
      const dropped = out.flatMap((d) => d.metadata.highlight.sentenceScores).length;
      expect(dropped).toBeGreaterThan(keptScores.length);
      const expectedOrder = order === "retrieval" ? [...out].sort((a, b) => a.metadata.source.localeCompare(b.metadata.source)) : [...out].sort((a, b) => b.metadata.relevanceScore - a.metadata.relevanceScore);
      expect(out).toEqual(expectedOrder);
    }
    expect(() => new SemanticHighlightCompressor({ highlighter, contextBudget: -1 })).toThrow(InvalidInputError);
  });
});
