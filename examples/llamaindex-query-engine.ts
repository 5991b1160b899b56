/**
 * LlamaIndex.TS query engine with semantic highlighting, fully offline.
 *
 * A `VectorStoreIndex` over the example corpus (deterministic hashing embeddings), two query engines over
 * the same index — one plain, one with `SemanticHighlightPostprocessor` in `nodePostprocessors` — both
 * answered by `MockLLM`. For each query it prints the source nodes before and after pruning and how many
 * context tokens the pruning saved.
 *
 *   npx tsx examples/llamaindex-query-engine.ts
 *
 * Set SEMANTIC_HIGHLIGHT_MODEL to a converted model folder for meaningful scores (see lib/model-path.ts);
 * the fallback test model has random weights and only shows the mechanics (its sentence scores sit around
 * 0.4, so run it with SEMANTIC_HIGHLIGHT_THRESHOLD=0.42 to see some sentences kept and some pruned).
 */
import { MockLLM } from "@llamaindex/core/llms/mock";
import { Document, MetadataMode, Settings, VectorStoreIndex, type NodeWithScore, type TextNode } from "llamaindex";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightPostprocessor, type SemanticHighlightMetadata } from "@semantic-highlight/llamaindex";
import { corpus, queries } from "./data/corpus.js";
import { HashingEmbedding } from "./lib/llamaindex-hashing-embedding.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

const SIMILARITY_TOP_K = 3;

// Offline stand-ins for the hosted models: a query engine needs Settings.llm even to be created.
Settings.embedModel = new HashingEmbedding();
Settings.llm = new MockLLM({ timeBetweenToken: 0, responseMessage: "(MockLLM answer: a real LLM would answer from the context above)" });

const documents = corpus.map(
  (doc) =>
    new Document({
      id_: doc.id,
      text: doc.text,
      metadata: { title: doc.title, lang: doc.lang },
    }),
);
const index = await VectorStoreIndex.fromDocuments(documents);

// One loaded model, shared: `SemanticHighlightPostprocessor.fromModel(path)` would load one per postprocessor.
const highlighter = await SemanticHighlighter.load(exampleModel());
const postprocessor = new SemanticHighlightPostprocessor({
  highlighter,
  threshold: exampleThreshold(), // undefined: the model's own threshold (highlight_config.json)
  neighbors: 0, // raise to keep the sentences around each highlight for context
  separator: " … ", // marks where text was cut between kept sentences
});

const plainEngine = index.asQueryEngine({ similarityTopK: SIMILARITY_TOP_K });
const prunedEngine = index.asQueryEngine({ similarityTopK: SIMILARITY_TOP_K, nodePostprocessors: [postprocessor] });

/** Tokens of what the LLM would read for these nodes (the synthesizer uses MetadataMode.LLM), in model tokens. */
function llmTokens(nodes: readonly NodeWithScore[]): number {
  return nodes.reduce((sum, { node }) => sum + highlighter.tokenizer.encode(node.getContent(MetadataMode.LLM)).length, 0);
}

const indent = (text: string) => text.trim().replace(/\s*\n\s*/g, " ").replace(/^/, "      ");
const fmt = (score: number | undefined) => (score === undefined ? "  n/a" : score.toFixed(3));

let totalBefore = 0;
let totalAfter = 0;
for (const query of queries) {
  const before = await plainEngine.query({ query });
  const after = await prunedEngine.query({ query });
  const beforeNodes = before.sourceNodes ?? [];
  const afterNodes = after.sourceNodes ?? [];

  console.log(`\n=== ${query}`);
  console.log(`--- retrieved (${beforeNodes.length} nodes, similarity score):`);
  for (const { node, score } of beforeNodes) {
    console.log(`  [${fmt(score)}] ${node.metadata.title as string}`);
    console.log(indent((node as TextNode).text));
  }
  console.log(`--- after semantic highlighting (${afterNodes.length} nodes, rerank score):`);
  for (const { node, score } of afterNodes) {
    const details = node.metadata.highlight as SemanticHighlightMetadata;
    const { compression } = details;
    console.log(
      `  [${fmt(score)}] ${node.metadata.title as string} — kept ${details.keptSentences.length}/${details.sentenceScores.length} sentences, ` +
        `${compression.tokensBefore} → ${compression.tokensAfter} tokens`,
    );
    console.log(indent((node as TextNode).text));
  }
  const dropped = beforeNodes.filter((b) => !afterNodes.some((a) => a.node.id_ === b.node.id_));
  for (const { node } of dropped) console.log(`  dropped: ${node.metadata.title as string} (no sentence above the threshold)`);
  if (afterNodes.length === 0) console.log("  (nothing relevant: the LLM gets no context and LlamaIndex answers \"Empty Response\")");

  const tokensBefore = llmTokens(beforeNodes);
  const tokensAfter = llmTokens(afterNodes);
  totalBefore += tokensBefore;
  totalAfter += tokensAfter;
  const saving = tokensBefore === 0 ? 0 : 100 * (1 - tokensAfter / tokensBefore);
  console.log(`--- context for the LLM: ${tokensBefore} → ${tokensAfter} tokens (${saving.toFixed(0)} % saved)`);
  console.log(`--- answer: ${after.message.content as string}`);
}

const totalSaving = totalBefore === 0 ? 0 : 100 * (1 - totalAfter / totalBefore);
console.log(`\nAll queries: ${totalBefore} → ${totalAfter} context tokens (${totalSaving.toFixed(0)} % saved).`);
await highlighter.dispose();
