/**
 * Property-based tests (fast-check) of the whole pipeline with the token-wise test model in-process:
 * random Unicode text, random pre-split sentences and random option combinations (valid and not).
 * Run counts are bounded so the file stays well under 30 s on a busy 2-core machine.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AbortError, SemanticHighlightError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { testModels } from "../test-support/models.js";
import type { DocumentInput, HighlightOptions, HighlightResult } from "./types.js";

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(testModels.tokenwise, { backend: "in-process", shareSession: false });
});
afterAll(() => highlighter.dispose());

const SEED = Number(process.env.FC_SEED ?? 20240612);
const params = (numRuns: number) => ({ numRuns, seed: SEED });

// Text: any code points (astral, combining, controls, lone surrogates included) mixed with sentence-like pieces.
const piece = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("Dr. Smith came. ", "It rained!  ", "中文句子。", "第二句？", "\n\n", "- a bullet\n", "U.S. policy. The end. ", " ", "e.g. this", "👩‍👩‍👧 ok. "),
);
const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));
const sentencesArb = fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.constantFrom("One. ", "Two! ", "", " ", "三。")), { maxLength: 8 });
const documentArb: fc.Arbitrary<DocumentInput> = fc.oneof(text, text.map((t) => ({ text: t })), sentencesArb.map((sentences) => ({ sentences })));
const query = fc.oneof(fc.constantFrom("Who gave their name to Normandy?", "why", "长城有多长？"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }));

const garbage = fc.constantFrom<unknown>("3", -1, 1.5, null, Number.NaN, {}, "yes", true, 0);
const some = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** Valid options in any combination, sometimes with one value replaced by garbage or one unknown name added. */
const optionsArb = fc
  .tuple(
    fc.record({
      threshold: some(fc.double({ min: 0, max: 1, noNaN: true })),
      topK: some(fc.nat(5)),
      tokenBudget: some(fc.nat(60)),
      neighbors: some(fc.nat(2)),
      minSentences: some(fc.nat(3)),
      keepFirst: some(fc.boolean()),
      separator: some(fc.constantFrom("", " … ", "\n")),
      aggregation: some(fc.constantFrom("mean", "decision")),
      maxLength: some(fc.integer({ min: 6, max: 512 })),
      fragmentLength: some(fc.integer({ min: 1, max: 64 })),
      batchSize: some(fc.integer({ min: 1, max: 8 })),
      sortByRerankScore: some(fc.boolean()),
      rerankScoreSource: some(fc.constantFrom("head", "max-sentence")),
    }),
    // One run in four carries one bad value or unknown name.
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom("threshold", "topK", "keepFirst", "maxLength", "batchSize", "segmentation", "signal", "thresold", "top_k"), garbage) },
    ),
  )
  .map(([o, corruption]) => {
    const options: Record<string, unknown> = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    if (corruption) options[corruption[0]] = corruption[1];
    return options as HighlightOptions;
  });
const validOptionsArb = fc
  .record({
    threshold: fc.double({ min: 0, max: 1, noNaN: true }),
    topK: fc.option(fc.nat(5), { nil: undefined }),
    tokenBudget: fc.option(fc.nat(60), { nil: undefined }),
    neighbors: fc.option(fc.nat(2), { nil: undefined }),
    minSentences: fc.option(fc.nat(3), { nil: undefined }),
    keepFirst: fc.option(fc.boolean(), { nil: undefined }),
    separator: fc.constantFrom("", " … "),
    maxLength: fc.integer({ min: 64, max: 512 }),
  })
  .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as HighlightOptions);

function textOf(doc: DocumentInput): string {
  return typeof doc === "string" ? doc : "text" in doc ? doc.text : doc.sentences.join("");
}

