/**
 * `semantic-highlight demo` with the embedded default model (models/default): besides the kept sentences, it says
 * per document what BM25 top-1 keeps (core's model-free baseline), tallies the answer sentences the model keeps
 * per language against BM25 top-1, and lists the cases the model gets and misses (issue 21: show honestly what
 * the model does on paraphrases).
 */
import { fileURLToPath } from "node:url";
import path from "node:path";
import { bm25Highlight } from "@semantic-highlight/core";
import { describe, expect, it } from "vitest";

import { DEMO_DOCUMENTS } from "../demo-documents.js";
import { memoryIo } from "../io.js";
import { runCli } from "../program.js";

const defaultModel = path.join(fileURLToPath(new URL("../../../../", import.meta.url)), "models/default");

async function run(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout };
}

interface DemoLine {
  title: string;
  lang: string;
  answerSentences: number[];
  answerSentencesKept: number[];
  bm25Top1: number | null;
}

describe("semantic-highlight demo with the default model", () => {
  it("--json gives per document the sentence BM25 top-1 keeps, as core's bm25Highlight computes it", async () => {
    const { code, stdout } = await run(["demo", "--model", defaultModel, "--json"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as DemoLine);
    expect(lines.map((l) => l.title)).toEqual(DEMO_DOCUMENTS.map((d) => d.title));
    for (const [i, doc] of DEMO_DOCUMENTS.entries()) {
      const top1 = bm25Highlight(doc.query, doc.text, { threshold: 0, topK: 1 }).keptSentences[0]?.index ?? null;
      expect(lines[i]!.bm25Top1, doc.title).toBe(top1);
      expect(typeof lines[i]!.bm25Top1, doc.title).toBe("number");
    }
  });

  it("says per document what BM25 top-1 keeps, tallies both per language, and lists the cases the model gets and misses", async () => {
    const json = (await run(["demo", "--model", defaultModel, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as DemoLine);
    const { code, stdout } = await run(["demo", "--model", defaultModel]);
    expect(code).toBe(0);
    const verdicts = [...stdout.matchAll(/^BM25 top-1 keeps #(\d+) \((an answer sentence|not an answer sentence)\)$/gm)];
    expect(verdicts).toHaveLength(DEMO_DOCUMENTS.length);
    for (const [i, l] of json.entries()) {
      expect(Number(verdicts[i]![1])).toBe(l.bm25Top1);
      expect(verdicts[i]![2]).toBe(l.answerSentences.includes(l.bm25Top1!) ? "an answer sentence" : "not an answer sentence");
    }
    const count = (ls: DemoLine[], f: (l: DemoLine) => number) => ls.reduce((n, l) => n + f(l), 0);
    const kept = (lang: string) => count(json.filter((l) => l.lang === lang), (l) => l.answerSentencesKept.length);
    const answers = (lang: string) => count(json.filter((l) => l.lang === lang), (l) => l.answerSentences.length);
    const bm25 = count(json, (l) => (l.answerSentences.includes(l.bm25Top1!) ? 1 : 0));
    const total = answers("en") + answers("zh");
    expect(stdout).toContain(
      `Answer sentences kept by the model: ${kept("en") + kept("zh")} of ${total} (en ${kept("en")} of ${answers("en")}, zh ${kept("zh")} of ${answers("zh")}); BM25 top-1 keeps ${bm25} of ${total}\n`,
    );
    const gets = /^The model gets: (.*)$/m.exec(stdout)![1]!;
    const misses = /^The model misses: (.*)$/m.exec(stdout)![1]!;
    for (const l of json) {
      const list = l.answerSentencesKept.length > 0 ? gets : misses;
      const other = l.answerSentencesKept.length > 0 ? misses : gets;
      expect(list.split("; ").filter((t) => t.startsWith(l.title)), l.title).toHaveLength(1);
      expect(other.split("; ").filter((t) => t.startsWith(l.title)), l.title).toHaveLength(0);
    }
    // the introduction describes the model that is committed: lexical features, no pretrained word vectors
    expect(stdout).toContain("The embedded default model has\nlexical features but no pretrained knowledge");
    expect(stdout).not.toContain("GloVe");
  });
});
