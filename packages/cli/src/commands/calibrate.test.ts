import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import type { EvalItem } from "../eval/dataset.js";
import type { ScoredItem } from "../eval/run.js";
import { memoryIo } from "../io.js";
import { runCli } from "../program.js";
import { calibrate, roundThreshold } from "./calibrate.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const squad = path.resolve(repo, "../shared/data/eval/squad-dev-en.jsonl");
const tmp = mkdtempSync(path.join(tmpdir(), "sh-calibrate-"));

async function run(args: string[]) {
  const io = memoryIo({});
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function item(id: string, sentences: string[], labels: (0 | 1)[]): EvalItem {
  return { id, lang: "en", query: "q", sentences, labels, answers: [] };
}
const scored: ScoredItem[] = [
  { item: item("a", ["aaaa", "bbbb", "cccc"], [1, 0, 0]), scores: [0.9, 0.4, 0.2], tokens: [1, 1, 1] },
  { item: item("b", ["dddd", "eeee"], [0, 1]), scores: [0.3, 0.6], tokens: [1, 1] },
];

describe("calibrate (pure)", () => {
  it("--max-f1 picks the threshold with the best F1", () => {
    const result = calibrate(scored, { kind: "max-f1" }, true);
    // Keeping 0.9 and 0.6 is perfect: any threshold in [0.4, 0.6).
    expect(result.threshold).toBeGreaterThanOrEqual(0.4);
    expect(result.threshold).toBeLessThan(0.6);
    expect(result.f1).toBe(1);
    expect(result.compression).toBeCloseTo(0.6, 10);
  });

  it("--target-recall picks the highest threshold that still reaches the recall", () => {
    const result = calibrate(scored, { kind: "target-recall", target: 0.5 }, true);
    expect(result.recall).toBeGreaterThanOrEqual(0.5);
    expect(result.threshold).toBeGreaterThanOrEqual(0.6);
    expect(result.threshold).toBeLessThan(0.9);
  });

  it("--target-compression picks the lowest threshold removing enough, without labels", () => {
    const result = calibrate(scored, { kind: "target-compression", target: 0.5 }, false);
    expect(result.compression).toBeGreaterThanOrEqual(0.5);
    // > 0.3 keeps 12 of 20 characters (0.4 removed); > 0.4 keeps 8 (0.6 removed).
    expect(result.threshold).toBeGreaterThanOrEqual(0.4);
    expect(result.threshold).toBeLessThan(0.6);
    expect(result.precision).toBeNull();
    expect(() => calibrate(scored, { kind: "max-f1" }, false)).toThrow(/needs labels/);
  });

  it("writes short thresholds that select exactly like the score they stand for", () => {
    expect(roundThreshold(0.3, 0.4)).toBe(0.3);
    expect(roundThreshold(0.31234, 0.3125)).toBe(0.3124);
    expect(roundThreshold(0, 0.01)).toBe(0);
  });
});

describe("semantic-highlight calibrate (end to end, tiny model, 30 items)", () => {
  it("prints the threshold with P/R/F1/compression (--max-f1 by default)", async () => {
    const { code, stdout, stderr } = await run(["calibrate", squad, "--model", path.join(repo, "models/test/tiny-xlmr"), "--limit", "30", "--no-progress"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^threshold [\d.]+ {2}\(best F1/);
    expect(stdout).toMatch(/precision [\d.]+ % {2}recall [\d.]+ % {2}F1 [\d.]+ %.*compression [\d.]+ %/);
  });

  it("--target-compression works on a file without labels and --write-config writes the model's config", async () => {
    const unlabeled = path.join(tmp, "unlabeled.jsonl");
    const lines = readFileSync(squad, "utf8").split("\n").filter(Boolean).slice(0, 30).map((l) => {
      const { labels: _labels, answers: _answers, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    writeFileSync(unlabeled, lines.join("\n") + "\n");
    const model = path.join(tmp, "model");
    const { cpSync } = await import("node:fs");
    cpSync(path.join(repo, "models/test/tokenwise"), model, { recursive: true });
    const before = JSON.parse(readFileSync(path.join(model, "highlight_config.json"), "utf8")) as Record<string, unknown>;

    const { code, stdout } = await run(["calibrate", unlabeled, "--model", model, "--target-compression", "0.7", "--write-config", "--json", "--no-progress"]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { threshold: number; compression: number; f1: number | null; reached: boolean };
    expect(result.reached).toBe(true);
    expect(result.compression).toBeGreaterThanOrEqual(0.7);
    expect(result.f1).toBeNull();
    const after = JSON.parse(readFileSync(path.join(model, "highlight_config.json"), "utf8")) as Record<string, unknown>;
    expect(after).toEqual({ ...before, threshold: result.threshold });

    const refused = await run(["calibrate", unlabeled, "--model", model, "--max-f1", "--no-progress"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no labels: use --target-compression/);
  });
});
