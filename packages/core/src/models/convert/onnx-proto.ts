/**
 * Encoding ONNX `ModelProto` with protobufjs. The schema is the subset of the official `onnx.proto`
 * (package `onnx`, proto2) that a converter writes: field names and numbers copied from it. Only the graph
 * structure goes through protobuf; weights stay in external data files, so the message is small.
 */
import protobuf from "protobufjs/light.js";

/** ONNX `TensorProto.DataType` values used here. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, BFLOAT16: 16 } as const;
/** An ONNX element type number. */
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** `AttributeProto.AttributeType`. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

/** `StringStringEntryProto`. */
export interface OnnxStringEntry {
  key: string;
  value: string;
}

/** `TensorProto`: inline `rawData`, or `dataLocation` 1 with `externalData` (location, offset, length). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: OnnxDataTypeValue;
  rawData?: Uint8Array;
  externalData?: OnnxStringEntry[];
  /** 0 = DEFAULT, 1 = EXTERNAL. */
  dataLocation?: 0 | 1;
}

/** `AttributeProto`. */
export interface OnnxAttribute {
  name: string;
  type: (typeof OnnxAttributeType)[keyof typeof OnnxAttributeType];
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  /** Subgraph (`If` branches). */
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
}

/** `NodeProto`. */
export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}

/** One dimension: a fixed size or a symbolic name. */
export type OnnxDim = { dimValue: number } | { dimParam: string };

/** `ValueInfoProto` of a tensor. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: OnnxDataTypeValue; shape: { dim: OnnxDim[] } } };
}

/** `GraphProto`. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  docString?: string;
}

/** `ModelProto`. */
export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  metadataProps?: OnnxStringEntry[];
}

// Subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto), same names and numbers.
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            refAttrName: { type: "string", id: 21 },
            docString: { type: "string", id: 13 },
            type: { type: "int32", id: 20 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            g: { type: "GraphProto", id: 6 },
            floats: { rule: "repeated", type: "float", id: 7 },
            ints: { rule: "repeated", type: "int64", id: 8 },
            strings: { rule: "repeated", type: "bytes", id: 9 },
            tensors: { rule: "repeated", type: "TensorProto", id: 10 },
            graphs: { rule: "repeated", type: "GraphProto", id: 11 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: "string", id: 1 }, type: { type: "TypeProto", id: 2 }, docString: { type: "string", id: 3 } },
        },
        NodeProto: {
          fields: {
            input: { rule: "repeated", type: "string", id: 1 },
            output: { rule: "repeated", type: "string", id: 2 },
            name: { type: "string", id: 3 },
            opType: { type: "string", id: 4 },
            domain: { type: "string", id: 7 },
            attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
            docString: { type: "string", id: 6 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: "int64", id: 1 },
            opsetImport: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
            producerName: { type: "string", id: 2 },
            producerVersion: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            modelVersion: { type: "int64", id: 5 },
            docString: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            metadataProps: { rule: "repeated", type: "StringStringEntryProto", id: 14 },
          },
        },
        StringStringEntryProto: { fields: { key: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: "repeated", type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: "repeated", type: "TensorProto", id: 5 },
            docString: { type: "string", id: 10 },
            input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
            output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
            valueInfo: { rule: "repeated", type: "ValueInfoProto", id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: "repeated", type: "int64", id: 1 },
            dataType: { type: "int32", id: 2 },
            floatData: { rule: "repeated", type: "float", id: 4, options: { packed: true } },
            int32Data: { rule: "repeated", type: "int32", id: 5, options: { packed: true } },
            int64Data: { rule: "repeated", type: "int64", id: 7, options: { packed: true } },
            name: { type: "string", id: 8 },
            docString: { type: "string", id: 12 },
            rawData: { type: "bytes", id: 9 },
            externalData: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
            dataLocation: { type: "int32", id: 14 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: "repeated", type: "Dimension", id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
              fields: { dimValue: { type: "int64", id: 1 }, dimParam: { type: "string", id: 2 }, denotation: { type: "string", id: 3 } },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ["tensorType"] } },
          fields: { tensorType: { type: "Tensor", id: 1 }, denotation: { type: "string", id: 6 } },
          nested: {
            Tensor: { fields: { elemType: { type: "int32", id: 1 }, shape: { type: "TensorShapeProto", id: 2 } } },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: "string", id: 1 }, version: { type: "int64", id: 2 } } },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType("onnx.ModelProto");
  return modelType;
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = modelProto();
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Parses ONNX protobuf bytes back into plain objects (for tests and inspection; int64 as numbers). */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as unknown as OnnxModel;
}

