/**
 * `semantic-highlight calibrate <file.jsonl>`: picks a keep threshold for a model on your own data.
 *
 * Scores every item once (the eval format; `labels` optional), then tries every threshold that changes the
 * selection (each distinct sentence score) and picks one by the chosen criterion:
 * - `--target-compression x`: the lowest threshold that removes at least x of all characters (most recall
 *   for that saving) — works on files without labels;
 * - `--target-recall x`: the highest threshold that keeps at least x of the relevant sentences (most saving
 *   for that recall) — needs labels;
 * - `--max-f1` (default when the file has labels): the best sentence F1 (ties: more compression).
 * Prints the threshold with precision / recall / F1 / compression; `--write-config` writes it into the
 * model folder's `highlight_config.json` (`threshold`), keeping every other field.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { CONFIG_FILE } from "@semantic-highlight/core/internal";
import { Command, InvalidArgumentError } from "commander";

import { addBackendOptions, backendFromFlags, type BackendFlags } from "../backend-flags.js";
import { CliError } from "../errors.js";
import { EvalDataError, evalItemProblem, parseJsonLines, readDataFile, type EvalItem } from "../eval/dataset.js";
import { computeMetrics, type EvalMetrics } from "../eval/metrics.js";
import { scoreItems, selectOutcomes, type ScoredItem } from "../eval/run.js";
import type { CliIo } from "../io.js";
import { loadModel } from "../model-path.js";
import { parsePositiveInt } from "../options.js";
import { progressBar } from "../progress.js";

interface CalibrateFlags extends BackendFlags {
  model?: string;
  targetCompression?: number;
  targetRecall?: number;
  maxF1?: boolean;
  writeConfig?: boolean;
  limit?: number;
  lang?: string;
  json?: boolean;
  progress: boolean;
}

/** How the threshold is chosen. */
export type CalibrationCriterion = { kind: "target-compression"; target: number } | { kind: "target-recall"; target: number } | { kind: "max-f1" };

/** The chosen threshold and what it gives on the file. */
export interface Calibration {
  criterion: CalibrationCriterion;
  threshold: number;
  /** Whether the file has labels (else precision, recall and F1 are null). */
  labeled: boolean;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Share of positive items whose relevant sentences are all kept (null without labels). */
  answerKept: number | null;
  /** Share of characters removed over all items. */
  compression: number;
  /** Whether the target was reached (false: the closest threshold is reported). */
  reached: boolean;
  items: number;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

/** Reads an eval-format JSONL file whose `labels` may be missing (then every label is 0 and `labeled` is false). */
export async function readCalibrationFile(file: string, options: { lang?: string; limit?: number } = {}): Promise<{ items: EvalItem[]; labeled: boolean }> {
  const text = await readDataFile(file);
  let items: EvalItem[] = [];
  let withLabels = 0;
  parseJsonLines(text, file).forEach(({ value, line }) => {
    const v = value as Record<string, unknown>;
    const hasLabels = v !== null && typeof v === "object" && v.labels !== undefined;
    if (hasLabels) withLabels++;
    const filled = v !== null && typeof v === "object" && !hasLabels && Array.isArray(v.sentences) ? { ...v, labels: v.sentences.map(() => 0) } : v;
    const problem = evalItemProblem(filled);
    if (problem) throw new EvalDataError(file, line, problem);
    const item = filled as unknown as EvalItem;
    items.push({ id: item.id, lang: item.lang, query: item.query, sentences: [...item.sentences], labels: [...item.labels], answers: [], line });
  });
  if (items.length === 0) throw new CliError(`${file}: no items (the file is empty)`);
  if (withLabels !== 0 && withLabels !== items.length) throw new CliError(`${file}: ${withLabels} of ${items.length} items have "labels": give labels on every line or on none`);
  if (options.lang !== undefined) items = items.filter((item) => item.lang === options.lang);
  items = items.filter((item) => item.query.trim() !== "");
  if (items.length === 0) throw new CliError(`${file}: no item with a query${options.lang ? ` and lang "${options.lang}"` : ""}`);
  if (options.limit !== undefined) items = items.slice(0, options.limit);
  return { items, labeled: withLabels > 0 };
}

/** The shortest decimal in [low, high) (so a written threshold selects exactly as `low` does). */
export function roundThreshold(low: number, high: number): number {
  for (let digits = 1; digits <= 12; digits++) {
    const scale = 10 ** digits;
    const value = Math.ceil(low * scale) / scale;
    if (value >= low && value < high) return value;
  }
  return low;
}

/** Thresholds that change the selection: 0 and every distinct score below 1 (at most ~2,000, by quantile). */
function candidateThresholds(scored: readonly ScoredItem[]): number[] {
  const distinct = [...new Set(scored.flatMap((s) => s.scores).filter((x) => x >= 0 && x < 1))].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(distinct.length / 2000));
  const picked = distinct.filter((_, i) => i % step === 0);
  const bounds = [0, ...picked].filter((x, i, all) => i === 0 || x > all[i - 1]!);
  return bounds.map((low, i) => roundThreshold(low, i + 1 < bounds.length ? bounds[i + 1]! : 1));
}

