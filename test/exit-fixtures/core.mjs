// Exit fixture (see README.md): loads the core highlighter with the default (worker) backend, highlights
// once, prints one JSON line and returns WITHOUT dispose(). The process must exit by itself with code 0.
import { SemanticHighlighter } from "@semantic-highlight/core";

const started = Date.now();
const highlighter = await SemanticHighlighter.load(process.env.SH_MODEL || undefined);
const result = await highlighter.highlightOne(
  "Who gave their name to Normandy?",
  "The Normans gave their name to Normandy, a region in France. They came from Denmark, Iceland and Norway.",
);
console.log(JSON.stringify({ entry: "core", format: "esm", backend: highlighter.backend.info.kind, sentences: result.sentences.length, ms: Date.now() - started }));
