// Exit fixture (see README.md): a LlamaIndex.TS postprocessor made with fromModel() (default worker
// backend) postprocesses once; the script returns WITHOUT dispose(). The process must exit by itself.
import { TextNode } from "@llamaindex/core/schema";
import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";

const started = Date.now();
const postprocessor = await SemanticHighlightPostprocessor.fromModel(process.env.SH_MODEL || undefined, { threshold: 0 });
const nodes = await postprocessor.postprocessNodes(
  [{ node: new TextNode({ text: "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway." }), score: 0.5 }],
  "Who gave their name to Normandy?",
);
console.log(JSON.stringify({ entry: "llamaindex", format: "esm", nodes: nodes.length, ms: Date.now() - started }));
