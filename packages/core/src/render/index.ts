/**
 * Rendering results for people (DESIGN §9): pure functions from a {@link HighlightResult} to HTML, ANSI
 * terminal text or Markdown. No DOM, no Node APIs; the same functions run in Node and browsers.
 */
import { InvalidInputError } from "../errors.js";
import { renderAnsi, type AnsiRenderOptions } from "./ansi.js";
import { renderHtml, type HtmlRenderOptions } from "./html.js";
import { renderMarkdown, type MarkdownRenderOptions } from "./markdown.js";
import type { RenderableResult } from "./segments.js";

/** Output formats of {@link renderHighlights}. */
export type RenderFormat = "html" | "ansi" | "markdown";

/** Options of {@link renderHighlights}: the format, and that format's own options. */
export type RenderOptions =
  | ({ format: "html" } & HtmlRenderOptions)
  | ({ format: "ansi" } & AnsiRenderOptions)
  | ({ format: "markdown" } & MarkdownRenderOptions);

/**
 * Renders one document's highlights: kept sentences marked, with their scores, the document text escaped
 * for the target format. Accepts a full `HighlightResult` or anything with `text` and `sentences`.
 *
 * ```ts
 * renderHighlights(result, { format: "html" });                       // <mark data-score="0.912" …>…</mark>
 * renderHighlights(result, { format: "html", preTags: ["<em>"], postTags: ["</em>"] });
 * renderHighlights(result, { format: "ansi", color: process.stdout.isTTY && !process.env.NO_COLOR });
 * renderHighlights(result, { format: "markdown" });                   // **kept sentence**
 * ```
 */
export function renderHighlights(result: RenderableResult, options: RenderOptions): string {
  switch (options.format) {
    case "html":
      return renderHtml(result, options);
    case "ansi":
      return renderAnsi(result, options);
    case "markdown":
      return renderMarkdown(result, options);
    default: {
      const format: never = options;
      throw new InvalidInputError(`unknown render format ${JSON.stringify((format as { format: unknown }).format)}`);
    }
  }
}

export { renderAnsi, shouldUseColor, ANSI_CODES, ANSI_STRONG_SCORE } from "./ansi.js";
export type { AnsiRenderOptions } from "./ansi.js";
export { renderHtml, markIntensity } from "./html.js";
export type { HtmlRenderOptions } from "./html.js";
export { renderMarkdown } from "./markdown.js";
export type { MarkdownRenderOptions } from "./markdown.js";
export { escapeHtml, escapeMarkdown, escapeTerminal, replaceLoneSurrogates } from "./escape.js";
export { clampScore, textSegments } from "./segments.js";
export type { RenderableResult, RenderableSentence, TextSegment } from "./segments.js";
