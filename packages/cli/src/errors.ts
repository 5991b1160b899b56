/** An error meant for the user: the CLI prints its message (no stack trace) and exits with `exitCode`. */
export class CliError extends Error {
  /** The exit code the CLI ends with (1 unless said otherwise). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
