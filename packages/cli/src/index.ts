/**
 * semantic-highlight — the command line of the project, and its programmatic pieces:
 *
 * ```ts
 * import { loadEvalSet, runEval, formatEvalReport } from "semantic-highlight";
 * const { items } = await loadEvalSet("squad-dev-en.jsonl", { limit: 100 });
 * const report = await runEval({ items, method: { kind: "bm25" }, topK: 1, threshold: 0 });
 * console.log(report.f1, report.answerKept, report.compression);
 * ```
 */
export { createProgram, runCli, VERSION } from "./program.js";
export { CliError } from "./errors.js";
export { memoryIo, processIo } from "./io.js";
export type { CliIo } from "./io.js";
export { bundledModelDirectory, loadModel, MODEL_ENV, resolveModel } from "./model-path.js";
export { EvalDataError, evalItemProblem, isPositive, loadEvalSet, parseEvalJsonl } from "./eval/dataset.js";
export type { EvalItem, EvalSet, LoadEvalSetOptions, SkippedItem } from "./eval/dataset.js";
export { computeMetrics, groupMetrics, keptCharacters, precisionRecallF1 } from "./eval/metrics.js";
export type { EvalMetrics, GroupMetrics, ItemOutcome, NegativeMetrics } from "./eval/metrics.js";
export { defaultThreshold, runEval, scoreItems, selectOutcomes } from "./eval/run.js";
export type { EvalMethod, EvalReport, RunEvalOptions, ScoredItem, SelectionSetting, SweepRow } from "./eval/run.js";
export { describeMethod, formatEvalReport, formatKeptSentences, formatSaving, markdownTable, pct, renderHighlighted } from "./format.js";
export { DEFAULT_SWEEP, parsePositiveInt, parseSweepList, parseThreshold } from "./options.js";
export { DEMO_DOCUMENTS } from "./demo-documents.js";
export type { DemoDocument } from "./demo-documents.js";
export { calibrate, readCalibrationFile, roundThreshold, writeThreshold } from "./commands/calibrate.js";
export type { Calibration, CalibrationCriterion } from "./commands/calibrate.js";
