/**
 * Benchmark harness for the highlighting pipeline (see bench/README.md for every command).
 *
 *   npx tsx bench/bench.ts --model models/default --int8 models/default-int8 --out bench/results/default
 *
 * Sections (`--sections a,b,...`, default all that apply):
 *   tokenizer   the library's whole-text tokenization vs TextTokenizer's word cache (cold and warm)
 *   throughput  documents/s, tokens/s, p50/p95 per call, stage split, padding, peak RSS (English, Chinese)
 *   overhead    end-to-end pipeline vs raw session.run on the same packed batches
 *   cross       one pass over a 10-sentence document vs one forward per sentence (same encoder)
 *   batching    batch size 1 vs the default (time and padding)
 *   threads     intra-op threads 1 vs 2
 *   blocks      maxLength 256/512/1024/2048/8192: time per document, sentence-score difference to the longest
 *   int8        fp32 vs int8: time; with --eval, keep-probability and kept-sentence differences on ../shared/data/eval
 *   eval        padding and accuracy (sentence F1) on the eval sets, 8 documents per call
 *   scaling     one document of 1k/4k/16k/64k tokens: time per token and peak RSS
 *   memory      RSS after 100 calls vs after 10,000 calls
 * Results: `<out>.json` (everything) and `<out>.md` (tables).
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import * as ort from "onnxruntime-node";

import { SemanticHighlighter, type HighlightOptions, type HighlightResponse, type RuntimeOptions } from "../packages/core/src/index.js";
import type { Batch } from "../packages/core/src/internal.js";
import { benchFlags, makeDocs, packedBatches, paragraphDocs, percentile, readEval, readModelJson, ROOT, tokenizerOf, type Doc, type EvalItem } from "./workload.js";

// ------------------------------------------------------------------ arguments
const argv = process.argv.slice(2);
const { flags, str, num, list } = benchFlags(argv);

const modelDir = path.resolve(ROOT, str("model", "models/default"));
const int8Dir = flags.has("int8") ? path.resolve(ROOT, str("int8", "")) : null;
const label = str("label", path.basename(modelDir));
const out = path.resolve(ROOT, str("out", `bench/results/${label}`));
const docsPerCall = num("per-call", 8);
const docTokens = num("tokens", 256);
const docCount = num("docs", 64);
const langs = list("langs", "en,zh");
const threads = flags.has("threads") ? num("threads", 2) : undefined;
const warmup = num("warmup", 1);
const sections = new Set(list("sections", "tokenizer,throughput,overhead,cross,batching,threads,blocks,int8,eval,scaling,memory"));
const blockSizes = list("block-sizes", "256,512,1024,2048,8192").map(Number);
const blockDocTokens = num("block-doc-tokens", 2048);
const blockDocs = num("block-docs", 4);
const scalingSizes = list("scaling-sizes", "1024,4096,16384,65536").map(Number);
/** Which model the sweeps (batching, threads, blocks, scaling) use: "fp32" or "int8". */
const sweepVariant = str("sweep-variant", "fp32");
const memoryCalls = num("memory-calls", 10000);
const evalLimit = num("eval-limit", Infinity);
const crossDocs = num("cross-docs", 8);
const maxLengthFlag = flags.has("max-length") ? num("max-length", 512) : undefined;

// ------------------------------------------------------------------ helpers
const now = () => performance.now();
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const r = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

async function load(dir: string, runtime: RuntimeOptions = {}): Promise<SemanticHighlighter> {
  // In-process: the harness times the pipeline against raw session.run on the very same session.
  return SemanticHighlighter.load(dir, { backend: "in-process", runtime: { ...(threads !== undefined ? { intraOpNumThreads: threads } : {}), ...runtime } });
}

/** The ort session inside a highlighter (private field; the benchmark measures the very same session). */
function rawSession(h: SemanticHighlighter): ort.InferenceSession {
  return (h.backend as unknown as { session: { session: ort.InferenceSession } }).session.session;
}

function baseOptions(extra: HighlightOptions = {}): HighlightOptions {
  return { ...(maxLengthFlag !== undefined ? { maxLength: maxLengthFlag } : {}), ...extra };
}

