/**
 * The XLM-RoBERTa encoder with the Provence heads as an ONNX graph in the model contract (DESIGN §3), built
 * node by node — the same computation as tools/model/provence_arch.py (HF `XLMRobertaModel`, eager
 * attention): RoBERTa position ids from `input_ids != pad`, post-LN layers, exact GELU, additive
 * `finfo(float32).min` mask; pruning head Linear(hidden, 2) on every token; ranking head
 * dense → tanh → out_proj on `<s>`.
 *
 * Weights are graph initializers under their canonical (HF) names, given by the caller (usually as external
 * data). Linear weights keep the checkpoint's [out, in] layout and go through a `Transpose` node, which
 * onnxruntime folds into a constant when the session is created — so no weight is rewritten on disk.
 */
import type { EncoderConfig } from "./checkpoint-config.js";
import { OnnxAttributeType, OnnxDataType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnx-proto.js";

/** ONNX opset of the generated graph (LayerNormalization needs 17). */
export const XLMR_OPSET = 17;
/** IR version matching opset 17 (ONNX 1.12+). */
export const XLMR_IR_VERSION = 8;

/** Canonical parameter name → expected shape, for the converted model (each head optional). */
export function expectedTensorShapes(c: EncoderConfig, ranking: boolean, pruning = true): Map<string, number[]> {
  const h = c.hidden;
  const shapes = new Map<string, number[]>([
    ["roberta.embeddings.word_embeddings.weight", [c.vocabSize, h]],
    ["roberta.embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h]],
    ["roberta.embeddings.token_type_embeddings.weight", [c.typeVocabSize, h]],
    ["roberta.embeddings.LayerNorm.weight", [h]],
    ["roberta.embeddings.LayerNorm.bias", [h]],
  ]);
  for (let i = 0; i < c.layers; i++) {
    const p = `roberta.encoder.layer.${i}.`;
    for (const x of ["query", "key", "value"]) {
      shapes.set(`${p}attention.self.${x}.weight`, [h, h]);
      shapes.set(`${p}attention.self.${x}.bias`, [h]);
    }
    shapes.set(`${p}attention.output.dense.weight`, [h, h]);
    shapes.set(`${p}attention.output.dense.bias`, [h]);
    shapes.set(`${p}attention.output.LayerNorm.weight`, [h]);
    shapes.set(`${p}attention.output.LayerNorm.bias`, [h]);
    shapes.set(`${p}intermediate.dense.weight`, [c.intermediate, h]);
    shapes.set(`${p}intermediate.dense.bias`, [c.intermediate]);
    shapes.set(`${p}output.dense.weight`, [h, c.intermediate]);
    shapes.set(`${p}output.dense.bias`, [h]);
    shapes.set(`${p}output.LayerNorm.weight`, [h]);
    shapes.set(`${p}output.LayerNorm.bias`, [h]);
  }
  if (pruning) {
    shapes.set("pruning_head.weight", [2, h]);
    shapes.set("pruning_head.bias", [2]);
  }
  if (ranking) {
    shapes.set("classifier.dense.weight", [h, h]);
    shapes.set("classifier.dense.bias", [h]);
    shapes.set("classifier.out_proj.weight", [1, h]);
    shapes.set("classifier.out_proj.bias", [1]);
  }
  return shapes;
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly constants: OnnxTensor[] = [];
  private counter = 0;

  node(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], name?: string): string {
    const output = name ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, input: inputs, output: [output], name: `${opType}_${this.nodes.length}`, attribute: attributes });
    return output;
  }

  constFloat(name: string, values: number[], dims: number[] = []): string {
    this.constants.push({ name, dims, dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) });
    return name;
  }

  constInt64(name: string, values: number[], dims: number[] = [values.length]): string {
    this.constants.push({ name, dims, dataType: OnnxDataType.INT64, rawData: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer) });
    return name;
  }
}

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i: value });
const float = (name: string, value: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f: value });

function tensorInfo(name: string, elemType: OnnxValueInfo["type"]["tensorType"]["elemType"], dims: (number | string)[]): OnnxValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Options of {@link buildXlmrModel}. */
export interface XlmrGraphOptions {
  /** Emit `ranking_logits` (the checkpoint has a ranking head). */
  ranking: boolean;
  /** Emit `pruning_logits` (default true; false for a rerank-only checkpoint). */
  pruning?: boolean;
  /** `producer_version` / doc string details. */
  docString?: string;
  /** Extra `metadata_props`. */
  metadata?: Record<string, string>;
  /**
   * Linear weights given already transposed to [in, out] (e.g. int8 weights written by the converter);
   * then no `Transpose` node is emitted for them. Default: [out, in] as in the checkpoint.
   */
  pretransposed?: Set<string>;
  /**
   * Replaces `MatMul(x, W)` for the named Linear weights (canonical name) — used by int8 conversion.
   * Returns the output name of the product (before the bias).
   */
  matmul?: (b: { node: GraphBuilder["node"]; constFloat: GraphBuilder["constFloat"]; constInt64: GraphBuilder["constInt64"] }, x: string, weight: string) => string | undefined;
}

/**
 * Builds the ONNX model. `weights` maps canonical names (see {@link expectedTensorShapes}) to their
 * initializers (external data or inline), already checked against the expected shapes.
 */
