/**
 * A plain-JSON summary of a {@link HighlightResult} for framework metadata, and a copy helper that never
 * shares mutable objects with the caller. Shared by the LangChain and LlamaIndex adapters.
 */
import type { Compression, HighlightResult, KeepReason } from "./types.js";

/** One kept sentence in `HighlightDetails`. */
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

/** Builds the `HighlightDetails` of one result. Pure; shares nothing with `result`. */
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
 * The copy is a plain object. Keys are defined as own data properties, so an own `__proto__` key (JSON.parse
 * makes one from `{"__proto__": …}`) stays a key and never becomes the copy's prototype.
 */
export function copyRecord<T extends object>(record: Readonly<T> | undefined | null): T {
  const copy: Record<string, unknown> = {};
  if (record === undefined || record === null || typeof record !== "object") return copy as T;
  for (const [key, value] of Object.entries(record)) {
    let copied: unknown = value;
    if (value !== null && typeof value === "object") {
      try {
        copied = structuredClone(value);
      } catch {
        copied = value;
      }
    }
    Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true });
  }
  return copy as T;
}

/**
 * Why `key` cannot name the metadata entry the adapters write their details to, or `null` when it can:
 * `__proto__` would set the metadata object's prototype instead of adding a key (the details vanish), and the
 * names of `Object.prototype` members (`constructor`, `toString`, `hasOwnProperty`, …) and `prototype` would
 * shadow what code reading the metadata relies on.
 */
export function metadataKeyProblem(key: unknown): string | null {
  if (typeof key !== "string" || key === "") return "metadataKey must be a non-empty string";
  if (key === "__proto__" || key === "prototype" || key in Object.prototype) {
    return `metadataKey ${JSON.stringify(key)} is a name of Object.prototype (or __proto__ / prototype): writing the details under it would change or shadow the metadata object's own behaviour; choose another key (default "highlight")`;
  }
  return null;
}
