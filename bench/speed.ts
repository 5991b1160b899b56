/**
 * The real model at its best speed (issue 20): the zilliz-shaped checkpoint converted by the TypeScript
 * converter into four folders — float32 / int8 × fused (default) / plain graph — compared on the same token
 * blocks, variants interleaved (A/B/C/D per document, starting variant rotated), medians and paired ratios.
 *
 *   npm run bench:speed:models     # converts models/zilliz-checkpoint into the four folders (bench/zilliz-models.ts)
 *   npm run bench:speed            # all sections; writes bench/results/speed-zilliz.{md,json}
 *
 * Sections (`--sections a,b`):
 *   sessions  one child process per variant: session creation time, RSS after loading, peak RSS after one
 *             forward pass at each of --session-tokens (memory of one session), and the operator counts of
 *             the graph onnxruntime runs (`optimizedModelFilePath`, level "all")
 *   graphs    --graph-docs documents of ~480 tokens (one 512-token block each, en + zh) through
 *             `highlight()`, all four variants interleaved: time per block, paired speed ratios, and sentence
 *             scores of each variant against float32-fused (max / mean difference, kept decisions flipped)
 *   blocks    one English document of --block-doc-tokens tokens at maxLength --block-sizes: time per 1k
 *             document tokens, and scores against the same variant at the largest block (the reference block
 *             length is the checkpoint's max_length, 8192) — plain graphs stop at --plain-max-block
 *   torch     the same 512-token blocks through torch eager (tools/model/torch_bench.py: provence_arch, batch 1,
 *             same thread count; fp32 and torch's own dynamic int8), interleaved with our pipeline (fused
 *             fp32 and int8): ratios ours/torch, logits agreement, peak memory of both
 *   agreement eval items (--agreement-items per language, ../shared/data/eval), one document per call, fp32
 *             fused vs int8 fused interleaved: sentence-score differences, kept decisions flipped at the model's
 *             threshold and at the median float32 score (with random weights most scores sit near one value,
 *             so the config threshold may flip nothing by luck; the median is the hardest place), and the
 *             paired time ratio on natural paragraph lengths. Any other pair of folders: --fp32 DIR --int8 DIR
 *             --variants "fp32 fused,int8 fused" --title T --label "what the checkpoint is" --agreement-note N
 *             (bench/results/speed-trained-agreement.md: a trained plain XLM-R checkpoint)
 *   threads   int8 (fused): intra-op threads × worker threads — throughput (documents at once) and latency (one
 *             document at a time), configurations interleaved round by round
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";

import { SemanticHighlighter, type HighlightOptions } from "../packages/core/src/index.js";
import { decodeOnnxModel, type OnnxGraph } from "../packages/core/src/models/convert/onnx-proto.js";
import { benchFlags, makeDocs, packedBatches, percentile, readEval, ROOT, tokenizerOf, type Doc } from "./workload.js";

// ------------------------------------------------------------------ arguments
const argv = process.argv.slice(2);
const { flags, str, num, list } = benchFlags(argv);

const threads = num("threads", 2);
const sections = new Set(list("sections", "sessions,graphs,blocks,torch,agreement,threads"));
const out = path.resolve(ROOT, str("out", "bench/results/speed-zilliz"));
const VARIANTS = [
  { name: "fp32 fused", dir: str("fp32", "models/zilliz-shape-ts"), fused: true, int8: false },
  { name: "fp32 plain", dir: str("fp32-plain", "models/zilliz-shape-ts-plain"), fused: false, int8: false },
  { name: "int8 fused", dir: str("int8", "models/zilliz-shape-ts-int8"), fused: true, int8: true },
  { name: "int8 plain", dir: str("int8-plain", "models/zilliz-shape-ts-int8-plain"), fused: false, int8: true },
  // Same graph as fp32 fused, with the Linear weights written transposed into model.onnx_data (plain MatMul
  // instead of FusedMatMul(transB) on the checkpoint's bytes): sessions and graphs sections only.
  { name: "fp32 fused transposed", dir: str("fp32-transposed", "models/zilliz-shape-ts-transposed"), fused: true, int8: false, extra: true },
].filter((v) => list("variants", "fp32 fused,fp32 plain,int8 fused,int8 plain,fp32 fused transposed").includes(v.name));
type Variant = (typeof VARIANTS)[number];

// ------------------------------------------------------------------ helpers
const now = () => performance.now();
const r = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const median = (xs: number[]) => percentile(xs, 50);
const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const loadavg = () => os.loadavg().map((x) => r(x, 1));
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
/** A folder inside the repository relative to it, one outside (a model converted under /tmp) as it is. */
const shown = (dir: string) => (path.relative(ROOT, dir).startsWith("..") ? dir : path.relative(ROOT, dir));
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

