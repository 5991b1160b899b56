/**
 * `fromModel()` with no model loads the embedded default model, and the types say so, for all four adapters
 * (before: TS2554 "Expected 1-2 arguments, but got 0" on each call, although it worked at run time).
 */
import { CrossEncoderReranker as LangChainReranker, SemanticHighlightCompressor } from "@semantic-highlight/langchain";
import { CrossEncoderReranker as LlamaIndexReranker, SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
import { Document } from "@langchain/core/documents";
import { MetadataMode, TextNode } from "@llamaindex/core/schema";

const query = "What is the capital of France?";
const text = "Paris is the capital of France. Bananas are yellow.";

const compressor = await SemanticHighlightCompressor.fromModel();
const postprocessor = await SemanticHighlightPostprocessor.fromModel(undefined, { neighbors: 0 });
const langchainReranker = await LangChainReranker.fromModel();
const llamaindexReranker = await LlamaIndexReranker.fromModel(undefined, { topN: 1 });

const compressed = await compressor.compressDocuments([new Document({ pageContent: text })], query);
const postprocessed = await postprocessor.postprocessNodes([{ node: new TextNode({ text }) }], query);
const reranked = await langchainReranker.compressDocuments([new Document({ pageContent: "Bananas are yellow." }), new Document({ pageContent: text })], query);
const rerankedNodes = await llamaindexReranker.postprocessNodes([{ node: new TextNode({ text: "Bananas are yellow." }) }, { node: new TextNode({ text }) }], query);
await Promise.all([compressor.dispose(), postprocessor.dispose(), langchainReranker.dispose(), llamaindexReranker.dispose()]);

const expected = "Paris is the capital of France.";
if (compressed[0]?.pageContent.trim() !== expected) throw new Error(`compressor kept ${JSON.stringify(compressed.map((d) => d.pageContent))}`);
if (postprocessed[0]?.node.getContent(MetadataMode.NONE).trim() !== expected) throw new Error("postprocessor kept something else");
if (reranked[0]?.pageContent !== text || rerankedNodes.length !== 1) throw new Error("the rerankers did not put the answer first");
console.log(JSON.stringify({ compressed: compressed.length, postprocessed: postprocessed.length, reranked: reranked.length, rerankedNodes: rerankedNodes.length }));
