/**
 * Preparing documents for the model: sentence spans plus each sentence's token ids. The same pure code runs
 * on the calling thread or inside a worker; {@link packPreparation} / {@link unpackPreparation} move its
 * result between threads as three typed arrays (transferable, no per-sentence objects to clone).
 */
import type { PackedPreparation } from "../backends/types.js";
import type { TokenIds } from "./packing.js";
import { sourceSpans, type DocumentSpans } from "./result.js";
import type { SegmentationOptions, SentenceSpan } from "../text/segmentation.js";
import type { TextTokenizer } from "../text/tokenization.js";
import type { DocumentSource } from "./types.js";

/** A document's spans plus each sentence's token ids (no special tokens). */
export interface PreparedDocument extends DocumentSpans {
  tokenIds: TokenIds[];
}

/** Token ids of one sentence. Whitespace-only sentences carry no meaning: not sent to the model, score 0. */
export function sentenceTokenIds(text: string, tokenizer: TextTokenizer): number[] {
  return text.trim() === "" ? [] : tokenizer.encode(text);
}

/**
 * Segments (unless pre-split) and tokenizes one document. `timings.segmentationMs`, when given, gets the
 * segmentation time added (the rest is tokenization).
 */
export function prepareDocument(
  source: DocumentSource,
  tokenizer: TextTokenizer,
  segmentation: SegmentationOptions | undefined,
  timings?: { segmentationMs: number },
): PreparedDocument {
  const started = performance.now();
  const spans = sourceSpans(source, segmentation);
  if (timings) timings.segmentationMs += performance.now() - started;
  const prepared: PreparedDocument = { text: source.text, spans, tokenIds: spans.map((s) => sentenceTokenIds(s.text, tokenizer)) };
  if (source.id !== undefined) prepared.id = source.id;
  return prepared;
}

/** Flattens spans and token ids for a thread hop. */
export function packPreparation(spans: readonly SentenceSpan[], tokenIds: readonly TokenIds[]): PackedPreparation {
  const ends = Int32Array.from(spans, (s) => s.end);
  const tokenOffsets = new Int32Array(spans.length + 1);
  let total = 0;
  tokenIds.forEach((ids, i) => {
    total += ids.length;
    tokenOffsets[i + 1] = total;
  });
  const flat = new Int32Array(total);
  tokenIds.forEach((ids, i) => flat.set(ids, tokenOffsets[i]!));
  return { ends, tokenOffsets, tokenIds: flat };
}

/** Rebuilds a {@link PreparedDocument} from its text and packed arrays. */
export function unpackPreparation(source: DocumentSource, packed: PackedPreparation): PreparedDocument {
  const steps = unpackPreparationSteps(source, packed);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * {@link unpackPreparation} in steps of `sentencesPerStep` sentences, so a caller can yield to its event
 * loop between steps on a huge document.
 */
export function* unpackPreparationSteps(source: DocumentSource, packed: PackedPreparation, sentencesPerStep = 512): Generator<void, PreparedDocument> {
  const spans: SentenceSpan[] = [];
  const tokenIds: Int32Array[] = [];
  let start = 0;
  for (let i = 0; i < packed.ends.length; i++) {
    const end = packed.ends[i]!;
    spans.push({ text: source.text.slice(start, end), start, end });
    // A view, not a copy: the ids stay in the one buffer the worker sent.
    tokenIds.push(packed.tokenIds.subarray(packed.tokenOffsets[i]!, packed.tokenOffsets[i + 1]!));
    start = end;
    if ((i + 1) % sentencesPerStep === 0) yield;
  }
  const prepared: PreparedDocument = { text: source.text, spans, tokenIds };
  if (source.id !== undefined) prepared.id = source.id;
  return prepared;
}
