/**
 * The project's sentence-relevance eval format (../shared/data/eval/*.jsonl): one JSON object per line
 * with `id`, `lang`, `query`, `sentences` (concatenating to the document), `labels` (0/1 per sentence)
 * and `answers`. Every line is validated; problems are reported as `file:line: what is wrong`.
 */
import { readFile } from "node:fs/promises";

import { CliError } from "../errors.js";

/** One evaluation item. */
export interface EvalItem {
  /** Unique id of the item in its set. */
  id: string;
  /** Language code (`"en"`, `"zh"`). */
  lang: string;
  /** The question. */
  query: string;
  /** The document, pre-split into sentences (whitespace kept: their concatenation is the document). */
  sentences: string[];
  /** One 0/1 per sentence; 1 = the sentence holds (part of) the gold answer. */
  labels: (0 | 1)[];
  /** Gold answer strings (may be empty). */
  answers: string[];
  /** 1-based line of the item in its file, when it was read from one. */
  line?: number;
}

/** A valid line that cannot be evaluated (for example an empty query: the model needs a question). */
export interface SkippedItem {
  /** The item's id. */
  id: string;
  /** 1-based line in the file. */
  line: number;
  /** Why it was left out. */
  reason: string;
}

/** A loaded eval file. */
export interface EvalSet {
  /** The file read. */
  file: string;
  /** Items to evaluate, in file order (after the language filter and limit). */
  items: EvalItem[];
  /** Valid lines left out, with why (counted before `limit`). */
  skipped: SkippedItem[];
}

/** A line of an eval file is not a valid item; the message starts with `file:line:`. */
export class EvalDataError extends CliError {
  /** The eval file. */
  readonly file: string;
  /** 1-based line of the bad item. */
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = "EvalDataError";
    this.file = file;
    this.line = line;
  }
}

const LANG = /^[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*$/;

/** Validates one parsed line; returns the problem, or null when the value is a valid item. */
export function evalItemProblem(value: unknown): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "expected a JSON object";
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || v.id === "") return `"id" must be a non-empty string`;
  if (typeof v.lang !== "string" || !LANG.test(v.lang)) return `"lang" must be a language code such as "en" or "zh" (got ${JSON.stringify(v.lang)})`;
  if (typeof v.query !== "string") return `"query" must be a string`;
  if (!Array.isArray(v.sentences) || v.sentences.length === 0) return `"sentences" must be a non-empty array of strings`;
  const badSentence = v.sentences.findIndex((s) => typeof s !== "string");
  if (badSentence >= 0) return `"sentences"[${badSentence}] must be a string`;
  if (!Array.isArray(v.labels)) return `"labels" must be an array of 0/1`;
  if (v.labels.length !== v.sentences.length) return `"labels" has ${v.labels.length} entries but "sentences" has ${v.sentences.length}`;
  const badLabel = v.labels.findIndex((l) => l !== 0 && l !== 1);
  if (badLabel >= 0) return `"labels"[${badLabel}] must be 0 or 1 (got ${JSON.stringify(v.labels[badLabel])})`;
  if (v.answers !== undefined && (!Array.isArray(v.answers) || !v.answers.every((a) => typeof a === "string"))) {
    return `"answers" must be an array of strings`;
  }
  return null;
}

/**
 * Parses the text of an eval JSONL file. Blank lines are skipped; any other invalid line throws an
 * {@link EvalDataError} naming `file:line`. Items with an empty query are valid lines (the public CMRC
 * trial set has two) but cannot be evaluated: {@link loadEvalSet} skips them and reports them.
 */
export function parseEvalJsonl(text: string, file = "<input>"): EvalItem[] {
  const items: EvalItem[] = [];
  parseJsonLines(text, file).forEach(({ value, line }) => {
    const problem = evalItemProblem(value);
    if (problem) throw new EvalDataError(file, line, problem);
    const v = value as EvalItem;
    items.push({ id: v.id, lang: v.lang, query: v.query, sentences: [...v.sentences], labels: [...v.labels], answers: v.answers ? [...v.answers] : [], line });
  });
  if (items.length === 0) throw new CliError(`${file}: no items (the file is empty)`);
  return items;
}

/** One parsed line of a JSONL file, with its 1-based line number. */
export interface JsonLine {
  value: unknown;
  line: number;
}

/** Parses every non-blank line of a JSONL text (CRLF accepted); a line that is not JSON throws {@link EvalDataError}. */
export function parseJsonLines(text: string, file = "<input>"): JsonLine[] {
  const parsed: JsonLine[] = [];
  text.split("\n").forEach((raw, index) => {
    const lineText = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (lineText.trim() === "") return;
    const line = index + 1;
    try {
      parsed.push({ value: JSON.parse(lineText) as unknown, line });
    } catch (error) {
      throw new EvalDataError(file, line, `not valid JSON (${(error as Error).message})`);
    }
  });
  return parsed;
}

/** Reads a data file as UTF-8; a missing, unreadable or folder path is a {@link CliError} naming it. */
export async function readDataFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(`${file}: no such file`);
    if (code === "EISDIR") throw new CliError(`${file}: is a folder, expected a .jsonl file`);
    throw new CliError(`${file}: cannot read the file (${(error as Error).message})`);
  }
}

/** Options of {@link loadEvalSet}. */
export interface LoadEvalSetOptions {
  /** Keep only items of this language. */
  lang?: string;
  /** Keep only the first N items (after the language filter). */
  limit?: number;
}

/**
 * Reads and validates an eval JSONL file. Missing or unreadable files and invalid lines throw a
 * {@link CliError}; items with an empty query are left out and listed in `skipped`.
 */
export async function loadEvalSet(file: string, options: LoadEvalSetOptions = {}): Promise<EvalSet> {
  let items = parseEvalJsonl(await readDataFile(file), file);
  if (options.lang !== undefined) {
    items = items.filter((item) => item.lang === options.lang);
    if (items.length === 0) throw new CliError(`${file}: no items with lang "${options.lang}"`);
  }
  const skipped: SkippedItem[] = [];
  items = items.filter((item) => {
    if (item.query.trim() !== "") return true;
    skipped.push({ id: item.id, line: item.line ?? 0, reason: "empty query" });
    return false;
  });
  if (items.length === 0) throw new CliError(`${file}: no item has a query`);
  if (options.limit !== undefined) items = items.slice(0, options.limit);
  return { file, items, skipped };
}

/** Whether an item has at least one relevant sentence. */
export function isPositive(item: Pick<EvalItem, "labels">): boolean {
  return item.labels.some((l) => l === 1);
}
