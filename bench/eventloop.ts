/**
 * Event-loop responsiveness and backend throughput (issue: serving off the main thread).
 *
 *   npx tsx bench/eventloop.ts [--model models/default] [--label default] [--sections loop,throughput,remote]
 *                              [--out bench/results/eventloop]
 *
 * loop        event-loop delay (monitorEventLoopDelay p99 / max, and the longest gap seen by a 5 ms
 *             interval timer) while (a) one call with 100 documents of ~2,500 tokens, (b) one 2 MB
 *             document, (c) 200 concurrent small calls run — per backend (in-process = before, worker = default)
 * throughput  documents/s of in-process vs worker (1 and 2 workers) on 64 documents of ~256 tokens,
 *             8 per call, calls one after another; median of --repeats runs
 * remote      time per batch through the remote backend (binary and JSON) against the local KServe V2 test
 *             server running in a child process, vs in-process
 * Writes `<out>.md` and `<out>.json`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import { SemanticHighlighter, type HighlighterLoadOptions } from "../packages/core/src/index.js";
import { startKServeServer } from "../packages/core/src/testing.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// Child mode: serve a model folder over KServe V2 until killed (keeps the server off the bench's event loop).
if (process.env.BENCH_SERVE_MODEL) {
  const server = await startKServeServer(process.env.BENCH_SERVE_MODEL, { name: "bench" });
  process.send!({ url: server.url });
  await new Promise(() => undefined);
}

const modelDir = path.resolve(ROOT, flag("model", "models/default"));
const label = flag("label", path.basename(modelDir));
const out = path.resolve(ROOT, flag("out", `bench/results/eventloop-${label}`));
const sections = new Set(flag("sections", "loop,throughput,remote").split(","));
const repeats = Number(flag("repeats", "3"));
const throughputDocs = Number(flag("docs", "64"));
const throughputTokens = Number(flag("tokens", "256"));
const perCall = Number(flag("per-call", "8"));
const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const r = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface EvalItem {
  query: string;
  sentences: string[];
}
const evalItems = (file: string): EvalItem[] =>
  readFileSync(path.join(ROOT, "../shared/data/eval", file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalItem);
const english = evalItems("squad-dev-en.jsonl");
const paragraphs = [...new Set(english.map((i) => i.sentences.join("")))];

/** Documents of about `tokens` tokens each, made of distinct real paragraphs. */
function documents(count: number, tokens: number, tokenizer: SemanticHighlighter["tokenizer"]): string[] {
  const docs: string[] = [];
  let p = 0;
  for (let d = 0; d < count; d++) {
    let text = "";
    let n = 0;
    while (n < tokens) {
      const para = paragraphs[p++ % paragraphs.length]!;
      text += para.endsWith(" ") ? para : `${para} `;
      n += tokenizer.encode(para).length;
    }
    docs.push(text);
  }
  return docs;
}

interface LoopStats {
  wallMs: number;
  p99Ms: number;
  maxMs: number;
  maxGapMs: number;
}

/** Runs `work` while measuring how long the event loop was held. */
async function measureLoop(work: () => Promise<unknown>): Promise<LoopStats> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    maxGap = Math.max(maxGap, t - last);
    last = t;
  }, 5);
  histogram.enable();
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  histogram.disable();
  clearInterval(timer);
  maxGap = Math.max(maxGap, performance.now() - last);
  return { wallMs, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6, maxGapMs: maxGap };
}

const md: string[] = [];
const json: Record<string, unknown> = { model: label, date: new Date().toISOString(), node: process.version };
md.push(`# Event loop and backends — ${label}`, "", `\`npx tsx bench/eventloop.ts ${argv.join(" ")}\` on ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}.`, "");

const load = (options: HighlighterLoadOptions) => SemanticHighlighter.load(modelDir, { shareSession: false, ...options });

if (sections.has("loop")) {
  const probe = await load({ backend: "in-process" });
  const query = english[0]!.query;
  const big = documents(100, 2500, probe.tokenizer);
  let huge = "";
  for (let p = 0; huge.length < 2_000_000; p++) huge += paragraphs[p % paragraphs.length]! + (p % 7 === 6 ? "\n\n" : " ");
  const small = documents(200, 200, probe.tokenizer);
  await probe.dispose();
  const scenarios: [string, (h: SemanticHighlighter) => Promise<unknown>][] = [
    ["(a) 100 documents × ~2,500 tokens, one call", (h) => h.highlight(query, big)],
    ["(b) one 2 MB document", (h) => h.highlight(query, [huge])],
    ["(c) 200 concurrent small calls (~200 tokens each)", (h) => Promise.all(small.map((doc, i) => h.highlightOne(english[i]!.query, doc)))],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const backend of ["in-process", "worker"] as const) {
    const h = await load({ backend });
    await h.highlightOne(query, small[0]!); // warm up
    for (const [name, work] of scenarios) {
      log(backend, name);
      const stats = await measureLoop(() => work(h));
      rows.push({ backend, scenario: name, ...stats });
    }
    await h.dispose();
  }
  json.loop = rows;
  md.push("## Event-loop delay during big calls", "", "Goal with default settings (worker): p99 ≤ 10 ms, max ≤ 50 ms.", "");
  md.push("| backend | scenario | wall s | loop delay p99 ms | loop delay max ms | longest 5 ms-timer gap ms |", "|---|---|---|---|---|---|");
  for (const row of rows as unknown as (LoopStats & { backend: string; scenario: string })[]) {
    md.push(`| ${row.backend} | ${row.scenario} | ${r(row.wallMs / 1000, 2)} | ${r(row.p99Ms)} | ${r(row.maxMs)} | ${r(row.maxGapMs)} |`);
  }
  md.push("");
}

