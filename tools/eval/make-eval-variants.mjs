// Writes derived eval sets next to nothing in the repository (default: $TMPDIR/semantic-highlight-eval-variants):
//
//   <set>.jsonl          a copy of the visible set (so one folder holds everything the table evaluates)
//   <set>.unpunct.jsonl  every sentence without its sentence-final punctuation (trailing whitespace cut, then
//                        terminators . ! ? 。 ！ ？ ； ; … removed, closing quotes/brackets after them kept) and
//                        ending with "\n": sentences joined by newlines. Labels, ids and answers unchanged.
//   <set>.hard.jsonl     the lexically hard subset: positive items where BM25 top-1 (core's Bm25SentenceScorer
//                        with default options, selectSentences topK 1 threshold 0: what
//                        `semantic-highlight eval --baseline bm25 --top-k 1 --threshold 0` keeps) keeps no
//                        sentence labelled 1.
//
//   node tools/eval/make-eval-variants.mjs [--data DIR] [--out DIR]
//
// Needs the built core package (`npm run build`). The source data stay in ../shared/data/eval; nothing here is
// meant to be committed (issue 11).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Bm25SentenceScorer, selectSentences } from "@semantic-highlight/core/internal";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
export const defaultVariantsDir = () => path.join(os.tmpdir(), "semantic-highlight-eval-variants");
const dataDir = path.resolve(root, arg("--data", process.env.EVAL_DATA ?? "../shared/data/eval"));
const outDir = path.resolve(arg("--out", process.env.EVAL_VARIANTS ?? defaultVariantsDir()));

// Same rule as strip_final_punct in tools/model/train_default.py.
const FINAL_PUNCT = /[.!?\u3002\uff01\uff1f\uff1b;\u2026]+(["'\u201d\u2019\u300d\u300f\uff09)\]]*)$/u;

/** "It works.  " -> "It works"; '他说："好。"' -> '他说："好"'. */
export function stripFinalPunct(sentence) {
  const t = sentence.trimEnd();
  const m = FINAL_PUNCT.exec(t);
  return m ? t.slice(0, m.index) + m[1] : t;
}

/** The item with every sentence unpunctuated and newline-terminated; labels unchanged. */
export function unpunctuate(item) {
  return { ...item, sentences: item.sentences.map((s) => `${stripFinalPunct(s)}\n`) };
}

/** True when BM25 top-1 keeps no sentence labelled 1 (positive items only). */
export function bm25Top1Misses(item, scorer) {
  if (!item.labels.includes(1) || item.query.trim() === "") return false;
  const scores = scorer.score(item.query, item.sentences);
  const { reasons } = selectSentences(scores, scores.map(() => 0), { threshold: 0, topK: 1 });
  return !reasons.some((r, i) => r !== null && item.labels[i] === 1);
}

function main() {
  const files = readdirSync(dataDir).filter((f) => f.endsWith(".jsonl") && !/\.(unpunct|hard)\.jsonl$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no .jsonl files in ${dataDir}`);
  mkdirSync(outDir, { recursive: true });
  const scorer = new Bm25SentenceScorer();
  for (const file of files) {
    const lines = readFileSync(path.join(dataDir, file), "utf8").split("\n").filter((l) => l.trim() !== "");
    const items = lines.map((l) => JSON.parse(l));
    const base = file.replace(/\.jsonl$/, "");
    const hard = items.filter((it) => bm25Top1Misses(it, scorer));
    writeFileSync(path.join(outDir, file), lines.join("\n") + "\n");
    writeFileSync(path.join(outDir, `${base}.unpunct.jsonl`), items.map((it) => JSON.stringify(unpunctuate(it))).join("\n") + "\n");
    writeFileSync(path.join(outDir, `${base}.hard.jsonl`), hard.map((it) => JSON.stringify(it)).join("\n") + "\n");
    const positives = items.filter((it) => it.labels.includes(1)).length;
    process.stderr.write(`${file}: ${items.length} items; unpunctuated copy; hard subset ${hard.length} of ${positives} positive items\n`);
  }
  process.stderr.write(`wrote ${outDir}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
