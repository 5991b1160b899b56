/**
 * Checkpoint layouts of the Provence family: which tensor of the checkpoint is which part of the model.
 * Recognised (the same rules as tools/model/export_hf_checkpoint.py):
 *
 * - **Open Provence / zilliz**: `ranking_model.roberta.*`, `ranking_model.classifier.{dense,out_proj}.*`,
 *   `pruning_head.classifier.*` (config nested under `base_model_config`);
 * - **flat**: `roberta.*` + `classifier.{dense,out_proj}.*` (HF `XLMRobertaForSequenceClassification`)
 *   + a pruning head (`pruning_head.`, `token_classifier.`, … or the only `[2, hidden]` Linear left);
 * - **XProvence** (naver): `roberta.pooler.dense` + `classifier` Linear(hidden, 1) on the pooler output,
 *   pruning head `token_classifier`; mapped as pooler.dense → classifier.dense, classifier → out_proj
 *   (tanh(dense(h₀)) then a Linear: the same computation);
 * - **rerank-only**: a cross-encoder reranker (HF `XLMRobertaForSequenceClassification` with num_labels 1,
 *   e.g. bge-reranker-v2-m3): `roberta.*` + `classifier.{dense,out_proj}.*` and nothing else — no pruning
 *   head, so the converted folder scores documents only (`"pruning_output": null`).
 *
 * The encoder is found by its `…embeddings.word_embeddings.weight` key, whatever its prefix.
 */
import { ConversionError } from "../../errors.js";
import type { EncoderConfig } from "./checkpoint-config.js";
import type { TensorEntry } from "./safetensors.js";

/** Which family member the tensor names look like. */
export type LayoutKind = "open-provence" | "flat" | "xprovence" | "rerank-only";

/** The checkpoint tensor behind each canonical parameter of the converted model. */
export interface CheckpointLayout {
  kind: LayoutKind;
  /** Encoder prefix in the checkpoint, e.g. `roberta.` or `ranking_model.roberta.`. */
  encoderPrefix: string;
  /**
   * Canonical name (`roberta.embeddings.word_embeddings.weight`, `classifier.dense.weight`,
   * `classifier.out_proj.weight`, `pruning_head.weight`, …) → checkpoint tensor.
   */
  tensors: Map<string, TensorEntry>;
  /** Whether a ranking head was found (`classifier.*` canonical tensors present). */
  hasRankingHead: boolean;
  /** Checkpoint names of the ranking head, for the report. */
  rankingHeadSource: string[];
  /** Whether a pruning head was found (false for a rerank-only checkpoint). */
  hasPruningHead: boolean;
  /** Checkpoint prefix of the pruning head Linear, e.g. `pruning_head.classifier.`; `null` for a rerank-only checkpoint. */
  pruningHeadSource: string | null;
  /** Checkpoint tensors that were not used (ignored buffers such as position_ids are not listed). */
  unusedKeys: string[];
}

/** Prefixes tried for the pruning head, in order (as the Python exporter). */
export const COMMON_PRUNING_PREFIXES = [
  "pruning_head.",
  "token_classifier.",
  "classifier_pruning.",
  "pruning_classifier.",
  "pruning_layer.",
  "pruner.",
  "token_classification_head.",
  "pruning.",
];

const ENCODER_ANCHOR = "embeddings.word_embeddings.weight";

function describe(entries: Iterable<TensorEntry>): string {
  const list = [...entries].sort((a, b) => a.name.localeCompare(b.name)).map((e) => `${e.name} [${e.shape.join(", ")}]`);
  return list.length ? list.join(", ") : "(none)";
}

const same = (shape: number[], expected: number[]) => shape.length === expected.length && shape.every((d, i) => d === expected[i]);

/** Options of {@link detectLayout}. */
export interface DetectLayoutOptions {
  /** State-dict prefix of the pruning head Linear(hidden, 2), when it is none of {@link COMMON_PRUNING_PREFIXES}. */
  pruningHeadPrefix?: string;
  /** Accept a checkpoint without a ranking head (the graph then has no `ranking_logits`). */
  allowMissingRankingHead?: boolean;
  /**
   * Convert the encoder and the ranking head only, ignoring any pruning head (a rerank-only folder). Without
   * it, a checkpoint with a ranking head, no pruning head and no unrecognised tensors (a plain
   * `XLMRobertaForSequenceClassification`) is converted rerank-only too.
   */
  rerankOnly?: boolean;
}

/**
 * Maps checkpoint tensors to the converted model's parameters.
 * @param source checkpoint folder, for error messages
 * @throws ConversionError `UNKNOWN_LAYOUT`, `NO_PRUNING_HEAD`, `NO_RANKING_HEAD`, `SHAPE_MISMATCH`, naming the keys it did not recognise
 */
