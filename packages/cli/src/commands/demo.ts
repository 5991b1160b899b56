/** `semantic-highlight demo`: prune a few English and Chinese documents offline and show what is kept. */
import { bm25Highlight, type HighlightResult, type SemanticHighlighter } from "@semantic-highlight/core";
import { Command } from "commander";

import { DEMO_DOCUMENTS } from "../demo-documents.js";
import { formatKeptSentences, formatSaving, terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { loadModel } from "../model-path.js";
import { parseThreshold } from "../options.js";

interface DemoFlags {
  model?: string;
  bm25?: boolean;
  threshold?: number;
  json?: boolean;
}

/** The `demo` command. */
export function demoCommand(io: CliIo): Command {
  return new Command("demo")
    .description("Prune several English and Chinese documents offline with the default model and show the kept sentences and the token saving")
    .option("-m, --model <dir>", "model folder (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)")
    .option("--bm25", "use the model-free BM25 scorer instead of a model (default: the top-1 sentence)")
    .option("-t, --threshold <x>", "keep sentences scoring strictly above x (default: the model's threshold)", parseThreshold)
    .option("--json", "print one JSON object per document")
    .action(async (flags: DemoFlags) => {
      let highlighter: SemanticHighlighter | null = null;
      if (!flags.bm25) highlighter = await loadModel(flags.model, io.env);
      try {
        // BM25 without --threshold: the best sentence per document (the "simple BM25, top-1" baseline).
        const bm25TopK = !highlighter && flags.threshold === undefined ? 1 : undefined;
        const threshold = flags.threshold ?? highlighter?.config.threshold ?? 0;
        const source = highlighter ? `model ${terminalLine(highlighter.config.name)}` : "BM25 (no model)";
        if (!flags.json) {
          io.out(`semantic-highlight demo — ${source}, keep sentences scoring > ${threshold}${bm25TopK ? ", top-1" : ""}\n`);
          io.out(
            "The questions are paraphrased on purpose: the answer sentences share few words with them, other sentences repeat\n" +
              "their topic words, so word matching (BM25) mostly keeps the wrong sentence. The embedded default model has\n" +
              "lexical features but no pretrained knowledge, so it mostly keeps the wrong sentence too. Each document says\n" +
              "whether the model keeps the answer and what BM25 top-1 keeps; these cases show what a semantic model such as\n" +
              "zilliz/semantic-highlight-bilingual-v1 adds. `semantic-highlight eval` measures the default model on real data.\n",
          );
        }
        let before = 0;
        let after = 0;
        const tally = { answers: 0, kept: 0, bm25: 0, byLang: {} as Record<string, { answers: number; kept: number }> };
        const gets: string[] = [];
        const misses: string[] = [];
        for (const doc of DEMO_DOCUMENTS) {
          const result: HighlightResult = highlighter
            ? await highlighter.highlightOne(doc.query, doc.text, { threshold })
            : bm25Highlight(doc.query, doc.text, { threshold, topK: bm25TopK });
          before += result.compression.tokensBefore;
          after += result.compression.tokensAfter;
          const keptAnswers = doc.answerSentences.filter((i) => result.sentences[i]?.kept === true);
          // The model-free comparison: what BM25 keeps when it may keep one sentence per document.
          const bm25Top1 = highlighter ? (bm25Highlight(doc.query, doc.text, { threshold: 0, topK: 1 }).keptSentences[0]?.index ?? null) : null;
          const lang = (tally.byLang[doc.lang] ??= { answers: 0, kept: 0 });
          tally.answers += doc.answerSentences.length;
          tally.kept += keptAnswers.length;
          lang.answers += doc.answerSentences.length;
          lang.kept += keptAnswers.length;
          if (bm25Top1 !== null && doc.answerSentences.includes(bm25Top1)) tally.bm25 += 1;
          (keptAnswers.length > 0 ? gets : misses).push(
            keptAnswers.length > 0 && keptAnswers.length < doc.answerSentences.length ? `${doc.title} (${keptAnswers.length} of ${doc.answerSentences.length})` : doc.title,
          );
          if (flags.json) {
            io.out(JSON.stringify({ title: doc.title, lang: doc.lang, query: doc.query, paraphrase: doc.paraphrase, threshold, kept: result.keptSentences.map((s) => ({ index: s.index, score: s.score, text: s.text })), answerSentences: doc.answerSentences, answerSentencesKept: keptAnswers, ...(highlighter ? { bm25Top1 } : {}), compression: result.compression }) + "\n");
            continue;
          }
          io.out(`\n## ${doc.title} (${doc.lang}, ${result.sentences.length} sentences)\n`);
          io.out(`Query: ${doc.query}\n`);
          io.out(`Paraphrase: ${doc.paraphrase}\n`);
          const answerScores = doc.answerSentences.map((i) => `#${i} ${result.sentences[i]?.score.toFixed(3) ?? "?"}`).join(", ");
          io.out(`Answer: ${doc.answerHint} (${answerScores}): ${keptAnswers.length} of ${doc.answerSentences.length} kept\n`);
          if (highlighter) {
            const bm25Verdict = bm25Top1 === null ? "nothing" : `#${bm25Top1} (${doc.answerSentences.includes(bm25Top1) ? "an answer sentence" : "not an answer sentence"})`;
            io.out(`BM25 top-1 keeps ${bm25Verdict}\n`);
          }
          io.out(`Kept ${result.keptSentences.length}:\n`);
          io.out(formatKeptSentences(result));
          io.out(`Saving: ${formatSaving(result, highlighter ? "tokens" : "tokens (approx.)")}\n`);
        }
        if (!flags.json) {
          io.out(`\nAll documents: ${before} → ${after} tokens (−${before ? (((before - after) / before) * 100).toFixed(1) : "0.0"} %); answer sentences kept: ${tally.kept} of ${tally.answers}\n`);
          if (highlighter) {
            const perLang = Object.entries(tally.byLang).map(([l, t]) => `${l} ${t.kept} of ${t.answers}`).join(", ");
            io.out(`Answer sentences kept by the model: ${tally.kept} of ${tally.answers} (${perLang}); BM25 top-1 keeps ${tally.bm25} of ${tally.answers}\n`);
            io.out(`The model gets: ${gets.length ? gets.join("; ") : "none"}\n`);
            io.out(`The model misses: ${misses.length ? misses.join("; ") : "none"}\n`);
          }
        }
      } finally {
        await highlighter?.dispose();
      }
    });
}

