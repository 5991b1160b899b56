// Exit fixture (see README.md): CommonJS twin of langchain.mjs. Never calls dispose(); must exit by itself.
const { Document } = require("@langchain/core/documents");
const { SemanticHighlightCompressor } = require("@semantic-highlight/langchain");

async function main() {
  const started = Date.now();
  const compressor = await SemanticHighlightCompressor.fromModel(process.env.SH_MODEL || undefined, { threshold: 0 });
  const documents = await compressor.compressDocuments(
    [new Document({ pageContent: "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway.", metadata: { id: 1 } })],
    "Who gave their name to Normandy?",
  );
  console.log(JSON.stringify({ entry: "langchain", format: "cjs", documents: documents.length, ms: Date.now() - started }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
