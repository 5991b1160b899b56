/** Where the CLI reads and writes; injectable so commands can be tested without spawning processes. */
export interface CliIo {
  /** Writes to standard output. */
  out: (text: string) => void;
  /** Writes to standard error. */
  err: (text: string) => void;
  /** Whether standard output is a terminal (colours in `highlight`). */
  stdoutIsTTY: boolean;
  /** The standard error stream when it is a terminal (progress bars draw on it); undefined otherwise. */
  progressStream?: NodeJS.WritableStream;
  /** Reads all of standard input, or returns null when standard input is a terminal (nothing piped). */
  readStdin: () => Promise<string | null>;
  /** Environment variables. */
  env: Record<string, string | undefined>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    progressStream: process.stderr.isTTY ? process.stderr : undefined,
    readStdin: async () => (process.stdin.isTTY ? null : readAll(process.stdin)),
    env: process.env,
  };
}

/** An in-memory IO for tests: everything written is collected in `stdout` / `stderr`. */
export function memoryIo(options: { stdin?: string | null; stdoutIsTTY?: boolean; env?: Record<string, string | undefined> } = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    readStdin: async () => options.stdin ?? null,
    env: options.env ?? {},
  };
  return io;
}