/** A graph read for its structure only (see {@link decodeOnnxStructure}): tensors carry no weights. */
export interface OnnxStructureTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  externalData?: OnnxStringEntry[];
  dataLocation?: number;
}

/** `SparseTensorProto` (values + indices), structure only. */
export interface OnnxStructureSparseTensor {
  values?: OnnxStructureTensor;
  indices?: OnnxStructureTensor;
}

/** `AttributeProto`, structure only: the tensors and subgraphs it holds. */
export interface OnnxStructureAttribute {
  name?: string;
  t?: OnnxStructureTensor;
  tensors?: OnnxStructureTensor[];
  g?: OnnxStructureGraph;
  graphs?: OnnxStructureGraph[];
  sparseTensor?: OnnxStructureSparseTensor;
  sparseTensors?: OnnxStructureSparseTensor[];
}

/** `ValueInfoProto` as read: any field may be absent (an unknown dimension has neither value nor param). */
export interface OnnxStructureValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}

/** `GraphProto`, structure only. */
export interface OnnxStructureGraph {
  node?: { opType?: string; attribute?: OnnxStructureAttribute[] }[];
  initializer?: OnnxStructureTensor[];
  sparseInitializer?: OnnxStructureSparseTensor[];
  input?: OnnxStructureValueInfo[];
  output?: OnnxStructureValueInfo[];
}

/** `ModelProto`, structure only (`functions` hold nodes whose attributes may hold tensors too). */
export interface OnnxStructure {
  irVersion?: number;
  graph?: OnnxStructureGraph;
  functions?: { node?: { opType?: string; attribute?: OnnxStructureAttribute[] }[] }[];
}

let structureType: protobuf.Type | undefined;

/**
 * The read schema: the writer's subset plus what a reader must not miss when it looks for every tensor
 * (sparse initializers, sparse attributes, model-local functions), minus the tensor payloads and the node
 * fields no reader of the structure needs, which protobufjs then skips: a graph with inline weights is read
 * without copying them into JavaScript arrays.
 */
function structureProto(): protobuf.Type {
  if (structureType) return structureType;
  const root = protobuf.Root.fromJSON(SCHEMA);
  const onnx = root.lookup("onnx") as protobuf.Namespace;
  onnx.add(new protobuf.Type("SparseTensorProto").add(new protobuf.Field("values", 1, "TensorProto")).add(new protobuf.Field("indices", 2, "TensorProto")));
  onnx.add(new protobuf.Type("FunctionProto").add(new protobuf.Field("node", 5, "NodeProto", "repeated")));
  root.lookupType("onnx.GraphProto").add(new protobuf.Field("sparseInitializer", 15, "SparseTensorProto", "repeated"));
  const attribute = root.lookupType("onnx.AttributeProto");
  attribute.add(new protobuf.Field("sparseTensor", 22, "SparseTensorProto")).add(new protobuf.Field("sparseTensors", 23, "SparseTensorProto", "repeated"));
  root.lookupType("onnx.ModelProto").add(new protobuf.Field("functions", 25, "FunctionProto", "repeated"));
  const drop = (typeName: string, fields: string[]) => {
    const type = root.lookupType(typeName);
    for (const field of fields) type.remove(type.fields[field]!);
  };
  drop("onnx.TensorProto", ["rawData", "floatData", "int32Data", "int64Data", "docString"]);
  drop("onnx.NodeProto", ["input", "output", "name", "domain", "docString"]);
  drop("onnx.AttributeProto", ["refAttrName", "docString", "type", "f", "i", "s", "floats", "ints", "strings"]);
  structureType = root.resolveAll().lookupType("onnx.ModelProto");
  return structureType;
}

/**
 * Parses ONNX protobuf bytes for the model's structure: inputs and outputs with their types and shapes,
 * nodes, and every tensor's name, dims and external-data entries — without the weights themselves.
 * @throws Error (protobufjs) when the bytes are not a protobuf message of this shape
 */
export function decodeOnnxStructure(bytes: Uint8Array): OnnxStructure {
  const type = structureProto();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as OnnxStructure;
}
