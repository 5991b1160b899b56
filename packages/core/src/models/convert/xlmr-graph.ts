/**
 * The XLM-RoBERTa encoder with the Provence heads as an ONNX graph in the model contract (DESIGN §3), built
 * node by node — the same computation as tools/model/provence_arch.py (HF `XLMRobertaModel`, eager
 * attention): RoBERTa position ids from `input_ids != pad`, post-LN layers, exact GELU, additive
 * `finfo(float32).min` mask; pruning head Linear(hidden, 2) on every token; ranking head
 * dense → tanh → out_proj on `<s>`.
 *
 * Two operator sets (`ops`):
 * - `"fused"` (default): onnxruntime's `com.microsoft` kernels — `MultiHeadAttention` (one kernel for
 *   scores, mask, softmax and context; with no padding in the batch it takes onnxruntime's flash-attention
 *   path, which never materialises the [seq, seq] scores), `SkipLayerNormalization` (residual + bias +
 *   LayerNorm), `BiasGelu`, and `FusedMatMul(transB=1)`, which reads a Linear weight in the checkpoint's
 *   own [out, in] layout — so float32 weights stay where they are (external data pointing into the
 *   checkpoint's safetensors) and no `Transpose` is left for onnxruntime to fold at load time.
 * - `"plain"`: standard ONNX operators only (for runtimes without the contrib kernels); float32 weights
 *   reach `MatMul` through a `Transpose` that onnxruntime folds when the session is created.
 *
 * int8 weights (see ./int8.ts) are s8 [in, out] with one float32 scale per output column; the activations
 * are quantized to u8 per tensor at run time (`DynamicQuantizeMatMul` when fused; `DynamicQuantizeLinear` →
 * `MatMulInteger` → `Cast` → `Mul` when plain). int8 embedding tables have one scale per row.
 */
