/**
 * How much faster can int8 be than fp32 on this CPU? Times the feed-forward matrix products of the
 * zilliz shape alone (tools/model/build_gemm_probe.py: [M, 1024] x [1024, 4096] x [4096, 1024]) in fp32
 * and in the int8 form that tools/model/quantize_int8.py writes, with onnxruntime-node.
 *
 *   /usr/bin/python3 tools/model/build_gemm_probe.py && npx tsx bench/int8-ceiling.ts
 *
 * Writes bench/results/int8-ceiling.{md,json}. The int8/fp32 ratio here bounds what quantization can
 * give a whole model: the model also spends time in attention, LayerNorm and GELU, which stay fp32.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const DIR = path.join(ROOT, "models/gemm-probe");
const OUT = path.join(ROOT, "bench/results/int8-ceiling");
const HIDDEN = 1024;
const FFN = 4096;
const ROWS = [128, 512, 2048];
const THREADS = [1, 2];
const REPEATS = 9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuFlags = (() => {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) ?? "";
    return line.split(/\s+/).filter((f) => /^(avx2|avx512f|avx512_vnni|avx_vnni|amx_int8)$/.test(f));
  } catch {
    return [];
  }
})();

async function timeGraph(file: string, threads: number, rows: number): Promise<number> {
  const session = await ort.InferenceSession.create(path.join(DIR, file), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const x = new Float32Array(rows * HIDDEN);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
  const feeds = { x: new ort.Tensor("float32", x, [rows, HIDDEN]) };
  await session.run(feeds); // warm-up
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

const results: { threads: number; rows: number; fp32Ms: number; int8Ms: number; fp32Gflops: number; int8Gops: number; speedup: number }[] = [];
for (const threads of THREADS) {
  for (const rows of ROWS) {
    // Alternate the two graphs so that machine noise hits both alike.
    const fp32Ms = await timeGraph("fp32.onnx", threads, rows);
    const int8Ms = await timeGraph("int8.onnx", threads, rows);
    const ops = 2 * 2 * rows * HIDDEN * FFN;
    const row = { threads, rows, fp32Ms, int8Ms, fp32Gflops: ops / fp32Ms / 1e6, int8Gops: ops / int8Ms / 1e6, speedup: fp32Ms / int8Ms };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}

const cpu = `${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, flags: ${cpuFlags.join(" ") || "none of avx2/avx512/vnni/amx"}`;
const md = [
  "# int8 ceiling: the feed-forward GEMMs alone, fp32 vs int8",
  "",
  "Command: `/usr/bin/python3 tools/model/build_gemm_probe.py && npx tsx bench/int8-ceiling.ts`",
  "",
  `CPU: ${cpu}; Node ${process.version}; onnxruntime-node ${ort.env.versions.common}; ${new Date().toISOString()}; median of ${REPEATS} runs.`,
  "",
  "| threads | rows (tokens) | fp32 ms | int8 ms | fp32 GFLOP/s | int8 GOP/s | int8 speed-up |",
  "|---|---|---|---|---|---|---|",
  ...results.map((r) => `| ${r.threads} | ${r.rows} | ${r.fp32Ms.toFixed(1)} | ${r.int8Ms.toFixed(1)} | ${r.fp32Gflops.toFixed(0)} | ${r.int8Gops.toFixed(0)} | **${r.speedup.toFixed(2)}×** |`),
  "",
].join("\n");
writeFileSync(`${OUT}.md`, md);
writeFileSync(`${OUT}.json`, JSON.stringify({ cpu, node: process.version, ort: ort.env.versions.common, results }, null, 1) + "\n");
console.log(md);
