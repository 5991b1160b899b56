/**
 * A plain-JSON summary of a {@link HighlightResult} for framework metadata, and a copy helper that never
 * shares mutable objects with the caller. Shared by the LangChain and LlamaIndex adapters.
 */
import type { Compression, HighlightResult } from "./types.js";
import type { KeepReason } from "./selection.js";

/** One kept sentence in {@link HighlightDetails}. */
export interface HighlightedSentence {
  /** Position of the sentence in the original text (index into `sentenceScores`). */
  index: number;
  /** The sentence exactly as in the original text (`original.slice(start, end)`). */
  text: string;
  /** UTF-16 offset of the sentence's first character in the original text. */
  start: number;
  /** UTF-16 offset after the sentence's last character in the original text. */
  end: number;
  /** Relevance score in [0, 1]. */
  score: number;
  /** Why it was kept: above the threshold, first sentence, minimum count or neighbour. */
  keepReason: KeepReason;
}

/** Highlight details of one document, safe to serialise, store in metadata or send to a tracer. */
export interface HighlightDetails {
  /** Kept sentences in document order, with offsets into the original text and scores. */
  keptSentences: HighlightedSentence[];
  /** Every sentence's score in document order (kept or not). */
  sentenceScores: number[];
  /** Characters and tokens before and after pruning. */
  compression: Compression;
  /** Length of the original text in UTF-16 code units. */
  originalLength: number;
  /** Threshold the sentence scores were compared with. */
  threshold: number;
  /** Whether at least one sentence scored above the threshold. */
  relevant: boolean;
  /** The model's rerank score (0 when no sentence scored above the threshold). */
  rerankScore: number;
}

/** Builds the {@link HighlightDetails} of one result. Pure; shares nothing with `result`. */
export function highlightDetails(result: HighlightResult, threshold: number): HighlightDetails {
  return {
    keptSentences: result.keptSentences.map((s) => ({
      index: s.index,
      text: s.text,
      start: s.start,
      end: s.end,
      score: s.score,
      keepReason: s.keepReason ?? "score",
    })),
    sentenceScores: [...result.sentenceScores],
    compression: { ...result.compression },
    originalLength: result.text.length,
    threshold,
    relevant: result.relevant,
    rerankScore: result.rerankScore,
  };
}

/**
 * Copies a record so that nothing in the copy is shared with the original: each value is deep-copied with
 * `structuredClone`; a value that cannot be cloned (a function, a class with private state) is shared as is.
 */
export function copyRecord<T extends object>(record: Readonly<T> | undefined | null): T {
  const copy: Record<string, unknown> = {};
  if (record === undefined || record === null || typeof record !== "object") return copy as T;
  for (const [key, value] of Object.entries(record)) {
    if (value === null || typeof value !== "object") {
      copy[key] = value;
      continue;
    }
    try {
      copy[key] = structuredClone(value);
    } catch {
      copy[key] = value;
    }
  }
  return copy as T;
}