/** Picks a threshold on stored scores by `criterion`. Pure. */
export function calibrate(scored: readonly ScoredItem[], criterion: CalibrationCriterion, labeled: boolean): Calibration {
  if (!labeled && criterion.kind !== "target-compression") {
    throw new CliError(`--${criterion.kind} needs labels in the file; without labels use --target-compression x`);
  }
  const rows = candidateThresholds(scored).map((threshold) => ({ threshold, metrics: computeMetrics(selectOutcomes(scored, { threshold })) }));
  const compression = (m: EvalMetrics) => m.compressionAll;
  let chosen: (typeof rows)[number];
  let reached = true;
  if (criterion.kind === "target-compression") {
    const ok = rows.filter((r) => compression(r.metrics) >= criterion.target);
    reached = ok.length > 0;
    chosen = reached ? ok[0]! : rows.reduce((a, b) => (compression(b.metrics) > compression(a.metrics) ? b : a));
  } else if (criterion.kind === "target-recall") {
    const ok = rows.filter((r) => r.metrics.recall >= criterion.target);
    reached = ok.length > 0;
    chosen = reached ? ok[ok.length - 1]! : rows[0]!;
  } else {
    chosen = rows.reduce((a, b) => (b.metrics.f1 > a.metrics.f1 || (b.metrics.f1 === a.metrics.f1 && compression(b.metrics) > compression(a.metrics)) ? b : a));
  }
  const m = chosen.metrics;
  return {
    criterion,
    threshold: chosen.threshold,
    labeled,
    precision: labeled ? m.precision : null,
    recall: labeled ? m.recall : null,
    f1: labeled ? m.f1 : null,
    answerKept: labeled ? m.answerKept : null,
    compression: compression(m),
    reached,
    items: scored.length,
  };
}

/** Writes `threshold` into `<directory>/highlight_config.json`, keeping every other field. */
export async function writeThreshold(directory: string, threshold: number): Promise<string> {
  const file = path.join(directory, CONFIG_FILE);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${file}: cannot read the model config (${(error as Error).message})`);
  }
  if (!(threshold >= 0 && threshold < 1)) throw new CliError(`threshold ${threshold} cannot be written: ${CONFIG_FILE} needs a number in [0, 1)`);
  try {
    await writeFile(file, `${JSON.stringify({ ...config, threshold }, null, 2)}\n`, "utf8");
  } catch (error) {
    throw new CliError(`${file}: cannot write the model config (${(error as Error).message})`);
  }
  return file;
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)} %`);

/** The `calibrate` command. */
export function calibrateCommand(io: CliIo): Command {
  return addBackendOptions(new Command("calibrate"))
    .description("Pick a keep threshold on your data (eval JSONL; labels optional with --target-compression) and optionally write it into the model's highlight_config.json")
    .argument("<file>", "JSON Lines: id, lang, query, sentences[, labels]")
    .option("-m, --model <dir>", "model folder (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)")
    .option("--target-compression <x>", "lowest threshold removing at least x (0..1) of all characters; labels not needed", parseFraction)
    .option("--target-recall <x>", "highest threshold keeping at least x (0..1) of the relevant sentences", parseFraction)
    .option("--max-f1", "the threshold with the best sentence F1 (default when the file has labels)")
    .option("--write-config", "write the chosen threshold into the model folder's highlight_config.json")
    .option("-n, --limit <n>", "use only the first n items", parsePositiveInt)
    .option("-l, --lang <code>", "use only items of this language")
    .option("--json", "print one JSON object instead of text")
    .option("--no-progress", "no progress bar")
    .action(async (file: string, flags: CalibrateFlags) => {
      const given = [flags.targetCompression !== undefined, flags.targetRecall !== undefined, flags.maxF1 === true].filter(Boolean).length;
      if (given > 1) throw new CliError("choose one of --target-compression, --target-recall and --max-f1");
      const { items, labeled } = await readCalibrationFile(file, { lang: flags.lang, limit: flags.limit });
      const criterion: CalibrationCriterion =
        flags.targetCompression !== undefined
          ? { kind: "target-compression", target: flags.targetCompression }
          : flags.targetRecall !== undefined
            ? { kind: "target-recall", target: flags.targetRecall }
            : { kind: "max-f1" };
      if (!labeled && criterion.kind !== "target-compression") {
        throw new CliError(`${file} has no labels: use --target-compression x (the share of characters to remove), or add "labels" to the items`);
      }
      const highlighter = await loadModel(flags.model, io.env, { backend: backendFromFlags(flags) });
      const bar = progressBar(flags.progress ? io.progressStream : undefined, "calibrate");
      let result: Calibration;
      try {
        const { scored } = await scoreItems(items, { kind: "model", highlighter }, bar.update);
        result = calibrate(scored, criterion, labeled);
      } finally {
        bar.stop();
        await highlighter.dispose();
      }
      let written: string | undefined;
      if (flags.writeConfig) written = await writeThreshold(highlighter.modelDirectory, result.threshold);
      if (flags.json) {
        io.out(`${JSON.stringify({ ...result, model: highlighter.modelDirectory, previousThreshold: highlighter.config.threshold, ...(written ? { wrote: written } : {}) })}\n`);
        return;
      }
      const goal = criterion.kind === "max-f1" ? "best F1" : `${criterion.kind.replace("target-", "")} ≥ ${pct(criterion.target)}`;
      io.out(
        [
          `threshold ${result.threshold}  (${goal}${result.reached ? "" : ": not reachable, closest shown"}; model default ${highlighter.config.threshold}; ${result.items} items)`,
          `precision ${pct(result.precision)}  recall ${pct(result.recall)}  F1 ${pct(result.f1)}  answer kept ${pct(result.answerKept)}  compression ${pct(result.compression)}`,
          ...(labeled ? [] : ["(no labels in the file: precision, recall and F1 cannot be measured)"]),
          ...(written ? [`wrote threshold ${result.threshold} to ${written}`] : []),
        ].join("\n") + "\n",
      );
    });
}
