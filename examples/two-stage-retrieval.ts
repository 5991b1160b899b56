/**
 * Two-stage retrieval with pruning, fully offline, in LangChain.js:
 *   1. a vector store (deterministic hashing embeddings) retrieves 20 paragraph chunks,
 *   2. a local cross-encoder reranker (`CrossEncoderReranker`) keeps the best 5,
 *   3. the semantic highlighter (`SemanticHighlightCompressor`) prunes them to the sentences that answer.
 * Stages 2 and 3 are one `DocumentCompressorPipeline` behind a `ContextualCompressionRetriever`. Prints the
 * token count after each stage.
 *
 *   npm run build && npx tsx examples/two-stage-retrieval.ts
 *
 * Models: the highlighter is $SEMANTIC_HIGHLIGHT_MODEL, else models/default, else the random test model
 * (lib/model-path.ts). The reranker is $SEMANTIC_HIGHLIGHT_RERANKER (e.g. a bge-reranker-v2-m3 ONNX export in
 * the Optimum layout, or a converted checkpoint), else the highlighter's own ranking head (pair mode).
 *
 * With a model that has both heads (the zilliz model) you can skip stage 2 as a separate model: the
 * highlighter's `topN` with `order: "rerank"` reranks and prunes in one pass (each document encoded once).
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { DocumentCompressorPipeline } from "@langchain/classic/retrievers/document_compressors";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { CrossEncoderReranker, SemanticHighlightCompressor } from "@semantic-highlight/langchain";
import { corpus, queries } from "./data/corpus.js";
import { HashingEmbeddings } from "./lib/hashing-embeddings.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

const RETRIEVE = 20;
const RERANK_KEEP = 5;

async function main(): Promise<void> {
  const highlighter = await SemanticHighlighter.load(exampleModel());
  const rerankerModel = process.env.SEMANTIC_HIGHLIGHT_RERANKER?.trim();
  const rerankerHighlighter = rerankerModel ? await SemanticHighlighter.load(rerankerModel) : highlighter;
  console.log(`Reranker: ${rerankerModel ? `${rerankerModel} (${rerankerHighlighter.config.name})` : "the highlighter's ranking head"}`);
  const tokens = (docs: readonly DocumentInterface[]) => docs.reduce((n, d) => n + highlighter.tokenizer.encode(d.pageContent).length, 0);

  // Paragraph chunks, so the vector store has more candidates than the reranker keeps.
  const chunks = corpus.flatMap((doc) =>
    doc.text
      .split("\n")
      .filter((p) => p.trim() !== "")
      .map((text, i) => new Document({ pageContent: text, id: `${doc.id}#${i}`, metadata: { title: doc.title, lang: doc.lang } })),
  );
  const store = await MemoryVectorStore.fromDocuments(chunks, new HashingEmbeddings());
  const baseRetriever = store.asRetriever({ k: RETRIEVE });
  const reranker = new CrossEncoderReranker({ highlighter: rerankerHighlighter, topN: RERANK_KEEP });
  const threshold = exampleThreshold();
  const pruner = new SemanticHighlightCompressor({ highlighter, order: "retrieval", ...(threshold !== undefined ? { threshold } : {}) });
  const retriever = new ContextualCompressionRetriever({ baseCompressor: new DocumentCompressorPipeline({ transformers: [reranker, pruner] }), baseRetriever });

  const totals = { retrieved: 0, reranked: 0, pruned: 0 };
  for (const query of queries) {
    console.log(`\n${"=".repeat(100)}\nQuery: ${query}`);
    const retrieved = await baseRetriever.invoke(query);
    const reranked = await reranker.compressDocuments(retrieved, query);
    const pruned = await retriever.invoke(query);
    console.log(`  1. vector store: ${retrieved.length} chunks, ${tokens(retrieved)} tokens`);
    console.log(`  2. reranker:     ${reranked.length} chunks, ${tokens(reranked)} tokens`);
    for (const doc of reranked) console.log(`       ${(doc.metadata.relevanceScore as number).toFixed(3)}  ${doc.metadata.title} (${doc.id})`);
    console.log(`  3. highlighter:  ${pruned.length} chunks, ${tokens(pruned)} tokens sent to the LLM`);
    for (const doc of pruned) console.log(`       ${doc.metadata.title}: ${doc.pageContent.trim().slice(0, 110)}${doc.pageContent.trim().length > 110 ? "…" : ""}`);
    totals.retrieved += tokens(retrieved);
    totals.reranked += tokens(reranked);
    totals.pruned += tokens(pruned);
  }
  const pct = (a: number) => `${((1 - a / totals.retrieved) * 100).toFixed(0)}% saved`;
  console.log(
    `\n${"=".repeat(100)}\nAll queries: ${totals.retrieved} tokens retrieved -> ${totals.reranked} after reranking (${pct(totals.reranked)}) ` +
      `-> ${totals.pruned} after highlighting (${pct(totals.pruned)}).`,
  );
  await Promise.all([...new Set([highlighter, rerankerHighlighter])].map((h) => h.dispose()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
