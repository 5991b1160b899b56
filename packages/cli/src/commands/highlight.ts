/** `semantic-highlight highlight --query "..." [text | --file PATH | stdin]`: highlight one document. */
import { readFile } from "node:fs/promises";

import { bm25Highlight, shouldUseColor, type HighlightResult } from "@semantic-highlight/core";
import { BM25_DEFAULT_THRESHOLD, renderAnsi, renderMarkdown } from "@semantic-highlight/core/internal";
import { Command, Option } from "commander";

import { CliError } from "../errors.js";
import { formatKeptSentences, formatSaving, terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { addBackendOptions, backendFromFlags, type BackendFlags } from "../backend-flags.js";
import { loadModel } from "../model-path.js";
import { parsePositiveInt, parseThreshold } from "../options.js";
import { highlightPage } from "../report/highlight-page.js";

/** Output formats of `highlight`. */
export const HIGHLIGHT_FORMATS = ["text", "ansi", "json", "html", "markdown"] as const;
/** One of {@link HIGHLIGHT_FORMATS}. */
export type HighlightFormat = (typeof HIGHLIGHT_FORMATS)[number];

/**
 * The format to print: `--format`, `--json` (an alias of `--format json`), else `ansi` on a terminal and
 * `text` otherwise. Asking for two different formats is an error.
 */
export function chooseFormat(flags: { format?: HighlightFormat; json?: boolean }, stdoutIsTTY: boolean): HighlightFormat {
  if (flags.json && flags.format !== undefined && flags.format !== "json") throw new CliError(`--json and --format ${flags.format} exclude each other`);
  if (flags.json) return "json";
  return flags.format ?? (stdoutIsTTY ? "ansi" : "text");
}

interface HighlightFlags extends BackendFlags {
  query?: string;
  file?: string;
  model?: string;
  bm25?: boolean;
  threshold?: number;
  topK?: number;
  json?: boolean;
  format?: HighlightFormat;
  color?: boolean;
}

/** Reads the document from the arguments, `--file`, or standard input, in that order. */
export async function readDocument(words: readonly string[], file: string | undefined, io: CliIo): Promise<string> {
  if (words.length > 0 && file !== undefined) throw new CliError("give the document either as text arguments or with --file, not both");
  if (words.length > 0) return words.join(" ");
  if (file !== undefined) {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read the file (${(error as Error).message})`);
    }
  }
  const piped = await io.readStdin();
  if (piped === null) throw new CliError("no document: pass it as text after the options, with --file PATH, or on standard input");
  return piped;
}

/** The `highlight` command. */
export function highlightCommand(io: CliIo): Command {
  return addBackendOptions(new Command("highlight"))
    .description("Highlight the sentences of one document that answer a query, and show how much pruning saves")
    .argument("[text...]", "the document (default: --file, else standard input)")
    .requiredOption("-q, --query <text>", "the question the document should answer")
    .option("-f, --file <path>", "read the document from a file")
    .option("-m, --model <dir>", "model folder (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)")
    .option("--bm25", "use the model-free BM25 scorer instead of a model")
    .option("-t, --threshold <x>", "keep sentences scoring strictly above x (default: the model's threshold; BM25: 0.15)", parseThreshold)
    .option("-k, --top-k <n>", "keep at most n sentences", parsePositiveInt)
    .addOption(
      new Option("--format <format>", "text: kept sentences in [[...]]; ansi: colours (only on a terminal, never with NO_COLOR; FORCE_COLOR forces them); json: the core's HighlightResult; html: a standalone page; markdown: kept sentences in **bold** with their scores (default: ansi on a terminal, else text)").choices([
        ...HIGHLIGHT_FORMATS,
      ]),
    )
    .option("--json", "same as --format json: the core's HighlightResult as one line of JSON")
    .option("--no-color", "mark kept sentences with [[...]] even on a terminal")
    .action(async (words: string[], flags: HighlightFlags) => {
      const format = chooseFormat(flags, io.stdoutIsTTY);
      const query = flags.query ?? "";
      if (query.trim() === "") throw new CliError("the query is empty: pass the question with --query \"...\"");
      if (flags.bm25 && flags.model) throw new CliError("--bm25 and --model exclude each other");
      const text = await readDocument(words, flags.file, io);
      if (text.trim() === "") throw new CliError("the document is empty");
      let result: HighlightResult;
      let threshold: number;
      let source: string;
      if (flags.bm25) {
        threshold = flags.threshold ?? BM25_DEFAULT_THRESHOLD;
        result = bm25Highlight(query, text, { threshold, topK: flags.topK });
        source = "BM25";
      } else {
        const highlighter = await loadModel(flags.model, io.env, { backend: backendFromFlags(flags) });
        try {
          threshold = flags.threshold ?? highlighter.config.threshold;
          result = await highlighter.highlightOne(query, text, { threshold, topK: flags.topK });
          source = `model ${highlighter.config.name}`; // escaped where printed: the html page and text output differ
        } finally {
          await highlighter.dispose();
        }
      }
      if (format === "json") {
        io.out(JSON.stringify(result) + "\n");
        return;
      }
      if (format === "markdown") {
        io.out(renderMarkdown(result, { scores: true }).replace(/\s*$/, "") + "\n");
        return;
      }
      if (format === "html") {
        io.out(highlightPage(result, { query, source, threshold, topK: flags.topK }));
        return;
      }
      const color = format === "ansi" && flags.color !== false && shouldUseColor(io.env, io.stdoutIsTTY);
      io.out(renderAnsi(result, { color }).replace(/\s*$/, "") + "\n\n");
      io.out(`Kept ${result.keptSentences.length} of ${result.sentences.length} sentences (${terminalLine(source)}, score > ${threshold}${flags.topK ? `, top-${flags.topK}` : ""}):\n`);
      io.out(formatKeptSentences(result));
      io.out(`Saving: ${formatSaving(result, flags.bm25 ? "tokens (approx.: words + CJK characters)" : "tokens")}\n`);
    });
}
