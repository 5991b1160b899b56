/**
 * `eval --report report.html`: one self-contained page per eval run. The metrics on top; then every item
 * with its query and sentences coloured by score, gold sentences starred, misses (gold but pruned) and false
 * keeps (kept but not gold) outlined and labelled; filter buttons and anchor lists lead to the problems.
 */
import { escapeHtml } from "@semantic-highlight/core/internal";

import { isPositive } from "../eval/dataset.js";
import type { GroupMetrics } from "../eval/metrics.js";
import { selectOutcomes, type EvalReport, type ScoredItem } from "../eval/run.js";
import { describeMethod, METRIC_HEADER, metricCells } from "../format.js";
import { htmlPage, scoreBackground } from "./page.js";

/** What one item looks like after selection. */
export interface ItemReview {
  /** Position in the run (anchor `#item-<position>`). */
  position: number;
  scored: ScoredItem;
  kept: readonly boolean[];
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  positive: boolean;
}

/** Filters offered on the page, with the predicate each applies (the page's script mirrors these). */
export const REPORT_FILTERS = [
  { key: "all", label: "All" },
  { key: "miss", label: "Misses (gold pruned)" },
  { key: "false", label: "False keeps" },
  { key: "perfect", label: "Perfect" },
  { key: "negative", label: "Negatives (no gold)" },
] as const;

/** Applies the report's selection to every scored item and counts its hits and errors. */
export function reviewItems(report: Pick<EvalReport, "threshold" | "topK" | "method">, scored: readonly ScoredItem[]): ItemReview[] {
  const outcomes = selectOutcomes(scored, { threshold: report.threshold, topK: report.topK ?? undefined }, report.method === "keep-all");
  return outcomes.map(({ item, kept }, position) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    item.labels.forEach((label, i) => {
      if (kept[i] && label === 1) tp++;
      else if (kept[i]) fp++;
      else if (label === 1) fn++;
    });
    return { position, scored: scored[position]!, kept, truePositives: tp, falsePositives: fp, falseNegatives: fn, positive: isPositive(item) };
  });
}

function metricsTable(report: EvalReport): string {
  const langs = Object.keys(report.byLanguage);
  const rows: [string, GroupMetrics][] = langs.length > 1 ? langs.map((l) => [l, report.byLanguage[l]!]) : [];
  rows.push([langs.length > 1 ? "all" : (langs[0] ?? "all"), report]);
  const head = ["lang", ...METRIC_HEADER, "TP", "FP", "FN"].map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(([lang, m]) => `<tr>${[lang, ...metricCells(m), String(m.counts.truePositives), String(m.counts.falsePositives), String(m.counts.falseNegatives)].map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="metrics" id="metrics"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function sentenceHtml(review: ItemReview, i: number): string {
  const { item, scores } = review.scored;
  const score = scores[i] ?? 0;
  const kept = review.kept[i] ?? false;
  const gold = item.labels[i] === 1;
  const cls = ["s", gold ? "gold" : "", gold && !kept ? "fn" : "", kept && !gold && review.positive ? "fp" : ""].filter(Boolean).join(" ");
  const what = [kept ? "kept" : "pruned", gold ? "gold" : ""].filter(Boolean).join(", ");
  const text = item.sentences[i]!;
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
  return (
    `${escapeHtml(match[1]!)}<span class="${cls}" data-index="${i}" data-score="${score.toFixed(3)}" data-kept="${kept ? 1 : 0}" data-gold="${gold ? 1 : 0}" ` +
    `title="#${i} score ${score.toFixed(3)} (${what})" style="background-color: ${scoreBackground(score)}">${escapeHtml(match[2]!)}</span>` +
    `<span class="score">${score.toFixed(2)}</span>${escapeHtml(match[3]!)}`
  );
}

function itemCard(review: ItemReview): string {
  const { item } = review.scored;
  const badges: string[] = [];
  if (review.falseNegatives > 0) badges.push(`<span class="badge miss">${review.falseNegatives} missed</span>`);
  if (review.falsePositives > 0) badges.push(`<span class="badge ${review.positive ? "false" : ""}">${review.falsePositives} ${review.positive ? "false keep" : "kept"}${review.falsePositives > 1 ? "s" : ""}</span>`);
  if (review.positive && review.falseNegatives === 0 && review.falsePositives === 0) badges.push(`<span class="badge ok">perfect</span>`);
  if (!review.positive) badges.push(`<span class="badge">negative</span>`);
  const keptCount = review.kept.filter(Boolean).length;
  const flags = `data-miss="${review.falseNegatives > 0 ? 1 : 0}" data-false="${review.positive && review.falsePositives > 0 ? 1 : 0}" data-perfect="${review.positive && review.falseNegatives === 0 && review.falsePositives === 0 ? 1 : 0}" data-negative="${review.positive ? 0 : 1}"`;
  return (
    `<section class="card item" id="item-${review.position}" ${flags}>` +
    `<h2><a href="#item-${review.position}">#${review.position + 1}</a> <span class="muted">${escapeHtml(item.id)} · ${escapeHtml(item.lang)}${item.line ? ` · line ${item.line}` : ""} · kept ${keptCount}/${item.sentences.length}</span>${badges.join("")}</h2>` +
    `<div class="query">Q: ${escapeHtml(item.query)}</div>` +
    (item.answers.length ? `<div class="muted">Answer: ${item.answers.map(escapeHtml).join(" · ")}</div>` : "") +
    `<div class="doc">${item.sentences.map((_, i) => sentenceHtml(review, i)).join("")}</div></section>`
  );
}

