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

/**
 * Escapes text for HTML element content and quoted attribute values: `& < > " '` become entities, lone
 * surrogates become U+FFFD (they cannot be encoded in UTF-8) and NUL becomes U+FFFD (the HTML parser drops it).
 */
export function escapeHtml(text: string): string {
  return replaceLoneSurrogates(text)
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!)
    .replace(/\0/g, "\uFFFD");
}

/**
 * Makes text safe for a terminal: C0 and C1 control characters (ESC among them, which would let a document
 * recolour or move the cursor) become visible Unicode control pictures; newline and tab are kept.
 */
export function escapeTerminal(text: string): string {
  return replaceLoneSurrogates(text).replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␀ … ␟ (␛ for ESC); \r becomes ␍
    if (code === 0x7f) return "\u2421"; // ␡
    return "\uFFFD"; // C1 controls (U+0080–U+009F, CSI among them)
  });
}

/**
 * Escapes text for CommonMark inline content: backslash-escapes the characters that start inline markup
 * anywhere (`\ \` * _ [ ] | ~`) and those that start block markup at a line start (`#`, `+`, `-`, `=`,
 * `1.`), and writes `& < > "` as entities so raw HTML and entity references never pass through.
 */
export function escapeMarkdown(text: string): string {
  return replaceLoneSurrogates(text)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]!)
    .replace(/^([ \t]*)([#+=-])/gm, "$1\\$2")
    .replace(/^([ \t]*\d+)([.)])/gm, "$1\\$2");
}
