/**
 * Conversion benchmark: wall time and peak RSS of the TypeScript checkpoint converter on the zilliz shape
 * (float32 linked, copied, transposed, int8; bf16 widened and int8)
 * (tools/model/build_zilliz_checkpoint.py: 2.27 GB float32, or --dtype bf16), each case in a fresh Node
 * process so peak RSS belongs to that case alone. Baseline = the child's max RSS after importing the converter,
 * before converting. Optional `--verify`: open the converted graph in onnxruntime-node and run one forward pass.
 *
 *   npm run bench:convert            # after: /usr/bin/python3 tools/model/build_zilliz_checkpoint.py
 *                                    #   and: /usr/bin/python3 tools/model/build_zilliz_checkpoint.py --dtype bf16 --out models/zilliz-checkpoint-bf16
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MB = 1024 * 1024;

interface ChildResult {
  wallMs: number;
  baselineRssMB: number;
  peakRssMB: number;
  weights: { file: string; how: string; bytes: number }[];
  verify?: { sessionMs: number; firstForwardMs: number; forwardMs: number; peakRssMB: number; tokens: number };
}

async function child(): Promise<void> {
  const { convertCheckpoint } = await import("../packages/core/src/models/convert/convert.js");
  const src = flag("checkpoint")!;
  const out = flag("out")!;
  const baseline = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const mode = flag("mode");
  const result = await convertCheckpoint(src, out, {
    overwrite: true,
    ...(mode === "int8" ? { int8: true } : mode === "transposed" ? { weights: "transposed" as const } : { weights: mode === "copy" ? ("copy" as const) : ("link" as const) }),
  });
  const wallMs = performance.now() - started;
  const peak = process.resourceUsage().maxRSS / 1024;
  const record: ChildResult = { wallMs, baselineRssMB: baseline, peakRssMB: peak, weights: result.weightFiles };
  if (args.includes("--verify")) {
    const ort = await import("onnxruntime-node");
    const t0 = performance.now();
    const session = await ort.InferenceSession.create(path.join(out, "model.onnx"));
    const sessionMs = performance.now() - t0;
    const n = 128;
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i === 0 ? 0 : i === n - 1 ? 2 : 5 + ((i * 7919) % 8000)));
    const t1 = performance.now();
    const res = await session.run({ input_ids: new ort.Tensor("int64", ids, [1, n]), attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]) });
    const firstForwardMs = performance.now() - t1;
    if (res.pruning_logits!.dims.join() !== `1,${n},2` || !Number.isFinite((res.ranking_logits!.data as Float32Array)[0]!)) throw new Error("bad outputs");
    const t2 = performance.now();
    await session.run({ input_ids: new ort.Tensor("int64", ids, [1, n]), attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]) });
    const forwardMs = performance.now() - t2;
    record.verify = { sessionMs, firstForwardMs, forwardMs, peakRssMB: process.resourceUsage().maxRSS / 1024, tokens: n };
    await session.release();
  }
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function runCase(label: string, checkpoint: string, mode: "link" | "copy" | "int8" | "transposed", verify: boolean) {
  const out = path.join(mkdtempSync(path.join(path.dirname(checkpoint), ".bench-convert-")), "model");
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", "--checkpoint", checkpoint, "--out", out, "--mode", mode, ...(verify ? ["--verify"] : [])], {
      cwd: repo,
      encoding: "utf8",
      maxBuffer: 16 * MB,
    });
    if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
    return { label, checkpoint: path.relative(repo, checkpoint), checkpointMB: statSync(path.join(checkpoint, "model.safetensors")).size / MB, mode, ...result };
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

function readOnceMs(file: string): number {
  const t = performance.now();
  execFileSync("cat", [file], { stdio: ["ignore", "ignore", "inherit"] });
  return performance.now() - t;
}

async function main(): Promise<void> {
  if (args.includes("--child")) return child();
  const f32 = path.resolve(repo, flag("checkpoint", "models/zilliz-checkpoint")!);
  const bf16 = path.resolve(repo, flag("bf16", "models/zilliz-checkpoint-bf16")!);
  if (!existsSync(f32)) throw new Error(`${f32} missing: run /usr/bin/python3 tools/model/build_zilliz_checkpoint.py first`);
  const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(" / ");
  const rows = [];
  const readMs = readOnceMs(path.join(f32, "model.safetensors"));
  rows.push(runCase("f32, weights linked (default)", f32, "link", false));
  rows.push(runCase("f32, --copy-weights (streams model.onnx_data)", f32, "copy", false));
  rows.push(runCase("f32, --int8 (quantizes into model.onnx_data)", f32, "int8", false));
  rows.push(runCase("f32, Linear weights transposed into model.onnx_data (library option weights: \"transposed\")", f32, "transposed", false));
  if (existsSync(bf16)) {
    rows.push(runCase("bf16 → f32 widened (streams model.onnx_data)", bf16, "link", false));
    rows.push(runCase("bf16, --int8", bf16, "int8", false));
  }
  if (!args.includes("--no-verify")) rows.push(runCase("f32 linked + onnxruntime session + 128-token forward", f32, "link", true));

  const machine = `${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB RAM, Node ${process.version}, load average at the start ${loadAtStart}, at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}`;
  const outBase = path.resolve(repo, flag("results", "bench/results/convert-zilliz")!);
  mkdirSync(path.dirname(outBase), { recursive: true });
  writeFileSync(`${outBase}.json`, `${JSON.stringify({ machine, date: new Date().toISOString(), readOnceMs: readMs, rows }, null, 2)}\n`);
  const lines = [
    "# Checkpoint conversion, zilliz shape (bench/convert.ts)",
    "",
    `Machine: ${machine}. Checkpoint: tools/model/build_zilliz_checkpoint.py (Open Provence layout, 24 × 1024, vocab 250002). ` +
      `Reading model.safetensors once with \`cat\` (page cache warm): ${(readMs / 1000).toFixed(2)} s. ` +
      "Each case runs in a fresh Node process; baseline = its max RSS after importing the converter, before converting.",
    "",
    "| case | checkpoint MB | wall s | baseline RSS MB | peak RSS MB | peak − baseline MB | weights |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.checkpointMB.toFixed(0)} | ${(r.wallMs / 1000).toFixed(2)} | ${r.baselineRssMB.toFixed(0)} | ${r.peakRssMB.toFixed(0)} | ${(r.peakRssMB - r.baselineRssMB).toFixed(0)} | ${r.weights.map((w) => `${w.file} ${w.how} ${(w.bytes / MB).toFixed(0)} MB`).join(", ")} |`,
    ),
  ];
  const v = rows.find((r) => r.verify)?.verify;
  if (v) lines.push("", `Verification (same process, after converting): onnxruntime session created in ${(v.sessionMs / 1000).toFixed(1)} s, a ${v.tokens}-token forward ${(v.firstForwardMs / 1000).toFixed(2)} s the first time, ${(v.forwardMs / 1000).toFixed(2)} s the second, peak RSS then ${v.peakRssMB.toFixed(0)} MB (the session holds the fp32 weights).`);
  writeFileSync(`${outBase}.md`, `${lines.join("\n")}\n`);
  console.log(lines.join("\n"));
}

await main();
