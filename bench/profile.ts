/**
 * Where the time of one forward pass goes, per operator type (onnxruntime's own profiler), for model
 * folders given on the command line — e.g. the plain vs fused graph of the same checkpoint: the share of
 * the time spent outside the matrix products bounds what any fusion can gain.
 *
 *   npx tsx bench/profile.ts --tokens 512 --runs 3 --out bench/results/profile-zilliz-4l DIR...
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";

const args = process.argv.slice(2);
const take = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value!;
};
const tokens = Number(take("tokens", "512"));
const runs = Number(take("runs", "3"));
const threads = Number(take("threads", "2"));
/** Padding tokens at the end of the block (attention mask 0): a padded batch takes the masked attention path. */
const pad = Number(take("pad", "0"));
const out = take("out", "");
const dirs = args;
const command = `npx tsx bench/profile.ts --tokens ${tokens} --runs ${runs} --threads ${threads}${pad ? ` --pad ${pad}` : ""}${out ? ` --out ${out}` : ""} ${dirs.join(" ")}`;
const lines = ["# Forward pass time by operator type (bench/profile.ts)", "", `Command: \`${command}\``, "", `${os.cpus()[0]?.model} × ${os.cpus().length}, load average at the start ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}; batch 1 × ${tokens} tokens${pad ? ` (the last ${pad} padding)` : ""}, ${runs} profiled runs after a warm-up, ${threads} threads. Shares are of the summed kernel time (\`If\` nodes left out: their time is their branch's MultiHeadAttention's). On a loaded machine every parallel kernel also waits for its second thread to be scheduled, which inflates small kernels (LayerNorm, GELU) more than the matrix products.`, ""];
const all: Record<string, Record<string, number>> = {};
for (const dir of dirs) {
  const config = JSON.parse(readFileSync(path.join(dir, "highlight_config.json"), "utf8")) as { model_file?: string };
  const tmp = mkdtempSync(path.join(os.tmpdir(), "sh-prof-"));
  const session = await ort.InferenceSession.create(path.join(dir, config.model_file ?? "model.onnx"), { graphOptimizationLevel: "all", intraOpNumThreads: threads, interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: path.join(tmp, "p") });
  const ids = BigInt64Array.from({ length: tokens }, (_, i) => BigInt(i === 0 ? 0 : i === tokens - 1 ? 2 : 5 + ((i * 7919) % 7990)));
  const mask = new BigInt64Array(tokens).fill(1n);
  for (let i = tokens - pad; i < tokens; i++) {
    ids[i] = 1n;
    mask[i] = 0n;
  }
  const feeds = { input_ids: new ort.Tensor("int64", ids, [1, tokens]), attention_mask: new ort.Tensor("int64", mask, [1, tokens]) };
  for (let i = 0; i < runs + 1; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = (await import("node:fs")).readdirSync(tmp).find((f) => f.endsWith(".json"))!;
  const events = JSON.parse(readFileSync(path.join(tmp, file), "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(tmp, { recursive: true, force: true });
  // Skip the warm-up run: the first run's kernel events are the first 1/(runs+1) of them.
  const kernels = events.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"));
  const perRun = kernels.length / (runs + 1);
  const byOp: Record<string, number> = {};
  // An If node's time holds its branch's kernels (MultiHeadAttention), which are reported themselves.
  for (const e of kernels.slice(perRun)) if (e.args?.op_name !== "If") byOp[e.args?.op_name ?? "?"] = (byOp[e.args?.op_name ?? "?"] ?? 0) + e.dur / 1000 / runs;
  all[path.basename(dir)] = byOp;
}
const ops = [...new Set(Object.values(all).flatMap((x) => Object.keys(x)))].sort((a, b) => Math.max(...Object.values(all).map((x) => x[b] ?? 0)) - Math.max(...Object.values(all).map((x) => x[a] ?? 0)));
const names = Object.keys(all);
const total = (n: string) => Object.values(all[n]!).reduce((a, b) => a + b, 0);
lines.push(`| op | ${names.map((n) => `${n}: ms (share)`).join(" | ")} |`, `|---|${names.map(() => "---|").join("")}`);
lines.push(`| **all kernels** | ${names.map((n) => `**${total(n).toFixed(0)}**`).join(" | ")} |`);
for (const op of ops) lines.push(`| ${op} | ${names.map((n) => (all[n]![op] ? `${all[n]![op]!.toFixed(1)} (${((100 * all[n]![op]!) / total(n)).toFixed(1)} %)` : "")).join(" | ")} |`);
lines.push("", `Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}.`);
console.log(lines.join("\n"));
if (out) {
  writeFileSync(`${out}.md`, `${lines.join("\n")}\n`);
  writeFileSync(`${out}.json`, `${JSON.stringify({ command, tokens, runs, threads, msPerRunByOp: all }, null, 2)}\n`);
}