/** Invariants every result must satisfy. */
function checkResult(result: HighlightResult, doc: DocumentInput, separator: string): void {
  const original = textOf(doc);
  expect(result.text).toBe(original);
  // Sentences tile the text with exact offsets.
  let offset = 0;
  for (const [i, s] of result.sentences.entries()) {
    expect(s.index).toBe(i);
    expect(s.start).toBe(offset);
    expect(original.slice(s.start, s.end)).toBe(s.text);
    offset = s.end;
  }
  expect(offset).toBe(result.sentences.length === 0 ? 0 : original.length);
  if (typeof doc === "object" && "sentences" in doc) expect(result.sentences.map((s) => s.text)).toEqual(doc.sentences);
  // kept ⊆ sentences, in order, flagged.
  for (const k of result.keptSentences) expect(result.sentences[k.index]).toEqual(k);
  expect(result.keptSentences.map((s) => s.index)).toEqual(result.sentences.filter((s) => s.kept).map((s) => s.index));
  // prunedText = kept slices joined (separator between non-adjacent ones).
  const joined = result.keptSentences.map((s, k) => (k > 0 && separator && result.keptSentences[k - 1]!.index !== s.index - 1 ? separator : "") + original.slice(s.start, s.end)).join("");
  expect(result.prunedText).toBe(joined);
  for (const s of result.sentences) expect(s.score >= 0 && s.score <= 1).toBe(true);
}

describe("pipeline properties (token-wise model)", () => {
  it("never throws an untyped error; results tile the text, kept ⊆ sentences, prunedText = kept slices", async () => {
    let succeeded = 0;
    await fc.assert(
      fc.asyncProperty(query, fc.array(documentArb, { maxLength: 4 }), optionsArb, async (q, docs, options) => {
        let response;
        try {
          response = await highlighter.highlight(q, docs, options);
        } catch (error) {
          expect(error).toBeInstanceOf(SemanticHighlightError);
          if (process.env.FC_DEBUG) console.log((error as Error).message);
          return;
        }
        succeeded++;
        expect(response.results).toHaveLength(docs.length);
        for (const result of response.results) checkResult(result, docs[result.documentIndex]!, typeof options.separator === "string" ? options.separator : "");
      }),
      params(300),
    );
    expect(succeeded).toBeGreaterThan(150); // most runs exercise the pipeline, not just the validation
  });

  it("gives the same results whatever the batch size", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(documentArb, { minLength: 1, maxLength: 5 }), validOptionsArb, fc.integer({ min: 1, max: 8 }), async (docs, options, batchSize) => {
        const q = "Who gave their name to Normandy?";
        const one = await highlighter.highlight(q, docs, { ...options, batchSize: 1 });
        const other = await highlighter.highlight(q, docs, { ...options, batchSize });
        expect(other.results.map(comparable)).toEqual(one.results.map(comparable));
      }),
      params(80),
    );
  });

  it("gives the same results for concurrent calls as for the same calls one by one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(query, fc.array(documentArb, { minLength: 1, maxLength: 3 }), validOptionsArb), { minLength: 1, maxLength: 5 }), async (calls) => {
        const run = ([q, docs, options]: (typeof calls)[number]) => highlighter.highlight(q, docs, options).then((r) => r.results.map(comparable), (e: unknown) => (e as SemanticHighlightError).code);
        const sequential = [];
        for (const call of calls) sequential.push(await run(call));
        const concurrent = await Promise.all(calls.map(run));
        expect(concurrent).toEqual(sequential);
      }),
      params(40),
    );
  });

  it("rejects an aborted call with AbortError (aborted before it starts or right after)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(documentArb, { minLength: 1, maxLength: 4 }), fc.boolean(), async (docs, before) => {
        const controller = new AbortController();
        if (before) controller.abort(new Error("gone"));
        const pending = highlighter.highlight("Who gave their name to Normandy?", docs, { signal: controller.signal });
        controller.abort(new Error("gone"));
        await expect(pending).rejects.toBeInstanceOf(AbortError);
      }),
      params(40),
    );
  });
});

/** A result without timings-like noise (everything is deterministic except nothing; kept whole). */
function comparable(result: HighlightResult): unknown {
  return { ...result, rerankScore: Math.round(result.rerankScore * 1e6) / 1e6, rankingLogit: result.rankingLogit === null ? null : Math.round(result.rankingLogit * 1e4) / 1e4 };
}
