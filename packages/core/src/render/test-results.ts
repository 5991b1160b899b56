/** Test fixtures: results built from text and per-sentence scores (no model). */
import { segmentSentences } from "../text/segmentation.js";
import type { RenderableResult } from "./segments.js";

/** Segments `text` and gives sentence i the score `scores[i]`, kept when above `threshold`. */
export function fixtureResult(text: string, scores: readonly number[], threshold = 0.5): RenderableResult {
  const spans = segmentSentences(text);
  if (spans.length !== scores.length) throw new Error(`${spans.length} sentences, ${scores.length} scores: ${JSON.stringify(spans.map((s) => s.text))}`);
  return { text, sentences: spans.map((s, index) => ({ index, start: s.start, end: s.end, score: scores[index]!, kept: scores[index]! > threshold })) };
}
