/**
 * Walks a result's text as a sequence of segments — gaps between sentences and sentences — so every
 * renderer covers every character of the document exactly once, whatever the sentence offsets are.
 */
import type { HighlightResult, SentenceResult } from "../types.js";

/** What a renderer needs from a result: the text and its sentences with offsets, scores and decisions. */
export type RenderableResult = Pick<HighlightResult, "text"> & { sentences: readonly RenderableSentence[] };

/** The parts of a sentence the renderers read. */
export type RenderableSentence = Pick<SentenceResult, "index" | "start" | "end" | "score" | "kept">;

/** A piece of the document: text outside any sentence, or one sentence split into lead / body / trail. */
export type TextSegment =
  | { kind: "gap"; text: string }
  | {
      kind: "sentence";
      sentence: RenderableSentence;
      /** Leading whitespace (drawn outside the mark). */
      lead: string;
      /** The sentence without its surrounding whitespace (may be empty for a blank sentence). */
      body: string;
      /** Trailing whitespace (drawn outside the mark). */
      trail: string;
    };

/** Score clamped to [0, 1]; NaN becomes 0. */
export function clampScore(score: number): number {
  return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : score === Infinity ? 1 : 0;
}

/**
 * Splits the document into segments in document order. Sentences are taken by their offsets; overlapping
 * or out-of-range offsets are clipped so no character is emitted twice.
 */
export function textSegments(result: RenderableResult): TextSegment[] {
  const { text } = result;
  const sentences = [...result.sentences].sort((a, b) => a.start - b.start);
  const segments: TextSegment[] = [];
  let at = 0;
  for (const sentence of sentences) {
    const start = Math.max(at, Math.min(text.length, sentence.start));
    const end = Math.max(start, Math.min(text.length, sentence.end));
    if (start > at) segments.push({ kind: "gap", text: text.slice(at, start) });
    const slice = text.slice(start, end);
    const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(slice)!;
    segments.push({ kind: "sentence", sentence, lead: match[1]!, body: match[2]!, trail: match[3]! });
    at = end;
  }
  if (at < text.length) segments.push({ kind: "gap", text: text.slice(at) });
  return segments;
}
