/**
 * Strict option checking shared by core and the adapters: unknown option names are refused with the
 * closest known name as a suggestion (`thresold` → `threshold`, `top_k` → `topK`), and values are described
 * with their type in messages (`"3"` reads as a string, not as 3).
 */
import { InvalidInputError } from "../errors.js";
import type { HighlightOptions } from "./types.js";

/** Every option name `highlight` accepts (per call or as defaults). */
export const HIGHLIGHT_OPTION_NAMES = [
  "threshold",
  "topK",
  "tokenBudget",
  "neighbors",
  "minSentences",
  "keepFirst",
  "aggregation",
  "separator",
  "sortByRerankScore",
  "rerankScoreSource",
  "maxLength",
  "fragmentLength",
  "batchSize",
  "maxBatchTokens",
  "maxPaddingRatio",
  "smallBatchTokens",
  "segmentation",
  "signal",
  "timeoutMs",
] as const satisfies readonly (keyof HighlightOptions)[];

/** A value for an error message, with its type where it could mislead: `the string "3"`, `null`, `object`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" || typeof value === "function") return typeof value;
  return String(value);
}

/** Edit distance between two names, compared case-insensitively and without `_` / `-` (so `top_k` ≈ `topK`). */
function distance(a: string, b: string): number {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const x = norm(a);
  const y = norm(b);
  const row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (x[i - 1] === y[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[y.length]!;
}

/** The known name closest to `name`, or `undefined` when none is close (more than a third of it differs). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Throws {@link InvalidInputError} when `options` has a key outside `known`, naming it and the closest
 * known name. `label` says what the options belong to, e.g. "highlight option".
 */
export function checkOptionNames(options: object, known: readonly string[], label = "option"): void {
  for (const [key, value] of Object.entries(options)) {
    // An unknown name set to undefined changes nothing (e.g. a spread of optional flags): let it pass.
    if (known.includes(key) || value === undefined) continue;
    const suggestion = closestName(key, known);
    throw new InvalidInputError(
      `unknown ${label} "${key}"${suggestion ? ` — did you mean "${suggestion}"?` : ""} (known: ${[...known].sort().join(", ")})`,
    );
  }
}

/** Throws {@link InvalidInputError} unless `value` is undefined or a boolean. */
export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new InvalidInputError(`${name} must be true or false (got ${describeValue(value)})`);
  }
}

/** The entries of `value` that are not `undefined` (so a spread cannot override a default with `undefined`). */
export function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