export function buildXlmrModel(c: EncoderConfig, weights: Map<string, OnnxTensor>, options: XlmrGraphOptions): OnnxModel {
  const g = new GraphBuilder();
  const w = (name: string): string => {
    if (!weights.has(name)) throw new Error(`internal: weight ${name} missing`);
    return name;
  };
  const linear = (x: string, prefix: string): string => {
    const weight = `${prefix}.weight`;
    const custom = options.matmul?.({ node: g.node.bind(g), constFloat: g.constFloat.bind(g), constInt64: g.constInt64.bind(g) }, x, weight);
    let product: string;
    if (custom !== undefined) product = custom;
    else {
      const wt = options.pretransposed?.has(weight) ? w(weight) : g.node("Transpose", [w(weight)], [ints("perm", [1, 0])], `${weight}.T`);
      product = g.node("MatMul", [x, wt]);
    }
    return g.node("Add", [product, w(`${prefix}.bias`)]);
  };
  const layerNorm = (x: string, prefix: string) =>
    g.node("LayerNormalization", [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], [int("axis", -1), float("epsilon", c.layerNormEps)]);

  const headDim = c.hidden / c.heads;
  g.constInt64("pad_id", [c.padTokenId], []);
  g.constInt64("axis_1", [1], []);
  g.constInt64("zero_index", [0], []);
  g.constFloat("one", [1]);
  g.constFloat("mask_min", [-3.4028234663852886e38]); // torch.finfo(torch.float32).min
  g.constFloat("attention_scale", [Math.sqrt(headDim)]);
  g.constFloat("sqrt2", [Math.SQRT2]);
  g.constFloat("half", [0.5]);
  g.constInt64("heads_shape", [0, 0, c.heads, headDim]);
  g.constInt64("hidden_shape", [0, 0, c.hidden]);
  g.constInt64("mask_axes", [1, 2]);

  // Embeddings: word + token type 0 + RoBERTa positions (cumsum of non-pad tokens, offset by pad id).
  const notPad = g.node("Not", [g.node("Equal", ["input_ids", "pad_id"])]);
  const notPadInt = g.node("Cast", [notPad], [int("to", OnnxDataType.INT64)]);
  const positions = g.node("Add", [g.node("Mul", [g.node("CumSum", [notPadInt, "axis_1"]), notPadInt]), "pad_id"]);
  const words = g.node("Gather", [w("roberta.embeddings.word_embeddings.weight"), "input_ids"], [int("axis", 0)]);
  const tokenType = g.node("Gather", [w("roberta.embeddings.token_type_embeddings.weight"), "zero_index"], [int("axis", 0)]);
  const pos = g.node("Gather", [w("roberta.embeddings.position_embeddings.weight"), positions], [int("axis", 0)]);
  let x = layerNorm(g.node("Add", [g.node("Add", [words, tokenType]), pos]), "roberta.embeddings.LayerNorm");

  // Additive attention mask [batch, 1, 1, seq]: (1 - mask) * finfo.min, as HF get_extended_attention_mask.
  const maskFloat = g.node("Cast", ["attention_mask"], [int("to", OnnxDataType.FLOAT)]);
  const additive = g.node("Mul", [g.node("Sub", ["one", g.node("Unsqueeze", [maskFloat, "mask_axes"])]), "mask_min"]);

  for (let i = 0; i < c.layers; i++) {
    const p = `roberta.encoder.layer.${i}`;
    const heads = (t: string, perm: number[]) => g.node("Transpose", [g.node("Reshape", [t, "heads_shape"])], [ints("perm", perm)]);
    const q = heads(linear(x, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const k = heads(linear(x, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads(linear(x, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.node("Add", [g.node("Div", [g.node("MatMul", [q, k]), "attention_scale"]), additive]);
    const probs = g.node("Softmax", [scores], [int("axis", -1)]);
    const context = g.node("Reshape", [g.node("Transpose", [g.node("MatMul", [probs, v])], [ints("perm", [0, 2, 1, 3])]), "hidden_shape"]);
    const attention = layerNorm(g.node("Add", [linear(context, `${p}.attention.output.dense`), x]), `${p}.attention.output.LayerNorm`);
    const inner = linear(attention, `${p}.intermediate.dense`);
    // exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)) — the pattern onnxruntime fuses into Gelu
    const gelu = g.node("Mul", [g.node("Mul", [inner, g.node("Add", [g.node("Erf", [g.node("Div", [inner, "sqrt2"])]), "one"])]), "half"]);
    x = layerNorm(g.node("Add", [linear(gelu, `${p}.output.dense`), attention]), `${p}.output.LayerNorm`);
  }

  const outputs: OnnxValueInfo[] = [];
  if (options.pruning !== false) {
    outputs.push(tensorInfo("pruning_logits", OnnxDataType.FLOAT, ["batch", "seq", 2]));
    g.node("Identity", [linear(x, "pruning_head")], [], "pruning_logits");
  }
  if (options.ranking) {
    const first = g.node("Gather", [x, "zero_index"], [int("axis", 1)]); // [batch, hidden]: the <s> token
    const dense = g.node("Tanh", [linear(first, "classifier.dense")]);
    g.node("Identity", [linear(dense, "classifier.out_proj")], [], "ranking_logits");
    outputs.push(tensorInfo("ranking_logits", OnnxDataType.FLOAT, ["batch", 1]));
  }

  return {
    irVersion: XLMR_IR_VERSION,
    opsetImport: [{ domain: "", version: XLMR_OPSET }],
    producerName: "semantic-highlight",
    producerVersion: "convert/1",
    ...(options.docString ? { docString: options.docString } : {}),
    ...(options.metadata ? { metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })) } : {}),
    graph: {
      name: "provence_xlmr",
      node: g.nodes,
      initializer: [...weights.values(), ...g.constants],
      input: [tensorInfo("input_ids", OnnxDataType.INT64, ["batch", "seq"]), tensorInfo("attention_mask", OnnxDataType.INT64, ["batch", "seq"])],
      output: outputs,
    },
  };
}
