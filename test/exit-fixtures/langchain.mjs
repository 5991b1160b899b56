// Exit fixture (see README.md): a LangChain compressor made with fromModel() (default worker backend)
// compresses once; the script returns WITHOUT compressor.dispose(). The process must exit by itself.
import { Document } from "@langchain/core/documents";
import { SemanticHighlightCompressor } from "@semantic-highlight/langchain";

const started = Date.now();
const compressor = await SemanticHighlightCompressor.fromModel(process.env.SH_MODEL || undefined, { threshold: 0 });
const documents = await compressor.compressDocuments(
  [new Document({ pageContent: "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway.", metadata: { id: 1 } })],
  "Who gave their name to Normandy?",
);
console.log(JSON.stringify({ entry: "langchain", format: "esm", documents: documents.length, ms: Date.now() - started }));
