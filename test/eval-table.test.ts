/**
 * tools/eval/eval-table.mjs with EVAL_PREVIOUS_MODEL (issue 21): the previous default model is evaluated in the
 * same run as the new one, on every variant, and the goal table's before/after cells are computed from those rows.
 * Runs the built CLI (packages/cli/dist) on 40 items of the visible English set with two real model folders.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const evalDir = path.resolve(root, "../shared/data/eval");
const tmp = mkdtempSync(path.join(os.tmpdir(), "eval-table-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = path.join(tmp, "data");
mkdirSync(data);
const sample = readFileSync(path.join(evalDir, "squad-dev-en.jsonl"), "utf8").split("\n").filter((l) => l.trim()).slice(0, 40);
writeFileSync(path.join(data, "squad-sample.jsonl"), sample.join("\n") + "\n");

/** Runs eval-table.mjs without blocking the test worker (a table takes a minute of model runs). */
function table(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "tools/eval/eval-table.mjs")],
      { cwd: root, encoding: "utf8", env: { ...process.env, EVAL_VARIANTS: path.join(tmp, "variants"), ...env }, timeout: 240_000, maxBuffer: 1 << 24 },
      (error, _stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr }),
    );
  });
}

describe("eval-table.mjs with a previous default model", () => {
  it("adds the previous model's row to every variant and compares the new model with it in the goal table", async () => {
    const out = path.join(tmp, "results.md");
    const run = await table({
      EVAL_DATA: data,
      EVAL_OUT: out,
      SEMANTIC_HIGHLIGHT_MODEL: path.join(root, "models/test/tiny-xlmr"),
      EVAL_PREVIOUS_MODEL: path.join(root, "models/default"),
      EVAL_PREVIOUS_LABEL: "rev-under-test",
    });
    expect(run.status, run.stderr).toBe(0);
    const md = readFileSync(out, "utf8");
    expect(md).toContain("The previous default model (rev-under-test, `$EVAL_PREVIOUS_MODEL` below) is evaluated alongside");
    const f1 = (set: string, method: string) => {
      const row = md.split("\n").find((l) => l.startsWith(`| ${set} | ${method} |`));
      expect(row, `${set} / ${method}`).toBeDefined();
      return Number(row!.split("|")[7]!.trim());
    };
    const prev = f1("squad-sample.jsonl", "previous default model (rev-under-test)");
    f1("squad-sample.jsonl (unpunctuated)", "previous default model (rev-under-test)");
    const prevHard = f1("squad-sample.jsonl (hard: BM25 top-1 misses)", "previous default model (rev-under-test)");
    const model = f1("squad-sample.jsonl", "model tiny-xlmr (models/test/tiny-xlmr)");
    const hard = f1("squad-sample.jsonl (hard: BM25 top-1 misses)", "model tiny-xlmr (models/test/tiny-xlmr)");
    const keepAllHard = f1("squad-sample.jsonl (hard: BM25 top-1 misses)", "keep-all");
    const goal = md.split("\n").find((l) => l.startsWith("| squad-sample.jsonl |") && l.includes(" vs "));
    expect(goal).toBeDefined();
    const cells = goal!.split("|").map((c) => c.trim());
    const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;
    expect(cells[3]).toBe(`${prev.toFixed(1)} (${signed(model - prev)}): ${model >= prev ? "met" : "not met"}`);
    expect(cells[6]).toBe(`${hard.toFixed(1)} (${signed(hard - prevHard)} over ${prevHard.toFixed(1)}); keep-all ${keepAllHard.toFixed(1)}`);
    // the command list names the previous model by its variable, not by this machine's path
    expect(md).toContain("--model $EVAL_PREVIOUS_MODEL");
    expect(md).not.toContain(path.join(root, "models/default"));
  }, 300_000);

  it("refuses an EVAL_PREVIOUS_MODEL folder without a model", async () => {
    const run = await table({ EVAL_DATA: data, EVAL_OUT: path.join(tmp, "never.md"), EVAL_PREVIOUS_MODEL: tmp });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`EVAL_PREVIOUS_MODEL: no model at ${tmp}`);
  });
});
