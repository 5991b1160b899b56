/**
 * Escaping of document text for the renderers. Documents are untrusted: every character of them goes
 * through one of these functions before it reaches HTML, a terminal or Markdown.
 */

/** Replaces lone (unpaired) UTF-16 surrogates with U+FFFD; paired surrogates (emoji, rare CJK) are kept. */
export function replaceLoneSurrogates(text: string): string {
  // Fast path: well-formed strings (the common case) are returned as they are.
  if (!/[\uD800-\uDFFF]/.test(text)) return text;
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** A control character as something visible: its Unicode control picture (␛ for ESC), U+FFFD for C1 controls. */
function controlPicture(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀ … ␟ (␛ for ESC); \r becomes ␍
  if (code === 0x7f) return "\u2421"; // ␡
  return "\uFFFD"; // C1 controls (U+0080–U+009F, CSI among them)
}

/** Control characters but tab, newline and carriage return (whitespace of HTML and Markdown text; CRLF documents). */
const MARKUP_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Escapes text for HTML element content and quoted attribute values: `& < > " '` become entities, lone
 * surrogates become U+FFFD (they cannot be encoded in UTF-8), NUL becomes U+FFFD (the HTML parser drops it)
 * and other control characters (ESC, C1 CSI: parse errors in HTML, and live sequences when the page is
 * printed to a terminal) their visible control pictures.
 */
export function escapeHtml(text: string): string {
  return replaceLoneSurrogates(text)
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!)
    .replace(MARKUP_CONTROLS, (c) => (c === "\0" ? "\uFFFD" : controlPicture(c)));
}

/**
 * Makes text safe for a terminal: C0 and C1 control characters (ESC among them, which would let a document
 * recolour or move the cursor) become visible Unicode control pictures; newline and tab are kept.
 */
export function escapeTerminal(text: string): string {
  return replaceLoneSurrogates(text).replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, controlPicture);
}

/**
 * Escapes text for CommonMark inline content: backslash-escapes the characters that start inline markup
 * anywhere (`\ \` * _ [ ] | ~`) and those that start block markup at a line start (`#`, `+`, `-`, `=`,
 * `1.`), and writes `& < > "` as entities so raw HTML and entity references never pass through. Control
 * characters (NUL, ESC, C1) become visible control pictures, as in {@link escapeTerminal}.
 */
export function escapeMarkdown(text: string): string {
  return replaceLoneSurrogates(text)
    .replace(MARKUP_CONTROLS, controlPicture)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]!)
    .replace(/^([ \t]*)([#+=-])/gm, "$1\\$2")
    .replace(/^([ \t]*\d+)([.)])/gm, "$1\\$2");
}
