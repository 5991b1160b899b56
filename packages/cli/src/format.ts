/** Text output helpers: numbers, markdown tables, highlighted documents. */
import type { HighlightResult } from "@semantic-highlight/core";
import { escapeTerminal, renderAnsi } from "@semantic-highlight/core/internal";

import type { GroupMetrics } from "./eval/metrics.js";
import type { EvalReport } from "./eval/run.js";

/**
 * Text that came from a model, a document or a data file, made safe for one line of terminal output:
 * control characters become visible pictures (␛ for ESC, so no escape sequence reaches the terminal), line
 * breaks become ␤ and tabs spaces (a name cannot forge further lines of output).
 */
export function terminalLine(text: string): string {
  return escapeTerminal(String(text)).replace(/\n/g, "\u2424").replace(/\t/g, " ");
}

/** A fraction as a percentage with one decimal ("78.9"); "–" for null. */
export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : (value * 100).toFixed(1);
}

/** A markdown table; cells are escaped for `|` and made safe for a terminal (`terminalLine`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (cell: string) => terminalLine(cell).replace(/\|/g, "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n";
}

/** Columns of the metric tables (percentages). */
export const METRIC_HEADER = ["items", "P %", "R %", "F1 %", "answer kept %", "compression pos %", "compression neg %"] as const;

/** The metric cells of one group. */
export function metricCells(m: GroupMetrics): string[] {
  return [String(m.items), pct(m.precision), pct(m.recall), pct(m.f1), pct(m.answerKept), pct(m.compression), pct(m.negatives.compression)];
}

/** Describes what was evaluated ("model X", "BM25", "keep-all") with its selection. */
export function describeMethod(report: Pick<EvalReport, "method" | "model" | "threshold" | "topK">): string {
  const name = report.method === "model" ? `model ${terminalLine(String(report.model))}` : report.method === "bm25" ? "BM25" : "keep-all";
  if (report.method === "keep-all") return name;
  return `${name}, threshold ${report.threshold}${report.topK !== null ? `, top-${report.topK}` : ""}`;
}

/** The human-readable eval report: a table per language and overall, then the sweep if any. */
export function formatEvalReport(report: EvalReport): string {
  const rows: string[][] = [];
  const langs = Object.keys(report.byLanguage);
  if (langs.length > 1) for (const lang of langs) rows.push([lang, ...metricCells(report.byLanguage[lang]!)]);
  rows.push([langs.length > 1 ? "all" : langs[0] ?? "all", ...metricCells(report)]);
  let text = `## ${terminalLine(report.file ?? "eval")} — ${describeMethod(report)}\n\n`;
  text += markdownTable(["lang", ...METRIC_HEADER], rows);
  text += `\n${report.items} items (${report.positives} positive, ${report.negatives.items} negative) in ${report.seconds.toFixed(2)} s: ${report.itemsPerSecond.toFixed(1)} items/s\n`;
  if (report.sweep) {
    text += `\n### Threshold sweep (one scoring pass${report.topK !== null ? `, top-${report.topK}` : ""})\n\n`;
    text += markdownTable(["threshold", ...METRIC_HEADER], report.sweep.map((row) => [String(row.threshold), ...metricCells(row)]));
  }
  return text;
}

/**
 * The document with its kept sentences marked: bold yellow (and pruned text dimmed) with `color`, else
 * `[[kept sentence]]` brackets. Kept for compatibility: core's `renderAnsi` (which this calls) is the renderer.
 */
export function renderHighlighted(result: Pick<HighlightResult, "sentences">, color: boolean): string {
  let at = 0;
  const sentences = result.sentences.map((s) => ({ ...s, start: at, end: (at += s.text.length) }));
  return renderAnsi({ text: result.sentences.map((s) => s.text).join(""), sentences }, { color });
}

/** "1,234 → 300 characters (−75.7 %), 310 → 72 tokens (−76.8 %)". */
export function formatSaving(result: Pick<HighlightResult, "compression">, tokenLabel = "tokens"): string {
  const c = result.compression;
  return (
    `${c.charactersBefore} → ${c.charactersAfter} characters (−${pct(c.characterReduction)} %), ` +
    `${c.tokensBefore} → ${c.tokensAfter} ${tokenLabel} (−${pct(c.tokenReduction)} %)`
  );
}

/** One line per kept sentence: score and text (collapsed whitespace). */
export function formatKeptSentences(result: Pick<HighlightResult, "keptSentences">): string {
  if (result.keptSentences.length === 0) return "  (no sentence above the threshold: the document is pruned entirely)\n";
  return result.keptSentences.map((s) => `  ${s.score.toFixed(3)}  #${s.index}  ${terminalLine(s.text.replace(/\s+/g, " ").trim())}\n`).join("");
}