interface CallStats {
  calls: number;
  documents: number;
  documentTokens: number;
  modelTokens: number;
  paddingTokens: number;
  queryTokensSent: number;
  totalMs: number[];
  stages: Record<string, number>;
}
async function runCalls(h: SemanticHighlighter, docs: Doc[], perCall: number, options: HighlightOptions = {}): Promise<CallStats> {
  const st: CallStats = { calls: 0, documents: 0, documentTokens: 0, modelTokens: 0, paddingTokens: 0, queryTokensSent: 0, totalMs: [], stages: { segmentationMs: 0, tokenizationMs: 0, packingMs: 0, inferenceMs: 0, aggregationMs: 0, otherMs: 0 } };
  const groups: Doc[][] = [];
  for (let i = 0; i < docs.length; i += perCall) groups.push(docs.slice(i, i + perCall));
  for (let w = 0; w < Math.min(warmup, groups.length); w++) await h.highlight(groups[w]![0]!.query, groups[w]!.map((d) => d.text), baseOptions(options));
  for (const g of groups) {
    const res: HighlightResponse = await h.highlight(g[0]!.query, g.map((d) => d.text), baseOptions(options));
    const t = res.timings;
    st.calls++;
    st.documents += g.length;
    st.documentTokens += sum(g.map((d) => d.tokens));
    st.modelTokens += res.stats.tokens;
    st.paddingTokens += res.stats.paddingTokens;
    st.queryTokensSent += res.stats.queryTokens * res.stats.blocks;
    st.totalMs.push(t.totalMs);
    for (const k of ["segmentationMs", "tokenizationMs", "packingMs", "inferenceMs", "aggregationMs"] as const) st.stages[k]! += t[k];
    st.stages.otherMs! += t.totalMs - t.segmentationMs - t.tokenizationMs - t.packingMs - t.inferenceMs - t.aggregationMs;
  }
  return st;
}
function summarize(st: CallStats) {
  const total = sum(st.totalMs);
  const split = Object.fromEntries(Object.entries(st.stages).map(([k, v]) => [k.replace(/Ms$/, ""), r((100 * v) / total, 1)]));
  return {
    calls: st.calls,
    documents: st.documents,
    docsPerS: r((1000 * st.documents) / total),
    docTokensPerS: r((1000 * st.documentTokens) / total, 0),
    modelTokensPerS: r((1000 * st.modelTokens) / total, 0),
    p50Ms: r(percentile(st.totalMs, 50), 1),
    p95Ms: r(percentile(st.totalMs, 95), 1),
    paddingPct: r((100 * st.paddingTokens) / st.modelTokens, 1),
    queryPct: r((100 * st.queryTokensSent) / st.modelTokens, 1),
    stagePct: split,
    peakRssMb: r(peakRssMb(), 0),
  };
}

async function runRaw(session: ort.InferenceSession, batches: Batch[]): Promise<number> {
  const t0 = now();
  const withTypes = session.inputNames.includes("token_type_ids");
  for (const b of batches) {
    const dims = [b.batchSize, b.sequenceLength];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", b.inputIds, dims),
      attention_mask: new ort.Tensor("int64", b.attentionMask, dims),
    };
    if (withTypes) feeds.token_type_ids = new ort.Tensor("int64", b.tokenTypeIds, dims);
    if (session.inputNames.includes("sentence_index")) feeds.sentence_index = new ort.Tensor("int64", b.sentenceIndex!, dims);
    await session.run(feeds);
  }
  return now() - t0;
}

// ------------------------------------------------------------------ sections
const results: Record<string, unknown> = {};
const md: string[] = [];
const started = new Date();

