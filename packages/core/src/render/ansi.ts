/**
 * Terminal rendering. With colour, kept sentences are bold yellow (bright for scores ≥ 0.8) and pruned text
 * is dimmed; without colour (NO_COLOR, output not a terminal) kept sentences are marked `[[like this]]`.
 * The function is pure: the caller decides `color` from its environment (see {@link shouldUseColor}).
 */
import { escapeTerminal } from "./escape.js";
import { clampScore, textSegments, type RenderableResult } from "./segments.js";

/** Options of `renderAnsi`. */
export interface AnsiRenderOptions {
  /** Use ANSI escape sequences. Default false (plain text with `[[…]]` marks). */
  color?: boolean;
  /** Append each kept sentence's score after it, as `⟨0.873⟩`. Default false. */
  scores?: boolean;
}

/** The escape sequences used. */
export const ANSI_CODES = { bold: "\x1b[1m", yellow: "\x1b[33m", brightYellow: "\x1b[93m", dim: "\x1b[2m", reset: "\x1b[0m" } as const;

/** Score at and above which a kept sentence is drawn in bright yellow. */
export const ANSI_STRONG_SCORE = 0.8;

/**
 * Whether to colour terminal output, following https://no-color.org and common practice: never when
 * `NO_COLOR` is set to a non-empty value or the stream is not a terminal; `FORCE_COLOR` (non-empty, not "0")
 * forces colour even when piped.
 */
export function shouldUseColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return isTTY;
}

/** Renders a result for a terminal. Control characters in the document are shown as control pictures (␛). */
export function renderAnsi(result: RenderableResult, options: AnsiRenderOptions = {}): string {
  const color = options.color ?? false;
  const { bold, yellow, brightYellow, dim, reset } = ANSI_CODES;
  let out = "";
  for (const segment of textSegments(result)) {
    if (segment.kind === "gap") {
      out += escapeTerminal(segment.text);
      continue;
    }
    const { sentence, lead, body, trail } = segment;
    const score = clampScore(sentence.score);
    const tag = options.scores && sentence.kept ? ` ⟨${score.toFixed(3)}⟩` : "";
    if (sentence.kept && body !== "") {
      const marked = escapeTerminal(body);
      if (color) out += `${escapeTerminal(lead)}${bold}${score >= ANSI_STRONG_SCORE ? brightYellow : yellow}${marked}${reset}${tag ? `${dim}${tag}${reset}` : ""}${escapeTerminal(trail)}`;
      else out += `${escapeTerminal(lead)}[[${marked}]]${tag}${escapeTerminal(trail)}`;
    } else {
      const plain = escapeTerminal(lead + body + trail);
      out += color && plain.trim() !== "" ? `${dim}${plain}${reset}` : plain;
    }
  }
  return out;
}
