/**
 * Markdown rendering: the document with kept sentences in bold (or `<mark>`), every character of the
 * document escaped so the text cannot inject markup, links or raw HTML.
 */
import { escapeMarkdown } from "./escape.js";
import { clampScore, textSegments, type RenderableResult } from "./segments.js";

/** Options of `renderMarkdown`. */
export interface MarkdownRenderOptions {
  /** How kept sentences are marked: `**bold**` (default, plain CommonMark) or `<mark>` (GitHub and most renderers). */
  style?: "bold" | "mark";
  /** Append each kept sentence's score after it, as ` _(0.873)_`. Default false. */
  scores?: boolean;
}

/** Renders a result as Markdown. Marks never span a line break (CommonMark emphasis cannot). */
export function renderMarkdown(result: RenderableResult, options: MarkdownRenderOptions = {}): string {
  const [open, close] = options.style === "mark" ? ["<mark>", "</mark>"] : ["**", "**"];
  let out = "";
  for (const segment of textSegments(result)) {
    if (segment.kind === "gap") {
      out += escapeMarkdown(segment.text);
      continue;
    }
    const { sentence, lead, body, trail } = segment;
    if (!sentence.kept || body === "") {
      out += escapeMarkdown(lead + body + trail);
      continue;
    }
    // Mark each line of the sentence on its own, whitespace outside the marks.
    const marked = body
      .split(/(\s*\n\s*)/)
      .map((part, i) => (i % 2 === 1 || part === "" ? part : `${open}${escapeMarkdown(part)}${close}`))
      .join("");
    const tag = options.scores ? ` _(${clampScore(sentence.score).toFixed(3)})_` : "";
    out += `${escapeMarkdown(lead)}${marked}${tag}${escapeMarkdown(trail)}`;
  }
  return out;
}
