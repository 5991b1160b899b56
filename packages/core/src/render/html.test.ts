import { describe, expect, it } from "vitest";

import { bm25Highlight } from "../pipeline/bm25.js";
import { InvalidInputError } from "../errors.js";
import { markIntensity, renderHtml } from "./html.js";
import { renderHighlights } from "./index.js";
import { fixtureResult } from "./test-results.js";

/** Text content of an HTML fragment: tags removed, the five entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

describe("renderHtml", () => {
  const text = "The Eiffel Tower is in Paris. It was completed in 1889. Paris is also home to the Louvre.";

  it("wraps each kept sentence in a <mark> carrying its score, whitespace outside the mark", () => {
    const html = renderHtml(fixtureResult(text, [0.2, 0.91, 0.7]));
    expect(html).toBe(
      'The Eiffel Tower is in Paris. <mark class="sh-mark" data-score="0.910" data-index="1" title="score 0.910" style="background-color: rgba(255, 204, 0, 0.93)">It was completed in 1889.</mark> ' +
        '<mark class="sh-mark" data-score="0.700" data-index="2" title="score 0.700" style="background-color: rgba(255, 204, 0, 0.77)">Paris is also home to the Louvre.</mark>',
    );
    expect(textOf(html)).toBe(text);
  });

  it("mark intensity grows with the score and stays in [0.25, 1]", () => {
    expect(markIntensity(0)).toBe(0.25);
    expect(markIntensity(1)).toBe(1);
    expect(markIntensity(0.5)).toBeLessThan(markIntensity(0.9));
    expect(markIntensity(Number.NaN)).toBe(0.25);
    expect(markIntensity(7)).toBe(1);
  });

  it("uses pre/post tags in turn like Milvus's pre_tags/post_tags, with {score} and {index} placeholders", () => {
    const result = fixtureResult(text, [0.9, 0.8, 0.7]);
    const html = renderHtml(result, { preTags: ["<b>", '<i data-s="{score}" data-i="{index}">'], postTags: ["</b>", "</i>"] });
    expect(html).toBe('<b>The Eiffel Tower is in Paris.</b> <i data-s="0.800" data-i="1">It was completed in 1889.</i> <b>Paris is also home to the Louvre.</b>');
    expect(() => renderHtml(result, { preTags: ["<b>"] })).toThrow(InvalidInputError);
    expect(() => renderHtml(result, { preTags: [], postTags: [] })).toThrow(InvalidInputError);
    expect(() => renderHtml(result, { markColor: "red);x:(" })).toThrow(InvalidInputError);
  });

  it("wrapPruned puts the score on pruned sentences too", () => {
    const html = renderHtml(fixtureResult(text, [0.2, 0.91, 0.1]), { wrapPruned: true });
    expect(html).toContain('<span class="sh-pruned" data-score="0.200" data-index="0" title="score 0.200">The Eiffel Tower is in Paris.</span> ');
    expect(html.match(/<span class="sh-pruned"/g)).toHaveLength(2);
    expect(textOf(html)).toBe(text);
  });

  it("escapes hostile text: script tags, attribute breakouts, entities — in kept and pruned sentences", () => {
    const hostile = `<script>alert("x")</script> is bad. He wrote "><img src=x onerror=alert(1)> twice. Use &amp; and &lt; and 'quotes'.`;
    const result = fixtureResult(hostile, [0.9, 0.1, 0.95]);
    for (const html of [renderHtml(result), renderHtml(result, { wrapPruned: true })]) {
      expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/);
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
      expect(html).toContain("&amp;amp; and &amp;lt; and &#39;quotes&#39;");
      // Only our own tags are left.
      for (const tag of html.match(/<[^>]*>/g)!) expect(tag).toMatch(/^<(\/?mark|\/?span)[ >]/);
      expect(textOf(html)).toBe(hostile);
    }
  });

  it("keeps paired surrogates and replaces lone ones (and NUL) with U+FFFD", () => {
    const emoji = "Rockets 🚀 fly high. Lone \uD83D high and \uDE80 low surrogates.\0 End 𠀀.";
    const result = fixtureResult(emoji, [0.9, 0.9, 0.1]);
    const html = renderHtml(result);
    expect(html).toContain("Rockets 🚀 fly high.");
    expect(html).toContain("Lone \uFFFD high and \uFFFD low surrogates.");
    expect(html).toContain("\uFFFD End 𠀀.");
    expect(html.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "")).not.toMatch(/[\uD800-\uDFFF]/); // well-formed UTF-16
    expect(html).not.toContain("\0");
  });

  it("covers every character once even with gaps and pre-split sentences", () => {
    const result = bm25Highlight("Louvre museum", { sentences: ["Paris. ", "The <Louvre> museum & co. ", "Rain."] }, { threshold: 0 });
    const html = renderHighlights(result, { format: "html" });
    expect(textOf(html)).toBe(result.text);
    expect(html).toContain(">The &lt;Louvre&gt; museum &amp; co.</mark> ");
    const gappy = { text: "  A. B.  ", sentences: [{ index: 0, start: 2, end: 4, score: 1, kept: true }] };
    expect(renderHtml(gappy)).toMatch(/^ {2}<mark[^>]*>A\.<\/mark> B\. {2}$/);
  });

  it("refuses a forged result (string index, non-numeric offsets, missing fields) with a typed error instead of writing it into an attribute", () => {
    const forged = (sentence: Record<string, unknown>) => ({ text: "Hi there.", sentences: [{ index: 0, start: 0, end: 9, score: 1, kept: true, ...sentence }] }) as never;
    const cases: [unknown, RegExp][] = [
      [forged({ index: '"><script>alert(1)</script>' }), /sentences\[0\]\.index must be a non-negative integer/],
      [forged({ index: -1 }), /index must be a non-negative integer/],
      [forged({ index: 1.5 }), /index must be a non-negative integer/],
      [forged({ start: "0" }), /start must be a non-negative integer/],
      [forged({ end: Number.NaN }), /end must be a non-negative integer/],
      [forged({ score: "1" }), /score must be a number/],
      [forged({ kept: "yes" }), /kept must be a boolean/],
      [{ text: 5, sentences: [] }, /text must be a string/],
      [{ text: "x", sentences: null }, /sentences must be an array/],
      [{ text: "x", sentences: [null] }, /sentences\[0\] must be an object/],
      [null, /must be an object/],
    ];
    for (const [result, message] of cases) {
      for (const format of ["html", "ansi", "markdown"] as const) {
        let error: unknown;
        try {
          renderHighlights(result as never, { format });
        } catch (e) {
          error = e;
        }
        expect(error, `${format} ${JSON.stringify(result)}`).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).toMatch(message);
      }
    }
    // preTags placeholders get the same checked numbers.
    expect(() => renderHtml(forged({ index: "<x>" }), { preTags: ["<b data-i={index}>"], postTags: ["</b>"] })).toThrow(InvalidInputError);
  });

  it("turns control characters of the document into visible pictures (the page may be printed to a terminal)", () => {
    const hostile = "Plain start. \x1b]0;pwned\x07\x1b[2J and \u009b31m here.\r\nNext\tline.";
    const html = renderHtml({ text: hostile, sentences: [{ index: 0, start: 0, end: 12, score: 0.9, kept: true }, { index: 1, start: 13, end: hostile.length, score: 0.1, kept: false }] }, { wrapPruned: true });
    expect(html).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
    expect(html).toContain("␛]0;pwned␇␛[2J and \uFFFD31m here.");
    expect(html).toContain("\r\nNext\tline."); // CRLF and tab are text whitespace: kept
  });

  it("lineBreaks turns newlines into <br>", () => {
    const html = renderHtml(fixtureResult("First line.\nSecond line.", [0.9, 0.1]), { lineBreaks: true });
    expect(html).toMatch(/First line\.<\/mark><br>\nSecond line\.$/);
  });
});