export function detectLayout(all: Map<string, TensorEntry>, hidden: number, source: string, options: DetectLayoutOptions = {}): CheckpointLayout {
  const anchors = [...all.keys()].filter((k) => k.endsWith(ENCODER_ANCHOR));
  if (anchors.length !== 1) {
    throw new ConversionError(
      "UNKNOWN_LAYOUT",
      source,
      `expected exactly one "*${ENCODER_ANCHOR}" tensor (the XLM-R encoder), found ${anchors.length ? anchors.join(", ") : "none"}. Tensors: ${describe([...all.values()].slice(0, 40))}${all.size > 40 ? ", …" : ""}`,
    );
  }
  const enc = anchors[0]!.slice(0, -ENCODER_ANCHOR.length);
  const outer = enc.endsWith("roberta.") ? enc.slice(0, -"roberta.".length) : "";
  const tensors = new Map<string, TensorEntry>();
  const rest = new Map<string, TensorEntry>();
  let pooler: { weight: TensorEntry; bias: TensorEntry } | null = null;
  for (const [name, entry] of all) {
    if (name.endsWith("embeddings.position_ids")) continue; // HF buffer, recomputed in the graph
    const tail = name.startsWith(enc) ? name.slice(enc.length) : null;
    if (tail !== null && (tail.startsWith("embeddings.") || tail.startsWith("encoder."))) {
      tensors.set(`roberta.${tail}`, entry);
    } else if (tail === "pooler.dense.weight" || tail === "pooler.dense.bias") {
      pooler ??= { weight: undefined as unknown as TensorEntry, bias: undefined as unknown as TensorEntry };
      pooler[tail.endsWith("weight") ? "weight" : "bias"] = entry;
    } else if (name.startsWith(`${outer}lm_head.`) || name.startsWith("lm_head.")) {
      continue;
    } else {
      rest.set(name, entry);
    }
  }

  // Ranking head: HF classification head (dense + out_proj), or XProvence's pooler + Linear(hidden, 1).
  const head = new Map<string, TensorEntry>();
  for (const [name, entry] of rest) {
    for (const prefix of new Set([`${outer}classifier.`, "classifier.", `${enc}classifier.`])) {
      if (!name.startsWith(prefix)) continue;
      const tail = name.slice(prefix.length);
      if (["dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias"].includes(tail)) head.set(`classifier.${tail}`, entry);
    }
  }
  let kind: LayoutKind = outer ? "open-provence" : "flat";
  let rankingHeadSource: string[] = [];
  if (head.size === 4) {
    const outProj = head.get("classifier.out_proj.weight")!;
    if (!same(outProj.shape, [1, hidden])) {
      throw new ConversionError("SHAPE_MISMATCH", source, `ranking head ${outProj.name} has shape [${outProj.shape.join(", ")}], expected [1, ${hidden}]`);
    }
    for (const [name, entry] of head) {
      tensors.set(name, entry);
      rest.delete(entry.name);
      rankingHeadSource.push(entry.name);
    }
  } else if (pooler?.weight && pooler.bias) {
    const weight = rest.get(`${outer}classifier.weight`) ?? rest.get("classifier.weight");
    const bias = rest.get(`${outer}classifier.bias`) ?? rest.get("classifier.bias");
    if (weight && bias && same(weight.shape, [1, hidden]) && same(bias.shape, [1])) {
      kind = "xprovence";
      tensors.set("classifier.dense.weight", pooler.weight);
      tensors.set("classifier.dense.bias", pooler.bias);
      tensors.set("classifier.out_proj.weight", weight);
      tensors.set("classifier.out_proj.bias", bias);
      rest.delete(weight.name);
      rest.delete(bias.name);
      rankingHeadSource = [pooler.weight.name, pooler.bias.name, weight.name, bias.name];
    }
  }
  const hasRankingHead = rankingHeadSource.length > 0;
  if (!hasRankingHead && !options.allowMissingRankingHead) {
    throw new ConversionError(
      "NO_RANKING_HEAD",
      source,
      `no ranking head (classifier.dense + classifier.out_proj, or XProvence's pooler.dense + classifier Linear(${hidden}, 1)). ` +
        `Pass allowMissingRankingHead (CLI: --no-ranking-head) to convert the pruning head only. Non-encoder tensors: ${describe(rest.values())}`,
    );
  }

  if (options.rerankOnly && !hasRankingHead) {
    throw new ConversionError("NO_RANKING_HEAD", source, `rerankOnly was asked but the checkpoint has no ranking head. Non-encoder tensors: ${describe(rest.values())}`);
  }
  const rerankOnlyLayout = (): CheckpointLayout => ({
    kind: "rerank-only",
    encoderPrefix: enc,
    tensors,
    hasRankingHead,
    rankingHeadSource,
    hasPruningHead: false,
    pruningHeadSource: null,
    unusedKeys: [...rest.keys()].sort(),
  });
  if (options.rerankOnly) return rerankOnlyLayout();
  // A plain sequence classifier (bge-reranker-v2-m3): a ranking head and nothing unrecognised left over.
  if (hasRankingHead && rest.size === 0 && !options.pruningHeadPrefix) return rerankOnlyLayout();

  // Pruning head: a Linear(hidden, 2) under a known prefix (itself or one level below), else the only one left.
  const candidates = options.pruningHeadPrefix ? [options.pruningHeadPrefix] : COMMON_PRUNING_PREFIXES;
  let found: { prefix: string; weight: TensorEntry; bias: TensorEntry } | null = null;
  for (let prefix of candidates) {
    if (!prefix.endsWith(".")) prefix += ".";
    for (const p of new Set([prefix, outer + prefix])) {
      const under = [...rest.values()].filter((e) => e.name.startsWith(p));
      if (!under.length) continue;
      const linears = under
        .filter((e) => e.name.endsWith("weight") && same(e.shape, [2, hidden]) && e.name.slice(p.length).split(".").length <= 2)
        .map((w) => ({ w, b: rest.get(w.name.slice(0, -"weight".length) + "bias") }))
        .filter((x): x is { w: TensorEntry; b: TensorEntry } => x.b !== undefined && same(x.b.shape, [2]));
      if (linears.length !== 1) {
        throw new ConversionError(
          "NO_PRUNING_HEAD",
          source,
          `pruning head prefix "${p}" has tensors ${describe(under)}; expected exactly one Linear(${hidden}, 2) (weight [2, ${hidden}] + bias [2]) under it. Non-encoder tensors: ${describe(rest.values())}`,
        );
      }
      found = { prefix: linears[0]!.w.name.slice(0, -"weight".length), weight: linears[0]!.w, bias: linears[0]!.b };
      break;
    }
    if (found) break;
  }
  if (!found && !options.pruningHeadPrefix) {
    const linears = [...rest.values()]
      .filter((e) => e.name.endsWith(".weight") && same(e.shape, [2, hidden]))
      .map((w) => ({ w, b: rest.get(w.name.slice(0, -"weight".length) + "bias") }))
      .filter((x): x is { w: TensorEntry; b: TensorEntry } => x.b !== undefined && same(x.b.shape, [2]));
    if (linears.length === 1) found = { prefix: linears[0]!.w.name.slice(0, -"weight".length), weight: linears[0]!.w, bias: linears[0]!.b };
  }
  if (!found) {
    throw new ConversionError(
      "NO_PRUNING_HEAD",
      source,
      `pruning head not found (tried prefixes ${candidates.join(", ")}; and no single Linear(${hidden}, 2) outside the encoder). ` +
        `Pass pruningHeadPrefix (CLI: --pruning-head-prefix)${hasRankingHead ? ", or rerankOnly to convert the reranker alone" : ""}. Non-encoder tensors: ${describe(rest.values())}`,
    );
  }
  tensors.set("pruning_head.weight", found.weight);
  tensors.set("pruning_head.bias", found.bias);
  rest.delete(found.weight.name);
  rest.delete(found.bias.name);
  return {
    kind,
    encoderPrefix: enc,
    tensors,
    hasRankingHead,
    rankingHeadSource,
    hasPruningHead: true,
    pruningHeadSource: found.prefix,
    unusedKeys: [...rest.keys()].sort(),
  };
}