async function load(v: Variant, extra: Parameters<typeof SemanticHighlighter.load>[1] = {}): Promise<SemanticHighlighter> {
  return SemanticHighlighter.load(path.resolve(ROOT, v.dir), { backend: "in-process", runtime: { intraOpNumThreads: threads }, shareSession: false, ...extra });
}

/** Sentence-score differences of b against a (same documents). */
function compare(a: number[][], b: number[][], keptA: boolean[][], keptB: boolean[][]) {
  let max = 0;
  let sum = 0;
  let n = 0;
  let flips = 0;
  a.forEach((scores, d) =>
    scores.forEach((x, k) => {
      const diff = Math.abs(x - b[d]![k]!);
      max = Math.max(max, diff);
      sum += diff;
      n++;
      if (keptA[d]![k] !== keptB[d]![k]) flips++;
    }),
  );
  return { sentences: n, maxAbsDiff: r(max, 4), meanAbsDiff: r(sum / Math.max(1, n), 5), keptFlips: flips, keptFlipsPct: r((100 * flips) / Math.max(1, n), 2) };
}

function opCounts(graph: OnnxGraph, counts = new Map<string, number>()): Map<string, number> {
  for (const node of graph.node) {
    const op = node.domain ? `${node.domain.replace("com.microsoft", "ms")}.${node.opType}` : node.opType;
    counts.set(op, (counts.get(op) ?? 0) + 1);
    for (const attribute of node.attribute ?? []) if (attribute.g) opCounts(attribute.g, counts);
  }
  return counts;
}

// ------------------------------------------------------------------ child: one session alone
interface SessionRecord {
  createMs: number;
  baselineRssMb: number;
  afterCreateRssMb: number;
  forwards: { tokens: number; ms: number; peakRssMb: number }[];
  ops?: Record<string, number>;
}
async function childSession(): Promise<void> {
  const dir = path.resolve(ROOT, str("child-session", ""));
  const config = JSON.parse(readFileSync(path.join(dir, "highlight_config.json"), "utf8")) as { model_file?: string };
  const file = path.join(dir, config.model_file ?? "model.onnx");
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: "all", intraOpNumThreads: threads, interOpNumThreads: 1 };
  const record: Partial<SessionRecord> = {};
  if (flags.has("ops")) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "sh-ops-"));
    const optimized = path.join(tmp, "optimized.onnx");
    // Weights go to a side file (the optimized plain graph holds its folded, transposed weights).
    const session = await ort.InferenceSession.create(file, {
      ...options,
      optimizedModelFilePath: optimized,
      extra: { session: { optimized_model_external_initializers_file_name: "optimized.data", optimized_model_external_initializers_min_size_in_bytes: "1024" } },
    });
    await session.release();
    // The optimized file holds folded weights inline: read only its graph structure.
    const model = decodeOnnxModel(readFileSync(optimized));
    rmSync(tmp, { recursive: true, force: true });
    record.ops = Object.fromEntries([...opCounts(model.graph)].sort((a, b) => b[1] - a[1]));
    process.stdout.write(`${JSON.stringify(record)}\n`);
    return;
  }
  record.baselineRssMb = rssMb();
  const t = now();
  const session = await ort.InferenceSession.create(file, options);
  record.createMs = now() - t;
  record.afterCreateRssMb = rssMb();
  record.forwards = [];
  for (const tokens of list("session-tokens", "512").map(Number)) {
    const ids = BigInt64Array.from({ length: tokens }, (_, i) => BigInt(i === 0 ? 0 : i === tokens - 1 ? 2 : 5 + ((i * 7919) % 7990)));
    const feeds = { input_ids: new ort.Tensor("int64", ids, [1, tokens]), attention_mask: new ort.Tensor("int64", new BigInt64Array(tokens).fill(1n), [1, tokens]) };
    const t0 = now();
    await session.run(feeds);
    record.forwards.push({ tokens, ms: now() - t0, peakRssMb: peakRssMb() });
  }
  await session.release();
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function runChild(args: string[]): SessionRecord {
  const result = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--threads", String(threads), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`child ${args.join(" ")} failed: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as SessionRecord;
}

