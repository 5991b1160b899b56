/**
 * Reranking throughput (issue 14): documents reranked per second in "pair" mode at 256 and 512 tokens per
 * pair, and what one pass of a model with both heads (highlight(): rerank score + highlights) saves over two
 * separate models (rerank() with one, then highlight() with another of the same shape).
 *
 *   npx tsx bench/rerank.ts [--models models/default,models/zilliz-shape] [--docs 16] [--repeats 3]
 *                           [--threads 2] [--out bench/results/rerank]
 *
 * In-process backend, one call per measurement with all documents (batched by the pipeline), median of
 * --repeats after one warm-up. Documents are eval-set English sentences joined until the pair exceeds the
 * length, so every pair is truncated to exactly 256 / 512 tokens. Writes `<out>.md` and `<out>.json`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { SemanticHighlighter } from "../packages/core/src/index.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const models = flag("models", "models/default,models/zilliz-shape").split(",").map((m) => path.resolve(ROOT, m)).filter((m) => existsSync(m));
const docsWanted = Number(flag("docs", "16"));
const repeats = Number(flag("repeats", "3"));
const threads = Number(flag("threads", "2"));
const out = path.resolve(ROOT, flag("out", "bench/results/rerank"));
const QUERY = "Which team won the championship game and what was the final score?";

const evalFile = path.resolve(ROOT, "../shared/data/eval/squad-dev-en.jsonl");
const sentences = readFileSync(evalFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .flatMap((line) => (JSON.parse(line) as { sentences: string[] }).sentences);

function documents(h: SemanticHighlighter, tokens: number, count: number): string[] {
  const docs: string[] = [];
  let cursor = 0;
  for (let d = 0; d < count; d++) {
    let text = "";
    while (h.tokenizer.encode(text).length < tokens + 16) text += sentences[cursor++ % sentences.length];
    docs.push(text);
  }
  return docs;
}

async function median(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up (arena, caches)
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

interface Row {
  model: string;
  tokens: number;
  docs: number;
  rerankDocsPerSecond: number;
  highlightMs: number;
  rerankMs: number;
  onePassMs: number;
  twoModelsMs: number;
  saving: number;
}
const rows: Row[] = [];
for (const dir of models) {
  const h = await SemanticHighlighter.load(dir, { backend: "in-process", runtime: { intraOpNumThreads: threads } });
  const label = h.config.name;
  const big = h.config.maxLength > 512 * 4;
  const count = big ? Math.min(docsWanted, 4) : docsWanted;
  for (const tokens of [256, 512]) {
    const docs = documents(h, tokens, count);
    const rerankMs = await median(() => h.rerank(QUERY, docs, { maxLength: tokens }));
    // One pass: highlight() with blocks of the same length gives the rerank score and the highlights.
    const highlightMs = await median(() => h.highlight(QUERY, docs, { maxLength: tokens }));
    const twoModelsMs = rerankMs + highlightMs; // a reranker of the same shape, then the highlighter
    rows.push({ model: label, tokens, docs: count, rerankDocsPerSecond: (count * 1000) / rerankMs, highlightMs, rerankMs, onePassMs: highlightMs, twoModelsMs, saving: 1 - highlightMs / twoModelsMs });
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
  await h.dispose();
}

const md = [
  "# Reranking throughput (bench/rerank.ts)",
  "",
  `In-process backend, ${threads} intra-op threads, median of ${repeats} after a warm-up; pairs truncated to exactly the length shown (pair mode).`,
  "\"one pass\" = `highlight()` on a model with both heads (rerank score + highlights); \"two models\" = `rerank()` with a reranker of the same shape, then `highlight()`.",
  `Command: \`npx tsx bench/rerank.ts ${argv.join(" ")}\` on a 2-core VM (shared hardware: compare rows with each other, not with other files), ${new Date().toISOString().slice(0, 16)}Z.`,
  "",
  "| model | tokens / pair | docs | reranked docs/s | rerank ms | highlight (one pass) ms | two models ms | saving of one pass |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.model} | ${r.tokens} | ${r.docs} | ${r.rerankDocsPerSecond.toFixed(1)} | ${r.rerankMs.toFixed(0)} | ${r.onePassMs.toFixed(0)} | ${r.twoModelsMs.toFixed(0)} | ${(r.saving * 100).toFixed(0)}% |`),
  "",
].join("\n");
writeFileSync(`${out}.md`, md);
writeFileSync(`${out}.json`, `${JSON.stringify({ threads, repeats, rows }, null, 2)}\n`);
console.log(md);
