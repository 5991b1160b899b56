// Exit fixture (see README.md): CommonJS twin of core.mjs. Never calls dispose(); must exit by itself.
const { SemanticHighlighter } = require("@semantic-highlight/core");

async function main() {
  const started = Date.now();
  const highlighter = await SemanticHighlighter.load(process.env.SH_MODEL || undefined);
  const result = await highlighter.highlightOne(
    "Who gave their name to Normandy?",
    "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway.",
  );
  console.log(JSON.stringify({ entry: "core", format: "cjs", backend: highlighter.backend.info.kind, sentences: result.sentences.length, ms: Date.now() - started }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