// ------------------------------------------------------------------ torch child
class TorchServer {
  private readonly lines: AsyncIterator<string>;
  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    lines: AsyncIterator<string>,
    readonly ready: Record<string, unknown>,
  ) {
    this.lines = lines;
  }
  static async start(checkpoint: string): Promise<TorchServer> {
    const child = spawn("/usr/bin/python3", [path.join(ROOT, "tools/model/torch_bench.py"), checkpoint, "--threads", String(threads), "--int8"], { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error("torch_bench.py exited before it was ready");
    return new TorchServer(child, lines, JSON.parse(first.value) as Record<string, unknown>);
  }
  async request<T>(body: unknown): Promise<T> {
    this.child.stdin!.write(`${JSON.stringify(body)}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error("torch_bench.py exited");
    return JSON.parse(line.value) as T;
  }
  close(): void {
    this.child.stdin!.end();
  }
}

// ------------------------------------------------------------------ main
const results: Record<string, unknown> = {};
const md: string[] = [];

async function main(): Promise<void> {
  if (flags.has("child-session")) return childSession();
  const started = new Date();
  // Arguments with spaces (--label, --agreement-note) quoted, so the recorded command reruns as it stands.
  const command = `npx tsx bench/speed.ts ${argv.map((a) => (/[\s"'$`\\]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(" ")}`.trim();
  results.setup = { command, date: started.toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, threads, node: process.version, variants: VARIANTS, loadAverageAtStart: loadavg() };
  md.push(`# ${str("title", "The zilliz shape at its best speed")} (bench/speed.ts)`, "", `Command: \`${command}\``, "");
  md.push(
    `${os.cpus()[0]?.model} × ${os.cpus().length} (family/model in bench/README.md), Node ${process.version}, onnxruntime-node ${(ort.env as { versions?: { common?: string } }).versions?.common ?? "?"}, ${threads} intra-op threads; ${started.toISOString()}. ` +
      `Machine load (1/5/15-min load average) at the start: ${loadavg().join(" / ")} — the machine is shared: absolute times move with it, paired ratios much less.`,
    "",
    `Variants (all converted by the TypeScript converter from ${str("label", "`models/zilliz-checkpoint` by `npm run bench:speed:models`, random weights, 24 × 1024, vocab 250002")}):`,
    "",
    ...VARIANTS.map((v) => `- **${v.name}**: \`${v.dir}\``),
    "",
  );
  const counter = tokenizerOf(path.resolve(ROOT, VARIANTS[0]!.dir));
  const MAIN = VARIANTS.filter((v) => !("extra" in v));

  if (sections.has("sessions")) {
    log("sessions");
    const tokens = str("session-tokens", "512,2048,4096,8192");
    const rows: (SessionRecord & { variant: string; ops: Record<string, number>; loadAverage: number[] })[] = [];
    for (const v of VARIANTS) {
      const plainMax = num("plain-max-block", 4096);
      const own = v.fused ? tokens : tokens.split(",").filter((t) => Number(t) <= plainMax).join(",");
      const s = runChild(["--child-session", v.dir, "--session-tokens", own]);
      const ops = runChild(["--child-session", v.dir, "--ops"]).ops!;
      rows.push({ variant: v.name, ...s, ops, loadAverage: loadavg() });
      log(v.name, JSON.stringify(s));
    }
    results.sessions = rows;
    md.push("## One session alone (a fresh process per variant)", "");
    md.push("| variant | session created in s | RSS after loading MB (process baseline) | peak RSS after a forward of N tokens (N: MB, s) |", "|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${r(x.createMs / 1000, 1)} | ${r(x.afterCreateRssMb, 0)} (${r(x.baselineRssMb, 0)}) | ${x.forwards.map((f) => `${f.tokens}: ${r(f.peakRssMb, 0)} MB, ${r(f.ms / 1000, 1)} s`).join("; ")} |`);
    md.push("", "Operators of the graph onnxruntime runs (level \"all\", from `optimizedModelFilePath`; `If` branches counted):", "");
    const allOps = [...new Set(rows.flatMap((x) => Object.keys(x.ops)))].sort((a, b) => Math.max(...rows.map((x) => x.ops[b] ?? 0)) - Math.max(...rows.map((x) => x.ops[a] ?? 0)));
    md.push(`| op | ${rows.map((x) => x.variant).join(" | ")} |`, `|---|${rows.map(() => "---|").join("")}`);
    md.push(`| **all nodes** | ${rows.map((x) => Object.values(x.ops).reduce((a, b) => a + b, 0)).join(" | ")} |`);
    for (const op of allOps) md.push(`| ${op} | ${rows.map((x) => x.ops[op] ?? "").join(" | ")} |`);
    md.push("");
  }

  // The 512-token blocks shared by the graphs and torch sections: documents that fill one block each.
  const graphDocs = num("graph-docs", 8);
  const docs: Doc[] = [...makeDocs(counter, "en", Math.ceil(graphDocs / 2), 480, 40), ...makeDocs(counter, "zh", Math.floor(graphDocs / 2), 480, 40)];
  const opts: HighlightOptions = { maxLength: 512 };

  if (sections.has("graphs")) {
    log("graphs");
    const hs: SemanticHighlighter[] = [];
    for (const v of VARIANTS) hs.push(await load(v));
    for (const h of hs) await h.highlight(docs[0]!.query, [docs[0]!.text], opts); // warm-up
    const ms = VARIANTS.map(() => [] as number[]);
    const scores = VARIANTS.map(() => [] as number[][]);
    const kept = VARIANTS.map(() => [] as boolean[][]);
    let blocks = 0;
    for (const [d, doc] of docs.entries()) {
      for (let j = 0; j < VARIANTS.length; j++) {
        const i = (j + d) % VARIANTS.length;
        const t = now();
        const res = await hs[i]!.highlight(doc.query, [doc.text], opts);
        ms[i]!.push(now() - t);
        scores[i]!.push(res.results[0]!.sentenceScores);
        kept[i]!.push(res.results[0]!.sentences.map((s) => s.kept));
        if (i === 0) blocks += res.stats.blocks;
      }
      log(`doc ${d}`, VARIANTS.map((v, i) => `${v.name} ${r(ms[i]!.at(-1)!, 0)}`).join(", "), "load", loadavg()[0]);
    }
    for (const h of hs) await h.dispose();
    const rows = VARIANTS.map((v, i) => ({
      variant: v.name,
      medianMsPerDoc: r(median(ms[i]!), 0),
      ms: ms[i]!.map((x) => r(x, 0)),
      speedupVsFp32Plain: r(median(ms[i]!.map((x, d) => ms[VARIANTS.findIndex((w) => w.name === "fp32 plain")]?.[d]! / x)), 2),
      speedupVsFp32Fused: r(median(ms[i]!.map((x, d) => ms[0]![d]! / x)), 2),
      vsFp32Fused: compare(scores[0]!, scores[i]!, kept[0]!, kept[i]!),
    }));
    results.graphs = { documents: docs.length, blocks, docTokens: docs.map((d) => d.tokens), rows, loadAverageAtEnd: loadavg() };
    md.push(`## Graphs at block 512 (${docs.length} documents of ~480 tokens, one block each, en + zh; variants interleaved per document)`, "");
    md.push("| variant | median s per document | × vs fp32 plain (median of paired ratios) | × vs fp32 fused | scores vs fp32 fused: max / mean abs diff | kept flipped |", "|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${r(x.medianMsPerDoc / 1000, 2)} | ${Number.isFinite(x.speedupVsFp32Plain) ? x.speedupVsFp32Plain : "–"} | ${x.speedupVsFp32Fused} | ${x.vsFp32Fused.maxAbsDiff} / ${x.vsFp32Fused.meanAbsDiff} | ${x.vsFp32Fused.keptFlips} of ${x.vsFp32Fused.sentences} |`);
    md.push("", `Load average at the end: ${loadavg().join(" / ")}.`, "");
  }

  if (sections.has("blocks")) {
    log("blocks");
    const sizes = list("block-sizes", "512,2048,8192").map(Number).sort((x, y) => x - y);
    const plainMax = num("plain-max-block", 4096);
    const rounds = num("block-rounds", 1);
    const doc = makeDocs(counter, "en", 1, num("block-doc-tokens", 8000), 7)[0]!;
    const variants = MAIN.filter((v) => list("block-variants", MAIN.map((x) => x.name).join(",")).includes(v.name));
    const hs: SemanticHighlighter[] = [];
    for (const v of variants) hs.push(await load(v));
    const combos = sizes.flatMap((maxLength) => variants.map((v, i) => ({ v, i, maxLength })).filter((c) => c.v.fused || c.maxLength <= plainMax));
    type Run = { variant: string; maxLength: number; ms: number[]; blocks: number; batches: number; tokensSent: number; scores: number[]; kept: boolean[] };
    const runs = new Map<string, Run>();
    // Every round runs every (variant, block length) once, the order rotated from round to round, so a
    // change of machine load hits all of them alike; the time kept is the median over rounds.
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < combos.length; j++) {
        const { v, i, maxLength } = combos[(j + round * Math.max(1, Math.floor(combos.length / Math.max(1, rounds)))) % combos.length]!;
        const t = now();
        const res = await hs[i]!.highlight(doc.query, [doc.text], { maxLength });
        const ms = now() - t;
        const key = `${v.name}@${maxLength}`;
        const run = runs.get(key) ?? { variant: v.name, maxLength, ms: [], blocks: res.stats.blocks, batches: res.stats.batches, tokensSent: res.stats.tokens, scores: res.results[0]!.sentenceScores, kept: res.results[0]!.sentences.map((x) => x.kept) };
        run.ms.push(ms);
        runs.set(key, run);
        log(`round ${round}`, v.name, maxLength, r(ms / 1000, 1), "s", "load", loadavg()[0]);
      }
    }
    for (const h of hs) await h.dispose();
    const largest = Math.max(...sizes);
    const ordered = combos.map((c) => runs.get(`${c.v.name}@${c.maxLength}`)!);
    const fp32Ref = runs.get(`fp32 fused@${largest}`);
    // With random weights most sentence scores sit close together: flips at the config threshold can be 0 by
    // luck, so they are also counted at the median float32 score (the hardest threshold).
    const medianThreshold = fp32Ref ? median(fp32Ref.scores) : NaN;
    const keptAt = (scores: number[]) => scores.map((x) => x > medianThreshold);
    const rows = ordered.map((x) => {
      const own = ordered.filter((y) => y.variant === x.variant);
      const ref = own.find((y) => y.maxLength === largest) ?? own.at(-1)!;
      const smallest = own.find((y) => y.maxLength === sizes[0])!;
      return {
        variant: x.variant,
        maxLength: x.maxLength,
        seconds: r(median(x.ms) / 1000, 1),
        runs: x.ms.map((m) => r(m / 1000, 1)),
        msPer1kDocTokens: r((1000 * median(x.ms)) / doc.tokens, 0),
        perTokenVsSmallest: r(median(x.ms.map((m, k) => m / (smallest.ms[k] ?? median(smallest.ms)))), 2),
        blocks: x.blocks,
        batches: x.batches,
        tokensSent: x.tokensSent,
        vsOwnLargest: { ref: ref.maxLength, ...compare([ref.scores], [x.scores], [ref.kept], [x.kept]), flipsAtMedian: compare([ref.scores], [x.scores], [keptAt(ref.scores)], [keptAt(x.scores)]).keptFlips },
        ...(fp32Ref ? { vsFp32FusedLargest: { ...compare([fp32Ref.scores], [x.scores], [fp32Ref.kept], [x.kept]), flipsAtMedian: compare([fp32Ref.scores], [x.scores], [keptAt(fp32Ref.scores)], [keptAt(x.scores)]).keptFlips } } : {}),
      };
    });
    const sentences = ordered[0]!.scores.length;
    results.blocks = { docTokens: doc.tokens, sentences, rounds, medianThreshold, rows, loadAverageAtEnd: loadavg() };
    md.push(`## Block length (one English document of ${doc.tokens} tokens, ${sentences} sentences; ${rounds} round${rounds > 1 ? "s" : ""}, every round runs every variant × block length in a rotated order; medians)`, "");
    md.push(
      `| variant | maxLength | blocks (batches) | tokens sent | s (runs) | ms per 1k document tokens | × the ${sizes[0]} block (per token) | vs same variant at its largest block: max / mean abs diff; flips at the config threshold / at the median score | vs fp32 fused at ${largest}: same |`,
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const x of rows) {
      const v = x.vsOwnLargest;
      const f = x.vsFp32FusedLargest;
      md.push(
        `| ${x.variant} | ${x.maxLength} | ${x.blocks} (${x.batches}) | ${x.tokensSent} | ${x.seconds} (${x.runs.join(", ")}) | **${x.msPer1kDocTokens}** | ${x.perTokenVsSmallest} | ${v.ref === x.maxLength ? "(reference)" : `${v.maxAbsDiff} / ${v.meanAbsDiff}; ${v.keptFlips} / ${v.flipsAtMedian}`} | ${f ? `${f.maxAbsDiff} / ${f.meanAbsDiff}; ${f.keptFlips} / ${f.flipsAtMedian}` : ""} |`,
      );
    }
    md.push("", `Flips are out of ${sentences} sentences; the median float32 score (fp32 fused at ${largest}) is ${r(medianThreshold, 4)}. Plain graphs stop at ${plainMax}: their attention materialises [heads, seq, seq] float32 scores — 4 GiB per tensor at 8192 — see the sessions table. Load average at the end: ${loadavg().join(" / ")}.`, "");
  }

  if (sections.has("torch")) {
    log("torch");
    const checkpoint = path.resolve(ROOT, str("checkpoint", "models/zilliz-checkpoint"));
    const ours = MAIN.filter((v) => v.fused);
    const torch = await TorchServer.start(checkpoint);
    log("torch ready", JSON.stringify(torch.ready));
    const hs: SemanticHighlighter[] = [];
    for (const v of ours) hs.push(await load(v));
    const torchDocs = docs.slice(0, num("torch-docs", docs.length));
    // The exact blocks the pipeline sends for each document (one 512-token block each, batch 1).
    const blocks = torchDocs.map((d) => packedBatches(hs[0]!, d.query, [d.text], opts));
    const asRows = (b: (typeof blocks)[number][number]) => {
      const ids = Array.from(b.inputIds, Number);
      const mask = Array.from(b.attentionMask, Number);
      const rows = (a: number[]) => Array.from({ length: b.batchSize }, (_, k) => a.slice(k * b.sequenceLength, (k + 1) * b.sequenceLength));
      return { input_ids: rows(ids), attention_mask: rows(mask) };
    };
    // warm-up
    for (const h of hs) await h.highlight(torchDocs[0]!.query, [torchDocs[0]!.text], opts);
    for (const variant of ["fp32", "int8"]) await torch.request({ variant, ...asRows(blocks[0]![0]!) });
    const names = [...ours.map((v) => `ours ${v.name}`), "torch fp32", "torch int8"];
    const ms = names.map(() => [] as number[]);
    let logitDiff = { fp32: 0, int8: 0, torchInt8: 0 };
    for (const [d, doc] of torchDocs.entries()) {
      for (let j = 0; j < names.length; j++) {
        const i = (j + d) % names.length;
        if (i < ours.length) {
          const t = now();
          await hs[i]!.highlight(doc.query, [doc.text], opts);
          ms[i]!.push(now() - t);
        } else {
          let total = 0;
          for (const b of blocks[d]!) total += (await torch.request<{ ms: number }>({ variant: i === ours.length ? "fp32" : "int8", ...asRows(b) })).ms;
          ms[i]!.push(total);
        }
      }
      log(`doc ${d}`, names.map((n, i) => `${n} ${r(ms[i]!.at(-1)!, 0)}`).join(", "), "load", loadavg()[0]);
    }
    // Logit agreement on the first block: our raw sessions vs torch fp32.
    {
      const b = blocks[0]![0]!;
      const dims = [b.batchSize, b.sequenceLength];
      const feeds = { input_ids: new ort.Tensor("int64", b.inputIds, dims), attention_mask: new ort.Tensor("int64", b.attentionMask, dims) };
      const ref = (await torch.request<{ pruning_logits: number[] }>({ variant: "fp32", ...asRows(b) })).pruning_logits;
      const q8 = (await torch.request<{ pruning_logits: number[] }>({ variant: "int8", ...asRows(b) })).pruning_logits;
      const diff = (x: ArrayLike<number>) => ref.reduce((m, v, k) => Math.max(m, Math.abs(v - x[k]!)), 0);
      for (const [i, v] of ours.entries()) {
        const session = (hs[i]!.backend as unknown as { session: { session: ort.InferenceSession } }).session.session;
        const logits = (await session.run(feeds)).pruning_logits!.data as Float32Array;
        logitDiff = { ...logitDiff, [v.int8 ? "int8" : "fp32"]: r(diff(logits), 6) };
      }
      logitDiff.torchInt8 = r(diff(q8), 6);
    }
    const torchRss = await torch.request<{ rss_mb: number; peak_rss_mb: number }>({ op: "rss" });
    torch.close();
    for (const h of hs) await h.dispose();
    const torchFp32 = ms[ours.length]!;
    const rows = names.map((n, i) => ({ name: n, medianMsPerDoc: r(median(ms[i]!), 0), ms: ms[i]!.map((x) => r(x, 0)), speedupVsTorchFp32: r(median(ms[i]!.map((x, d) => torchFp32[d]! / x)), 2) }));
    results.torch = { ready: torch.ready, rows, pruningLogitsMaxDiffVsTorchFp32: logitDiff, torchRss, nodePeakRssMb: r(peakRssMb(), 0), documents: torchDocs.length, loadAverageAtEnd: loadavg() };
    md.push(`## Ours vs torch eager (${torchDocs.length} documents, the pipeline's own 512-token blocks, batch 1, ${threads} threads each, interleaved per document)`, "");
    md.push("| | median s per document | × vs torch fp32 eager (median of paired ratios) |", "|---|---|---|");
    for (const x of rows) md.push(`| ${x.name} | ${r(x.medianMsPerDoc / 1000, 2)} | **${x.speedupVsTorchFp32}** |`);
    md.push(
      "",
      `Pruning logits on the first block, max |ours − torch fp32|: fp32 fused ${logitDiff.fp32}, int8 fused ${logitDiff.int8}; torch's own dynamic int8 vs torch fp32 ${logitDiff.torchInt8}. ` +
        `torch ${String(torch.ready.torch)} (quantized engine ${String(torch.ready.quantized_engine)}): RSS ${String(torch.ready.fp32_model_rss_mb)} MB for the fp32 model, ${String(torch.ready.int8_model_rss_mb)} MB more after loading a second copy and quantizing it in place (torch keeps the freed float32 pages), process peak ${torchRss.peak_rss_mb} MB. ` +
        `Load average at the end: ${loadavg().join(" / ")}.`,
      "",
    );
  }

  if (sections.has("agreement")) {
    log("agreement");
    const a = await load(MAIN.find((v) => v.name === "fp32 fused")!);
    const b = await load(MAIN.find((v) => v.name === "int8 fused")!);
    const threshold = a.config.threshold;
    const rows = [];
    for (const lang of ["en", "zh"]) {
      const every = readEval(lang);
      const items = every.slice(0, num("agreement-items", 100));
      const sa: number[][] = [];
      const sb: number[][] = [];
      const ta: number[] = [];
      const tb: number[] = [];
      for (const [k, it] of items.entries()) {
        const run = async (h: SemanticHighlighter, scores: number[][], times: number[]) => {
          const t = now();
          const res = await h.highlight(it.query, [{ sentences: it.sentences }]);
          times.push(now() - t);
          scores.push(res.results[0]!.sentenceScores);
        };
        if (k % 2 === 0) {
          await run(a, sa, ta);
          await run(b, sb, tb);
        } else {
          await run(b, sb, tb);
          await run(a, sa, ta);
        }
        if (k % 20 === 19) log(lang, k + 1, "items", "load", loadavg()[0]);
      }
      const all = sa.flat();
      const medianScore = median(all);
      const keptAt = (scores: number[][], t: number) => scores.map((s) => s.map((x) => x > t));
      const atConfig = compare(sa, sb, keptAt(sa, threshold), keptAt(sb, threshold));
      const atMedian = compare(sa, sb, keptAt(sa, medianScore), keptAt(sb, medianScore));
      const diffs = sa.flatMap((s, d) => s.map((x, k) => Math.abs(x - sb[d]![k]!)));
      rows.push({
        lang,
        items: items.length,
        allItems: items.length === every.length,
        sentences: all.length,
        keptAtConfigPct: r((100 * all.filter((x) => x > threshold).length) / all.length, 1),
        // 5 decimals: on a small trained model int8 moves scores by ~1e-4 (speed-trained-agreement.md).
        maxAbsDiff: r(diffs.reduce((m, x) => Math.max(m, x), 0), 5),
        meanAbsDiff: r(diffs.reduce((sum, x) => sum + x, 0) / Math.max(1, diffs.length), 6),
        p99AbsDiff: r(percentile(diffs, 99), 5),
        flipsAtConfig: atConfig.keptFlips,
        flipsAtConfigPct: atConfig.keptFlipsPct,
        medianScore: r(medianScore, 4),
        fp32ScoreP5P95: [r(percentile(all, 5), 4), r(percentile(all, 95), 4)],
        flipsAtMedian: atMedian.keptFlips,
        flipsAtMedianPct: atMedian.keptFlipsPct,
        fp32MsPerItem: r(median(ta), 0),
        int8MsPerItem: r(median(tb), 0),
        speedup: r(median(ta.map((x, i) => x / tb[i]!)), 2),
      });
      log(JSON.stringify(rows.at(-1)));
    }
    await a.dispose();
    await b.dispose();
    results.agreement = { threshold, rows, loadAverageAtEnd: loadavg() };
    md.push(`## int8 vs float32 on the eval sets (fused graphs \`${shown(a.modelDirectory)}\` vs \`${shown(b.modelDirectory)}\`; ${rows.every((x) => x.allItems) ? "all items" : `first ${num("agreement-items", 100)} items per language`}, one document per call, interleaved)`, "");
    md.push(
      `| lang | items | sentences | kept at the config threshold ${threshold} (fp32) | fp32 scores p5 – p95 | max / mean / p99 abs score diff | flips at ${threshold} | median fp32 score | flips at the median | median s per item fp32 / int8 | × (median of paired ratios) |`,
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const x of rows) {
      md.push(`| ${x.lang} | ${x.items} | ${x.sentences} | ${x.keptAtConfigPct} % | ${x.fp32ScoreP5P95[0]} – ${x.fp32ScoreP5P95[1]} | ${x.maxAbsDiff} / ${x.meanAbsDiff} / ${x.p99AbsDiff} | ${x.flipsAtConfig} (${x.flipsAtConfigPct} %) | ${x.medianScore} | ${x.flipsAtMedian} (**${x.flipsAtMedianPct} %**) | ${r(x.fp32MsPerItem / 1000, 2)} / ${r(x.int8MsPerItem / 1000, 2)} | **${x.speedup}** |`);
    }
    md.push("", `${str("agreement-note", "Random weights put nearly every sentence score in a narrow band (p5 – p95 above), so a small shift flips many decisions at a threshold inside it: these rows say how far int8 moves a 24-layer, 1024-wide encoder's outputs, not how often a trained model's decisions change.")} Load average at the end: ${loadavg().join(" / ")}.`, "");
  }

  if (sections.has("threads")) {
    log("threads");
    const v = VARIANTS.find((x) => x.name === str("threads-variant", "int8 fused"))!;
    const configs = list("thread-configs", "1x2,2x1,2x2,1x1").map((c) => {
      const [workers, intra] = c.split("x").map(Number) as [number, number];
      return { label: `${workers} worker × ${intra} thread${intra > 1 ? "s" : ""}`, workers, intra };
    });
    const hs: SemanticHighlighter[] = [];
    for (const c of configs) hs.push(await SemanticHighlighter.load(path.resolve(ROOT, v.dir), { backend: { kind: "worker", workers: c.workers }, runtime: { intraOpNumThreads: c.intra }, shareSession: false }));
    const tDocs = docs.slice(0, num("threads-docs", 4));
    for (const h of hs) await Promise.all(tDocs.slice(0, 2).map((d) => h.highlight(d.query, [d.text], opts))); // warm every worker
    const rounds = num("threads-rounds", 2);
    const throughput = configs.map(() => [] as number[]);
    const latency = configs.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < configs.length; j++) {
        const i = (j + round) % configs.length;
        const t = now();
        await Promise.all(tDocs.map((d) => hs[i]!.highlight(d.query, [d.text], opts)));
        throughput[i]!.push((1000 * tDocs.length) / (now() - t));
        for (const d of tDocs.slice(0, 2)) {
          const t1 = now();
          await hs[i]!.highlight(d.query, [d.text], opts);
          latency[i]!.push(now() - t1);
        }
      }
      log(`round ${round}`, configs.map((c, i) => `${c.label} ${r(throughput[i]!.at(-1)!)} docs/s`).join(", "), "load", loadavg()[0]);
    }
    for (const h of hs) await h.dispose();
    const rows = configs.map((c, i) => ({ config: c.label, docsPerS: r(median(throughput[i]!), 3), runs: throughput[i]!.map((x) => r(x, 3)), latencyMs: r(median(latency[i]!), 0) }));
    results.threads = { variant: v.name, documents: tDocs.length, rounds, rows, loadAverageAtEnd: loadavg() };
    md.push(`## Threads × workers (${v.name}; ${tDocs.length} documents of ~480 tokens submitted at once for throughput, one at a time for latency; ${rounds} rounds, configurations interleaved)`, "");
    md.push("| configuration | documents/s (median) | runs | latency s per document (median) |", "|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.config} | **${x.docsPerS}** | ${x.runs.join(", ")} | ${r(x.latencyMs / 1000, 2)} |`);
    md.push("", `Load average at the end: ${loadavg().join(" / ")}.`, "");
  }

  results.loadAverageAtEnd = loadavg();
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${out}.md`, `${md.join("\n")}\n`);
  console.log(md.join("\n"));
}

await main();
