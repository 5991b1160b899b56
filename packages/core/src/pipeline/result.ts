/**
 * From inputs to sentence spans, and from sentence scores to a {@link HighlightResult}: shared by the
 * model pipeline (highlighter.ts) and the BM25 scorer (bm25.ts), so both select, join and count alike.
 */
import { InvalidInputError } from "../errors.js";
import type { DocumentInput, DocumentSource, HighlightResult, SelectionOptions, SentenceResult } from "./types.js";
import { segmentSentences, type SegmentationOptions, type SentenceSpan } from "../text/segmentation.js";
import { selectSentences } from "./selection.js";

/** A document as text plus its sentence spans (`text.slice(start, end) === span.text`). */
export interface DocumentSpans {
  text: string;
  id?: string;
  spans: SentenceSpan[];
}

/**
 * Validates one input document without segmenting it. `label` names the document in error messages,
 * e.g. "documents[3]".
 */
export function parseDocumentInput(input: DocumentInput, label: string): DocumentSource {
  if (typeof input === "string") return { text: input };
  if (input === null || typeof input !== "object") {
    throw new InvalidInputError(`${label} must be a string, { text } or { sentences } (got ${input === null ? "null" : typeof input})`);
  }
  const id = (input as { id?: unknown }).id;
  if (id !== undefined && typeof id !== "string") throw new InvalidInputError(`${label}.id must be a string`);
  const withId = (doc: DocumentSource): DocumentSource => (id === undefined ? doc : { ...doc, id });
  if ("sentences" in input) {
    if (!Array.isArray(input.sentences)) throw new InvalidInputError(`${label}.sentences must be an array of strings`);
    for (let i = 0; i < input.sentences.length; i++) {
      // A plain loop: every() skips the holes of a sparse array.
      if (!(i in input.sentences)) throw new InvalidInputError(`${label}.sentences[${i}] is missing (sparse array)`);
      if (typeof input.sentences[i] !== "string") throw new InvalidInputError(`${label}.sentences[${i}] must be a string`);
    }
    const sentences = [...input.sentences];
    return withId({ text: sentences.join(""), sentences });
  }
  if (typeof (input as { text?: unknown }).text !== "string") {
    throw new InvalidInputError(`${label} must be a string, { text } or { sentences }`);
  }
  return withId({ text: input.text });
}

/** Sentence spans of a validated document: pre-split sentences as given, otherwise segmented. */
export function sourceSpans(source: DocumentSource, segmentation: SegmentationOptions | undefined): SentenceSpan[] {
  if (!source.sentences) return segmentSentences(source.text, segmentation);
  const spans: SentenceSpan[] = [];
  let offset = 0;
  for (const sentence of source.sentences) {
    spans.push({ text: sentence, start: offset, end: offset + sentence.length });
    offset += sentence.length;
  }
  return spans;
}

/**
 * Normalises one input document: plain text is segmented, `{ sentences }` is taken as given (offsets
 * index their concatenation).
 */
export function documentSpans(input: DocumentInput, label: string, segmentation: SegmentationOptions | undefined): DocumentSpans {
  const source = parseDocumentInput(input, label);
  const doc: DocumentSpans = { text: source.text, spans: sourceSpans(source, segmentation) };
  if (source.id !== undefined) doc.id = source.id;
  return doc;
}

/** Everything besides the sentences that a result needs. */
export interface ResultInputs {
  documentIndex: number;
  /** Sentence scores in document order. */
  scores: number[];
  /** Tokens of each sentence (for the budget and the compression figures). */
  tokenCounts: number[];
  selection: SelectionOptions;
  /** Inserted between kept sentences that are not adjacent. */
  separator: string;
  /** The rerank score before the "0 when nothing is relevant" rule. */
  rerankScore: number;
  rankingLogit: number | null;
  blocks: number;
}

/** Selects sentences and builds the result of one document. Pure. */
export function assembleResult(doc: DocumentSpans, inputs: ResultInputs): HighlightResult {
  const { scores, tokenCounts, separator } = inputs;
  const selection = selectSentences(scores, tokenCounts, inputs.selection);
  const sentences: SentenceResult[] = doc.spans.map((span, i) => ({
    index: i,
    text: span.text,
    start: span.start,
    end: span.end,
    score: scores[i]!,
    tokens: tokenCounts[i]!,
    kept: selection.reasons[i] !== null,
    keepReason: selection.reasons[i]!,
  }));
  const keptSentences = sentences.filter((s) => s.kept);
  let prunedText = "";
  keptSentences.forEach((s, k) => {
    if (k > 0 && separator && keptSentences[k - 1]!.index !== s.index - 1) prunedText += separator;
    prunedText += s.text;
  });
  const tokensBefore = tokenCounts.reduce((a, b) => a + b, 0);
  const tokensAfter = keptSentences.reduce((a, s) => a + s.tokens, 0);
  const relevant = selection.anyRelevant;
  const result: HighlightResult = {
    documentIndex: inputs.documentIndex,
    text: doc.text,
    sentences,
    keptSentences,
    sentenceScores: scores,
    prunedText,
    rerankScore: relevant ? inputs.rerankScore : 0,
    rankingLogit: inputs.rankingLogit,
    relevant,
    compression: {
      charactersBefore: doc.text.length,
      charactersAfter: prunedText.length,
      tokensBefore,
      tokensAfter,
      characterReduction: doc.text.length === 0 ? 0 : 1 - prunedText.length / doc.text.length,
      tokenReduction: tokensBefore === 0 ? 0 : 1 - tokensAfter / tokensBefore,
    },
    blocks: inputs.blocks,
  };
  if (doc.id !== undefined) result.id = doc.id;
  return result;
}
