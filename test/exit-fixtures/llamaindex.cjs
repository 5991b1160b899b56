// Exit fixture (see README.md): CommonJS twin of llamaindex.mjs. Never calls dispose(); must exit by itself.
const { TextNode } = require("@llamaindex/core/schema");
const { SemanticHighlightPostprocessor } = require("@semantic-highlight/llamaindex");

async function main() {
  const started = Date.now();
  const postprocessor = await SemanticHighlightPostprocessor.fromModel(process.env.SH_MODEL || undefined, { threshold: 0 });
  const nodes = await postprocessor.postprocessNodes(
    [{ node: new TextNode({ text: "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway." }), score: 0.5 }],
    "Who gave their name to Normandy?",
  );
  console.log(JSON.stringify({ entry: "llamaindex", format: "cjs", nodes: nodes.length, ms: Date.now() - started }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
