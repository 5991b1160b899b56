import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { InferenceError, InvalidInputError } from "./errors.js";
import { HighlighterHandle } from "./highlighter-handle.js";
import { loadHighlighter, SemanticHighlighter } from "./highlighter.js";
import { testModels } from "./test-support/models.js";

const MODEL = testModels.tinyXlmr;
const QUERY = "What is the capital of France?";
const TEXT = "Paris is the capital of France. Bananas are yellow.";
const load = () => loadHighlighter(MODEL, { backend: "in-process", shareSession: false });

describe("HighlighterHandle", () => {
  let shared: SemanticHighlighter;
  beforeAll(async () => {
    shared = await SemanticHighlighter.load(MODEL, { backend: "in-process" });
  });
  afterAll(() => shared?.dispose());

  it("borrow: gives the caller's highlighter and never disposes it", async () => {
    const handle = HighlighterHandle.borrow(shared);
    expect(handle.owned).toBe(false);
    expect(handle.current).toBe(shared);
    expect(await handle.get()).toBe(shared);
    await handle.dispose();
    expect(await handle.get()).toBe(shared);
    expect((await shared.highlightOne(QUERY, TEXT)).sentences).toHaveLength(2);
  });

  it("lazy: loads on the first get() only, once for concurrent calls, and dispose() releases it", async () => {
    let loads = 0;
    const handle = HighlighterHandle.lazy(() => (loads++, load()), { owner: "TestStep" });
    expect(loads).toBe(0);
    expect(handle.current).toBeUndefined();
    const [a, b] = await Promise.all([handle.get(), handle.get()]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    expect(handle.current).toBe(a);
    await handle.dispose();
    await expect(a.highlightOne(QUERY, TEXT)).rejects.toBeInstanceOf(InferenceError); // released
    const error = await handle.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as Error).message).toBe("this TestStep was disposed (dispose() released its model); create a new one");
    expect(loads).toBe(1); // a disposed handle never loads again
  });

  it("lazy: a failed load is not remembered, the next get() tries again", async () => {
    let attempt = 0;
    const handle = HighlighterHandle.lazy(() => (++attempt === 1 ? loadHighlighter("/nonexistent/model/folder") : load()));
    await expect(handle.get()).rejects.toThrow();
    const highlighter = await handle.get();
    expect(attempt).toBe(2);
    expect((await highlighter.highlightOne(QUERY, TEXT)).sentences).toHaveLength(2);
    await handle.dispose();
  });

  it("lazy: dispose() during a load waits for it and releases what it loaded", async () => {
    const handle = HighlighterHandle.lazy(load);
    const loading = handle.get();
    await handle.dispose();
    const highlighter = await loading;
    await expect(highlighter.highlightOne(QUERY, TEXT)).rejects.toBeInstanceOf(InferenceError);
    await expect(handle.get()).rejects.toBeInstanceOf(InferenceError);
  });

  it("build: hands the loaded highlighter and an owning handle to make(); releases the highlighter when make() throws", async () => {
    const built = await HighlighterHandle.build(load, (highlighter, handle) => ({ highlighter, handle }));
    expect(built.handle.owned).toBe(true);
    expect(built.handle.current).toBe(built.highlighter);
    await built.handle.dispose();
    await expect(built.highlighter.highlightOne(QUERY, TEXT)).rejects.toBeInstanceOf(InferenceError);

    let loaded: SemanticHighlighter | undefined;
    const failure = HighlighterHandle.build(load, (highlighter) => {
      loaded = highlighter;
      highlighter.validateOptions({ batchSize: 0 });
    });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(loaded!.highlightOne(QUERY, TEXT)).rejects.toBeInstanceOf(InferenceError); // not leaked
  });
});
