/** The commander program and the error handling around it. */
import { SemanticHighlightError } from "@semantic-highlight/core";
import { escapeTerminal } from "@semantic-highlight/core/internal";
import { Command, CommanderError } from "commander";

import { calibrateCommand } from "./commands/calibrate.js";
import { convertCommand } from "./commands/convert.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { highlightCommand } from "./commands/highlight.js";
import { rerankEvalCommand } from "./commands/rerank-eval.js";
import { tritonRepoCommand } from "./commands/triton-repo.js";
import { CliError } from "./errors.js";
import { processIo, type CliIo } from "./io.js";

/** Version printed by `--version`. */
export const VERSION = "0.1.0";

/**
 * Builds the `semantic-highlight` program. Commander's own output and exits are routed through `io` and
 * exceptions (`exitOverride`), so the program can be driven in-process by tests.
 */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command("semantic-highlight")
    .description("Semantic highlighting / context pruning for RAG: keep the sentences of a document that answer a query")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const command of [highlightCommand(io), evalCommand(io), demoCommand(io), convertCommand(io), tritonRepoCommand(io), calibrateCommand(io), rerankEvalCommand(io)]) {
    program.addCommand(command.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride().showHelpAfterError("(run with --help for usage)"));
  }
  return program;
}

/**
 * Runs the CLI with `args` (without the node and script paths) and returns the exit code. Known errors
 * (CLI usage, bad input files, core's model errors) print `semantic-highlight: error: <message>` without a
 * stack trace and return 1; commander usage errors return its code (help and version: 0).
 */
export async function runCli(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...args], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed the message
    // Messages quote file names, model configs and file contents: their control characters are shown, not sent.
    if (error instanceof CliError) {
      io.err(`semantic-highlight: error: ${escapeTerminal(error.message)}\n`);
      return error.exitCode;
    }
    if (error instanceof SemanticHighlightError) {
      io.err(`semantic-highlight: error: ${escapeTerminal(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}
