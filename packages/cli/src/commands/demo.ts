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
              "their topic words. Word matching (BM25, and the embedded default model, which has lexical features but no\n" +
              "pretrained knowledge) mostly keeps the wrong sentence here; these cases show what a semantic model such as\n" +
              "zilliz/semantic-highlight-bilingual-v1 adds. `semantic-highlight eval` measures the default model on real data.\n",
          );
        }
        let before = 0;
        let after = 0;
        let answers = 0;
        let answersKept = 0;
        for (const doc of DEMO_DOCUMENTS) {
          const result: HighlightResult = highlighter
            ? await highlighter.highlightOne(doc.query, doc.text, { threshold })
            : bm25Highlight(doc.query, doc.text, { threshold, topK: bm25TopK });
          before += result.compression.tokensBefore;
          after += result.compression.tokensAfter;
          const keptAnswers = doc.answerSentences.filter((i) => result.sentences[i]?.kept === true);
          answers += doc.answerSentences.length;
          answersKept += keptAnswers.length;
          if (flags.json) {
            io.out(JSON.stringify({ title: doc.title, lang: doc.lang, query: doc.query, paraphrase: doc.paraphrase, threshold, kept: result.keptSentences.map((s) => ({ index: s.index, score: s.score, text: s.text })), answerSentences: doc.answerSentences, answerSentencesKept: keptAnswers, compression: result.compression }) + "\n");
            continue;
          }
          io.out(`\n## ${doc.title} (${doc.lang}, ${result.sentences.length} sentences)\n`);
          io.out(`Query: ${doc.query}\n`);
          io.out(`Paraphrase: ${doc.paraphrase}\n`);
          const answerScores = doc.answerSentences.map((i) => `#${i} ${result.sentences[i]?.score.toFixed(3) ?? "?"}`).join(", ");
          io.out(`Answer: ${doc.answerHint} (${answerScores}): ${keptAnswers.length} of ${doc.answerSentences.length} kept\n`);
          io.out(`Kept ${result.keptSentences.length}:\n`);
          io.out(formatKeptSentences(result));
          io.out(`Saving: ${formatSaving(result, highlighter ? "tokens" : "tokens (approx.)")}\n`);
        }
        if (!flags.json) {
          io.out(`\nAll documents: ${before} → ${after} tokens (−${before ? (((before - after) / before) * 100).toFixed(1) : "0.0"} %); answer sentences kept: ${answersKept} of ${answers}\n`);
        }
      } finally {
        await highlighter?.dispose();
      }
    });
}

