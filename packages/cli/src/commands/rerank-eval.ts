/**
 * `semantic-highlight rerank-eval <file.jsonl>`: document ranking quality of a model's ranking output on an
 * eval set (eval/ranking.ts): ROC AUC of positive vs negative items, MRR@k and hit@1 over queries shared by
 * several items. Works for rerank-only models (bge-reranker-v2-m3 family, Optimum exports) and for
 * Provence-family models with a ranking head.
 */
import { Command, InvalidArgumentError } from "commander";

import { addBackendOptions, backendFromFlags, type BackendFlags } from "../backend-flags.js";
import { loadEvalSet } from "../eval/dataset.js";
import { terminalLine } from "../format.js";
import { computeRankingMetrics, rankItems, type RankingMetrics } from "../eval/ranking.js";
import type { CliIo } from "../io.js";
import { loadModel } from "../model-path.js";
import { parsePositiveInt } from "../options.js";
import { progressBar } from "../progress.js";

interface RerankEvalFlags extends BackendFlags {
  model?: string;
  mode: string;
  maxLength?: number;
  k: number;
  limit?: number;
  lang?: string;
  json?: boolean;
  progress: boolean;
}

function parseMode(value: string): "pair" | "blocks" {
  if (value !== "pair" && value !== "blocks") throw new InvalidArgumentError(`expected "pair" or "blocks", got "${value}"`);
  return value;
}

const fmt = (x: number | null, digits = 3) => (x === null ? "n/a" : x.toFixed(digits));

/** The report as text. */
export function formatRankingMetrics(m: RankingMetrics, label: string): string {
  return (
    [
      `${label}: ${m.items} items (${m.positives} positive, ${m.negatives} negative)`,
      `ROC AUC ${fmt(m.auc)}${m.auc === null ? " (needs positive and negative items)" : ""}`,
      `MRR@${m.k} ${fmt(m.mrr)}  hit@1 ${fmt(m.hitAt1)}  over ${m.queries} queries with several items${m.queries === 0 ? " (none in this file)" : ""}`,
      `mean score: positive ${fmt(m.meanPositiveScore, 4)}, negative ${fmt(m.meanNegativeScore, 4)}`,
    ].join("\n") + "\n"
  );
}

/** The `rerank-eval` command. */
export function rerankEvalCommand(io: CliIo): Command {
  return addBackendOptions(new Command("rerank-eval"))
    .description("Document ranking quality of a model's ranking output on an eval set: ROC AUC (positive vs negative items), MRR@k over shared queries")
    .argument("<file>", "eval JSON Lines: id, lang, query, sentences, labels (an item is positive when a label is 1)")
    .option("-m, --model <dir>", "model folder, Optimum export or hub id (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)")
    .option("--mode <mode>", "pair (whole texts, truncated, as Python rerankers) or blocks (best sentence block)", parseMode, "pair")
    .option("--max-length <n>", "longest pair in tokens (default: the model's max_length)", parsePositiveInt)
    .option("-k, --k <n>", "cut-off of MRR@k", parsePositiveInt, 10)
    .option("-n, --limit <n>", "use only the first n items", parsePositiveInt)
    .option("-l, --lang <code>", "use only items of this language")
    .option("--json", "print one JSON object instead of text")
    .option("--no-progress", "no progress bar")
    .action(async (file: string, flags: RerankEvalFlags) => {
      const set = await loadEvalSet(file, { ...(flags.lang ? { lang: flags.lang } : {}), ...(flags.limit ? { limit: flags.limit } : {}) });
      const highlighter = await loadModel(flags.model, io.env, { backend: backendFromFlags(flags) });
      const bar = progressBar(flags.progress ? io.progressStream : undefined, "rerank-eval");
      let metrics: RankingMetrics;
      const started = performance.now();
      try {
        const ranked = await rankItems(highlighter, set.items, {
          mode: flags.mode as "pair" | "blocks",
          ...(flags.maxLength !== undefined ? { maxLength: flags.maxLength } : {}),
          onProgress: bar.update,
        });
        metrics = computeRankingMetrics(ranked, flags.k);
      } finally {
        bar.stop();
        await highlighter.dispose();
      }
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        io.out(`${JSON.stringify({ file, model: highlighter.modelDirectory, mode: flags.mode, seconds, ...metrics })}\n`);
        return;
      }
      io.out(formatRankingMetrics(metrics, `${terminalLine(file)} (${terminalLine(highlighter.config.name)}, ${flags.mode} mode, ${seconds.toFixed(1)} s)`));
    });
}
