/**
 * `semantic-highlight convert <hub id | folder> --out DIR`: a Hugging Face Provence-family checkpoint
 * (zilliz / Open Provence, flat XLM-R + pruning head, XProvence) → a model folder in the project's contract,
 * in TypeScript (no Python, no torch). Hub ids are downloaded into the Hugging Face cache first.
 */
import { existsSync, statSync } from "node:fs";

import { convertCheckpoint, downloadHubRepo, looksLikeHubId, type ConversionResult } from "@semantic-highlight/core";
import cliProgress from "cli-progress";
import { Command } from "commander";

import { CliError } from "../errors.js";
import { terminalLine } from "../format.js";
import type { CliIo } from "../io.js";
import { parseThreshold } from "../options.js";

interface ConvertFlags {
  out: string;
  int8?: boolean;
  reduceRange?: boolean;
  graph?: string;
  force?: boolean;
  pruningHeadPrefix?: string;
  rankingHead?: boolean;
  rerankOnly?: boolean;
  maxLength?: string;
  threshold?: number;
  copyWeights?: boolean;
  revision?: string;
  json?: boolean;
  progress?: boolean;
}

const MB = 1024 * 1024;

/** A byte progress bar on a terminal's stderr, one phase at a time; silent elsewhere. */
function byteBar(stream: NodeJS.WritableStream | undefined) {
  if (!stream) return { update: (_label: string, _done: number, _total: number) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: stream as NodeJS.WriteStream, format: "{label} [{bar}] {percentage}% | {doneMB}/{totalMB} MB", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let current = "";
  return {
    update(label: string, done: number, total: number) {
      const payload = { label, doneMB: (done / MB).toFixed(1), totalMB: (total / MB).toFixed(1) };
      if (label !== current) {
        if (current) bar.stop();
        bar.start(Math.max(total, 1), done, payload);
        current = label;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
    },
    stop() {
      if (current) bar.stop();
    },
  };
}

function summary(result: ConversionResult): string {
  const weights = result.weightFiles.map((f) => `${f.file} (${f.how}, ${(f.bytes / MB).toFixed(1)} MB)`).join(", ");
  const lines = [
    `converted ${result.layout} checkpoint → ${result.directory}`,
    `  ranking head: ${result.rankingHead.length ? result.rankingHead.join(", ") : "none (pruning_logits only)"}`,
    `  pruning head: ${result.pruningHead ?? "none (rerank-only: scores documents, not sentences)"}`,
    `  max_length ${result.maxLength} (${result.sources.maxLength}), threshold ${result.threshold} (${result.sources.threshold})`,
    `  weights: ${weights}; tokenizer: ${result.tokenizer}`,
  ];
  const q = result.quantization;
  if (q) {
    lines.push(
      `  int8: ${q.linearQuantized} Linear weights (s8 per output column${q.reduceRange ? ", 7-bit" : ""}), ${q.embeddingsQuantized} embedding tables (s8 per row), ${q.keptFloat} tensors float32; ${(q.sourceBytes / MB).toFixed(1)} MB → ${(result.weightFiles.reduce((a, f) => a + f.bytes, 0) / MB).toFixed(1)} MB`,
    );
  }
  if (result.unusedKeys.length) lines.push(`  unused checkpoint tensors: ${result.unusedKeys.join(", ")}`);
  for (const w of result.warnings) lines.push(`  warning: ${w}`);
  // Tensor names, prefixes and warnings come from the checkpoint: each line is printed with control characters made visible.
  return `${lines.map(terminalLine).join("\n")}\n`;
}

/** The `convert` command. */
export function convertCommand(io: CliIo): Command {
  return new Command("convert")
    .description("Convert a Hugging Face Provence-family checkpoint (hub id or folder) into a model folder, without Python")
    .argument("<source>", "hub id (org/name or hf:org/name) or a checkpoint folder (config.json, model.safetensors, tokenizer.json)")
    .requiredOption("-o, --out <dir>", "output model folder")
    .option("--force", "replace the output folder if it exists")
    .option("--int8", "int8 weights (encoder Linears s8 per output column, embedding rows s8, heads float32): ~4x smaller and ~1.8x faster on CPU (zilliz shape), scores within ~1e-2 (see bench/README.md)")
    .option("--reduce-range", "with --int8: 7-bit weights, for x86 CPUs without VNNI (AVX2 only), whose int8 kernels can saturate otherwise")
    .option("--graph <ops>", "operators of the graph: fused (default: onnxruntime's fused attention and LayerNorm kernels) or plain (standard ONNX only, for other runtimes)")
    .option("--pruning-head-prefix <prefix>", "state-dict prefix of the pruning head when it has an unusual name")
    .option("--no-ranking-head", "accept a checkpoint without a ranking head (pruning_logits only)")
    .option("--rerank-only", "convert the encoder and ranking head only, ignoring any pruning head (a plain XLMRobertaForSequenceClassification reranker converts this way without the flag)")
    .option("--max-length <n>", "block length to record (default: the checkpoint's max_length, else 512)")
    .option("-t, --threshold <x>", "default threshold to record (default: the checkpoint's default_threadshold, else 0.1)", parseThreshold)
    .option("--copy-weights", "write model.onnx_data instead of linking the safetensors file")
    .option("--revision <rev>", "hub branch, tag or commit (default main)")
    .option("--json", "print the conversion result as JSON")
    .option("--no-progress", "no progress bar")
    .action(async (source: string, flags: ConvertFlags) => {
      if (flags.reduceRange && !flags.int8) throw new CliError("--reduce-range only applies with --int8");
      if (flags.graph !== undefined && flags.graph !== "fused" && flags.graph !== "plain") throw new CliError(`--graph must be fused or plain (got ${flags.graph})`);
      let maxLength: number | undefined;
      if (flags.maxLength !== undefined) {
        maxLength = Number(flags.maxLength);
        if (!Number.isInteger(maxLength) || maxLength < 8) throw new CliError(`--max-length must be an integer >= 8 (got ${flags.maxLength})`);
      }
      const bar = byteBar(flags.progress === false ? undefined : io.progressStream);
      try {
        let folder = source;
        let name: string | undefined;
        const isFolder = existsSync(source) && statSync(source).isDirectory();
        if (!isFolder) {
          if (!looksLikeHubId(source)) throw new CliError(`${source}: no such folder, and not a hub id (org/name or hf:org/name)`);
          const repo = await downloadHubRepo(source, {
            ...(flags.revision ? { revision: flags.revision } : {}),
            onProgress: (p) => bar.update("download", p.done, p.total),
          });
          if (repo.kind === "model") {
            throw new CliError(`${source} is already in this project's model layout; load it directly (it is cached at ${repo.directory})`);
          }
          folder = repo.directory;
          name = source.replace(/^hf:/, "");
        }
        const result = await convertCheckpoint(folder, flags.out, {
          ...(name ? { name } : {}),
          ...(flags.force ? { overwrite: true } : {}),
          ...(flags.pruningHeadPrefix ? { pruningHeadPrefix: flags.pruningHeadPrefix } : {}),
          ...(flags.rankingHead === false ? { allowMissingRankingHead: true } : {}),
          ...(flags.rerankOnly ? { rerankOnly: true } : {}),
          ...(maxLength !== undefined ? { maxLength } : {}),
          ...(flags.threshold !== undefined ? { threshold: flags.threshold } : {}),
          ...(flags.copyWeights ? { weights: "copy" as const } : {}),
          ...(flags.int8 ? { int8: flags.reduceRange ? { reduceRange: true } : true } : {}),
          ...(flags.graph ? { graph: flags.graph as "fused" | "plain" } : {}),
          onProgress: (p) => bar.update("convert", p.done, p.total),
        });
        bar.stop();
        io.out(flags.json ? `${JSON.stringify(result)}\n` : summary(result));
      } finally {
        bar.stop();
      }
    });
}
