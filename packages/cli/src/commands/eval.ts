/** `semantic-highlight eval <file.jsonl>`: sentence-selection metrics of a model or a baseline on an eval set. */
import { writeFile } from "node:fs/promises";

import { Command, Option } from "commander";

import { CliError } from "../errors.js";

import { loadEvalSet } from "../eval/dataset.js";
import { runEval, type EvalMethod, type EvalReport, type ScoredItem } from "../eval/run.js";
import { formatEvalReport, terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { addBackendOptions, backendFromFlags, type BackendFlags } from "../backend-flags.js";
import { loadModel } from "../model-path.js";
import { DEFAULT_SWEEP, parsePositiveInt, parseSweepList, parseThreshold } from "../options.js";
import { progressBar } from "../progress.js";
import { evalReportPage } from "../report/eval-report.js";

interface EvalFlags extends BackendFlags {
  model?: string;
  baseline?: "keep-all" | "bm25";
  threshold?: number;
  topK?: number;
  sweep?: string | true;
  limit?: number;
  lang?: string;
  json?: boolean;
  report?: string;
  progress: boolean;
}

/** The `eval` command. */
export function evalCommand(io: CliIo): Command {
  return addBackendOptions(new Command("eval"))
    .description("Score an eval set (JSONL: id, lang, query, sentences, labels, answers) and report precision/recall/F1, answer-kept rate and compression")
    .argument("[file]", "eval file in JSON Lines (e.g. ../shared/data/eval/squad-dev-en.jsonl)")
    .option("-m, --model <dir>", `model folder (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)`)
    .addOption(new Option("-b, --baseline <name>", "evaluate a model-free baseline instead of a model").choices(["keep-all", "bm25"]))
    .option("-t, --threshold <x>", "keep sentences scoring strictly above x (default: the model's threshold; BM25: 0.15)", parseThreshold)
    .option("-k, --top-k <n>", "keep at most n sentences per item (e.g. --baseline bm25 --top-k 1 --threshold 0)", parsePositiveInt)
    .option("-s, --sweep [thresholds]", `also report several thresholds from one scoring pass (comma-separated; bare: ${DEFAULT_SWEEP.join(",")})`)
    .option("-n, --limit <n>", "evaluate only the first n items", parsePositiveInt)
    .option("-l, --lang <code>", "evaluate only items of this language (en, zh)")
    .option("--json", "print one JSON object (the last line of stdout) instead of tables")
    .option("-r, --report <file.html>", "also write a self-contained HTML page: metrics, and every item's sentences coloured by score with gold, misses and false keeps marked")
    .option("--no-progress", "no progress bar (it is drawn on stderr only when stderr is a terminal)")
    .action(async (fileArg: string | undefined, flags: EvalFlags) => {
      let file = fileArg;
      let sweep: number[] | undefined;
      if (flags.sweep !== undefined) {
        if (flags.sweep === true) sweep = [...DEFAULT_SWEEP];
        else {
          const list = parseSweepList(flags.sweep);
          // `eval --sweep data.jsonl`: commander took the file as the sweep list.
          if (list === null && file === undefined) {
            file = flags.sweep;
            sweep = [...DEFAULT_SWEEP];
          } else if (list === null) throw new CliError(`--sweep: expected comma-separated thresholds, got "${flags.sweep}"`);
          else sweep = list;
        }
      }
      if (file === undefined) throw new CliError("missing the eval file: semantic-highlight eval <file.jsonl>");
      if (flags.baseline && flags.model) throw new CliError("--baseline and --model exclude each other");

      const set = await loadEvalSet(file, { lang: flags.lang, limit: flags.limit });
      for (const s of set.skipped) io.err(`semantic-highlight: warning: ${terminalLine(file)}:${s.line}: skipped item ${terminalLine(s.id)} (${terminalLine(s.reason)})\n`);
      let method: EvalMethod;
      if (flags.baseline === "keep-all") method = { kind: "keep-all" };
      else if (flags.baseline === "bm25") method = { kind: "bm25" };
      else {
        const highlighter = await loadModel(flags.model, io.env, { backend: backendFromFlags(flags) });
        method = { kind: "model", highlighter, model: highlighter.config.name ? `${highlighter.config.name} (${highlighter.modelDirectory})` : highlighter.modelDirectory };
      }
      const bar = progressBar(flags.progress ? io.progressStream : undefined, "eval");
      let report: EvalReport;
      let scored: readonly ScoredItem[] = [];
      try {
        report = await runEval({ items: set.items, method, threshold: flags.threshold, topK: flags.topK, sweep, onProgress: bar.update, file, onScored: (s) => (scored = s) });
      } finally {
        bar.stop();
        if (method.kind === "model") await method.highlighter.dispose();
      }
      if (flags.report !== undefined) {
        try {
          await writeFile(flags.report, evalReportPage(report, scored), "utf8");
        } catch (error) {
          throw new CliError(`${flags.report}: cannot write the report (${(error as Error).message})`);
        }
        io.err(`semantic-highlight: wrote the HTML report to ${terminalLine(flags.report)}\n`);
      }
      const full = { ...report, skipped: set.skipped.length };
      if (flags.json) io.out(JSON.stringify(full) + "\n");
      else io.out(formatEvalReport(report) + (set.skipped.length ? `\n${set.skipped.length} item(s) skipped (see warnings).\n` : ""));
    });
}
