/** Executable entry point (bin/semantic-highlight.js imports the built copy of this file). */
import { inspect } from "node:util";

import { escapeTerminal } from "@semantic-highlight/core/internal";

import { runCli } from "./program.js";

// `semantic-highlight ... | head`: the reader went away; stop quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // An unexpected error: a bug, so show the stack (its message may quote input: control characters shown, not sent).
    process.stderr.write(`${escapeTerminal(inspect(error))}\n`);
    process.exitCode = 1;
  },
);