async function main() {
  log(`model ${modelDir}${int8Dir ? ` + int8 ${int8Dir}` : ""}; sections ${[...sections].join(",")}`);
  const h = await load(modelDir);
  const cfg = h.config;
  const effMax = maxLengthFlag ?? Math.min(cfg.maxLength, 512); // the library default block length
  const h8 = int8Dir ? await load(int8Dir) : null;
  const counter = tokenizerOf(modelDir);
  results.setup = {
    label,
    model: path.relative(ROOT, modelDir),
    int8: int8Dir ? path.relative(ROOT, int8Dir) : null,
    modelName: cfg.name,
    maxLength: cfg.maxLength,
    blockLength: effMax,
    threads: threads ?? "onnxruntime default",
    node: process.version,
    onnxruntime: (ort.env as { versions?: { common?: string } }).versions?.common ?? "?",
    cpu: (await import("node:os")).cpus()[0]?.model ?? "?",
    cores: (await import("node:os")).cpus().length,
    workload: { documents: docCount, tokensPerDocument: docTokens, documentsPerCall: docsPerCall, langs },
    command: `npx tsx bench/bench.ts ${argv.join(" ")}`,
    // Another process on the CPU spoils every number: the load average before and after shows it.
    loadAverageAtStart: (await import("node:os")).loadavg().map((x) => r(x)),
    date: started.toISOString(),
  };
  md.push(`# Benchmark: ${label}`, "", `Command: \`${(results.setup as { command: string }).command}\``, "");
  md.push(`Model \`${path.relative(ROOT, modelDir)}\` (${cfg.name}, max_length ${cfg.maxLength}, block length used ${effMax})${int8Dir ? `, int8 \`${path.relative(ROOT, int8Dir)}\`` : ""}; ` +
    `${(results.setup as { cpu: string }).cpu}, ${(results.setup as { cores: number }).cores} cores, threads ${threads ?? "ORT default"}, Node ${process.version}, onnxruntime-node ${(results.setup as { onnxruntime: string }).onnxruntime}; ${started.toISOString()}.`, "");

  const sweep = sweepVariant === "int8" && h8 ? h8 : h;
  const sweepName = sweep === h8 ? "int8" : "fp32";
  const docsByLang = new Map(langs.map((l) => [l, makeDocs(counter, l, docCount, docTokens)]));

  if (sections.has("tokenizer")) {
    log("tokenizer");
    const rows: Record<string, unknown>[] = [];
    const library = new Tokenizer(readModelJson(modelDir, "tokenizer.json"), readModelJson(modelDir, "tokenizer_config.json"));
    for (const lang of langs) {
      const sentences = readEval(lang).flatMap((it) => it.sentences);
      const fresh = tokenizerOf(modelDir);
      const time = (encode: (s: string) => number[]) => {
        const t0 = now();
        let tokens = 0;
        for (const s of sentences) tokens += encode(s).length;
        return { ms: now() - t0, tokens };
      };
      const whole = time((s) => library.encode(s, { add_special_tokens: false }).ids);
      const cold = time((s) => fresh.encode(s));
      const warm = time((s) => fresh.encode(s));
      if (cold.tokens !== whole.tokens || warm.tokens !== whole.tokens) throw new Error("word-cached tokenization changed the token count");
      const row = {
        lang, sentences: sentences.length, tokens: whole.tokens, wordCached: fresh.wordCached,
        wholeTextTokensPerS: r((1000 * whole.tokens) / whole.ms, 0), coldTokensPerS: r((1000 * cold.tokens) / cold.ms, 0),
        warmTokensPerS: r((1000 * warm.tokens) / warm.ms, 0), coldSpeedup: r(whole.ms / cold.ms), warmSpeedup: r(whole.ms / warm.ms),
      };
      rows.push(row);
      log(JSON.stringify(row));
    }
    results.tokenizer = rows;
    md.push("## Tokenization: the library's whole-text encoding vs the word cache (every eval sentence, one pass each)", "");
    md.push("| lang | sentences | tokens | whole text tokens/s | word cache, first pass (cold) tokens/s | second pass (warm) tokens/s | cold speed-up | warm speed-up |", "|---|---|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.lang} | ${x.sentences} | ${x.tokens} | ${x.wholeTextTokensPerS} | ${x.coldTokensPerS} | ${x.warmTokensPerS} | ${x.coldSpeedup}× | ${x.warmSpeedup}× |`);
    md.push("", "The first pass starts from an empty cache, so it already profits from words repeated inside the sets (the eval sets ask several questions about one paragraph). Identical ids are asserted in packages/core/src/tokenization.test.ts.", "");
  }

  if (sections.has("throughput")) {
    log("throughput");
    const rows: Record<string, unknown>[] = [];
    for (const [variant, model] of [["fp32", h], ["int8", h8]] as const) {
      if (!model) continue;
      for (const lang of langs) {
        const s = summarize(await runCalls(model, docsByLang.get(lang)!, docsPerCall));
        rows.push({ variant, lang, ...s });
        log(variant, lang, JSON.stringify(s));
      }
    }
    results.throughput = rows;
    md.push(`## Throughput (${docCount} documents × ~${docTokens} tokens, ${docsPerCall} per call)`, "");
    md.push("| variant | lang | docs/s | doc tokens/s | p50 ms/call | p95 ms/call | seg % | tok % | pack % | infer % | aggr % | padding % | query tokens % | peak RSS MB |");
    md.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const x of rows as ReturnType<typeof summarize>[] & { variant: string; lang: string }[]) {
      const y = x as unknown as ReturnType<typeof summarize> & { variant: string; lang: string };
      const p = y.stagePct;
      md.push(`| ${y.variant} | ${y.lang} | ${y.docsPerS} | ${y.docTokensPerS} | ${y.p50Ms} | ${y.p95Ms} | ${p.segmentation} | ${p.tokenization} | ${p.packing} | ${p.inference} | ${p.aggregation} | ${y.paddingPct} | ${y.queryPct} | ${y.peakRssMb} |`);
    }
    md.push("");
  }

  if (sections.has("overhead")) {
    log("overhead");
    const rows: Record<string, unknown>[] = [];
    for (const [variant, model] of [["fp32", h], ["int8", h8]] as const) {
      if (!model) continue;
      for (const lang of langs) {
        const docs = docsByLang.get(lang)!;
        const groups: Doc[][] = [];
        for (let i = 0; i < docs.length; i += docsPerCall) groups.push(docs.slice(i, i + docsPerCall));
        const session = rawSession(model);
        const batches = groups.map((g) => packedBatches(model, g[0]!.query, g.map((d) => d.text), baseOptions()));
        if (!sections.has("throughput") && warmup > 0) {
          await runRaw(session, batches[0]!); // warm-up (the throughput section already warmed the session)
          await model.highlight(groups[0]![0]!.query, groups[0]!.map((d) => d.text), baseOptions());
        }
        let pipe = 0;
        let raw = 0;
        let inferenceMs = 0;
        for (let i = 0; i < groups.length; i++) {
          const g = groups[i]!;
          // Interleaved, alternating order, so drift hits both sides alike.
          if (i % 2 === 0) raw += await runRaw(session, batches[i]!);
          const t0 = now();
          const res = await model.highlight(g[0]!.query, g.map((d) => d.text), baseOptions());
          pipe += now() - t0;
          const mine = batches[i]!;
          const sent = sum(mine.map((b) => b.batchSize * b.sequenceLength));
          if (mine.length !== res.stats.batches || sent !== res.stats.tokens) {
            throw new Error(`raw batches differ from the pipeline's (${mine.length} batches / ${sent} tokens vs ${res.stats.batches} / ${res.stats.tokens}): update packedBatches()`);
          }
          inferenceMs += res.timings.inferenceMs;
          if (i % 2 === 1) raw += await runRaw(session, batches[i]!);
        }
        const row = { variant, lang, calls: groups.length, pipelineMs: r(pipe, 1), rawRunMs: r(raw, 1), pipelineInferenceMs: r(inferenceMs, 1), overheadPct: r((100 * (pipe - raw)) / raw, 1) };
        rows.push(row);
        log(JSON.stringify(row));
      }
    }
    results.overhead = rows;
    md.push("## Pipeline overhead (end-to-end `highlight` vs raw `session.run` on the same packed batches)", "");
    md.push("| variant | lang | calls | pipeline ms | raw session.run ms | overhead % |", "|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${x.lang} | ${x.calls} | ${x.pipelineMs} | ${x.rawRunMs} | **${x.overheadPct}** |`);
    md.push("");
  }

  if (sections.has("cross")) {
    log("cross");
    const rows: Record<string, unknown>[] = [];
    for (const lang of langs) {
      // Documents of exactly 10 sentences from the eval set.
      const items = readEval(lang).filter((it) => it.sentences.length >= 10);
      const seen = new Set<string>();
      const docs: EvalItem[] = [];
      for (const it of items) {
        const key = it.sentences.slice(0, 10).join("");
        if (seen.has(key)) continue;
        seen.add(key);
        docs.push({ ...it, sentences: it.sentences.slice(0, 10) });
        if (docs.length >= crossDocs) break;
      }
      if (docs.length === 0) continue;
      await h.highlight(docs[0]!.query, [{ sentences: docs[0]!.sentences }], baseOptions());
      let onePass = 0;
      let perSentence = 0;
      let perSentenceBatched = 0;
      let maxDiff = 0;
      let tokens = 0;
      let sentOnePass = 0;
      let sentPerSentence = 0;
      for (const d of docs) {
        let t0 = now();
        const one = await h.highlight(d.query, [{ sentences: d.sentences }], baseOptions());
        onePass += now() - t0;
        tokens += one.results[0]!.compression.tokensBefore;
        sentOnePass += one.stats.tokens;
        t0 = now();
        const scores: number[] = [];
        for (const s of d.sentences) {
          const res = await h.highlight(d.query, [{ sentences: [s] }], baseOptions());
          scores.push(res.results[0]!.sentenceScores[0]!);
          sentPerSentence += res.stats.tokens;
        }
        perSentence += now() - t0;
        t0 = now();
        await h.highlight(d.query, d.sentences.map((s) => ({ sentences: [s] })), baseOptions());
        perSentenceBatched += now() - t0;
        one.results[0]!.sentenceScores.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - scores[i]!))));
      }
      const row = {
        lang,
        documents: docs.length,
        meanTokens: r(tokens / docs.length, 0),
        onePassMsPerDoc: r(onePass / docs.length, 1),
        perSentenceMsPerDoc: r(perSentence / docs.length, 1),
        perSentenceBatchedMsPerDoc: r(perSentenceBatched / docs.length, 1),
        speedup: r(perSentence / onePass),
        speedupVsBatched: r(perSentenceBatched / onePass),
        // What per-sentence encoding sends to the model relative to one pass (the query again for every
        // sentence): on a CPU, where a forward pass costs per token, this is roughly the speed-up to expect.
        tokenRatio: r(sentPerSentence / sentOnePass),
        maxScoreDiff: r(maxDiff, 3),
      };
      rows.push(row);
      log(JSON.stringify(row));
    }
    results.cross = rows;
    md.push("## One pass vs per-sentence cross-encoding (10-sentence documents, same encoder)", "");
    md.push("| lang | docs | tokens/doc | one pass ms/doc | per sentence (10 runs) ms/doc | per sentence, batched ms/doc | speed-up | speed-up vs batched | tokens sent, per sentence / one pass | max score diff |", "|---|---|---|---|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.lang} | ${x.documents} | ${x.meanTokens} | ${x.onePassMsPerDoc} | ${x.perSentenceMsPerDoc} | ${x.perSentenceBatchedMsPerDoc} | **${x.speedup}×** | ${x.speedupVsBatched}× | ${x.tokenRatio}× | ${x.maxScoreDiff} |`);
    md.push("", "Per sentence means one `session.run` per sentence (query + that sentence); \"batched\" sends the 10 pairs in one call (padded batch). " +
      "On a CPU a forward pass costs per token, so the token ratio is about the most one pass can save; the rest is per-call cost.", "");
  }

  if (sections.has("batching")) {
    log("batching");
    const rows: Record<string, unknown>[] = [];
    const policies: [string, HighlightOptions][] = [
      ["batch 1", { batchSize: 1 }],
      ["batch 4", { batchSize: 4 }],
      ["batch 8 (default: ≤10 % padding unless ≤ 512 tokens in all)", { batchSize: 8 }],
      ["batch 8, ≤10 % padding, strict", { batchSize: 8, smallBatchTokens: 0 }],
      ["batch 8, no padding limit (before)", { batchSize: 8, maxPaddingRatio: 1 }],
    ];
    for (const lang of langs) {
      const docs = paragraphDocs(counter, lang, docCount);
      for (const [policy, options] of policies) {
        const s = summarize(await runCalls(sweep, docs, docsPerCall, options));
        rows.push({ variant: sweepName, lang, policy, docsPerS: s.docsPerS, modelTokensPerS: s.modelTokensPerS, p50Ms: s.p50Ms, paddingPct: s.paddingPct });
        log(lang, policy, JSON.stringify(s));
      }
    }
    results.batching = rows;
    md.push(`## Batching (${docCount} eval paragraphs as they are, ${docsPerCall} per call)`, "", "| variant | lang | policy | docs/s | model tokens/s | p50 ms/call | padding % |", "|---|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${x.lang} | ${x.policy} | ${x.docsPerS} | ${x.modelTokensPerS} | ${x.p50Ms} | ${x.paddingPct} |`);
    md.push("");
  }

  if (sections.has("threads")) {
    log("threads");
    const rows: Record<string, unknown>[] = [];
    const docs = docsByLang.get(langs[0]!)!.slice(0, Math.max(docsPerCall, Math.min(docCount, 4 * docsPerCall)));
    for (const n of [1, 2]) {
      const hn = await SemanticHighlighter.load(sweep === h8 ? int8Dir! : modelDir, { backend: "in-process", runtime: { intraOpNumThreads: n } });
      const s = summarize(await runCalls(hn, docs, docsPerCall));
      rows.push({ variant: sweepName, threads: n, docsPerS: s.docsPerS, p50Ms: s.p50Ms });
      log(n, JSON.stringify(s));
      await hn.dispose();
    }
    results.threads = rows;
    md.push(`## Intra-op threads (${langs[0]})`, "", "| variant | threads | docs/s | p50 ms/call |", "|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${x.threads} | ${x.docsPerS} | ${x.p50Ms} |`);
    md.push("");
  }

  if (sections.has("blocks")) {
    log("blocks");
    const model = sweep;
    const sizes = blockSizes.filter((s) => s <= cfg.maxLength);
    const rows: Record<string, unknown>[] = [];
    for (const lang of langs) {
      const docs = makeDocs(counter, lang, blockDocs, blockDocTokens, 1000);
      await model.highlight(docs[0]!.query, [docs[0]!.text], { maxLength: sizes[0]! });
      const byLen = new Map<number, { ms: number; scores: number[][]; kept: boolean[][]; blocks: number; tokens: number }>();
      for (const maxLength of sizes) {
        let ms = 0;
        let blocks = 0;
        let tokens = 0;
        const scores: number[][] = [];
        const kept: boolean[][] = [];
        for (const d of docs) {
          const t0 = now();
          const res = await model.highlight(d.query, [d.text], { maxLength });
          ms += now() - t0;
          blocks += res.stats.blocks;
          tokens += res.stats.tokens;
          scores.push(res.results[0]!.sentenceScores);
          kept.push(res.results[0]!.sentences.map((s) => s.kept));
        }
        byLen.set(maxLength, { ms, scores, kept, blocks, tokens });
        log(lang, maxLength, r(ms / docs.length, 1), "ms/doc");
      }
      const ref = byLen.get(sizes[sizes.length - 1]!)!;
      for (const [maxLength, v] of byLen) {
        let maxDiff = 0;
        let diffSum = 0;
        let n = 0;
        let flips = 0;
        v.scores.forEach((ss, d) => ss.forEach((x, i) => {
          const dd = Math.abs(x - ref.scores[d]![i]!);
          maxDiff = Math.max(maxDiff, dd);
          diffSum += dd;
          n++;
          if (v.kept[d]![i] !== ref.kept[d]![i]) flips++;
        }));
        rows.push({ variant: model === h8 ? "int8" : "fp32", lang, maxLength, documents: docs.length, docTokens: r(sum(docs.map((d) => d.tokens)) / docs.length, 0), msPerDoc: r(v.ms / docs.length, 1), blocksPerDoc: r(v.blocks / docs.length, 1), tokensSentPerDoc: r(v.tokens / docs.length, 0), maxAbsDiff: r(maxDiff, 4), meanAbsDiff: r(diffSum / n, 4), keptFlipsPct: r((100 * flips) / n, 2) });
      }
    }
    results.blocks = rows;
    md.push(`## Block size (maxLength) vs time and scores (${blockDocs} documents × ~${blockDocTokens} tokens; differences against maxLength ${sizes[sizes.length - 1]})`, "");
    md.push("| variant | lang | maxLength | ms/doc | blocks/doc | tokens sent/doc | max abs score diff | mean abs diff | kept flips % |", "|---|---|---|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${x.lang} | ${x.maxLength} | ${x.msPerDoc} | ${x.blocksPerDoc} | ${x.tokensSentPerDoc} | ${x.maxAbsDiff} | ${x.meanAbsDiff} | ${x.keptFlipsPct} |`);
    md.push("");
  }

  if (sections.has("int8") && h8) {
    log("int8");
    const rows: Record<string, unknown>[] = [];
    for (const lang of langs) {
      const docs = docsByLang.get(lang)!;
      // Reuse the throughput section's measurements when it ran (same workload, same sessions).
      const done = (results.throughput as (ReturnType<typeof summarize> & { variant: string; lang: string })[] | undefined) ?? [];
      const a = done.find((x) => x.variant === "fp32" && x.lang === lang) ?? summarize(await runCalls(h, docs, docsPerCall));
      const b = done.find((x) => x.variant === "int8" && x.lang === lang) ?? summarize(await runCalls(h8, docs, docsPerCall));
      rows.push({ lang, fp32DocsPerS: a.docsPerS, int8DocsPerS: b.docsPerS, fp32P50Ms: a.p50Ms, int8P50Ms: b.p50Ms, speedup: r(b.docsPerS / a.docsPerS) });
    }
    results.int8Speed = rows;
    md.push(`## fp32 vs int8: speed (block length ${effMax})`, "", "| lang | fp32 docs/s | int8 docs/s | fp32 p50 ms | int8 p50 ms | speed-up |", "|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.lang} | ${x.fp32DocsPerS} | ${x.int8DocsPerS} | ${x.fp32P50Ms} | ${x.int8P50Ms} | **${x.speedup}×** |`);
    md.push("");
  }

  if (sections.has("eval") && evalLimit > 0) {
    log("eval");
    const rows: Record<string, unknown>[] = [];
    const cmp: Record<string, unknown>[] = [];
    for (const lang of langs) {
      const items = readEval(lang).slice(0, Number.isFinite(evalLimit) ? evalLimit : undefined);
      const f1 = { fp32: { tp: 0, fp: 0, fn: 0 }, int8: { tp: 0, fp: 0, fn: 0 } };
      let diffSum = 0;
      let diffMax = 0;
      let n = 0;
      let flips = 0;
      const diffs: number[] = [];
      let ms32 = 0;
      let ms8 = 0;
      const pad = { sent: 0, padding: 0, query: 0 };
      // 8 documents per call (a retriever's top 8), the first item's query: padding as in real use.
      for (let i = 0; i < items.length; i += docsPerCall) {
        const g = items.slice(i, i + docsPerCall);
        const res = await h.highlight(g[0]!.query, g.map((it) => ({ sentences: it.sentences })), baseOptions());
        pad.sent += res.stats.tokens;
        pad.padding += res.stats.paddingTokens;
        pad.query += res.stats.queryTokens * res.stats.blocks;
      }
      for (const it of items) {
        const t0 = now();
        const a = (await h.highlight(it.query, [{ sentences: it.sentences }], baseOptions())).results[0]!;
        ms32 += now() - t0;
        const tally = (res: typeof a, acc: { tp: number; fp: number; fn: number }) =>
          res.sentences.forEach((s, k) => {
            if (s.kept && it.labels[k]) acc.tp++;
            else if (s.kept) acc.fp++;
            else if (it.labels[k]) acc.fn++;
          });
        tally(a, f1.fp32);
        if (h8) {
          const t2 = now();
          const b = (await h8.highlight(it.query, [{ sentences: it.sentences }], baseOptions())).results[0]!;
          ms8 += now() - t2;
          tally(b, f1.int8);
          a.sentenceScores.forEach((x, k) => {
            const d = Math.abs(x - b.sentenceScores[k]!);
            diffs.push(d);
            diffSum += d;
            diffMax = Math.max(diffMax, d);
            n++;
            if (a.sentences[k]!.kept !== b.sentences[k]!.kept) flips++;
          });
        }
      }
      const f = (x: { tp: number; fp: number; fn: number }) => {
        const p = x.tp / Math.max(1, x.tp + x.fp);
        const rc = x.tp / Math.max(1, x.tp + x.fn);
        return { precision: r(p, 3), recall: r(rc, 3), f1: r(p + rc ? (2 * p * rc) / (p + rc) : 0, 3) };
      };
      rows.push({ lang, items: items.length, paddingPct: r((100 * pad.padding) / pad.sent, 1), queryPct: r((100 * pad.query) / pad.sent, 1), fp32: f(f1.fp32), ...(h8 ? { int8: f(f1.int8) } : {}) });
      if (h8) cmp.push({ lang, sentences: n, meanAbsDiff: r(diffSum / n, 4), p99AbsDiff: r(percentile(diffs, 99), 4), maxAbsDiff: r(diffMax, 4), keptFlipsPct: r((100 * flips) / n, 2), fp32F1: f(f1.fp32).f1, int8F1: f(f1.int8).f1, fp32Ms: r(ms32, 0), int8Ms: r(ms8, 0) });
      log(JSON.stringify(rows[rows.length - 1]), JSON.stringify(cmp[cmp.length - 1] ?? {}));
    }
    results.eval = rows;
    md.push(`## Eval sets (../shared/data/eval, threshold ${cfg.threshold}): padding with ${docsPerCall} documents per call, sentence-level kept-vs-label scores over all items (negatives included; \`semantic-highlight eval\` scores positive items only, so English reads lower here)`, "");
    md.push("| lang | items | padding % of tokens sent | query tokens % | fp32 P / R / F1 |" + (h8 ? " int8 P / R / F1 |" : ""), "|---|---|---|---|---|" + (h8 ? "---|" : ""));
    for (const x of rows as { lang: string; items: number; paddingPct: number; queryPct: number; fp32: { precision: number; recall: number; f1: number }; int8?: { precision: number; recall: number; f1: number } }[]) {
      md.push(`| ${x.lang} | ${x.items} | **${x.paddingPct}** | ${x.queryPct} | ${x.fp32.precision} / ${x.fp32.recall} / ${x.fp32.f1} |` + (x.int8 ? ` ${x.int8.precision} / ${x.int8.recall} / ${x.int8.f1} |` : ""));
    }
    md.push("");
    if (h8) {
      results.int8Accuracy = cmp;
      md.push("## int8 accuracy cost (same eval items, one document per call)", "", "| lang | sentences | mean abs score diff | p99 | max | kept decisions flipped % | fp32 F1 | int8 F1 | fp32 ms | int8 ms |", "|---|---|---|---|---|---|---|---|---|---|");
      for (const x of cmp) md.push(`| ${x.lang} | ${x.sentences} | ${x.meanAbsDiff} | ${x.p99AbsDiff} | ${x.maxAbsDiff} | **${x.keptFlipsPct}** | ${x.fp32F1} | ${x.int8F1} | ${x.fp32Ms} | ${x.int8Ms} |`);
      md.push("");
    }
  }

  if (sections.has("scaling")) {
    log("scaling");
    const model = sweep;
    const rows: Record<string, unknown>[] = [];
    const lang = langs[0]!;
    await model.highlight("warm up", ["Warm up sentence."], baseOptions());
    for (const size of scalingSizes) {
      const d = makeDocs(counter, lang, 1, size, 7)[0]!;
      const rssBefore = rssMb();
      const t0 = now();
      const res = await model.highlight(d.query, [d.text], baseOptions());
      const ms = now() - t0;
      rows.push({ variant: model === h8 ? "int8" : "fp32", tokens: d.tokens, blocks: res.stats.blocks, ms: r(ms, 0), msPer1kTokens: r((1000 * ms) / d.tokens, 1), inferencePct: r((100 * res.timings.inferenceMs) / ms, 1), rssBeforeMb: r(rssBefore, 0), rssAfterMb: r(rssMb(), 0), peakRssMb: r(peakRssMb(), 0) });
      log(JSON.stringify(rows[rows.length - 1]));
    }
    results.scaling = rows;
    md.push(`## Scaling: one ${lang} document of growing length (block length ${effMax}, sizes in ascending order, peak RSS is the process maximum so far)`, "");
    md.push("| variant | tokens | blocks | ms | ms per 1k tokens | inference % | RSS after MB | peak RSS MB |", "|---|---|---|---|---|---|---|---|");
    for (const x of rows) md.push(`| ${x.variant} | ${x.tokens} | ${x.blocks} | ${x.ms} | ${x.msPer1kTokens} | ${x.inferencePct} | ${x.rssAfterMb} | ${x.peakRssMb} |`);
    md.push("");
  }

  if (sections.has("memory")) {
    log("memory");
    const docs = makeDocs(counter, langs[0]!, 200, 128, 300);
    const rss: Record<number, number> = {};
    const t0 = now();
    const marks = new Set([100, 1000, Math.floor(memoryCalls / 2), memoryCalls]);
    for (let i = 1; i <= memoryCalls; i++) {
      const d = docs[i % docs.length]!;
      await h.highlight(d.query, [d.text], baseOptions());
      if (marks.has(i)) {
        rss[i] = r(rssMb(), 1);
        log(`after ${i} calls: RSS ${rss[i]} MB`);
      }
    }
    const growth = r((100 * (rss[memoryCalls]! - rss[100]!)) / rss[100]!, 1);
    results.memory = { calls: memoryCalls, rssMb: rss, growthPct: growth, seconds: r((now() - t0) / 1000, 1) };
    md.push(`## Memory over repeated calls (1 document of ~128 tokens per call)`, "", "| after calls | RSS MB |", "|---|---|");
    for (const [k, v] of Object.entries(rss)) md.push(`| ${k} | ${v} |`);
    md.push("", `RSS growth from call 100 to call ${memoryCalls}: **${growth} %**.`, "");
  }

  results.peakRssMb = r(peakRssMb(), 0);
  results.loadAverageAtEnd = (await import("node:os")).loadavg().map((x) => r(x));
  md.push(`Process peak RSS: ${results.peakRssMb} MB. Load average (1/5/15 min) at start ${(results.setup as { loadAverageAtStart: number[] }).loadAverageAtStart.join(" / ")}, at end ${(results.loadAverageAtEnd as number[]).join(" / ")} (the benchmark itself keeps ~2 threads busy).`, "");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(`${out}.md`, md.join("\n"));
  log(`wrote ${path.relative(ROOT, out)}.{md,json}`);
  console.log(md.join("\n"));
  await h.dispose();
  await h8?.dispose();
}

await main();
