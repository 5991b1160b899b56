import { fileURLToPath } from "node:url";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { DocumentCompressorPipeline } from "@langchain/classic/retrievers/document_compressors";
import { EmbeddingsFilter } from "@langchain/classic/retrievers/document_compressors/embeddings_filter";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { AbortError, InvalidInputError, SemanticHighlighter, type HighlightResult } from "@semantic-highlight/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbeddings } from "../../../examples/lib/hashing-embeddings.js";
import {
  SEMANTIC_HIGHLIGHT_EVENT,
  SemanticHighlightCompressor,
  type SemanticHighlightMetadata,
  type SemanticHighlightStats,
} from "./index.js";

const MODEL = fileURLToPath(new URL("../../../models/test/tiny-xlmr", import.meta.url));

const TEXTS = [
  "Python is an interpreted language. Loops over millions of items are slow. Use NumPy vector operations instead of loops. Profile first with cProfile.",
  "The Great Wall of China was built over many centuries. Most of the brick wall dates from the Ming dynasty. It cannot be seen from the Moon with the naked eye.",
  "Photosynthesis turns light into chemical energy. It happens in chloroplasts. Oxygen is released as a by-product.",
  "JavaScript runs on a single thread. The event loop runs queued callbacks. Promises use the microtask queue.",
  "长城是中国古代的军事防御工程。今天看到的砖石长城大部分是明朝修建的。长城全长两万多公里。",
];
const QUERY = "How do I make Python code faster?";

function makeDocs(): Document[] {
  return TEXTS.map(
    (text, i) =>
      new Document({ pageContent: text, id: `doc-${i}`, metadata: { source: `doc-${i}.txt`, position: i, tags: ["corpus", `t${i}`], nested: { deep: { n: i } } } }),
  );
}

const highlightOf = (doc: DocumentInterface, key = "highlight") => doc.metadata[key] as SemanticHighlightMetadata;

/** Records what LangChain's callback system delivers. */
class RecordingHandler extends BaseCallbackHandler {
  name = "recording";
  retrieverStarts: { runName?: string; runId: string; parentRunId?: string; query: string }[] = [];
  retrieverEnds: { runId: string; documents: DocumentInterface[] }[] = [];
  retrieverErrors: { runId: string; error: unknown }[] = [];
  customEvents: { name: string; data: unknown; runId: string }[] = [];
  override awaitHandlers = true;

  override handleRetrieverStart(_r: unknown, query: string, runId: string, parentRunId?: string, _t?: string[], _m?: Record<string, unknown>, runName?: string) {
    this.retrieverStarts.push({ runName, runId, parentRunId, query });
  }
  override handleRetrieverEnd(documents: DocumentInterface[], runId: string) {
    this.retrieverEnds.push({ runId, documents });
  }
  override handleRetrieverError(error: unknown, runId: string) {
    this.retrieverErrors.push({ runId, error });
  }
  override handleCustomEvent(name: string, data: unknown, runId: string) {
    this.customEvents.push({ name, data, runId });
  }
}

/** A second compressor for pipelines: records its input and keeps documents whose text mentions a word. */
class RecordingCompressor extends BaseDocumentCompressor {
  seen: DocumentInterface[][] = [];
  async compressDocuments(documents: DocumentInterface[]): Promise<DocumentInterface[]> {
    this.seen.push(documents);
    return documents.slice(0, 2);
  }
}