function anchorList(label: string, reviews: readonly ItemReview[]): string {
  if (reviews.length === 0) return `<div class="muted">${escapeHtml(label)}: none</div>`;
  return `<details class="index"><summary>${escapeHtml(label)} (${reviews.length})</summary>${reviews.map((r) => `<a href="#item-${r.position}">#${r.position + 1}</a>`).join(" ")}</details>`;
}

const FILTER_SCRIPT = `
(function () {
  var buttons = document.querySelectorAll(".filters button");
  var cards = document.querySelectorAll("section.item");
  function apply(key) {
    var shown = 0;
    cards.forEach(function (card) {
      var show = key === "all" || card.getAttribute("data-" + key) === "1";
      card.classList.toggle("hidden", !show);
      if (show) shown++;
    });
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-filter") === key)); });
    document.getElementById("shown").textContent = shown + " shown";
  }
  buttons.forEach(function (b) { b.addEventListener("click", function () { apply(b.getAttribute("data-filter")); }); });
  var m = /^#filter=(\\w+)$/.exec(location.hash);
  apply(m ? m[1] : "all");
})();
`;

/** The self-contained HTML report of one eval run. `scored` are the items as scored by the run. */
export function evalReportPage(report: EvalReport, scored: readonly ScoredItem[]): string {
  const reviews = reviewItems(report, scored);
  const count = (key: string) =>
    reviews.filter((r) =>
      key === "all" ? true : key === "miss" ? r.falseNegatives > 0 : key === "false" ? r.positive && r.falsePositives > 0 : key === "perfect" ? r.positive && r.falseNegatives === 0 && r.falsePositives === 0 : !r.positive,
    ).length;
  const title = `${report.file ?? "eval"} — ${describeMethod(report)}`;
  const header =
    `<header class="top"><h1>Eval report: ${escapeHtml(report.file ?? "eval")}</h1>` +
    `<div class="muted">${escapeHtml(describeMethod(report))} · ${report.items} items (${report.positives} positive, ${report.negatives.items} negative) · ${report.itemsPerSecond.toFixed(1)} items/s</div>` +
    `<div class="filters">${REPORT_FILTERS.map((f) => `<button type="button" data-filter="${f.key}" aria-pressed="${f.key === "all"}">${escapeHtml(f.label)} <b>${count(f.key)}</b></button>`).join("")}<span class="muted" id="shown"></span></div></header>`;
  const summary =
    `<section class="card" id="summary">${metricsTable(report)}` +
    `<div class="legend muted">Sentence background follows the score (<span class="scale"></span> 0 → 1); ` +
    `<span class="s" data-kept="1" style="background-color:${scoreBackground(0.9)}">underlined</span> = kept (score &gt; ${report.threshold}${report.topK !== null ? `, top-${report.topK}` : ""}); ` +
    `<span class="s gold">gold</span> sentence; <span class="s gold fn">gold</span> gold but pruned; <span class="s fp" data-kept="1">kept</span> kept but not gold.</div>` +
    anchorList("Items with misses", reviews.filter((r) => r.falseNegatives > 0)) +
    anchorList("Items with false keeps", reviews.filter((r) => r.positive && r.falsePositives > 0)) +
    `</section>`;
  return htmlPage(title, `${header}\n<main>${summary}\n${reviews.map(itemCard).join("\n")}</main>`, FILTER_SCRIPT);
}
