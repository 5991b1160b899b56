// Runs `semantic-highlight eval --json` for each configuration and eval set and writes a markdown report.
// Called by run-eval-table.sh (which builds the CLI first). Options via environment: EVAL_DATA (folder of
// *.jsonl, default ../shared/data/eval), EVAL_OUT (default docs/eval-results.md), BM25_THRESHOLD (0.15),
// SEMANTIC_HIGHLIGHT_MODEL (model folder; default models/default), EVAL_LIMIT (items per set, for a quick run),
// EVAL_VARIANTS (folder for the derived sets; default $TMPDIR/semantic-highlight-eval-variants),
// EVAL_PREVIOUS_MODEL (optional: a previous default model folder, evaluated alongside at its own threshold, so
// before/after numbers come from one run; run-eval-table.sh fills it from EVAL_PREVIOUS_REV, a git revision),
// EVAL_PREVIOUS_LABEL (how the table names it, e.g. the revision).
// Every visible set is evaluated three ways (tools/eval/make-eval-variants.mjs writes the derived files):
// as is, unpunctuated (sentence-final punctuation removed, sentences joined by newlines, labels unchanged),
// and its lexically hard subset (positive items where BM25 top-1 keeps no answer sentence).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "packages/cli/bin/semantic-highlight.js");
const dataDir = path.resolve(root, process.env.EVAL_DATA ?? "../shared/data/eval");
const outFile = path.resolve(root, process.env.EVAL_OUT ?? "docs/eval-results.md");
const bm25Threshold = process.env.BM25_THRESHOLD ?? "0.15";
const limit = process.env.EVAL_LIMIT ? ["--limit", process.env.EVAL_LIMIT] : [];
const modelDir = process.env.SEMANTIC_HIGHLIGHT_MODEL || path.join(root, "models/default");
const haveModel = existsSync(path.join(modelDir, "highlight_config.json"));
const previousDir = process.env.EVAL_PREVIOUS_MODEL ? path.resolve(process.env.EVAL_PREVIOUS_MODEL) : null;
if (previousDir && !existsSync(path.join(previousDir, "highlight_config.json"))) throw new Error(`EVAL_PREVIOUS_MODEL: no model at ${previousDir}`);
const previousLabel = process.env.EVAL_PREVIOUS_LABEL || "previous";
const sweep = "0.05,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9";

const variantsDir = path.resolve(process.env.EVAL_VARIANTS || path.join(os.tmpdir(), "semantic-highlight-eval-variants"));
const bases = readdirSync(dataDir).filter((f) => f.endsWith(".jsonl") && !/\.(unpunct|hard)\.jsonl$/.test(f)).sort();
if (bases.length === 0) throw new Error(`no .jsonl files in ${dataDir}`);
const convert = spawnSync(process.execPath, [path.join(root, "tools/eval/make-eval-variants.mjs"), "--data", dataDir, "--out", variantsDir], {
  encoding: "utf8",
  stdio: ["ignore", "inherit", "inherit"],
});
if (convert.status !== 0) throw new Error(`make-eval-variants.mjs failed (${convert.status})`);
const VARIANTS = [
  { suffix: "", label: "" },
  { suffix: ".unpunct", label: " (unpunctuated)" },
  { suffix: ".hard", label: " (hard: BM25 top-1 misses)" },
];
const files = bases.flatMap((f) => VARIANTS.map((v) => ({ base: f, file: f.replace(/\.jsonl$/, `${v.suffix}.jsonl`), variant: v })));

const configs = [
  { name: "keep-all", args: ["--baseline", "keep-all"] },
  { name: "BM25 top-1", args: ["--baseline", "bm25", "--top-k", "1", "--threshold", "0"] },
  { name: `BM25 > ${bm25Threshold}`, args: ["--baseline", "bm25", "--threshold", bm25Threshold] },
  ...(previousDir ? [{ name: "previous default model", args: ["--model", previousDir], model: true, previous: true }] : []),
  { name: "default model", args: ["--model", modelDir, "--sweep", sweep], model: true },
];