import type { EncoderConfig } from "./checkpoint-config.js";
import { OnnxAttributeType, OnnxDataType, type OnnxAttribute, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnx-proto.js";

/** ONNX opset of the generated graph (LayerNormalization needs 17). */
export const XLMR_OPSET = 17;
/** IR version matching opset 17 (ONNX 1.12+). */
export const XLMR_IR_VERSION = 8;
/** Domain of onnxruntime's contrib operators. */
export const MS_DOMAIN = "com.microsoft";

/** Operator set of the emitted graph (see the module comment). */
export type XlmrGraphOps = "fused" | "plain";

/** Name of the float32 scale tensor of an int8 weight. */
export const int8ScaleName = (weight: string): string => `${weight}_scale`;

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
  nodes: OnnxNode[] = [];
  readonly constants: OnnxTensor[] = [];
  private counter = 0;

  node(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], name?: string, domain?: string): string {
    const output = name ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, input: inputs, output: [output], name: `${opType}_${this.counter++}`, attribute: attributes, ...(domain ? { domain } : {}) });
    return output;
  }

  /** A node with several outputs; returns their names. */
  multi(opType: string, inputs: string[], outputs: number, attributes: OnnxAttribute[] = [], domain?: string): string[] {
    const names = Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${this.counter}_${i}`);
    this.nodes.push({ opType, input: inputs, output: names, name: `${opType}_${this.counter++}`, attribute: attributes, ...(domain ? { domain } : {}) });
    return names;
  }

  ms(opType: string, inputs: string[], attributes: OnnxAttribute[] = []): string {
    return this.node(opType, inputs, attributes, undefined, MS_DOMAIN);
  }

  /** Builds a subgraph (an `If` branch) whose nodes may read the outer graph's values. */
  subgraph(name: string, build: () => string, output: OnnxValueInfo["type"]["tensorType"]["elemType"], dims: (number | string)[]): OnnxGraph {
    const outer = this.nodes;
    this.nodes = [];
    const result = build();
    const graph: OnnxGraph = { name, node: this.nodes, initializer: [], input: [], output: [tensorInfo(result, output, dims)] };
    this.nodes = outer;
    return graph;
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
const graphAttr = (name: string, g: OnnxGraph): OnnxAttribute => ({ name, type: OnnxAttributeType.GRAPH, g });

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
  /** Operator set (default `"fused"`: onnxruntime's contrib kernels; `"plain"`: standard ONNX only). */
  ops?: XlmrGraphOps;
  /** Float32 Linear weights stored transposed, [in, out], instead of the checkpoint's [out, in]. */
  transposed?: ReadonlySet<string>;
  /**
   * Weights stored as int8: a Linear weight is s8 [in, out] with float32 scales [out] under
   * {@link int8ScaleName}; an embedding table is s8 [rows, hidden] with scales [rows, 1].
   */
  int8?: ReadonlySet<string>;
  /** `producer_version` / doc string details. */
  docString?: string;
  /** Extra `metadata_props`. */
  metadata?: Record<string, string>;
}

/**
 * Builds the ONNX model. `weights` maps canonical names (see {@link expectedTensorShapes}; int8 weights
 * also their {@link int8ScaleName} tensors) to their initializers (external data or inline), already
 * checked against the expected shapes.
 */
export function buildXlmrModel(c: EncoderConfig, weights: Map<string, OnnxTensor>, options: XlmrGraphOptions): OnnxModel {
  const g = new GraphBuilder();
  const fused = (options.ops ?? "fused") === "fused";
  const w = (name: string): string => {
    if (!weights.has(name)) throw new Error(`internal: weight ${name} missing`);
    return name;
  };
  const isInt8 = (name: string) => options.int8?.has(name) ?? false;
  /** Activations already quantized to u8 for the plain int8 graph (one DynamicQuantizeLinear per input). */
  const quantized = new Map<string, string[]>();

  /** x · Wᵀ without the bias. */
  const product = (x: string, weight: string): string => {
    if (isInt8(weight)) {
      const scale = w(int8ScaleName(weight));
      if (fused) return g.ms("DynamicQuantizeMatMul", [x, w(weight), scale]);
      let q = quantized.get(x);
      if (!q) {
        q = g.multi("DynamicQuantizeLinear", [x], 3);
        quantized.set(x, q);
      }
      const [xq, xScale, xZero] = q as [string, string, string];
      const integer = g.node("MatMulInteger", [xq, w(weight), xZero]);
      return g.node("Mul", [g.node("Cast", [integer], [int("to", OnnxDataType.FLOAT)]), g.node("Mul", [xScale, scale])]);
    }
    if (options.transposed?.has(weight)) return g.node("MatMul", [x, w(weight)]);
    if (fused) return g.ms("FusedMatMul", [x, w(weight)], [int("transB", 1)]);
    return g.node("MatMul", [x, g.node("Transpose", [w(weight)], [ints("perm", [1, 0])], `${weight}.T`)]);
  };
  const linear = (x: string, prefix: string): string => g.node("Add", [product(x, `${prefix}.weight`), w(`${prefix}.bias`)]);
  const layerNorm = (x: string, prefix: string) =>
    g.node("LayerNormalization", [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], [int("axis", -1), float("epsilon", c.layerNormEps)]);
  /** LayerNorm(x + residual + bias) where x = input · Wᵀ. */
  const linearResidualNorm = (input: string, dense: string, residual: string, norm: string): string => {
    if (fused) {
      return g.ms("SkipLayerNormalization", [product(input, `${dense}.weight`), residual, w(`${norm}.weight`), w(`${norm}.bias`), w(`${dense}.bias`)], [float("epsilon", c.layerNormEps)]);
    }
    return layerNorm(g.node("Add", [linear(input, dense), residual]), norm);
  };
  const embedding = (table: string, ids: string): string => {
    if (!isInt8(table)) return g.node("Gather", [w(table), ids], [int("axis", 0)]);
    const rows = g.node("Cast", [g.node("Gather", [w(table), ids], [int("axis", 0)])], [int("to", OnnxDataType.FLOAT)]);
    return g.node("Mul", [rows, g.node("Gather", [w(int8ScaleName(table)), ids], [int("axis", 0)])]);
  };

  const headDim = c.hidden / c.heads;
  g.constInt64("pad_id", [c.padTokenId], []);
  g.constInt64("axis_1", [1], []);
  g.constInt64("zero_index", [0], []);
  const maskMin = -3.4028234663852886e38; // torch.finfo(torch.float32).min

  // Embeddings: word + token type 0 + RoBERTa positions (cumsum of non-pad tokens, offset by pad id).
  const notPad = g.node("Not", [g.node("Equal", ["input_ids", "pad_id"])]);
  const notPadInt = g.node("Cast", [notPad], [int("to", OnnxDataType.INT64)]);
  const positions = g.node("Add", [g.node("Mul", [g.node("CumSum", [notPadInt, "axis_1"]), notPadInt]), "pad_id"]);
  const words = embedding("roberta.embeddings.word_embeddings.weight", "input_ids");
  const tokenType = g.node("Gather", [w("roberta.embeddings.token_type_embeddings.weight"), "zero_index"], [int("axis", 0)]);
  const pos = embedding("roberta.embeddings.position_embeddings.weight", positions);
  let x = layerNorm(g.node("Add", [g.node("Add", [words, tokenType]), pos]), "roberta.embeddings.LayerNorm");

  let attention: (x: string, p: string) => string;
  if (fused) {
    // MultiHeadAttention masks padded keys with key_padding_mask (int32 [batch, seq], 1 = attend). A batch
    // without padding runs the same kernel without the mask, which is what lets onnxruntime use its flash
    // attention (memory linear in the block length instead of quadratic): one `If` per layer on
    // "every mask value is 1", computed once.
    g.constInt64("one_int64", [1], []);
    const keyMask = g.node("Cast", ["attention_mask"], [int("to", OnnxDataType.INT32)]);
    const noPadding = g.node("Equal", [g.node("ReduceMin", ["attention_mask"], [int("keepdims", 0)]), "one_int64"]);
    const mha = [int("num_heads", c.heads), float("mask_filter_value", maskMin)];
    attention = (h, p) => {
      const q = product(h, `${p}.attention.self.query.weight`);
      const k = product(h, `${p}.attention.self.key.weight`);
      const v = product(h, `${p}.attention.self.value.weight`);
      const bias = g.node("Concat", [w(`${p}.attention.self.query.bias`), w(`${p}.attention.self.key.bias`), w(`${p}.attention.self.value.bias`)], [int("axis", 0)]);
      const dims = ["batch", "seq", c.hidden];
      const flash = g.subgraph(`${p}.attention.unpadded`, () => g.ms("MultiHeadAttention", [q, k, v, bias], mha), OnnxDataType.FLOAT, dims);
      const masked = g.subgraph(`${p}.attention.padded`, () => g.ms("MultiHeadAttention", [q, k, v, bias, keyMask], mha), OnnxDataType.FLOAT, dims);
      const context = g.node("If", [noPadding], [graphAttr("then_branch", flash), graphAttr("else_branch", masked)]);
      return linearResidualNorm(context, `${p}.attention.output.dense`, h, `${p}.attention.output.LayerNorm`);
    };
  } else {
    g.constFloat("one", [1]);
    g.constFloat("sqrt2", [Math.SQRT2]);
    g.constFloat("half", [0.5]);
    g.constFloat("mask_min", [maskMin]);
    g.constFloat("attention_scale", [Math.sqrt(headDim)]);
    g.constInt64("heads_shape", [0, 0, c.heads, headDim]);
    g.constInt64("hidden_shape", [0, 0, c.hidden]);
    g.constInt64("mask_axes", [1, 2]);
    // Additive attention mask [batch, 1, 1, seq]: (1 - mask) * finfo.min, as HF get_extended_attention_mask.
    const maskFloat = g.node("Cast", ["attention_mask"], [int("to", OnnxDataType.FLOAT)]);
    const additive = g.node("Mul", [g.node("Sub", ["one", g.node("Unsqueeze", [maskFloat, "mask_axes"])]), "mask_min"]);
    attention = (h, p) => {
      const heads = (t: string, perm: number[]) => g.node("Transpose", [g.node("Reshape", [t, "heads_shape"])], [ints("perm", perm)]);
      const q = heads(linear(h, `${p}.attention.self.query`), [0, 2, 1, 3]);
      const k = heads(linear(h, `${p}.attention.self.key`), [0, 2, 3, 1]);
      const v = heads(linear(h, `${p}.attention.self.value`), [0, 2, 1, 3]);
      const scores = g.node("Add", [g.node("Div", [g.node("MatMul", [q, k]), "attention_scale"]), additive]);
      const probs = g.node("Softmax", [scores], [int("axis", -1)]);
      const context = g.node("Reshape", [g.node("Transpose", [g.node("MatMul", [probs, v])], [ints("perm", [0, 2, 1, 3])]), "hidden_shape"]);
      return linearResidualNorm(context, `${p}.attention.output.dense`, h, `${p}.attention.output.LayerNorm`);
    };
  }

  for (let i = 0; i < c.layers; i++) {
    const p = `roberta.encoder.layer.${i}`;
    const attended = attention(x, p);
    let gelu: string;
    if (fused) gelu = g.ms("BiasGelu", [product(attended, `${p}.intermediate.dense.weight`), w(`${p}.intermediate.dense.bias`)]);
    else {
      const inner = linear(attended, `${p}.intermediate.dense`);
      // exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)) — the pattern onnxruntime fuses into Gelu
      gelu = g.node("Mul", [g.node("Mul", [inner, g.node("Add", [g.node("Erf", [g.node("Div", [inner, "sqrt2"])]), "one"])]), "half"]);
    }
    x = linearResidualNorm(gelu, `${p}.output.dense`, attended, `${p}.output.LayerNorm`);
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

  const usesContrib = g.nodes.some((n) => n.domain === MS_DOMAIN) || fused;
  return {
    irVersion: XLMR_IR_VERSION,
    opsetImport: [{ domain: "", version: XLMR_OPSET }, ...(usesContrib ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    producerName: "semantic-highlight",
    producerVersion: "convert/2",
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
