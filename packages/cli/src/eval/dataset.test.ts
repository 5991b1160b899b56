import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { CliError } from "../errors.js";
import { EvalDataError, evalItemProblem, isPositive, loadEvalSet, parseEvalJsonl } from "./dataset.js";

const good = { id: "a", lang: "en", query: "Who?", sentences: ["One. ", "Two."], labels: [0, 1], answers: ["Two"] };
const line = (value: unknown) => JSON.stringify(value);

function errorOf(fn: () => unknown): EvalDataError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EvalDataError) return error;
    throw error;
  }
  throw new Error("expected an EvalDataError");
}

describe("parseEvalJsonl", () => {
  it("parses valid lines, skips blank lines and keeps line numbers", () => {
    const items = parseEvalJsonl(`${line(good)}\n\n${line({ ...good, id: "b" })}\r\n`, "set.jsonl");
    expect(items.map((i) => [i.id, i.line])).toEqual([
      ["a", 1],
      ["b", 3],
    ]);
    expect(items[0]).toMatchObject({ lang: "en", query: "Who?", sentences: ["One. ", "Two."], labels: [0, 1], answers: ["Two"] });
  });

  it("reports file:line for invalid JSON", () => {
    const error = errorOf(() => parseEvalJsonl(`${line(good)}\n{"id": "b",`, "set.jsonl"));
    expect(error.message).toMatch(/^set\.jsonl:2: not valid JSON/);
    expect(error.line).toBe(2);
  });

  it.each([
    [[1, 2], "expected a JSON object"],
    [{ ...good, id: "" }, `"id" must be a non-empty string`],
    [{ ...good, lang: "English" }, `"lang" must be a language code`],
    [{ ...good, query: 5 }, `"query" must be a string`],
    [{ ...good, sentences: [] }, `"sentences" must be a non-empty array of strings`],
    [{ ...good, sentences: ["a", 3] }, `"sentences"[1] must be a string`],
    [{ ...good, labels: [0] }, `"labels" has 1 entries but "sentences" has 2`],
    [{ ...good, labels: [0, 2] }, `"labels"[1] must be 0 or 1 (got 2)`],
    [{ ...good, labels: [0, true] }, `"labels"[1] must be 0 or 1 (got true)`],
    [{ ...good, answers: "Two" }, `"answers" must be an array of strings`],
  ])("rejects %j", (value, message) => {
    const error = errorOf(() => parseEvalJsonl(`${line(good)}\n${line(good)}\n${line(value)}`, "x.jsonl"));
    expect(error.message.startsWith(`x.jsonl:3: ${message}`)).toBe(true);
  });

  it("accepts a missing answers field and rejects an empty file", () => {
    const { answers: _answers, ...noAnswers } = good;
    expect(evalItemProblem(noAnswers)).toBeNull();
    expect(parseEvalJsonl(line(noAnswers))[0]!.answers).toEqual([]);
    expect(() => parseEvalJsonl("\n\n", "empty.jsonl")).toThrow(/empty\.jsonl: no items/);
  });

  it("tells positive items from negatives", () => {
    expect(isPositive({ labels: [0, 1] })).toBe(true);
    expect(isPositive({ labels: [0, 0] })).toBe(false);
  });
});

describe("loadEvalSet", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "sh-eval-"));

  it("filters by language, skips empty queries (reported) and applies the limit", async () => {
    const file = path.join(dir, "mixed.jsonl");
    const rows = [good, { ...good, id: "z1", lang: "zh" }, { ...good, id: "e2", query: "  " }, { ...good, id: "e3" }, { ...good, id: "e4" }];
    writeFileSync(file, rows.map(line).join("\n"));
    const set = await loadEvalSet(file, { lang: "en", limit: 2 });
    expect(set.items.map((i) => i.id)).toEqual(["a", "e3"]);
    expect(set.skipped).toEqual([{ id: "e2", line: 3, reason: "empty query" }]);
    await expect(loadEvalSet(file, { lang: "fr" })).rejects.toThrow(/no items with lang "fr"/);
  });

  it("reports a missing file and a folder clearly", async () => {
    await expect(loadEvalSet(path.join(dir, "nope.jsonl"))).rejects.toThrow(CliError);
    await expect(loadEvalSet(path.join(dir, "nope.jsonl"))).rejects.toThrow(/nope\.jsonl: no such file/);
    await expect(loadEvalSet(dir)).rejects.toThrow(/is a folder/);
  });
});
