/**
 * Numbers in the READMEs come from runs: every `<!-- generated:NAME -->` region is what
 * tools/docs/readme-tables.ts writes from the committed result files (docs/eval-results.md, bench/results/*.json),
 * so an edited number, or a result file rerun without regenerating the README, fails here.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { EVAL_RESULTS, findRegions, parseEvalResults, regenerate, regenerateDocFiles, REGENERATE, renderRegion, ROOT } from "../tools/docs/readme-tables.js";

/** The README with its regions as the committed result files give them (the first test checks it is the committed one). */
const readme = regenerate(readFileSync(path.join(ROOT, "README.md"), "utf8")).text;
const scratch = mkdtempSync(path.join(tmpdir(), "sh-readme-tables-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the result files in a scratch root, with `edit` applied to one of them. */
function rootWith(file: string, edit: (text: string) => string): string {
  const root = mkdtempSync(path.join(scratch, "root-"));
  for (const dir of ["docs", "bench/results"]) cpSync(path.join(ROOT, dir), path.join(root, dir), { recursive: true });
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, edit(readFileSync(target, "utf8")));
  return root;
}

describe("README tables generated from the committed result files", () => {
  it("every generated region of the READMEs is what the result files give", () => {
    for (const { file, changed } of regenerateDocFiles()) {
      expect(changed, `${file}: the regions ${changed.join(", ")} are out of date with their result files: run \`${REGENERATE}\``).toEqual([]);
    }
  });

  it("the README's evaluation tables and performance numbers are generated regions", () => {
    expect(findRegions(readFileSync(path.join(ROOT, "README.md"), "utf8")).map((r) => r.name)).toEqual(expect.arrayContaining(["eval-default-model", "eval-methods", "bench-summary"]));
  });

  it("a number edited by hand inside a region is reported", () => {
    const region = findRegions(readme).find((r) => r.name === "eval-methods")!;
    const inside = readme.slice(region.start, region.end);
    const edited = readme.slice(0, region.start) + inside.replace(/\*\*(\d+\.\d)\*\*/, "**99.9**") + readme.slice(region.end);
    expect(edited).not.toBe(readme);
    expect(regenerate(edited).changed).toEqual(["eval-methods"]);
  });

  it("the evaluation tables follow docs/eval-results.md: a rerun with other numbers changes them", () => {
    const results = parseEvalResults(readFileSync(path.join(ROOT, EVAL_RESULTS), "utf8"));
    const model = results.rows.find((r) => r.variant === "" && r.method.startsWith("model"))!;
    expect(model, "docs/eval-results.md has a model row").toBeDefined();
    // The model's F1 on its first set becomes 12.3 (P and R stay: the generator copies, it does not recompute).
    const root = rootWith(EVAL_RESULTS, (text) =>
      text
        .split("\n")
        .map((line) => (line.startsWith(`| ${model.set}.jsonl | ${model.method} |`) ? line.replace(` | ${model.f1} | `, " | 12.3 | ") : line))
        .join("\n"),
    );
    const { text, changed } = regenerate(readme, root);
    expect(changed).toEqual(expect.arrayContaining(["eval-default-model", "eval-methods"]));
    expect(changed).not.toContain("bench-summary");
    expect(text).toContain("**12.3** (");
    expect(text).toContain("| **12.3** |");
  });

  it("the evaluation tables read docs/eval-results.md by column name: reordered columns give the same tables", () => {
    const swap = (line: string) => {
      if (!line.startsWith("| ")) return line;
      const cells = line.split(" | ");
      if (cells.length < 11) return line;
      [cells[4], cells[6]] = [cells[6]!, cells[4]!]; // items <-> R %
      return cells.join(" | ");
    };
    const root = rootWith(EVAL_RESULTS, (text) => {
      const lines = text.split("\n");
      const header = lines.findIndex((l) => l.startsWith("| set | method |"));
      let end = header;
      while (lines[end + 1]?.startsWith("|")) end++;
      return [...lines.slice(0, header), ...lines.slice(header, end + 1).map(swap), ...lines.slice(end + 1)].join("\n");
    });
    for (const name of ["eval-default-model", "eval-methods"]) expect(renderRegion({ name, attrs: {} }, root)).toBe(renderRegion({ name, attrs: {} }));
  });

  it("a result file without a column the tables need fails naming the file and the column", () => {
    const root = rootWith(EVAL_RESULTS, (text) => text.replace("| answer kept % |", "| kept % |"));
    expect(() => renderRegion({ name: "eval-methods", attrs: {} }, root)).toThrow(/docs\/eval-results\.md: its results table has no "answer kept %" column/);
  });

  it("the performance numbers follow bench/results: a rerun with other numbers changes them", () => {
    const root = rootWith("bench/results/default.json", (text) => {
      const json = JSON.parse(text) as { throughput: { variant: string; lang: string; docsPerS: number }[] };
      json.throughput.find((t) => t.variant === "fp32" && t.lang === "en")!.docsPerS = 4321.5;
      return JSON.stringify(json);
    });
    const { text, changed } = regenerate(readme, root);
    expect(changed).toEqual(["bench-summary"]);
    expect(text).toContain("en 4321.5 docs/s");
  });

  it("a bench result without a field the summary needs fails naming the file and the field", () => {
    const root = rootWith("bench/results/int8-ceiling.json", (text) => JSON.stringify({ ...(JSON.parse(text) as object), results: undefined }));
    expect(() => renderRegion({ name: "bench-summary", attrs: {} }, root)).toThrow(/bench\/results\/int8-ceiling\.json: has no results/);
  });

  it("a region naming a result file and a table copies that table's columns and rows", () => {
    const out = renderRegion({ name: "t", attrs: { source: "bench/results/default.md", table: "Throughput", columns: "variant|lang|docs/s", where: "variant=int8" } });
    const json = JSON.parse(readFileSync(path.join(ROOT, "bench/results/default.json"), "utf8")) as { throughput: { variant: string; lang: string; docsPerS: number }[] };
    const rows = json.throughput.filter((t) => t.variant === "int8").map((t) => `| int8 | ${t.lang} | ${t.docsPerS} |`);
    expect(out.split("\n").slice(0, 2 + rows.length)).toEqual(["| variant | lang | docs/s |", "|---|---|---|", ...rows]);
    expect(() => renderRegion({ name: "t", attrs: { source: "bench/results/default.md", table: "No such heading" } })).toThrow(/has no table under a heading/);
  });

  it("unknown, unclosed and repeated regions are errors", () => {
    expect(() => regenerate("<!-- generated:nope -->\n<!-- /generated:nope -->\n")).toThrow(/no generator for the region "nope"/);
    expect(() => findRegions("<!-- generated:eval-methods -->\n")).toThrow(/has no <!-- \/generated:eval-methods -->/);
    expect(() => findRegions("<!-- generated:a -->\n<!-- /generated:a -->\n<!-- generated:a -->\n<!-- /generated:a -->\n")).toThrow(/a second region named a/);
    expect(() => findRegions("<!-- /generated:b -->\n")).toThrow(/closes no region/);
    expect(findRegions("Quoted: `<!-- generated:NAME -->` and <!-- generated:x --> inside a line are not markers.\n")).toEqual([]);
  });
});
