import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { segmentSentences } from "@semantic-highlight/core";

import { DEMO_DOCUMENTS } from "./demo-documents.js";
import { memoryIo } from "./io.js";
import { bundledModelDirectory, resolveModel } from "./model-path.js";
import { createProgram, runCli } from "./program.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dataDir = path.resolve(repo, "../shared/data/eval");
const sets = ["squad-dev-en.jsonl", "cmrc-trial-zh.jsonl"].map((f) => path.join(dataDir, f));
const tinyModel = path.join(repo, "models/test/tiny-xlmr");
const tmp = mkdtempSync(path.join(tmpdir(), "sh-cli-"));

async function run(args: string[], options: Parameters<typeof memoryIo>[0] = {}) {
  const io = memoryIo(options);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

const REPORT_KEYS = ["precision", "recall", "f1", "answerKept", "compression", "items", "byLanguage", "negatives", "itemsPerSecond", "threshold", "model"];

describe("semantic-highlight eval (end to end, first 50 items of each eval set)", () => {
  it.each(sets)("--baseline keep-all on %s: recall 1, compression 0 exactly", async (file) => {
    const { code, stdout } = await run(["eval", file, "--baseline", "keep-all", "--limit", "50", "--json"]);
    expect(code).toBe(0);
    const report = lastJson(stdout);
    for (const key of REPORT_KEYS) expect(report).toHaveProperty(key);
    expect(report.items).toBe(50);
    expect(report.recall).toBe(1);
    expect(report.answerKept).toBe(1);
    expect(report.compression).toBe(0);
    expect(report.model).toBeNull();
  });

  it.each(sets)("--baseline bm25 on %s (threshold and top-1)", async (file) => {
    const byThreshold = lastJson((await run(["eval", file, "--baseline", "bm25", "--limit", "50", "--json"])).stdout);
    expect(byThreshold.threshold).toBe(0.15);
    const top1 = lastJson((await run(["eval", file, "-b", "bm25", "--top-k", "1", "--threshold", "0", "-n", "50", "--json"])).stdout);
    expect(top1.topK).toBe(1);
    for (const report of [byThreshold, top1]) {
      for (const key of ["precision", "recall", "f1", "answerKept", "compression"]) {
        expect(report[key]).toBeGreaterThan(0.3);
        expect(report[key]).toBeLessThan(1);
      }
    }
  });

  it.each(sets)("--model tiny-xlmr with a sweep on %s", async (file) => {
    const { code, stdout } = await run(["eval", file, "--model", tinyModel, "--limit", "50", "--sweep", "0.3,0.5,0.7", "--json"]);
    expect(code).toBe(0);
    const report = lastJson(stdout);
    for (const key of REPORT_KEYS) expect(report).toHaveProperty(key);
    expect(report.model).toContain("tiny-xlmr");
    expect(report.threshold).toBe(0.5);
    const sweep = report.sweep as { threshold: number; f1: number }[];
    expect(sweep.map((r) => r.threshold)).toEqual([0.3, 0.5, 0.7]);
    expect(sweep[1]!.f1).toBe(report.f1); // same scores, same threshold
  });

  it("prints markdown tables with a per-language breakdown and the sweep", async () => {
    const mixed = path.join(tmp, "mixed.jsonl");
    const { readFileSync } = await import("node:fs");
    const firstLines = (f: string) => readFileSync(f, "utf8").split("\n").slice(0, 5).join("\n");
    writeFileSync(mixed, `${firstLines(sets[0]!)}\n${firstLines(sets[1]!)}\n`);
    const { code, stdout } = await run(["eval", "--sweep", mixed, "--baseline", "bm25"]);
    expect(code).toBe(0);
    expect(stdout).toContain("| lang | items | P % | R % | F1 % | answer kept % | compression pos % | compression neg % |");
    expect(stdout).toMatch(/^\| en \| 5 \|/m);
    expect(stdout).toMatch(/^\| zh \| 5 \|/m);
    expect(stdout).toMatch(/^\| all \| 10 \|/m);
    expect(stdout).toContain("Threshold sweep");
    expect(stdout).toMatch(/^\| 0\.9 \|/m);
    const zhOnly = lastJson((await run(["eval", mixed, "-b", "keep-all", "--lang", "zh", "--json"])).stdout);
    expect(Object.keys(zhOnly.byLanguage as object)).toEqual(["zh"]);
  });

  it("warns about items with an empty query and skips them", async () => {
    const file = path.join(tmp, "empty-query.jsonl");
    const row = { id: "a", lang: "en", query: "Who?", sentences: ["A. "], labels: [1], answers: [] };
    writeFileSync(file, [row, { ...row, id: "b", query: "" }].map((r) => JSON.stringify(r)).join("\n"));
    const { code, stdout, stderr } = await run(["eval", file, "-b", "keep-all", "--json"]);
    expect(code).toBe(0);
    expect(stderr).toContain("empty-query.jsonl:2: skipped item b (empty query)");
    expect(lastJson(stdout)).toMatchObject({ items: 1, skipped: 1 });
  });
});

describe("errors are one clear line, exit code 1, no stack trace", () => {
  it("bad JSONL line", async () => {
    const file = path.join(tmp, "bad.jsonl");
    writeFileSync(file, `{"id":"a","lang":"en","query":"q","sentences":["x"],"labels":[1],"answers":[]}\n{"id":"b","lang":"en","query":"q","sentences":["x"],"labels":[3]}\n`);
    const { code, stdout, stderr } = await run(["eval", file, "-b", "keep-all"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(`semantic-highlight: error: ${file}:2: "labels"[0] must be 0 or 1 (got 3)\n`);
  });

  it("missing eval file", async () => {
    const { code, stderr } = await run(["eval", path.join(tmp, "missing.jsonl"), "-b", "bm25"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/missing\.jsonl: no such file/);
  });

  it("model folder problems print core's ModelLoadError message", async () => {
    const missing = await run(["eval", sets[0]!, "--model", path.join(tmp, "no-model"), "--limit", "1"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`semantic-highlight: error: ${path.join(tmp, "no-model")}: model folder does not exist\n`);
    const notAModel = await run(["highlight", "-q", "x", "--model", tmp, "Some text."]);
    expect(notAModel.code).toBe(1);
    expect(notAModel.stderr).toContain("highlight_config.json: file is missing from the model folder");
    expect(notAModel.stderr).not.toMatch(/\n\s+at /);
  });

  it("no default model: says to pass --model", () => {
    expect(() => resolveModel(undefined, {}, path.join(tmp, "models/default"))).toThrow(/Pass --model DIR/);
    expect(resolveModel(undefined, { SEMANTIC_HIGHLIGHT_MODEL: tinyModel }, "/nope")).toBe(tinyModel);
    expect(resolveModel("models/test/tiny-xlmr", {}, "/nope")).toBe(path.resolve("models/test/tiny-xlmr"));
    expect(resolveModel("org/name", {}, "/nope")).toBe("org/name"); // a hub id, for core to resolve
    // The packaged copy (made by `npm pack`) or the repository's models/default.
    expect([path.join(repo, "packages", "core", "model"), path.join(repo, "models", "default")]).toContain(bundledModelDirectory());
  });

  it("empty query, no document, bad options", async () => {
    expect((await run(["highlight", "--query", "  ", "--bm25", "text"])).stderr).toMatch(/the query is empty/);
    expect((await run(["highlight", "--query", "q", "--bm25"])).stderr).toMatch(/no document/);
    expect((await run(["highlight", "--query", "q", "--bm25", "--file", path.join(tmp, "nope.txt")])).stderr).toMatch(/nope\.txt: no such file/);
    const badThreshold = await run(["eval", sets[0]!, "-b", "bm25", "--threshold", "1.5"]);
    expect(badThreshold.code).toBe(1);
    expect(badThreshold.stderr).toMatch(/expected a number in \[0, 1\]/);
    expect((await run(["eval", sets[0]!, "-b", "nope"])).stderr).toMatch(/Allowed choices are keep-all, bm25/);
    expect((await run(["highlight", "text"])).stderr).toMatch(/required option '-q, --query <text>' not specified/);
  });
});

describe("semantic-highlight highlight", () => {
  const text = "The Eiffel Tower is in Paris. It was completed in 1889. Paris is also home to the Louvre museum.";

  it("marks kept sentences with [[...]] when stdout is not a terminal, with scores and the saving", async () => {
    const { code, stdout } = await run(["highlight", "--bm25", "-q", "When was the Eiffel Tower completed?", "--threshold", "0", "--top-k", "1", text]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe("The Eiffel Tower is in Paris. It was completed in 1889. Paris is also home to the Louvre museum.".replace("The Eiffel Tower is in Paris.", "[[The Eiffel Tower is in Paris.]]"));
    expect(stdout).toMatch(/Kept 1 of 3 sentences \(BM25, score > 0, top-1\)/);
    expect(stdout).toMatch(/^ {2}0\.\d{3} {2}#0 {2}The Eiffel Tower is in Paris\.$/m);
    expect(stdout).toMatch(/Saving: 96 → 30 characters \(−68\.8 %\), 19 → 6 tokens /);
  });

  it("uses ANSI colour on a terminal, unless NO_COLOR", async () => {
    const args = ["highlight", "--bm25", "-q", "Eiffel Tower", "--threshold", "0", text];
    expect((await run(args, { stdoutIsTTY: true })).stdout).toContain("\x1b[1m\x1b[33mThe Eiffel Tower is in Paris.\x1b[0m");
    expect((await run(args, { stdoutIsTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\x1b[");
  });

  it("reads the document from --file and from standard input", async () => {
    const file = path.join(tmp, "doc.txt");
    writeFileSync(file, text);
    const fromFile = await run(["highlight", "--bm25", "-q", "Louvre museum", "--file", file]);
    expect(fromFile.stdout).toContain("[[Paris is also home to the Louvre museum.]]");
    const fromStdin = await run(["highlight", "--bm25", "-q", "Louvre museum"], { stdin: text });
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it("--json prints the core's HighlightResult (tiny model)", async () => {
    const { code, stdout } = await run(["highlight", "--model", tinyModel, "-q", "When was it completed?", "--json", text]);
    expect(code).toBe(0);
    const result = lastJson(stdout);
    expect(result.text).toBe(text);
    expect((result.sentences as unknown[]).length).toBe(3);
    expect(result).toHaveProperty("compression.tokensBefore");
    expect(result).toHaveProperty("prunedText");
  });
});

describe("semantic-highlight demo", () => {
  it("has 4–6 documents of 5–10 sentences, two in Chinese", () => {
    expect(DEMO_DOCUMENTS.length).toBeGreaterThanOrEqual(4);
    expect(DEMO_DOCUMENTS.length).toBeLessThanOrEqual(6);
    expect(DEMO_DOCUMENTS.filter((d) => d.lang === "zh")).toHaveLength(2);
  });

  it("points each document's answerSentences at the sentences that answer it, as the library segments them", () => {
    const marks: Record<string, string[]> = {
      "Faster Python": ["NumPy", "cProfile"],
      "James Webb Space Telescope": ["primary mirror is 6.5 metres"],
      "Honeybee waggle dance": ["The longer the waggle run lasts"],
      Sourdough: ["lactic and acetic acids"],
      大熊猫: ["食物几乎全部是竹子"],
      三峡大坝: ["1994年12月正式动工"],
    };
    for (const doc of DEMO_DOCUMENTS) {
      const sentences = segmentSentences(doc.text).map((s) => s.text);
      expect(doc.answerSentences.map((i) => sentences[i])).toEqual(marks[doc.title]!.map((m) => expect.stringContaining(m)));
    }
  });

  it("--bm25 prints every document with its query, kept sentences and saving", async () => {
    const { code, stdout } = await run(["demo", "--bm25"]);
    expect(code).toBe(0);
    for (const doc of DEMO_DOCUMENTS) {
      expect(stdout).toContain(`## ${doc.title} (${doc.lang}, `);
      expect(stdout).toContain(`Query: ${doc.query}`);
    }
    expect(stdout.match(/^Kept 1:$/gm)).toHaveLength(DEMO_DOCUMENTS.length);
    expect(stdout).toContain("Query: 大熊猫主要吃什么？");
    expect(stdout).toMatch(/All documents: \d+ → \d+ tokens \(−[\d.]+ %\); answer sentences kept: \d of 7/);
    expect(stdout).toContain("Answer: the primary-mirror sentence (#2 ");
  });

  it("segments each document into 5–10 sentences with a model and prints JSON per document", async () => {
    const { code, stdout } = await run(["demo", "--model", tinyModel, "--json"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { compression: { tokensBefore: number } });
    expect(lines).toHaveLength(DEMO_DOCUMENTS.length);
    const { code: c2, stdout: human } = await run(["demo", "--model", tinyModel]);
    expect(c2).toBe(0);
    for (const m of human.matchAll(/\((?:en|zh), (\d+) sentences\)/g)) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(5);
      expect(Number(m[1])).toBeLessThanOrEqual(10);
    }
  });
});

describe("the program", () => {
  it("--help lists the commands and exits 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const command of ["highlight", "eval", "demo"]) expect(stdout).toContain(command);
    expect(createProgram(memoryIo()).commands.map((c) => c.name())).toEqual(["highlight", "eval", "demo", "convert", "triton-repo", "calibrate", "rerank-eval"]);
  });

  it("an unknown command is a usage error", async () => {
    const { code, stderr } = await run(["nope"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown command 'nope'/);
  });

  // The bin loads dist/cli.js, so this needs `npm run build` (the root `npm test` builds first).
  const bin = path.join(repo, "packages/cli/bin/semantic-highlight.js");
  const built = existsSync(path.join(repo, "packages/cli/dist/cli.js"));
  it.runIf(built)("the built bin runs: --help, and eval --json as a child process", () => {
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: semantic-highlight");
    const evalRun = spawnSync(process.execPath, [bin, "eval", sets[0]!, "-b", "bm25", "-n", "20", "--json"], { encoding: "utf8" });
    expect(evalRun.status).toBe(0);
    expect(lastJson(evalRun.stdout).items).toBe(20);
    expect(evalRun.stderr).toBe(""); // no progress bar without a terminal
  });
});
