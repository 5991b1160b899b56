/** Parsers for option values; they throw commander's InvalidArgumentError so the message names the option. */
import { InvalidArgumentError } from "commander";

/** A threshold in [0, 1]. */
export function parseThreshold(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

/** A positive integer. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Thresholds used by a bare `--sweep`. */
export const DEFAULT_SWEEP = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** `"0.1,0.2,0.5"` → [0.1, 0.2, 0.5]; each in [0, 1]. Returns null when the text is not a number list. */
export function parseSweepList(value: string): number[] | null {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === "" || !Number.isFinite(Number(p)))) return null;
  const numbers = parts.map(Number);
  const bad = numbers.find((n) => n < 0 || n > 1);
  if (bad !== undefined) throw new InvalidArgumentError(`sweep thresholds must be in [0, 1], got ${bad}`);
  return [...new Set(numbers)];
}
