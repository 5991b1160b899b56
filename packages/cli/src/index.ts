/**
 * semantic-highlight — the command line of the project. Its programmatic API is what a script needs to run the
 * CLI in-process and to evaluate models and baselines on sentence-relevance sets; highlighting itself is
 * `@semantic-highlight/core`'s API.
 *
 * ```ts
 * import { loadEvalSet, runEval, formatEvalReport } from "semantic-highlight";
 * const { items } = await loadEvalSet("squad-dev-en.jsonl", { limit: 100 });
 * const report = await runEval({ items, method: { kind: "bm25" }, topK: 1, threshold: 0 });
 * console.log(report.f1, report.answerKept, report.compression);
 * ```
 *
 * @packageDocumentation
 */

// Running the CLI in-process (tests, wrappers): arguments in, exit code out, output through a CliIo.
export { runCli } from "./program.js";
export { CliError } from "./errors.js";
export { memoryIo, processIo } from "./io.js";
export type { CliIo } from "./io.js";

// Evaluation: the eval format, one call per item, the metrics and their report.
export { EvalDataError, loadEvalSet, parseEvalJsonl } from "./eval/dataset.js";
export type { EvalItem, EvalSet, LoadEvalSetOptions, SkippedItem } from "./eval/dataset.js";
export { computeMetrics } from "./eval/metrics.js";
export type { EvalMetrics, GroupMetrics, ItemOutcome, NegativeMetrics } from "./eval/metrics.js";
export { runEval } from "./eval/run.js";
export type { EvalMethod, EvalReport, RunEvalOptions, ScoredItem, SweepRow } from "./eval/run.js";
export { formatEvalReport } from "./format.js";
