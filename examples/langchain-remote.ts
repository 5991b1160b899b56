/**
 * The remote backend end to end, offline: a KServe V2 inference server (the library's small test server
 * here; Triton Inference Server in production — see `semantic-highlight triton-repo`) serves the model on
 * 127.0.0.1, and a LangChain ContextualCompressionRetriever prunes with SemanticHighlightCompressor whose
 * batches go to that server over HTTP (binary tensors). Tokenization, packing and sentence logic stay in
 * this process; only padded int64 batches and logits cross the wire. Prints each query's pruned context
 * and the server's request counts, and checks the scores equal an in-process run.
 *
 *   npm run example:langchain-remote
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { startKServeServer } from "@semantic-highlight/core/testing";
import { SemanticHighlightCompressor, type SemanticHighlightMetadata } from "@semantic-highlight/langchain";
import { corpus, queries } from "./data/corpus.js";
import { HashingEmbeddings } from "./lib/hashing-embeddings.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

async function main(): Promise<void> {
  const model = exampleModel();
  // 1. The inference server (stands in for `tritonserver --model-repository=…`).
  const server = await startKServeServer(model, { name: "semantic-highlight" });
  console.log(`KServe V2 server: ${server.url}/v2/models/${server.model}`);

  // 2. The compressor: same model folder for the tokenizer and config, inference on the server.
  const backend = { kind: "remote" as const, url: server.url, model: server.model, maxConcurrentRequests: 2 };
  const compressor = await SemanticHighlightCompressor.fromModel(model, { topN: 3, threshold: exampleThreshold(), loadOptions: { backend } });
  const documents = corpus.map((doc) => new Document({ pageContent: doc.text, id: doc.id, metadata: { title: doc.title } }));
  const store = await MemoryVectorStore.fromDocuments(documents, new HashingEmbeddings());
  const baseRetriever = store.asRetriever({ k: 4 });
  const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });
  const local = await SemanticHighlighter.load(model, { backend: "in-process" });
  const remote = await SemanticHighlighter.load(model, { backend }); // joins the compressor's remote backend

  let before = 0;
  let after = 0;
  let identical = true;
  for (const query of queries) {
    const retrieved = await baseRetriever.invoke(query);
    const pruned = await retriever.invoke(query);
    const tokensBefore = pruned.reduce((n, d) => n + (d.metadata.highlight as SemanticHighlightMetadata).compression.tokensBefore, 0);
    const tokensAfter = pruned.reduce((n, d) => n + (d.metadata.highlight as SemanticHighlightMetadata).compression.tokensAfter, 0);
    before += tokensBefore;
    after += tokensAfter;
    console.log(`\nQuery: ${query}\n  ${retrieved.length} retrieved -> ${pruned.length} kept, ${tokensBefore} -> ${tokensAfter} tokens`);
    for (const doc of pruned) {
      console.log(`  - ${doc.metadata.title} (relevance ${(doc.metadata.relevanceScore as number).toFixed(3)}): ${doc.pageContent.trim().slice(0, 160)}`);
    }
    // Same scores as running the model in this process.
    const remoteScores = remote.highlight(query, retrieved.map((d) => d.pageContent));
    const localScores = local.highlight(query, retrieved.map((d) => d.pageContent));
    const [r, l] = await Promise.all([remoteScores, localScores]);
    if (JSON.stringify(r.results.map((x) => x.sentenceScores)) !== JSON.stringify(l.results.map((x) => x.sentenceScores))) identical = false;
  }
  console.log(`\nAll queries: ${before} tokens -> ${after} tokens sent to the LLM.`);
  console.log(`Server answered ${server.counts.metadata} metadata and ${server.counts.infer} inference requests.`);
  console.log(`Scores identical to the in-process backend: ${identical ? "yes" : "NO"}`);
  await Promise.all([compressor.dispose(), local.dispose(), remote.dispose()]);
  await server.close();
  if (!identical) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