describe("SemanticHighlightCompressor", () => {
  let highlighter: SemanticHighlighter;
  let store: MemoryVectorStore;

  beforeAll(async () => {
    highlighter = await SemanticHighlighter.load(MODEL, { runtime: { intraOpNumThreads: 1 } });
    store = await MemoryVectorStore.fromDocuments(makeDocs(), new HashingEmbeddings());
  });
  afterAll(async () => {
    await highlighter?.dispose();
  });

  describe("inside ContextualCompressionRetriever over a MemoryVectorStore", () => {
    it("returns pruned documents whose text, scores and metadata match core's result", async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, order: "retrieval" });
      const baseRetriever = store.asRetriever({ k: 4 });
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });
      const retrieved = await baseRetriever.invoke(QUERY);
      const compressed = await retriever.invoke(QUERY);
      const direct = await highlighter.highlight(QUERY, retrieved.map((d) => d.pageContent), { threshold: 0 });

      expect(compressed).toHaveLength(retrieved.length); // threshold 0: every document is relevant
      compressed.forEach((doc, i) => {
        const original = retrieved[i]!;
        const core = direct.results[i]!;
        expect(doc).toBeInstanceOf(Document);
        expect(doc).not.toBe(original);
        expect(doc.id).toBe(original.id);
        expect(doc.pageContent).toBe(core.prunedText);
        const { relevanceScore, highlight, ...rest } = doc.metadata;
        expect(rest).toEqual(original.metadata);
        expect(relevanceScore).toBe(core.rerankScore);
        const details = highlight as SemanticHighlightMetadata;
        expect(details.sentenceScores).toEqual(core.sentenceScores);
        expect(details.keptSentences).toEqual(
          core.keptSentences.map((s) => ({ index: s.index, text: s.text, start: s.start, end: s.end, score: s.score, keepReason: s.keepReason })),
        );
        for (const s of details.keptSentences) expect(original.pageContent.slice(s.start, s.end)).toBe(s.text);
        expect(details.compression).toEqual(core.compression);
        expect(details.originalLength).toBe(original.pageContent.length);
        expect(details.threshold).toBe(0);
        expect(details.relevant).toBe(true);
        expect(details.rerankScore).toBe(core.rerankScore);
      });
    });

    it("prunes sentences below the threshold and drops documents with none above it", async () => {
      const baseRetriever = store.asRetriever({ k: 5 });
      const retrieved = await baseRetriever.invoke(QUERY);
      // Random weights: choose a threshold between the sentence scores so that pruning really happens.
      const scores = (await highlighter.highlight(QUERY, retrieved.map((d) => d.pageContent), { threshold: 0 })).results.flatMap((r) => r.sentenceScores);
      const threshold = [...scores].sort((a, b) => a - b)[Math.floor(scores.length * 0.75)]! - 1e-9;
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold, order: "retrieval" });
      const compressed = await new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever }).invoke(QUERY);
      const direct = await highlighter.highlight(QUERY, retrieved.map((d) => d.pageContent), { threshold });
      const relevant = direct.results.filter((r) => r.relevant);
      expect(relevant.length).toBeGreaterThan(0);
      expect(compressed.map((d) => d.pageContent)).toEqual(relevant.map((r) => r.prunedText));
      expect(compressed.map((d) => d.id)).toEqual(relevant.map((r) => retrieved[r.documentIndex]!.id));
      const keptCount = compressed.reduce((a, d) => a + highlightOf(d).keptSentences.length, 0);
      expect(keptCount).toBeLessThan(scores.length);
      for (const doc of compressed) {
        expect(doc.pageContent.length).toBeLessThan(highlightOf(doc).originalLength);
        expect(highlightOf(doc).keptSentences.every((s) => s.score > threshold)).toBe(true);
      }
    });

    it("uses the model config's threshold by default", async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter, dropIrrelevant: false });
      const [doc] = await compressor.compressDocuments(makeDocs().slice(0, 1), QUERY);
      expect(highlightOf(doc!).threshold).toBe(highlighter.config.threshold);
    });

    it("never changes the vector store's documents, across two consecutive queries", async () => {
      const before = structuredClone(store.memoryVectors);
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, dropIrrelevant: false });
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: store.asRetriever({ k: 5 }) });
      const first = await retriever.invoke(QUERY);
      // Writing to what we got back must not reach the store either.
      for (const doc of first) {
        doc.metadata.tags.push("mutated");
        doc.metadata.nested.deep.n = -1;
        doc.pageContent = "mutated";
      }
      await retriever.invoke("长城是什么时候修建的？");
      expect(store.memoryVectors).toEqual(before);
    });

    it("reports a nested retriever run and pruning stats through LangChain callbacks", async () => {
      const handler = new RecordingHandler();
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, topN: 2 });
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: store.asRetriever({ k: 4 }) });
      const docs = await retriever.invoke(QUERY, { callbacks: [handler] });

      const outer = handler.retrieverStarts.find((s) => s.runName === undefined || s.runName === "ContextualCompressionRetriever");
      const ours = handler.retrieverStarts.find((s) => s.runName === "SemanticHighlightCompressor");
      expect(ours).toBeDefined();
      expect(ours!.query).toBe(QUERY);
      expect(ours!.parentRunId).toBeDefined();
      expect(handler.retrieverStarts.map((s) => s.runId)).toContain(ours!.parentRunId);
      expect(outer).toBeDefined();
      const end = handler.retrieverEnds.find((e) => e.runId === ours!.runId);
      expect(end?.documents).toEqual(docs);

      const event = handler.customEvents.find((e) => e.name === SEMANTIC_HIGHLIGHT_EVENT);
      expect(event?.runId).toBe(ours!.runId);
      const stats = event!.data as SemanticHighlightStats;
      expect(stats.documentsIn).toBe(4);
      expect(stats.documentsOut).toBe(2);
      expect(stats.documentsDropped).toBe(2);
      expect(stats.tokensAfter).toBe(docs.reduce((a, d) => a + highlightOf(d).compression.tokensAfter, 0));
      expect(stats.tokensBefore).toBeGreaterThanOrEqual(stats.tokensAfter);
      expect(stats.threshold).toBe(0);
      expect(handler.retrieverErrors).toEqual([]);
    });
    it("shows up in the retriever's streamEvents (v2) as a nested retriever run and a custom event", async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, topN: 1 });
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: store.asRetriever({ k: 3 }) });
      const events: { event: string; name: string; data: unknown }[] = [];
      for await (const e of retriever.streamEvents(QUERY, { version: "v2" })) events.push({ event: e.event, name: e.name, data: e.data });
      expect(events.filter((e) => e.name === "SemanticHighlightCompressor").map((e) => e.event)).toEqual(["on_retriever_start", "on_retriever_end"]);
      const custom = events.find((e) => e.event === "on_custom_event" && e.name === SEMANTIC_HIGHLIGHT_EVENT);
      expect((custom?.data as SemanticHighlightStats).documentsOut).toBe(1);
    });
  });

  describe("inside DocumentCompressorPipeline", () => {
    it("hands new pruned documents to the next compressor (custom and EmbeddingsFilter)", async () => {
      const recorder = new RecordingCompressor();
      const embeddings = new HashingEmbeddings();
      const pipeline = new DocumentCompressorPipeline({
        transformers: [
          new SemanticHighlightCompressor({ highlighter, threshold: 0 }),
          recorder,
          new EmbeddingsFilter({ embeddings, similarityThreshold: -1, k: 1 }),
        ],
      });
      const docs = makeDocs();
      const snapshot = structuredClone(docs);
      const retriever = new ContextualCompressionRetriever({ baseCompressor: pipeline, baseRetriever: store.asRetriever({ k: 5 }) });
      const out = await retriever.invoke(QUERY);
      expect(recorder.seen).toHaveLength(1);
      const handed = recorder.seen[0]!;
      expect(handed).toHaveLength(5);
      for (const doc of handed) expect(doc.metadata.highlight).toBeDefined();
      expect(out).toHaveLength(1);
      expect(handed.slice(0, 2)).toContainEqual(out[0]);
      expect(typeof out[0]!.metadata.relevanceScore).toBe("number");
      expect(docs).toEqual(snapshot);

      const direct = await pipeline.compressDocuments(docs, QUERY);
      expect(direct).toHaveLength(1);
      expect(docs).toEqual(snapshot);
    });
  });

  describe("document selection", () => {
    let everything: HighlightResult[];
    beforeAll(async () => {
      everything = (await highlighter.highlight(QUERY, TEXTS, { threshold: 0 })).results;
    });

    it('order "rerank" (default) sorts by relevanceScore, best first', async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0 });
      const out = await compressor.compressDocuments(makeDocs(), QUERY);
      const expected = [...everything].sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex);
      expect(out.map((d) => d.id)).toEqual(expected.map((r) => `doc-${r.documentIndex}`));
      const scores = out.map((d) => d.metadata.relevanceScore as number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });

    it('order "retrieval" keeps the incoming order', async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter, threshold: 0, order: "retrieval" });
      const out = await compressor.compressDocuments(makeDocs(), QUERY);
      expect(out.map((d) => d.id)).toEqual(TEXTS.map((_, i) => `doc-${i}`));
    });

    it("topN keeps the N best-scoring documents, in the chosen order", async () => {
      const best = [...everything].sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex).slice(0, 2);
      const ranked = await new SemanticHighlightCompressor({ highlighter, threshold: 0, topN: 2 }).compressDocuments(makeDocs(), QUERY);
      expect(ranked.map((d) => d.id)).toEqual(best.map((r) => `doc-${r.documentIndex}`));
      const inOrder = await new SemanticHighlightCompressor({ highlighter, threshold: 0, topN: 2, order: "retrieval" }).compressDocuments(makeDocs(), QUERY);
      expect(inOrder.map((d) => d.id)).toEqual(best.map((r) => r.documentIndex).sort((a, b) => a - b).map((i) => `doc-${i}`));
      const more = await new SemanticHighlightCompressor({ highlighter, threshold: 0, topN: 50 }).compressDocuments(makeDocs(), QUERY);
      expect(more).toHaveLength(TEXTS.length);
    });

    it("dropIrrelevant (default true) drops documents with no sentence above the threshold", async () => {
      const direct = await highlighter.highlight(QUERY, TEXTS, { threshold: 0.999 });
      expect(direct.results.some((r) => r.relevant)).toBe(false); // random weights never reach 0.999
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0.999 }).compressDocuments(makeDocs(), QUERY);
      expect(out).toEqual([]);
    });

    it("drops only the irrelevant documents of a mix", async () => {
      // Pick a threshold between the documents' best sentence scores, so some pass and some do not.
      const best = everything.map((r) => Math.max(...r.sentenceScores)).sort((a, b) => a - b);
      const threshold = (best[1]! + best[2]!) / 2;
      const out = await new SemanticHighlightCompressor({ highlighter, threshold, order: "retrieval" }).compressDocuments(makeDocs(), QUERY);
      const expected = everything.filter((r) => Math.max(...r.sentenceScores) > threshold).map((r) => `doc-${r.documentIndex}`);
      expect(expected.length).toBe(3);
      expect(out.map((d) => d.id)).toEqual(expected);
    });

    it("dropIrrelevant: false keeps every document, cut to minSentences (default 1), with relevanceScore 0", async () => {
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0.999, dropIrrelevant: false, order: "retrieval" }).compressDocuments(
        makeDocs(),
        QUERY,
      );
      expect(out.map((d) => d.id)).toEqual(TEXTS.map((_, i) => `doc-${i}`));
      for (const [i, doc] of out.entries()) {
        const details = highlightOf(doc);
        expect(details.relevant).toBe(false);
        expect(doc.metadata.relevanceScore).toBe(0);
        expect(details.keptSentences).toHaveLength(1);
        expect(details.keptSentences[0]!.keepReason).toBe("minimum");
        const bestIndex = details.sentenceScores.indexOf(Math.max(...details.sentenceScores));
        expect(details.keptSentences[0]!.index).toBe(bestIndex);
        expect(doc.pageContent).toBe(details.keptSentences[0]!.text);
        expect(TEXTS[i]).toContain(doc.pageContent);
      }
      const two = await new SemanticHighlightCompressor({ highlighter, threshold: 0.999, dropIrrelevant: false, minSentences: 2 }).compressDocuments(makeDocs(), QUERY);
      for (const doc of two) expect(highlightOf(doc).keptSentences).toHaveLength(2);
      const none = await new SemanticHighlightCompressor({ highlighter, threshold: 0.999, dropIrrelevant: false, minSentences: 0 }).compressDocuments(makeDocs(), QUERY);
      for (const doc of none) expect(doc.pageContent).toBe("");
    });

    it("an empty document is dropped by default and passed through with dropIrrelevant: false", async () => {
      const docs = [new Document({ pageContent: "", metadata: { source: "empty" }, id: "empty" }), ...makeDocs().slice(0, 2)];
      const dropped = await new SemanticHighlightCompressor({ highlighter, threshold: 0 }).compressDocuments(docs, QUERY);
      expect(dropped.map((d) => d.id)).not.toContain("empty");
      expect(dropped).toHaveLength(2);
      const kept = await new SemanticHighlightCompressor({ highlighter, threshold: 0, dropIrrelevant: false, order: "retrieval" }).compressDocuments(docs, QUERY);
      expect(kept).toHaveLength(3);
      expect(kept[0]!.pageContent).toBe("");
      expect(kept[0]!.id).toBe("empty");
      expect(kept[0]!.metadata.source).toBe("empty");
      expect(kept[0]!.metadata.relevanceScore).toBe(0);
      expect(highlightOf(kept[0]!).keptSentences).toEqual([]);
      expect(highlightOf(kept[0]!).originalLength).toBe(0);
    });

    it("honours core selection options (topK) and a custom metadataKey", async () => {
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0, topK: 1, metadataKey: "sh", order: "retrieval" }).compressDocuments(
        makeDocs(),
        QUERY,
      );
      const direct = await highlighter.highlight(QUERY, TEXTS, { threshold: 0, topK: 1 });
      out.forEach((doc, i) => {
        expect(doc.metadata.highlight).toBeUndefined();
        expect(highlightOf(doc, "sh").keptSentences).toHaveLength(1);
        expect(doc.pageContent).toBe(direct.results[i]!.prunedText);
      });
    });
  });

  describe("inputs, errors and immutability", () => {
    it("returns [] for an empty list without loading the model", async () => {
      const lazy = new SemanticHighlightCompressor({ model: "/nonexistent/model/folder" });
      await expect(lazy.compressDocuments([], QUERY)).resolves.toEqual([]);
      await expect(lazy.compressDocuments([new Document({ pageContent: "x" })], QUERY)).rejects.toThrow();
    });

    it("loads lazily from { model } and via fromModel, and gives the same result as a shared highlighter", async () => {
      const lazy = new SemanticHighlightCompressor({ model: MODEL, threshold: 0 });
      const eager = await SemanticHighlightCompressor.fromModel(MODEL, { threshold: 0 });
      const shared = new SemanticHighlightCompressor({ highlighter, threshold: 0 });
      const [a, b, c] = await Promise.all([lazy, eager, shared].map((x) => x.compressDocuments(makeDocs(), QUERY)));
      expect(a).toEqual(c);
      expect(b).toEqual(c);
      await lazy.dispose();
      await eager.dispose();
      await expect(eager.compressDocuments(makeDocs(), QUERY)).rejects.toThrow(/disposed/);
      await shared.dispose(); // does not release the shared highlighter
      await expect(highlighter.highlightOne(QUERY, TEXTS[0]!)).resolves.toBeDefined();
    });

    it("rejects an empty or missing query with InvalidInputError", async () => {
      const compressor = new SemanticHighlightCompressor({ highlighter });
      await expect(compressor.compressDocuments(makeDocs(), "")).rejects.toBeInstanceOf(InvalidInputError);
      await expect(compressor.compressDocuments(makeDocs(), "   ")).rejects.toThrow(/query is empty/);
      await expect(compressor.compressDocuments([], "")).rejects.toBeInstanceOf(InvalidInputError);
      await expect(compressor.compressDocuments(makeDocs(), undefined as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: store.asRetriever({ k: 2 }) });
      await expect(retriever.invoke("")).rejects.toBeInstanceOf(InvalidInputError);
    });

    it("rejects bad options at construction", () => {
      expect(() => new SemanticHighlightCompressor({ highlighter, topN: 0 })).toThrow(InvalidInputError);
      expect(() => new SemanticHighlightCompressor({ highlighter, order: "score" as "rerank" })).toThrow(/order/);
      expect(() => new SemanticHighlightCompressor({ highlighter, metadataKey: "" })).toThrow(/metadataKey/);
      expect(() => new SemanticHighlightCompressor({} as { model: string })).toThrow(/highlighter/);
    });

    it("does not write to the caller's documents; deep-copies metadata and shares only non-cloneable values", async () => {
      const fn = () => 42;
      const docs = makeDocs();
      docs[0]!.metadata.callback = fn;
      docs[0]!.metadata.when = new Date(0);
      docs[0]!.metadata.relevanceScore = 0.123; // from an earlier reranker: overwritten in the copy only
      const snapshot = docs.map((d) => ({ pageContent: d.pageContent, id: d.id, metadata: { ...d.metadata, tags: [...d.metadata.tags], nested: structuredClone(d.metadata.nested) } }));
      const out = await new SemanticHighlightCompressor({ highlighter, threshold: 0, order: "retrieval" }).compressDocuments(docs, QUERY);
      docs.forEach((d, i) => {
        expect(d.pageContent).toBe(snapshot[i]!.pageContent);
        expect(d.id).toBe(snapshot[i]!.id);
        expect(d.metadata).toEqual(snapshot[i]!.metadata);
        expect(d.metadata.highlight).toBeUndefined();
      });
      expect(docs[0]!.metadata.relevanceScore).toBe(0.123);
      const copy = out[0]!.metadata;
      expect(copy.callback).toBe(fn);
      expect(copy.when).toEqual(new Date(0));
      expect(copy.when).not.toBe(docs[0]!.metadata.when);
      expect(copy.tags).not.toBe(docs[0]!.metadata.tags);
      expect(copy.nested.deep).not.toBe(docs[0]!.metadata.nested.deep);
      copy.nested.deep.n = 99;
      expect(docs[0]!.metadata.nested.deep.n).toBe(0);
    });

    it("aborts with the signal from options or withOptions, and reports the error to callbacks", async () => {
      const controller = new AbortController();
      controller.abort();
      const base = new SemanticHighlightCompressor({ highlighter, threshold: 0 });
      const handler = new RecordingHandler();
      const aborted = base.withOptions({ signal: controller.signal });
      await expect(aborted.compressDocuments(makeDocs(), QUERY, [handler])).rejects.toBeInstanceOf(AbortError);
      expect(handler.retrieverErrors).toHaveLength(1);
      expect(handler.retrieverErrors[0]!.error).toBeInstanceOf(AbortError);
      await expect(new SemanticHighlightCompressor({ highlighter, signal: controller.signal }).compressDocuments(makeDocs(), QUERY)).rejects.toBeInstanceOf(
        AbortError,
      );
      // The original compressor is unaffected and shares the model.
      await expect(base.compressDocuments(makeDocs(), QUERY)).resolves.toHaveLength(TEXTS.length);
      expect(aborted.options.threshold).toBe(0);
      expect(aborted.options.signal).toBe(controller.signal);
      expect(Object.getOwnPropertySymbols(aborted.options)).toEqual([]);
      expect(base.options.signal).toBeUndefined();
    });
  });
});