/**
 * Checks config.json's sizes against the tensors actually present, before anything is planned or allocated
 * per layer or per token (a hostile `num_hidden_layers: 1e9` once allocated 2.5 GB before failing): the word
 * embedding must be [vocab_size, hidden_size], the position and token-type embeddings [*, hidden_size] with
 * the config's row counts, and every layer index below `num_hidden_layers` must have tensors.
 * @throws ConversionError `SHAPE_MISMATCH` for an embedding of another shape, `UNKNOWN_LAYOUT` naming the
 *   first tensor of the first missing layer
 */
export function checkEncoderAgainstTensors(encoder: EncoderConfig, layout: CheckpointLayout, source: string): void {
  const embedding = (name: string, rows: number, key: string) => {
    const entry = layout.tensors.get(`roberta.embeddings.${name}.weight`);
    if (entry && !same(entry.shape, [rows, encoder.hidden])) {
      throw new ConversionError(
        "SHAPE_MISMATCH",
        source,
        `${entry.name} is [${entry.shape.join(", ")}] but config.json says ${key} ${rows} and hidden_size ${encoder.hidden} (expected [${rows}, ${encoder.hidden}])`,
      );
    }
  };
  embedding("word_embeddings", encoder.vocabSize, "vocab_size");
  embedding("position_embeddings", encoder.maxPositionEmbeddings, "max_position_embeddings");
  embedding("token_type_embeddings", encoder.typeVocabSize, "type_vocab_size");
  const present = new Set<number>();
  for (const name of layout.tensors.keys()) {
    const match = /^roberta\.encoder\.layer\.(\d+)\./.exec(name);
    if (match) present.add(Number(match[1]));
  }
  // Only indices up to the number of layers present are looked at: the loop is bounded by the checkpoint.
  for (let i = 0; i < Math.min(encoder.layers, present.size + 1); i++) {
    if (!present.has(i)) {
      throw new ConversionError(
        "UNKNOWN_LAYOUT",
        source,
        `encoder tensors missing (encoder prefix "${layout.encoderPrefix}"): roberta.encoder.layer.${i}.attention.self.query.weight and the rest of layer ${i}; config.json says num_hidden_layers ${encoder.layers}, the checkpoint has ${present.size} layer(s)`,
      );
    }
  }
}