if (sections.has("throughput")) {
  const probe = await load({ backend: "in-process" });
  const docs = documents(throughputDocs, throughputTokens, probe.tokenizer);
  await probe.dispose();
  const query = english[0]!.query;
  const variants: [string, HighlighterLoadOptions][] = [
    ["in-process", { backend: "in-process" }],
    ["worker ×1", { backend: { kind: "worker", workers: 1 } }],
    ["worker ×2 (1 intra-op thread each)", { backend: { kind: "worker", workers: 2 }, runtime: { intraOpNumThreads: 1 } }],
  ];
  const rows: { variant: string; docsPerSecond: number; runs: number[] }[] = [];
  const loaded = await Promise.all(variants.map(([, options]) => load(options)));
  for (const h of loaded) await h.highlight(query, docs.slice(0, perCall));
  // Interleave the variants run by run so drifting machine load hits them alike.
  const times = variants.map(() => [] as number[]);
  for (let rep = 0; rep < repeats; rep++) {
    for (let v = 0; v < variants.length; v++) {
      log("throughput", variants[v]![0], rep);
      const start = performance.now();
      for (let i = 0; i < docs.length; i += perCall) await loaded[v]!.highlight(query, docs.slice(i, i + perCall));
      times[v]!.push(performance.now() - start);
    }
  }
  variants.forEach(([name], v) => rows.push({ variant: name, docsPerSecond: docs.length / (median(times[v]!) / 1000), runs: times[v]! }));
  await Promise.all(loaded.map((h) => h.dispose()));
  json.throughput = rows;
  const base = rows[0]!.docsPerSecond;
  md.push("## Throughput: in-process vs worker", "", `${throughputDocs} documents of ~${throughputTokens} tokens, ${perCall} per call, calls one after another; median of ${repeats} interleaved runs.`, "");
  md.push("| backend | documents/s | vs in-process |", "|---|---|---|");
  for (const row of rows) md.push(`| ${row.variant} | ${r(row.docsPerSecond, 3)} | ${r((row.docsPerSecond / base) * 100)} % |`);
  md.push("");
}

if (sections.has("remote")) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, BENCH_SERVE_MODEL: modelDir }, execArgv: ["--import", "tsx"] });
  const url = await new Promise<string>((resolve) => child.once("message", (m: { url: string }) => resolve(m.url)));
  const probe = await load({ backend: "in-process" });
  const docs = documents(32, 256, probe.tokenizer);
  const query = english[0]!.query;
  const variants: [string, SemanticHighlighter][] = [
    ["in-process", probe],
    ["remote, binary tensors", await load({ backend: { kind: "remote", url, model: "bench" } })],
    ["remote, JSON tensors", await load({ backend: { kind: "remote", url, model: "bench", binary: false } })],
  ];
  const rows: { variant: string; msPerBatch: number; batches: number }[] = [];
  const times = variants.map(() => [] as number[]);
  let batches = 0;
  for (const [, h] of variants) await h.highlight(query, docs.slice(0, 4));
  for (let rep = 0; rep < repeats; rep++) {
    for (let v = 0; v < variants.length; v++) {
      log("remote", variants[v]![0], rep);
      const start = performance.now();
      let n = 0;
      for (const doc of docs) n += (await variants[v]![1].highlight(query, [doc], { batchSize: 1 })).stats.batches;
      batches = n;
      times[v]!.push((performance.now() - start) / n);
    }
  }
  variants.forEach(([name], v) => rows.push({ variant: name, msPerBatch: median(times[v]!), batches }));
  await Promise.all(variants.map(([, h]) => h.dispose()));
  child.kill();
  json.remote = rows;
  md.push("## Remote backend overhead per batch", "", `One ~256-token document per call (one batch), ${docs.length} calls, median of ${repeats}; the V2 test server runs in a child process on 127.0.0.1 (same CPU, so its inference competes with the client).`, "");
  md.push("| backend | ms per batch | overhead vs in-process ms |", "|---|---|---|");
  for (const row of rows) md.push(`| ${row.variant} | ${r(row.msPerBatch, 2)} | ${r(row.msPerBatch - rows[0]!.msPerBatch, 2)} |`);
  md.push("");
}

writeFileSync(`${out}.md`, md.join("\n"));
writeFileSync(`${out}.json`, JSON.stringify(json, null, 2));
log("wrote", `${out}.md`);
process.exit(0);
