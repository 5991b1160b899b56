/**
 * The model contract (DESIGN §3) checked against a graph's declared inputs and outputs — one set of rules
 * for an onnxruntime-node session, an onnxruntime-web session and a remote server's V2 metadata.
 */
import { KNOWN_INPUT_NAMES, type ModelInputName } from "./types.js";

/** Names of the graph outputs the pipeline reads (from the model config). */
export interface OutputNames {
  /** The per-token pruning output, or `null` for a rerank-only model (then `ranking` is required). */
  pruning: string | null;
  /** The ranking output, or `null` when the model has none; when not required, used only if the graph has it. */
  ranking: string | null;
  /** Whether the config insisted on the ranking output (a missing one is then an error). */
  rankingRequired: boolean;
}

/** What a graph declares. Types are lower-case ONNX names (`int64`, `float32`) when known. */
export interface GraphSignature {
  inputs: readonly { name: string; type?: string }[];
  outputs: readonly { name: string; type?: string; shape?: readonly number[] }[];
}

/** The outcome: what is wrong (empty when nothing), the inputs to feed and the ranking output to read. */
export interface ContractCheck {
  problems: string[];
  inputNames: ModelInputName[];
  ranking: string | null;
}

const isKnown = (name: string): name is ModelInputName => (KNOWN_INPUT_NAMES as readonly string[]).includes(name);

/** Checks a graph's signature against the contract. */
export function checkContract(graph: GraphSignature, outputs: OutputNames): ContractCheck {
  const problems: string[] = [];
  for (const name of ["input_ids", "attention_mask"]) if (!graph.inputs.some((i) => i.name === name)) problems.push(`missing input "${name}"`);
  for (const input of graph.inputs) {
    if (!isKnown(input.name)) problems.push(`unexpected input "${input.name}"`);
    else if (input.type !== undefined && input.type !== "int64") problems.push(`input "${input.name}" is ${input.type}, expected int64`);
  }
  if (outputs.pruning !== null) {
    const pruning = graph.outputs.find((o) => o.name === outputs.pruning);
    if (!pruning) problems.push(`missing output "${outputs.pruning}"`);
    else if ((pruning.type !== undefined && pruning.type !== "float32") || (pruning.shape && (pruning.shape.length !== 3 || (pruning.shape[2] !== 2 && pruning.shape[2] !== -1)))) {
      problems.push(`output "${outputs.pruning}" is ${pruning.type ?? "?"} [${pruning.shape?.join(", ") ?? "?"}], expected float32 [batch, seq, 2]`);
    }
  }
  let ranking = outputs.ranking;
  if (outputs.pruning === null && ranking === null) problems.push("the config names neither a pruning nor a ranking output");
  if (ranking !== null && !graph.outputs.some((o) => o.name === ranking)) {
    if (outputs.rankingRequired || outputs.pruning === null) {
      problems.push(`missing output "${ranking}" named by the model config${outputs.pruning === null ? " (a rerank-only model: it is the only output read)" : ""}`);
    }
    ranking = null;
  }
  const inputNames = KNOWN_INPUT_NAMES.filter((n) => graph.inputs.some((i) => i.name === n));
  return { problems, inputNames, ranking };
}

/** The message for a failed check, listing what the graph has. */
export function contractMessage(check: ContractCheck, graph: GraphSignature, what = "the graph"): string {
  return (
    `${what} does not follow the model contract: ${check.problems.join("; ")} ` +
    `(has inputs [${graph.inputs.map((i) => i.name).join(", ")}], outputs [${graph.outputs.map((o) => o.name).join(", ")}])`
  );
}
