/** `semantic-highlight triton-repo`: a Triton Inference Server model repository from a model folder. */
import { writeTritonRepository } from "@semantic-highlight/core";
import { Command, InvalidArgumentError } from "commander";

import { terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { resolveModel } from "../model-path.js";
import { parsePositiveInt } from "../options.js";

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
    .option("--max-batch-size <n>", "Triton max_batch_size for dynamic batching (default 8)", parsePositiveInt)
    .option("--instance <kind>", "run instances on gpu or cpu (default: Triton's choice)", parseInstanceKind)
    .option("--instances <n>", "instances per device (default 1)", parsePositiveInt)
    .option("--overwrite", "replace an existing <repo>/<name>")
    .action(async (model: string | undefined, flags: TritonFlags) => {
      const folder = resolveModel(model, io.env);
      const result = await writeTritonRepository(folder, flags.out, {
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.maxBatchSize ? { maxBatchSize: flags.maxBatchSize } : {}),
        ...(flags.instance ? { instanceKind: flags.instance === "gpu" ? "KIND_GPU" : "KIND_CPU" } : {}),
        ...(flags.instances ? { instanceCount: flags.instances } : {}),
        ...(flags.overwrite ? { overwrite: true } : {}),
      });
      // The name, inputs and outputs come from the model folder: printed with control characters made visible.
      const line = (text: string) => io.out(`${terminalLine(text)}\n`);
      line(`wrote ${result.configPath}`);
      line(`  model "${result.name}": inputs ${result.inputs.join(", ")}; outputs ${result.outputs.join(", ")}; files in 1/: ${result.files.join(", ")}`);
      line(`serve it:  tritonserver --model-repository=${flags.out}`);
      line(`use it:    SemanticHighlighter.load("${folder}", { backend: { kind: "remote", url: "http://localhost:8000", model: "${result.name}" } })`);
    });
}
