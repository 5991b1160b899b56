/**
 * Walks a result's text as a sequence of segments — gaps between sentences and sentences — so every
 * renderer covers every character of the document exactly once, whatever the sentence offsets are.
 */
import { InvalidInputError } from "../errors.js";
import type { HighlightResult, SentenceResult } from "../pipeline/types.js";

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
 * Checks the shape of a result handed to a renderer (it may come from a cache, a server or a user): `text`
 * a string, each sentence an object whose `index`, `start` and `end` are non-negative integers, `score` a
 * number and `kept` a boolean — so nothing but numbers the renderer formats itself reaches an attribute.
 * @throws InvalidInputError naming the first field that is wrong.
 */
export function checkRenderable(result: RenderableResult): void {
  if (result === null || typeof result !== "object") throw new InvalidInputError(`a result to render must be an object with "text" and "sentences" (got ${result === null ? "null" : typeof result})`);
  if (typeof result.text !== "string") throw new InvalidInputError(`result.text must be a string (got ${typeof result.text})`);
  if (!Array.isArray(result.sentences)) throw new InvalidInputError("result.sentences must be an array");
  result.sentences.forEach((sentence: unknown, i) => {
    if (sentence === null || typeof sentence !== "object") throw new InvalidInputError(`result.sentences[${i}] must be an object`);
    const s = sentence as Record<string, unknown>;
    for (const key of ["index", "start", "end"] as const) {
      const value = s[key];
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw new InvalidInputError(`result.sentences[${i}].${key} must be a non-negative integer (got ${typeof value === "number" ? String(value) : typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value})`);
      }
    }
    if (typeof s.score !== "number") throw new InvalidInputError(`result.sentences[${i}].score must be a number (got ${typeof s.score})`);
    if (typeof s.kept !== "boolean") throw new InvalidInputError(`result.sentences[${i}].kept must be a boolean (got ${typeof s.kept})`);
  });
}

/**
 * Splits the document into segments in document order. Sentences are taken by their offsets; overlapping
 * or out-of-range offsets are clipped so no character is emitted twice.
 * @throws InvalidInputError when `result` does not have the shape of a result (see {@link checkRenderable}).
 */
export function textSegments(result: RenderableResult): TextSegment[] {
  checkRenderable(result);
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
