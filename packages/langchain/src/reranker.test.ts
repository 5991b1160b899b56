import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Document } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { InvalidInputError, SemanticHighlighter } from "@semantic-highlight/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CrossEncoderReranker, RELEVANCE_SCORE_KEY } from "./index.js";

const MODELS = fileURLToPath(new URL("../../../models/test/", import.meta.url));

/** The tiny Optimum-layout reranker (tools/model/build_reranker_fixtures.py) with the tiny-xlmr tokenizer. */
function rerankerFolder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-lc-rerank-")), "reranker");
  cpSync(path.join(MODELS, "rerankers/xlmr-reranker-optimum"), dir, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(MODELS, "tiny-xlmr", file), path.join(dir, file));
  return dir;
}

const TEXTS = ["Paris is the capital of France.", "Bananas are rich in potassium.", "The Amazon rainforest is mostly in Brazil.", "Cheetahs run fast."];
const QUERY = "what is the capital of France?";

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(rerankerFolder(), { backend: "in-process" });
});
afterAll(async () => highlighter.dispose());

describe("CrossEncoderReranker (LangChain)", () => {
  it("is a BaseDocumentCompressor that returns new documents best first with metadata.relevanceScore", async () => {
    const docs = TEXTS.map((text, i) => new Document({ pageContent: text, id: `d${i}`, metadata: { source: `s${i}`, nested: { n: i } } }));
    const reranker = new CrossEncoderReranker({ highlighter, topN: 3 });
    expect(reranker).toBeInstanceOf(BaseDocumentCompressor);
    const out = await reranker.compressDocuments(docs, QUERY);
    const expected = await highlighter.rerank(QUERY, TEXTS, { topN: 3 });
    expect(out.map((d) => d.id)).toEqual(expected.map((r) => `d${r.documentIndex}`));
    expect(out.map((d) => d.metadata[RELEVANCE_SCORE_KEY])).toEqual(expected.map((r) => r.score));
    expect(out[0]!.pageContent).toBe(TEXTS[expected[0]!.documentIndex]);
    expect(out[0]!.metadata.source).toBe(`s${expected[0]!.documentIndex}`);
    // the caller's documents are untouched, and no object is shared with them
    for (const [i, doc] of docs.entries()) expect(doc.metadata).toEqual({ source: `s${i}`, nested: { n: i } });
    for (const d of out) expect(docs.some((doc) => doc === d || doc.metadata === d.metadata || doc.metadata.nested === d.metadata.nested)).toBe(false);
  });

  it("returns every document, reordered, without topN; nothing for nothing", async () => {
    const reranker = new CrossEncoderReranker({ highlighter });
    expect(await reranker.compressDocuments(TEXTS.map((t) => new Document({ pageContent: t })), QUERY)).toHaveLength(TEXTS.length);
    expect(await reranker.compressDocuments([], QUERY)).toEqual([]);
  });

  it("refuses unknown options and a missing highlighter with InvalidInputError", () => {
    expect(() => new CrossEncoderReranker({ highlighter, top_n: 3 } as never)).toThrow(InvalidInputError);
    expect(() => new CrossEncoderReranker({} as never)).toThrow(/fromModel/);
    expect(() => new CrossEncoderReranker({ highlighter, topN: -1 })).toThrow(/topN/);
  });
});
