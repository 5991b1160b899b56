/** `highlight --format html`: one document's highlights as a standalone page (query, marked text, scores, saving). */
import type { HighlightResult } from "@semantic-highlight/core";
import { escapeHtml, renderHtml } from "@semantic-highlight/core/internal";

import { htmlPage } from "./page.js";

/** What the page shows besides the result. */
export interface HighlightPageInfo {
  query: string;
  /** What scored the sentences ("model …", "BM25"). */
  source: string;
  threshold: number;
  topK?: number;
}

const pct = (x: number) => (x * 100).toFixed(1);

/** A standalone HTML page for one highlighted document. */
export function highlightPage(result: HighlightResult, info: HighlightPageInfo): string {
  const c = result.compression;
  const body =
    `<header class="top"><h1>Semantic highlights</h1><div class="query">Query: ${escapeHtml(info.query)}</div>` +
    `<div class="muted">Kept ${result.keptSentences.length} of ${result.sentences.length} sentences · ${escapeHtml(info.source)}, score &gt; ${info.threshold}` +
    `${info.topK ? `, top-${info.topK}` : ""} · tokens ${c.tokensBefore} → ${c.tokensAfter} (−${pct(c.tokenReduction)} %) · characters ${c.charactersBefore} → ${c.charactersAfter} (−${pct(c.characterReduction)} %)</div></header>\n` +
    `<main><div class="card doc">${renderHtml(result, { wrapPruned: true })}</div>\n` +
    `<table class="metrics"><thead><tr><th>#</th><th>score</th><th>kept</th><th style="text-align:left">sentence</th></tr></thead><tbody>` +
    result.sentences
      .map((s) => `<tr><td>${s.index}</td><td>${s.score.toFixed(3)}</td><td>${s.kept ? "✓" : ""}</td><td style="text-align:left">${escapeHtml(s.text.trim())}</td></tr>`)
      .join("") +
    `</tbody></table></main>`;
  return htmlPage(`Highlights: ${info.query}`, body);
}
