import { describe, expect, it } from "vitest";

import { renderHighlights } from "./index.js";
import { renderMarkdown } from "./markdown.js";
import { fixtureResult } from "./test-results.js";

describe("renderMarkdown", () => {
  it("bolds kept sentences, optional scores, or <mark> style", () => {
    const result = fixtureResult("Paris is big. It has the Louvre. Rain is common.", [0.1, 0.9, 0.2]);
    expect(renderHighlights(result, { format: "markdown" })).toBe("Paris is big. **It has the Louvre.** Rain is common.");
    expect(renderMarkdown(result, { scores: true })).toBe("Paris is big. **It has the Louvre.** _(0.900)_ Rain is common.");
    expect(renderMarkdown(result, { style: "mark" })).toBe("Paris is big. <mark>It has the Louvre.</mark> Rain is common.");
  });

  it("escapes markup, links and raw HTML in the document", () => {
    const hostile = "Click [here](javascript:alert(1)) now. <script>x</script> and *stars* and `code`. \n# Heading\n- item & more.";
    const out = renderMarkdown(fixtureResult(hostile, [0.9, 0.9, 0.9]));
    expect(out).not.toMatch(/(?<!\\)\[here(?<!\\)\]/);
    expect(out).toContain("\\[here\\](javascript:alert(1))");
    expect(out).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(out).toContain("\\*stars\\*");
    expect(out).toContain("\\`code\\`");
    expect(out).toContain("**\\# Heading**");
    expect(out).toContain("&amp; more.");
    expect(out).not.toContain("<script");
  });

  it("turns control characters into visible pictures", () => {
    const text = "Plain start. \x1b]0;pwned\x07\x1b[2J and \u009b31m\0 here.";
    const out = renderMarkdown({ text, sentences: [{ index: 0, start: 0, end: 12, score: 0.9, kept: true }, { index: 1, start: 13, end: text.length, score: 0.1, kept: false }] });
    expect(out).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
    expect(out).toContain("␛\\]0;pwned␇␛\\[2J and \uFFFD31m␀ here.");
  });

  it("never lets a mark span a line break", () => {
    const result = { text: "Line one\nline two.", sentences: [{ index: 0, start: 0, end: 18, score: 0.9, kept: true }] };
    expect(renderMarkdown(result)).toBe("**Line one**\n**line two.**");
  });
});