const rel = (p) => path.relative(root, p) || ".";
const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1));
const rows = [];
const sweeps = [];
const commands = [];
const results = [];
for (const { base, file: variantFile, variant } of files) {
  const filePath = path.join(variantsDir, variantFile);
  const file = `${base}${variant.label}`;
  for (const config of configs) {
    if (config.model && !haveModel) {
      rows.push(`| ${file} | ${config.name} | – | not run: no model at ${rel(modelDir)} | | | | | | | |`);
      continue;
    }
    const sweepArgs = config.model && variant.suffix === ".hard" ? config.args.slice(0, 2) : config.args;
    const args = ["eval", filePath, ...sweepArgs, ...limit, "--json", "--no-progress"];
    const shown = (a) =>
      a.startsWith(variantsDir)
        ? `$EVAL_VARIANTS${a.slice(variantsDir.length)}`
        : previousDir && a === previousDir
          ? "$EVAL_PREVIOUS_MODEL"
          : path.isAbsolute(a)
            ? rel(a)
            : a;
    commands.push(`semantic-highlight ${args.map(shown).join(" ")}`);
    process.stderr.write(`${file}: ${config.name} …\n`);
    const run = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`${commands.at(-1)} failed (${run.status}):\n${run.stderr}`);
    const r = JSON.parse(run.stdout.trimEnd().split("\n").at(-1));
    const name = config.previous ? `previous default model (${previousLabel})` : config.model ? `model ${r.model.replace(root + path.sep, "")}` : config.name;
    const threshold = r.method === "keep-all" ? "–" : `${r.threshold}${r.topK ? `, top-${r.topK}` : ""}`;
    rows.push(
      `| ${file} | ${name} | ${threshold} | ${r.items} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.f1)} | ${pct(r.answerKept)} | ${pct(r.compression)} | ${pct(r.negatives.compression)} | ${r.method === "keep-all" ? "–" : r.itemsPerSecond.toFixed(1)} |`,
    );
    if (r.sweep) sweeps.push({ file, name, r });
    results.push({ base, variant: variant.suffix, config: config.name, r });
  }
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
let md = `# Eval results\n\n`;
md += `Generated by \`tools/eval/run-eval-table.sh\` on ${new Date().toISOString()} — ${cpu}, ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}, Node ${process.version}.\n\n`;
if (previousDir) md += `The previous default model (${previousLabel}, \`$EVAL_PREVIOUS_MODEL\` below) is evaluated alongside at its own configured threshold.\n\n`;
md += `Metrics (see \`packages/cli/src/eval/metrics.ts\`): micro precision / recall / F1 of kept sentences against the labels on positive items; `;
md += `answer kept = share of positive items whose relevant sentences are all kept; compression = share of characters removed (character-weighted), `;
md += `over positive items and over negative items (all labels 0; "–" where a set has none). Items with an empty query are skipped. items/s counts scoring only (one model call per item, CPU).\n\n`;
md += `| set | method | threshold | items | P % | R % | F1 % | answer kept % | compression pos % | compression neg % | items/s |\n`;
md += `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n`;
md += rows.join("\n") + "\n";
// Issue 21's goals (and issue 11's before them), checked on the rows above.
const find = (base, variant, config) => results.find((x) => x.base === base && x.variant === variant && x.config === config)?.r;
const goalRows = [];
for (const base of bases) {
  const model = find(base, "", "default model");
  const bm25 = find(base, "", "BM25 top-1");
  const prev = find(base, "", "previous default model");
  const unp = find(base, ".unpunct", "default model");
  const hard = find(base, ".hard", "default model");
  const hardPrev = find(base, ".hard", "previous default model");
  const hardAll = find(base, ".hard", "keep-all");
  if (!model || !bm25) continue;
  const pts = (v) => (v * 100).toFixed(1);
  const signed = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)}`;
  const gap = unp ? (model.f1 - unp.f1) * 100 : null;
  goalRows.push(
    `| ${base} | ${pts(model.f1)} vs ${pts(bm25.f1)}: ${model.f1 >= bm25.f1 ? "met" : "not met"} | ` +
      `${prev ? `${pts(prev.f1)} (${signed(model.f1 - prev.f1)}): ${model.f1 >= prev.f1 ? "met" : "not met"}` : "–"} | ` +
      `${pts(model.compression)} %: ${model.compression >= 0.7 ? "met" : "not met"} | ` +
      `${unp ? `${pts(unp.f1)} (${gap >= 0 ? "−" : "+"}${Math.abs(gap).toFixed(1)} points): ${Math.abs(gap) <= 2 ? "met" : "not met"}` : "–"} | ` +
      `${hard ? `${pts(hard.f1)}${hardPrev ? ` (${signed(hard.f1 - hardPrev.f1)} over ${pts(hardPrev.f1)})` : ""}${hardAll ? `; keep-all ${pts(hardAll.f1)}` : ""}` : "–"} |`,
  );
}
if (goalRows.length) {
  md += `\n## Goals (issues 11 and 21)\n\nModel at its configured threshold. Goals: F1 ≥ BM25 top-1 at ≥ 70 % compression (Chinese: at least no lower than the previous default model); `;
  md += `unpunctuated F1 within 2 points of the punctuated set; on the lexically hard subset of the English set, +10 F1 over the previous default model. `;
  md += `The hard subset holds the positive items where BM25 top-1 keeps no answer sentence, so BM25 top-1 scores 0 there by construction.\n\n`;
  md += `| set | F1 vs BM25 top-1 | F1 vs previous default (${previousDir ? previousLabel : "not run"}) | compression ≥ 70 % | unpunctuated F1 | hard-subset F1 (vs previous; keep-all) |\n| --- | --- | --- | --- | --- | --- |\n`;
  md += goalRows.join("\n") + "\n";
}
for (const { file, name, r } of sweeps) {
  md += `\n## ${file} — ${name}: threshold sweep (one scoring pass)\n\n`;
  md += `| threshold | P % | R % | F1 % | answer kept % | compression pos % | compression neg % |\n| --- | --- | --- | --- | --- | --- | --- |\n`;
  for (const s of r.sweep) md += `| ${s.threshold} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.f1)} | ${pct(s.answerKept)} | ${pct(s.compression)} | ${pct(s.negatives.compression)} |\n`;
}
md += `\n## Commands\n\n\`\`\`sh\nnode tools/eval/make-eval-variants.mjs --out $EVAL_VARIANTS   # copies, unpunctuated variants and hard subsets (outside the repository)\n${commands.join("\n")}\n\`\`\`\n`;
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, md);
process.stderr.write(`wrote ${rel(outFile)}\n`);
