import { describe, expect, it } from "vitest";

import { InferenceError } from "./errors.js";
import { SemanticHighlighter } from "./highlighter.js";
import { testModels } from "./test-support/models.js";

const sessionOf = (h: SemanticHighlighter) => h.backend;
const doc = "The Normans gave their name to Normandy. They came from Denmark.";
const query = "Who gave their name to Normandy?";

describe("one ONNX session per model, shared across highlighters", () => {
  it("shares the session of the same folder and runtime settings, and frees it with the last user", async () => {
    const a = await SemanticHighlighter.load(testModels.tokenwise);
    const b = await SemanticHighlighter.load(testModels.tokenwise, { defaults: { threshold: 0.2 } });
    expect(sessionOf(b)).toBe(sessionOf(a));
    const expected = await a.highlightOne(query, doc, { threshold: 0.2 });
    await a.dispose();
    await a.dispose(); // idempotent
    await expect(a.highlightOne(query, doc)).rejects.toBeInstanceOf(InferenceError);
    expect((await b.highlightOne(query, doc)).sentenceScores).toEqual(expected.sentenceScores);
    await b.dispose();
    const c = await SemanticHighlighter.load(testModels.tokenwise);
    expect(sessionOf(c)).not.toBe(sessionOf(a));
    expect((await c.highlightOne(query, doc, { threshold: 0.2 })).sentenceScores).toEqual(expected.sentenceScores);
    await c.dispose();
  });

  it("keeps sessions apart for other runtime settings or shareSession: false", async () => {
    const a = await SemanticHighlighter.load(testModels.tokenwise);
    const b = await SemanticHighlighter.load(testModels.tokenwise, { runtime: { intraOpNumThreads: 1 } });
    const c = await SemanticHighlighter.load(testModels.tokenwise, { shareSession: false });
    expect(sessionOf(b)).not.toBe(sessionOf(a));
    expect(sessionOf(c)).not.toBe(sessionOf(a));
    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
  });

  it("shares one load between concurrent callers", async () => {
    const [a, b] = await Promise.all([SemanticHighlighter.load(testModels.tokenwise), SemanticHighlighter.load(testModels.tokenwise)]);
    expect(sessionOf(b)).toBe(sessionOf(a));
    await Promise.all([a.dispose(), b.dispose()]);
  });
});
