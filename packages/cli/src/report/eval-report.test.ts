import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import type { EvalItem } from "../eval/dataset.js";
import { runEval, type ScoredItem } from "../eval/run.js";
import { memoryIo } from "../io.js";
import { runCli } from "../program.js";
import { evalReportPage, reviewItems } from "./eval-report.js";

const tmp = mkdtempSync(path.join(tmpdir(), "sh-report-"));

const items: EvalItem[] = [
  { id: "hit", lang: "en", query: "Where is the tower?", sentences: ["The tower is in Paris. ", "Bread is good."], labels: [1, 0], answers: ["Paris"] },
  { id: "miss", lang: "en", query: "When was it built?", sentences: ["It rains. ", "It was built in 1889."], labels: [0, 1], answers: ["1889"] },
  { id: "<img src=x onerror=alert(1)>", lang: "zh", query: "<script>alert('q')</script>?", sentences: ["A & B. ", "\"Quoted\" <b>bold</b>."], labels: [0, 0], answers: [] },
];

async function scoredRun(scores: number[][]) {
  let scored: readonly ScoredItem[] = [];
  // keep-all scoring, then swap in fixed scores: selection is recomputed from them by the page.
  const report = await runEval({ items, method: { kind: "bm25" }, threshold: 0.5, file: "fixture.jsonl", onScored: (s) => (scored = s) });
  const fixed = scored.map((s, i) => ({ ...s, scores: scores[i]! }));
  return { report, scored: fixed };
}

describe("eval HTML report", () => {
  it("counts hits, misses and false keeps per item from the run's selection", async () => {
    const { report, scored } = await scoredRun([[0.9, 0.7], [0.8, 0.1], [0.2, 0.6]]);
    const reviews = reviewItems(report, scored);
    expect(reviews.map((r) => [r.truePositives, r.falsePositives, r.falseNegatives, r.positive])).toEqual([
      [1, 1, 0, true],
      [0, 1, 1, true],
      [0, 1, 0, false],
    ]);
  });

  it("is one self-contained page: metrics on top, filters with counts, every item with anchors", async () => {
    const { report, scored } = await scoredRun([[0.9, 0.1], [0.8, 0.1], [0.2, 0.6]]);
    const html = evalReportPage(report, scored);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=["']?http|href=["']?http/i); // nothing external
    expect(html.indexOf('id="metrics"')).toBeLessThan(html.indexOf('id="item-0"'));
    for (const i of [0, 1, 2]) expect(html).toContain(`<section class="card item" id="item-${i}"`);
    expect(html).toMatch(/data-filter="miss"[^>]*>Misses \(gold pruned\) <b>1<\/b>/);
    expect(html).toMatch(/data-filter="false"[^>]*>False keeps <b>1<\/b>/);
    expect(html).toMatch(/data-filter="perfect"[^>]*>Perfect <b>1<\/b>/);
    // The missed gold sentence and the false keep are labelled and linked from the summary.
    expect(html).toMatch(/<span class="s gold fn" data-index="1" data-score="0\.100" data-kept="0" data-gold="1"/);
    expect(html).toMatch(/<span class="s fp" data-index="0" data-score="0\.800" data-kept="1" data-gold="0"/);
    expect(html).toMatch(/Items with misses \(1\)<\/summary><a href="#item-1">/);
  });

  it("escapes ids, queries and sentences", async () => {
    const { report, scored } = await scoredRun([[0.9, 0.1], [0.8, 0.1], [0.2, 0.6]]);
    const html = evalReportPage(report, scored);
    const body = html.slice(html.indexOf("<main>"), html.lastIndexOf("<script>"));
    expect(body).not.toMatch(/<script|<img|<b>bold/);
    expect(body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(body).toContain("Q: &lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;?");
    expect(body).toContain("&quot;Quoted&quot; &lt;b&gt;bold&lt;/b&gt;.");
  });

  it("eval --report writes the page and still prints the tables", async () => {
    const file = path.join(tmp, "set.jsonl");
    writeFileSync(file, items.map((i) => JSON.stringify(i)).join("\n"));
    const out = path.join(tmp, "report.html");
    const io = memoryIo();
    expect(await runCli(["eval", file, "-b", "bm25", "--report", out], io)).toBe(0);
    expect(io.stdout).toContain("| lang |");
    expect(io.stderr).toContain(`wrote the HTML report to ${out}`);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("Eval report:");
    expect(html.match(/<section class="card item"/g)).toHaveLength(3);
    const bad = memoryIo();
    expect(await runCli(["eval", file, "-b", "bm25", "--report", path.join(tmp, "no/such/dir/r.html")], bad)).toBe(1);
    expect(bad.stderr).toMatch(/cannot write the report/);
  });
});
