/**
 * LangChain.js retrieval with semantic highlighting, fully offline:
 * a MemoryVectorStore (deterministic hashing embeddings) finds candidate documents, and a
 * ContextualCompressionRetriever with SemanticHighlightCompressor keeps only the sentences that answer
 * the query. Prints, per query, the retrieved context, the pruned context and the token saving.
 *
 *   npm run build && npx tsx examples/langchain-retrieval.ts
 *
 * Model: $SEMANTIC_HIGHLIGHT_MODEL, else models/default, else the random test model (see lib/model-path.ts);
 * $SEMANTIC_HIGHLIGHT_THRESHOLD overrides the model's threshold.
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Document } from "@langchain/core/documents";
import {
  SEMANTIC_HIGHLIGHT_EVENT,
  SemanticHighlightCompressor,
  type SemanticHighlightMetadata,
  type SemanticHighlightStats,
} from "@semantic-highlight/langchain";
import { corpus, queries } from "./data/corpus.js";
import { HashingEmbeddings } from "./lib/hashing-embeddings.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

/** Collects the compressor's pruning statistics from LangChain's callback system. */
class PruningStatsHandler extends BaseCallbackHandler {
  name = "pruning-stats";
  last: SemanticHighlightStats | undefined;
  override handleCustomEvent(eventName: string, data: unknown): void {
    if (eventName === SEMANTIC_HIGHLIGHT_EVENT) this.last = data as SemanticHighlightStats;
  }
}

const indent = (text: string) => text.replace(/^/gm, "      ");
const percent = (x: number) => `${(x * 100).toFixed(0)}%`;

async function main(): Promise<void> {
  const model = exampleModel();
  const compressor = await SemanticHighlightCompressor.fromModel(model, { topN: 3, threshold: exampleThreshold() });
  const documents = corpus.map((doc) => new Document({ pageContent: doc.text, id: doc.id, metadata: { title: doc.title, lang: doc.lang } }));
  const store = await MemoryVectorStore.fromDocuments(documents, new HashingEmbeddings());
  const baseRetriever = store.asRetriever({ k: 4 });
  const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });

  let totalBefore = 0;
  let totalAfter = 0;
  for (const query of queries) {
    console.log(`\n${"=".repeat(100)}\nQuery: ${query}`);
    const retrieved = await baseRetriever.invoke(query);
    console.log(`\n  Retrieved by the vector store (${retrieved.length} documents, ${retrieved.reduce((a, d) => a + d.pageContent.length, 0)} characters):`);
    for (const doc of retrieved) console.log(`    - ${doc.metadata.title} (${doc.pageContent.length} characters)`);

    const stats = new PruningStatsHandler();
    const pruned = await retriever.invoke(query, { callbacks: [stats] });
    console.log(`\n  After semantic highlighting (${pruned.length} documents):`);
    if (pruned.length === 0) console.log("    (no sentence scored above the threshold in any document)");
    for (const doc of pruned) {
      const details = doc.metadata.highlight as SemanticHighlightMetadata;
      console.log(
        `    - ${doc.metadata.title}  relevance ${(doc.metadata.relevanceScore as number).toFixed(3)}, ` +
          `kept ${details.keptSentences.length}/${details.sentenceScores.length} sentences, ` +
          `${details.compression.tokensAfter}/${details.compression.tokensBefore} tokens`,
      );
      console.log(indent(doc.pageContent.trim()));
    }
    const s = stats.last;
    if (s) {
      totalBefore += s.tokensBefore;
      totalAfter += s.tokensAfter;
      console.log(
        `\n  Tokens: ${s.tokensBefore} retrieved -> ${s.tokensAfter} sent to the LLM (${percent(s.tokenReduction)} saved; ` +
          `${s.documentsDropped} documents dropped; model time ${s.timings.inferenceMs.toFixed(0)} ms)`,
      );
    }
  }
  console.log(
    `\n${"=".repeat(100)}\nAll queries: ${totalBefore} tokens retrieved, ${totalAfter} kept ` +
      `(${percent(totalBefore === 0 ? 0 : 1 - totalAfter / totalBefore)} saved).`,
  );
  await compressor.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
