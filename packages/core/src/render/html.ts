/**
 * HTML rendering: the document, escaped, with a `<mark>` around each kept sentence that carries its score
 * (`data-score`) and an intensity that follows the score. Like Milvus's `pre_tags` / `post_tags`, the tags
 * can be replaced.
 */
import { InvalidInputError } from "../errors.js";
import { escapeHtml } from "./escape.js";
import { clampScore, textSegments, type RenderableResult, type RenderableSentence } from "./segments.js";

/** Options of `renderHtml`. */
export interface HtmlRenderOptions {
  /**
   * Opening tags for kept sentences, used in turn (the first kept sentence gets `preTags[0]`, the second
   * `preTags[1]`, … cycling), like Milvus's `pre_tags`. Trusted markup, inserted as given, after replacing
   * the placeholders `{score}` (3 decimals), `{index}` (sentence index) and `{alpha}` (the intensity, 0..1).
   * Default: one `<mark>` with class `sh-mark`, `data-score`, `data-index`, a `title` and a background whose
   * opacity follows the score.
   */
  preTags?: readonly string[];
  /** Closing tags, used in turn like `preTags` (Milvus's `post_tags`). Default `</mark>`; must be given with `preTags`. */
  postTags?: readonly string[];
  /**
   * Also wrap pruned sentences, in `<span class="sh-pruned" data-score=… data-index=…>`, so their scores can be
   * shown (tooltips, colouring by score). Default false: pruned text is plain escaped text.
   */
  wrapPruned?: boolean;
  /** RGB colour of the default marks, as "r, g, b". Default "255, 204, 0" (highlighter yellow). */
  markColor?: string;
  /** Turn newlines into `<br>` (for containers without `white-space: pre-wrap`). Default false. */
  lineBreaks?: boolean;
}

/** The default mark's opacity for a score: 0.25 at score 0, 1 at score 1 (linear), two decimals. */
export function markIntensity(score: number): number {
  return Math.round((0.25 + 0.75 * clampScore(score)) * 100) / 100;
}

function scoreAttributes(sentence: RenderableSentence): string {
  const score = clampScore(sentence.score).toFixed(3);
  return `data-score="${score}" data-index="${sentence.index}"`;
}

function fillTemplate(template: string, sentence: RenderableSentence): string {
  return template
    .replace(/\{score\}/g, clampScore(sentence.score).toFixed(3))
    .replace(/\{index\}/g, String(sentence.index))
    .replace(/\{alpha\}/g, String(markIntensity(sentence.score)));
}

/** Renders a result as an HTML fragment (no wrapper element). Every character of the document is escaped. */
export function renderHtml(result: RenderableResult, options: HtmlRenderOptions = {}): string {
  const { preTags, postTags } = options;
  if ((preTags === undefined) !== (postTags === undefined)) throw new InvalidInputError("preTags and postTags must be given together");
  if (preTags && (preTags.length === 0 || postTags!.length === 0)) throw new InvalidInputError("preTags and postTags must not be empty");
  const color = options.markColor ?? "255, 204, 0";
  if (!/^\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*$/.test(color)) throw new InvalidInputError(`markColor must be "r, g, b", got "${color}"`);
  const text = (s: string) => {
    const escaped = escapeHtml(s);
    return options.lineBreaks ? escaped.replace(/\r?\n/g, "<br>\n") : escaped;
  };
  let keptCount = 0;
  let html = "";
  for (const segment of textSegments(result)) {
    if (segment.kind === "gap") {
      html += text(segment.text);
      continue;
    }
    const { sentence, lead, body, trail } = segment;
    if (sentence.kept && body !== "") {
      let open: string;
      let close: string;
      if (preTags) {
        open = fillTemplate(preTags[keptCount % preTags.length]!, sentence);
        close = fillTemplate(postTags![keptCount % postTags!.length]!, sentence);
      } else {
        const score = clampScore(sentence.score).toFixed(3);
        open = `<mark class="sh-mark" ${scoreAttributes(sentence)} title="score ${score}" style="background-color: rgba(${color}, ${markIntensity(sentence.score)})">`;
        close = "</mark>";
      }
      keptCount++;
      html += `${text(lead)}${open}${text(body)}${close}${text(trail)}`;
    } else if (options.wrapPruned && body !== "") {
      html += `${text(lead)}<span class="sh-pruned" ${scoreAttributes(sentence)} title="score ${clampScore(sentence.score).toFixed(3)}">${text(body)}</span>${text(trail)}`;
    } else {
      html += text(lead + body + trail);
    }
  }
  return html;
}
