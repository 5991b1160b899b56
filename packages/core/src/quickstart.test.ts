/**
 * Pins the README "Quick start" (and the core README's example) to what the embedded default model
 * (models/default) really produces: if the model is retrained and the documented output changes, this
 * fails and the READMEs must be updated with it.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SemanticHighlighter } from "./highlighter.js";
import { repoRoot } from "./test-support/models.js";

const QUICKSTART_QUERY = "How do I make Python code faster?";
const QUICKSTART_DOCUMENTS = [
  "Python is easy to learn. To make Python code faster, replace loops with NumPy vector operations. The weather was nice.",
  "## Performance tips\n- Use NumPy vector operations to make Python code faster\n- The office closes at 5pm on Fridays\n- Lunch is served in the cafeteria at noon\n- Parking permits are renewed in January\n",
];

describe("README quick start", () => {
  let highlighter: SemanticHighlighter;
  beforeAll(async () => {
    highlighter = await SemanticHighlighter.load(path.join(repoRoot, "models/default"));
  });
  afterAll(async () => {
    await highlighter.dispose();
  });

  it("keeps the NumPy sentence of the prose document and prunes the rest", async () => {
    const { results } = await highlighter.highlight(QUICKSTART_QUERY, QUICKSTART_DOCUMENTS);
    const [prose, markdown] = results;
    expect(prose!.keptSentences.map((s) => s.index)).toEqual([1]);
    expect(prose!.prunedText).toBe("To make Python code faster, replace loops with NumPy vector operations. ");
    // Markdown without sentence punctuation: the heading and every list item are sentences of their own
    expect(markdown!.sentences).toHaveLength(5);
    expect(markdown!.keptSentences.map((s) => s.text)).toEqual(["- Use NumPy vector operations to make Python code faster\n"]);
    for (const r of results) {
      const best = Math.max(...r.sentenceScores);
      expect(r.keptSentences[0]!.score).toBe(best);
      expect(r.sentenceScores.filter((s) => s !== best).every((s) => s < highlighter.config.threshold)).toBe(true);
    }
  });

  it("documents the scores the README shows", async () => {
    const { results } = await highlighter.highlight(QUICKSTART_QUERY, QUICKSTART_DOCUMENTS);
    expect(highlighter.config.threshold).toBe(0.65);
    expect(results[0]!.sentenceScores.map((s) => Number(s.toFixed(2)))).toEqual([0.07, 0.96, 0.03]);
    expect(results[1]!.sentenceScores.map((s) => Number(s.toFixed(2)))).toEqual([0.02, 0.97, 0.03, 0.03, 0.03]);
  });

  it("says what the README says about paraphrase: the answer in other words scores low, the sentence naming Python is kept", async () => {
    const result = await highlighter.highlightOne(QUICKSTART_QUERY, "Python is easy to learn. Use NumPy vector operations instead of loops. The weather was nice.");
    expect(result.sentenceScores[1]!).toBeLessThan(0.2);
    expect(result.keptSentences.map((s) => s.text)).toEqual(["Python is easy to learn. "]);
  });

  it("runs the core README's example (a string and a pre-split document)", async () => {
    const { results } = await highlighter.highlight(QUICKSTART_QUERY, [
      QUICKSTART_DOCUMENTS[0]!,
      { sentences: ["## Performance tips\n", "- Use NumPy vector operations to make Python code faster\n", "- The office closes at 5pm on Fridays\n"] },
    ]);
    expect(results.map((r) => r.keptSentences.map((s) => s.text))).toEqual([
      ["To make Python code faster, replace loops with NumPy vector operations. "],
      ["- Use NumPy vector operations to make Python code faster\n"],
    ]);
  });

  it("with topK 1 keeps the NumPy line of the Markdown list", async () => {
    const result = await highlighter.highlightOne(QUICKSTART_QUERY, QUICKSTART_DOCUMENTS[1]!, { topK: 1 });
    expect(result.keptSentences.map((s) => s.text)).toEqual(["- Use NumPy vector operations to make Python code faster\n"]);
  });
});
