/** `semantic-highlight triton-repo`: a Triton Inference Server model repository from a model folder. */
import path from "node:path";

import { writeTritonRepository } from "@semantic-highlight/core";
import { Command, InvalidArgumentError } from "commander";

import { terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { resolveModel } from "../model-path.js";
import { parsePositiveInt } from "../options.js";

/** `--max-batch-size`: Triton's max_batch_size, 0 meaning no batching. */
function parseMaxBatchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1) throw new InvalidArgumentError(`expected an integer >= 0 (0: no batching), got "${value}"`);
  return n;
}

/** A path as one POSIX shell word, for the printed command. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

interface TritonFlags {
  model?: string;
  out: string;
  name?: string;
  maxBatchSize?: number;
  instance?: "gpu" | "cpu";
  instances?: number;
  overwrite?: boolean;
}

function parseInstanceKind(value: string): "gpu" | "cpu" {
  if (value !== "gpu" && value !== "cpu") throw new InvalidArgumentError(`expected "gpu" or "cpu", got "${value}"`);
  return value;
}

/** The `triton-repo` command. */
export function tritonRepoCommand(io: CliIo): Command {
  return new Command("triton-repo")
    .description("Write a Triton Inference Server model repository (config.pbtxt + version 1) for a model folder, to serve it with the remote backend")
    .argument("[model]", "model folder (default: $SEMANTIC_HIGHLIGHT_MODEL, else <repo>/models/default)")
    .requiredOption("-o, --out <repo>", "model repository folder (created when missing)")
    .option("--name <name>", "model name in the repository (default: the model's config name)")
    .option("--max-batch-size <n>", "Triton max_batch_size for dynamic batching (default 8; 0: no batching, full shapes)", parseMaxBatchSize)
    .option("--instance <kind>", "run instances on gpu or cpu (default: Triton's choice)", parseInstanceKind)
    .option("--instances <n>", "instances per device (default 1)", parsePositiveInt)
    .option("--overwrite", "replace an existing <repo>/<name> that triton-repo wrote (anything else is refused)")
    .action(async (model: string | undefined, flags: TritonFlags) => {
      const folder = resolveModel(model, io.env);
      const result = await writeTritonRepository(folder, flags.out, {
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.maxBatchSize !== undefined ? { maxBatchSize: flags.maxBatchSize } : {}),
        ...(flags.instance ? { instanceKind: flags.instance === "gpu" ? "KIND_GPU" : "KIND_CPU" } : {}),
        ...(flags.instances ? { instanceCount: flags.instances } : {}),
        ...(flags.overwrite ? { overwrite: true } : {}),
      });
      // Names come from the model folder: printed JSON-quoted (none can forge a line of this report) and with
      // control characters made visible.
      const list = (names: string[]) => names.map((n) => JSON.stringify(n)).join(", ");
      const line = (text: string) => io.out(`${terminalLine(text)}\n`);
      line(`wrote ${result.configPath}`);
      line(`  model ${JSON.stringify(result.name)}: max_batch_size ${result.maxBatchSize}${result.maxBatchSize === 0 ? " (no batching)" : ""}; inputs ${list(result.inputs)}; outputs ${list(result.outputs)}; files in 1/: ${list(result.files)}`);
      line(`serve it:  tritonserver --model-repository=${shellWord(path.resolve(flags.out))}`);
      line(`use it:    SemanticHighlighter.load(${JSON.stringify(folder)}, { backend: { kind: "remote", url: "http://localhost:8000", model: ${JSON.stringify(result.name)} } })`);
    });
}
