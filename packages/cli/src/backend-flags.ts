/**
 * `--backend` and its companions, shared by the commands that run a model. The CLI runs the model
 * in-process by default (nothing else shares its event loop); `worker` and `remote` are there to try a
 * deployment's settings from the command line (e.g. against a Triton server).
 */
import type { HighlighterLoadOptions } from "@semantic-highlight/core";
import { type Command, InvalidArgumentError } from "commander";

import { CliError } from "./errors.js";
import { parsePositiveInt } from "./options.js";

/** The flags {@link addBackendOptions} adds. */
export interface BackendFlags {
  backend?: "in-process" | "worker" | "remote";
  workers?: number;
  remoteUrl?: string;
  remoteModel?: string;
}

function parseBackend(value: string): "in-process" | "worker" | "remote" {
  if (value !== "in-process" && value !== "worker" && value !== "remote") throw new InvalidArgumentError(`expected in-process, worker or remote, got "${value}"`);
  return value;
}

/** Adds `--backend`, `--workers`, `--remote-url`, `--remote-model` to a command. */
export function addBackendOptions(command: Command): Command {
  return command
    .option("--backend <kind>", "where the model runs: in-process (default), worker (worker threads) or remote (KServe V2 / Triton server)", parseBackend)
    .option("--workers <n>", "worker threads with --backend worker (default 1)", parsePositiveInt)
    .option("--remote-url <url>", "inference server URL with --backend remote, e.g. http://localhost:8000")
    .option("--remote-model <name>", "model name on the server with --backend remote (as in `triton-repo --name`)");
}

/** The load option for the chosen backend (`--remote-url` alone implies `--backend remote`). */
export function backendFromFlags(flags: BackendFlags): HighlighterLoadOptions["backend"] {
  const kind = flags.backend ?? (flags.remoteUrl ? "remote" : "in-process");
  if (kind !== "worker" && flags.workers !== undefined) throw new CliError("--workers needs --backend worker");
  if (kind !== "remote" && flags.remoteModel !== undefined) throw new CliError("--remote-model needs --backend remote");
  if (kind === "in-process") return "in-process";
  if (kind === "worker") return { kind: "worker", ...(flags.workers ? { workers: flags.workers } : {}) };
  if (!flags.remoteUrl) throw new CliError("--backend remote needs --remote-url URL (the KServe V2 / Triton server)");
  if (!flags.remoteModel) throw new CliError("--backend remote needs --remote-model NAME (the model's name on the server)");
  return { kind: "remote", url: flags.remoteUrl, model: flags.remoteModel };
}
