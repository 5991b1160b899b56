/**
 * A Triton Inference Server model repository entry from a model folder: `<repo>/<name>/config.pbtxt`
 * (onnxruntime backend; every input and output with the type and dimensions the graph declares; dynamic
 * batching) and `<repo>/<name>/1/` with the ONNX file and exactly the external data files its tensors
 * reference.
 *
 * Everything here crosses a trust boundary: the model folder (names, tensor names, external-data locations)
 * is untrusted, and the repository may hold other models. So: the model name follows Triton's rules and is
 * one folder inside the repository; every string in config.pbtxt is escaped as protobuf text format; only
 * files the graph references, inside the model folder, are placed; the entry is built in a staging folder,
 * loaded once with onnxruntime (the runtime of Triton's onnxruntime backend) and only then moved into
 * place; `overwrite` replaces only an entry this writer made, recognised by its marker file and inventory.
 */
import { existsSync, linkSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { ModelLoadError, TritonRepositoryError } from "../errors.js";
import { loadModelFiles } from "../models/model-folder.js";
import { decodeOnnxStructure, type OnnxStructure, type OnnxStructureAttribute, type OnnxStructureGraph, type OnnxStructureTensor, type OnnxStructureValueInfo } from "../models/convert/onnx-proto.js";
import { loadOnnxRuntimeNode, OnnxModelSession } from "../backends/onnx-session.js";
import { checkContract, contractMessage, type GraphSignature } from "../backends/contract.js";

/** Options of {@link writeTritonRepository}. */
export interface TritonRepositoryOptions {
  /**
   * Model name in the repository (the remote backend's `model`). Default: the config's name. Triton's rules
   * apply (not empty or blank, no `/`, no `..`), and ours for a name that is one folder: not `.`, no `\`,
   * no control characters, at most 255 bytes.
   */
  name?: string;
  /**
   * Triton's `max_batch_size`: most rows the dynamic batcher puts together. Default 8. With a value > 0 the
   * first dimension of every input and output must be dynamic in the graph (Triton's batch dimension);
   * 0 turns batching off and writes the graph's full shapes.
   */
  maxBatchSize?: number;
  /** Where instances run: "KIND_GPU" or "KIND_CPU". Default: left to Triton (GPU when it has one). */
  instanceKind?: "KIND_GPU" | "KIND_CPU";
  /** Instances per device. Default 1. */
  instanceCount?: number;
  /**
   * Replace an existing `<repo>/<name>` — only one this writer made (its marker file is there and the folder
   * holds nothing else); anything else is refused with `TritonRepositoryError` reason `NOT_OURS`.
   * Default false (`EXISTS`).
   */
  overwrite?: boolean;
}

/** What was written. */
export interface TritonRepositoryResult {
  /** The model name the entry is served under. */
  name: string;
  /** `<repo>/<name>` */
  modelDirectory: string;
  /** `<repo>/<name>/config.pbtxt` */
  configPath: string;
  /** Files placed in `<repo>/<name>/1/`, relative to it (the ONNX file first, then its external data). */
  files: string[];
  /** The graph inputs the entry declares, by name. */
  inputs: string[];
  /** The graph outputs the entry declares, by name. */
  outputs: string[];
  /** The `max_batch_size` written (0: no batching). */
  maxBatchSize: number;
}

/** The file that marks an entry as written by {@link writeTritonRepository} and lists what it placed. */
export const TRITON_MARKER_FILE = ".semantic-highlight-triton.json";
const MARKER_WRITER = "semantic-highlight triton-repo";
/**
 * Staging and replaced entries live in the repository (same file system, so moving them is a rename) under
 * a name Triton refuses as a model name (it contains ".."), never mistaken for an entry.
 */
const STAGING_PREFIX = ".semantic-highlight..staging-";
/** Largest ONNX protobuf there can be (protobuf's 2 GiB limit): bigger weights live in external data. */
const MAX_ONNX_BYTES = 2 ** 31 - 1;
/** int32 in model_config.proto. */
const MAX_INT32 = 2 ** 31 - 1;

/** ONNX `TensorProto.DataType` → Triton `DataType` (model_config.proto). */
const TRITON_TYPES: Readonly<Record<number, string>> = {
  1: "TYPE_FP32",
  2: "TYPE_UINT8",
  3: "TYPE_INT8",
  4: "TYPE_UINT16",
  5: "TYPE_INT16",
  6: "TYPE_INT32",
  7: "TYPE_INT64",
  8: "TYPE_STRING",
  9: "TYPE_BOOL",
  10: "TYPE_FP16",
  11: "TYPE_FP64",
  12: "TYPE_UINT32",
  13: "TYPE_UINT64",
  16: "TYPE_BF16",
};
/** ONNX element types as onnxruntime names them, for the contract check. */
const ORT_TYPES: Readonly<Record<number, string>> = { 1: "float32", 6: "int32", 7: "int64", 10: "float16", 11: "float64" };

/**
 * Why `name` cannot be a model in a Triton repository, or `null` when it can. Triton's own rules
 * (core `ValidateModelName`): not empty, not only whitespace, no `..`, no `/`. Ours, for a name that must be
 * exactly one folder on any file system and one line in config.pbtxt: not `.`, no `\`, no control
 * characters, at most 255 UTF-8 bytes.
 */
export function tritonModelNameProblem(name: string): string | null {
  if (name.length === 0) return "it is empty";
  if (name.trim().length === 0) return "it is only whitespace";
  if (name === ".") return `"." is the repository itself`;
  if (name.includes("..")) return `it contains ".." (Triton refuses path traversal in model names)`;
  if (name.includes("/") || name.includes("\\")) return "it contains a path separator";
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "it contains control characters";
  if (Buffer.byteLength(name, "utf8") > 255) return "it is longer than 255 bytes (a folder name)";
  return null;
}

/**
 * A string as a protobuf text-format literal: `"`, `\`, `'` and every byte outside printable ASCII are
 * escaped (C escapes, octal for the rest of the UTF-8 bytes), as protobuf's own printer does — so no name
 * from a graph can end the literal or the line and add fields to config.pbtxt.
 */
export function protobufTextString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, "utf8")) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x27) out += "\\'";
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte === 0x09) out += "\\t";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** One `input` / `output` entry of config.pbtxt. */
interface TritonTensor {
  name: string;
  dataType: string;
  dims: number[];
  /** `reshape { shape: [] }`: a graph tensor that is only the batch dimension (Triton needs dims [1] then). */
  scalarPerRow: boolean;
}

function fail(reason: ConstructorParameters<typeof TritonRepositoryError>[0], where: string, problem: string, cause?: unknown): never {
  throw new TritonRepositoryError(reason, where, problem, cause === undefined ? undefined : { cause });
}

function checkOptions(options: TritonRepositoryOptions, repository: string): number {
  const maxBatchSize = options.maxBatchSize ?? 8;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 0 || maxBatchSize > MAX_INT32) {
    fail("INVALID_OPTION", repository, `maxBatchSize must be an integer from 0 (no batching) to ${MAX_INT32} (got ${String(maxBatchSize)})`);
  }
  if (options.instanceKind !== undefined && options.instanceKind !== "KIND_GPU" && options.instanceKind !== "KIND_CPU") {
    fail("INVALID_OPTION", repository, `instanceKind must be "KIND_GPU" or "KIND_CPU" (got ${JSON.stringify(options.instanceKind)})`);
  }
  const count = options.instanceCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > MAX_INT32)) {
    fail("INVALID_OPTION", repository, `instanceCount must be a positive integer (got ${String(count)})`);
  }
  return maxBatchSize;
}

/**
 * Folders a model folder's files may really live in: the folder, and for a Hugging Face cache snapshot
 * (`…/models--org--name/snapshots/<rev>`, whose files are symlinks to `../../blobs/<hash>`) that repo's blobs.
 */
function allowedRoots(folder: string): string[] {
  const roots = [realpathSync(folder)];
  const snapshots = path.dirname(folder);
  if (path.basename(snapshots) === "snapshots" && path.basename(path.dirname(snapshots)).startsWith("models--")) {
    const blobs = path.join(path.dirname(snapshots), "blobs");
    if (existsSync(blobs)) roots.push(realpathSync(blobs));
  }
  return roots;
}

const isInside = (file: string, root: string): boolean => {
  const relative = path.relative(root, file);
  return relative !== "" && !relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative);
};

/** The real path of `file` (a model-folder file), refused unless it is a regular file inside the allowed roots. */
function realFileInside(file: string, roots: readonly string[], what: string): string {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") fail("MISSING_FILE", file, `${what} is missing`, cause);
    fail("UNSAFE_REFERENCE", file, `${what} cannot be resolved: ${(cause as Error).message}`, cause);
  }
  if (!roots.some((root) => isInside(real, root))) {
    fail("UNSAFE_REFERENCE", file, `${what} resolves to ${real}, outside the model folder (a symlink leading out): refused`);
  }
  if (!statSync(real).isFile()) fail("UNSAFE_REFERENCE", file, `${what} is not a regular file: refused`);
  return real;
}

/** Every tensor of the model: initializers, sparse initializers and tensors in node attributes, subgraphs and functions included. */
function allTensors(model: OnnxStructure): OnnxStructureTensor[] {
  const tensors: OnnxStructureTensor[] = [];
  const fromAttributes = (attributes: readonly OnnxStructureAttribute[] | undefined): void => {
    for (const a of attributes ?? []) {
      if (a.t) tensors.push(a.t);
      tensors.push(...(a.tensors ?? []));
      for (const sparse of [a.sparseTensor, ...(a.sparseTensors ?? [])]) if (sparse) tensors.push(...[sparse.values, sparse.indices].filter((t): t is OnnxStructureTensor => t !== undefined));
      for (const g of [a.g, ...(a.graphs ?? [])]) if (g) fromGraph(g);
    }
  };
  const fromGraph = (graph: OnnxStructureGraph): void => {
    tensors.push(...(graph.initializer ?? []));
    for (const sparse of graph.sparseInitializer ?? []) tensors.push(...[sparse.values, sparse.indices].filter((t): t is OnnxStructureTensor => t !== undefined));
    for (const node of graph.node ?? []) fromAttributes(node.attribute);
  };
  if (model.graph) fromGraph(model.graph);
  for (const fn of model.functions ?? []) for (const node of fn.node ?? []) fromAttributes(node.attribute);
  return tensors;
}

/**
 * The external-data files the model's tensors reference, as normalised locations relative to the ONNX
 * file's folder. Refuses locations that could leave it: absolute, with a `..` segment, with `\` or control
 * characters.
 */
function externalLocations(model: OnnxStructure, modelPath: string): string[] {
  const locations = new Set<string>();
  for (const tensor of allTensors(model)) {
    if (tensor.dataLocation !== 1) continue; // TensorProto.EXTERNAL
    const location = tensor.externalData?.find((e) => e.key === "location")?.value;
    const label = `tensor ${JSON.stringify(tensor.name ?? "")}`;
    if (location === undefined || location === "") fail("UNSAFE_REFERENCE", modelPath, `${label} is stored externally but names no location`);
    if (/[\u0000-\u001f\u007f]/.test(location)) fail("UNSAFE_REFERENCE", modelPath, `${label}: external data location ${JSON.stringify(location)} has control characters: refused`);
    if (location.includes("\\")) fail("UNSAFE_REFERENCE", modelPath, `${label}: external data location ${JSON.stringify(location)} has a backslash (ONNX locations use "/"; on Windows "\\" could lead out of the folder): refused`);
    if (path.posix.isAbsolute(location) || path.win32.isAbsolute(location)) fail("UNSAFE_REFERENCE", modelPath, `${label}: external data location ${JSON.stringify(location)} is absolute: refused (it must stay inside the model folder)`);
    if (location.split("/").includes("..")) fail("UNSAFE_REFERENCE", modelPath, `${label}: external data location ${JSON.stringify(location)} goes up with "..": refused (it must stay inside the model folder)`);
    locations.add(path.posix.normalize(location));
  }
  return [...locations].sort();
}

/** A tensor of the graph as config.pbtxt describes it, or a problem. */
function tritonTensor(info: OnnxStructureValueInfo, maxBatchSize: number, where: string): TritonTensor {
  const name = info.name ?? "";
  const label = `tensor ${JSON.stringify(name)}`;
  if (name === "") fail("UNSERVABLE", where, "the graph has an input or output without a name");
  const tensorType = info.type?.tensorType;
  if (!tensorType) fail("UNSERVABLE", where, `${label} is not a tensor (Triton's onnxruntime backend serves tensors only)`);
  const dataType = TRITON_TYPES[tensorType.elemType ?? 0];
  if (!dataType) fail("UNSERVABLE", where, `${label} has ONNX element type ${tensorType.elemType ?? "(none)"}, which Triton has no type for`);
  if (!tensorType.shape) fail("UNSERVABLE", where, `${label} declares no shape: Triton needs its rank`);
  // Triton's convention: a dimension the graph leaves open (symbolic or unknown) is -1.
  const full = (tensorType.shape.dim ?? []).map((d) => (typeof d.dimValue === "number" ? d.dimValue : -1));
  if (full.some((d) => d === 0 || d < -1)) fail("UNSERVABLE", where, `${label} has shape [${full.join(", ")}]: Triton dimensions are >= 1 or -1`);
  if (maxBatchSize === 0) {
    if (full.length === 0) fail("UNSERVABLE", where, `${label} is a scalar: Triton needs at least one dimension`);
    return { name, dataType, dims: full, scalarPerRow: false };
  }
  if (full[0] !== -1) {
    fail(
      "UNSERVABLE",
      where,
      `${label} has shape [${full.join(", ")}]: with max_batch_size ${maxBatchSize} Triton batches along the first dimension, which must be dynamic; ` +
        `pass maxBatchSize 0 (--max-batch-size 0) to serve it without batching`,
    );
  }
  const dims = full.slice(1);
  return dims.length === 0 ? { name, dataType, dims: [1], scalarPerRow: true } : { name, dataType, dims, scalarPerRow: false };
}

/** The inputs and outputs config.pbtxt lists: every graph input, and the outputs the model config names. */
function signature(model: OnnxStructure, pruningOutput: string | null, rankingOutput: string | null, rankingRequired: boolean, maxBatchSize: number, modelPath: string): { inputs: TritonTensor[]; outputs: TritonTensor[] } {
  const graph = model.graph;
  if (!graph) fail("UNSERVABLE", modelPath, "the ONNX file has no graph");
  // IR < 4 lists initializers among the inputs; Triton feeds only the real ones.
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const graphInputs = (graph.input ?? []).filter((i) => !initializers.has(i.name));
  const graphOutputs = graph.output ?? [];
  const typeOf = (info: OnnxStructureValueInfo) => ORT_TYPES[info.type?.tensorType?.elemType ?? 0] ?? `onnx type ${info.type?.tensorType?.elemType ?? "?"}`;
  const shapeOf = (info: OnnxStructureValueInfo) => info.type?.tensorType?.shape?.dim?.map((d) => (typeof d.dimValue === "number" ? d.dimValue : -1));
  const contract: GraphSignature = {
    inputs: graphInputs.map((i) => ({ name: i.name ?? "", type: typeOf(i) })),
    outputs: graphOutputs.map((o) => {
      const shape = shapeOf(o);
      return shape ? { name: o.name ?? "", type: typeOf(o), shape } : { name: o.name ?? "", type: typeOf(o) };
    }),
  };
  const check = checkContract(contract, { pruning: pruningOutput, ranking: rankingOutput, rankingRequired });
  if (check.problems.length > 0) fail("UNSERVABLE", modelPath, contractMessage(check, contract));
  const ranking = check.ranking === null ? undefined : graphOutputs.find((o) => o.name === check.ranking);
  if (ranking && ranking.type?.tensorType?.elemType !== 1) fail("UNSERVABLE", modelPath, `output ${JSON.stringify(ranking.name)} is ${typeOf(ranking)}, expected float32 (the ranking logits)`);
  const outputs = [pruningOutput === null ? undefined : graphOutputs.find((o) => o.name === pruningOutput), ranking].filter((o): o is OnnxStructureValueInfo => o !== undefined);
  return { inputs: graphInputs.map((i) => tritonTensor(i, maxBatchSize, modelPath)), outputs: outputs.map((o) => tritonTensor(o, maxBatchSize, modelPath)) };
}

function configText(args: { name: string; source: string; maxBatchSize: number; modelFile: string; inputs: TritonTensor[]; outputs: TritonTensor[]; options: TritonRepositoryOptions }): string {
  const q = protobufTextString;
  const tensor = (t: TritonTensor) =>
    `  {\n    name: ${q(t.name)}\n    data_type: ${t.dataType}\n    dims: [ ${t.dims.join(", ")} ]${t.scalarPerRow ? "\n    reshape: { shape: [ ] }" : ""}\n  }`;
  const lines = [
    // The source path is quoted like a string literal: a folder name cannot end the comment line.
    `# Written by semantic-highlight triton-repo from ${q(args.source)}`,
    `# Inputs and outputs as the graph declares them (-1: a dynamic dimension)${args.maxBatchSize > 0 ? "; batch is the first, implicit dimension" : ""}.`,
    `name: ${q(args.name)}`,
    `backend: "onnxruntime"`,
    `max_batch_size: ${args.maxBatchSize}`,
    `default_model_filename: ${q(args.modelFile)}`,
    "input [",
    args.inputs.map(tensor).join(",\n"),
    "]",
    "output [",
    args.outputs.map(tensor).join(",\n"),
    "]",
  ];
  if (args.maxBatchSize > 0) {
    lines.push("# Requests with the same sequence length are batched together on the server.", "dynamic_batching {\n  max_queue_delay_microseconds: 2000\n}");
  }
  const { instanceKind, instanceCount } = args.options;
  if (instanceKind || instanceCount) {
    lines.push(`instance_group [\n  {\n    count: ${instanceCount ?? 1}${instanceKind ? `\n    kind: ${instanceKind}` : ""}\n  }\n]`);
  }
  return `${lines.join("\n")}\n`;
}

/** Hard link (no copy of gigabytes when source and repository share a file system), else a copy. */
function place(source: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

/**
 * Throws unless `directory` is an entry this writer made: a real folder (not a symlink) holding the marker
 * file and nothing but the files the marker lists (and their folders). A marker alone is not enough — a
 * folder that also holds other things (a hand-made version, a sibling model because the name pointed at a
 * parent) is refused, so overwriting can only ever delete what this writer placed.
 */
function assertOwnEntry(directory: string): void {
  const stat = lstatSync(directory);
  if (stat.isSymbolicLink() || !stat.isDirectory()) fail("NOT_OURS", directory, "exists and is not a folder this writer made (a file or a symlink): not replaced");
  const markerPath = path.join(directory, TRITON_MARKER_FILE);
  let listed: unknown;
  try {
    const markerStat = lstatSync(markerPath);
    if (!markerStat.isFile() || markerStat.size > 1_000_000) throw new Error("not a small regular file");
    const marker = JSON.parse(readFileSync(markerPath, "utf8")) as { writer?: unknown; files?: unknown };
    if (marker.writer !== MARKER_WRITER) throw new Error("written by something else");
    listed = marker.files;
  } catch (cause) {
    fail("NOT_OURS", directory, `exists but has no valid ${TRITON_MARKER_FILE} (it was not written by semantic-highlight triton-repo): not replaced; remove it yourself or choose another name`, cause);
  }
  if (!Array.isArray(listed) || !listed.every((f): f is string => typeof f === "string")) fail("NOT_OURS", directory, `${TRITON_MARKER_FILE} does not list the files it placed: not replaced`);
  const files = new Set<string>([...listed, TRITON_MARKER_FILE]);
  const folders = new Set<string>();
  for (const file of files) for (let dir = path.posix.dirname(file); dir !== "." && dir !== "/"; dir = path.posix.dirname(dir)) folders.add(dir);
  const unexpected: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(directory, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && folders.has(child)) walk(child);
      else if (!(entry.isFile() && files.has(child))) unexpected.push(child);
    }
  };
  walk("");
  if (unexpected.length > 0) {
    fail("NOT_OURS", directory, `holds files semantic-highlight triton-repo did not write (${unexpected.slice(0, 5).join(", ")}${unexpected.length > 5 ? ", …" : ""}): not replaced; remove them or choose another name`);
  }
}

/** Writes a Triton model repository entry for `modelFolder` under `repository`. */
export async function writeTritonRepository(modelFolder: string, repository: string, options: TritonRepositoryOptions = {}): Promise<TritonRepositoryResult> {
  const repo = path.resolve(repository);
  const maxBatchSize = checkOptions(options, repo);
  // The entry is checked by loading it in onnxruntime-node (an optional peer dependency): without it, fail
  // with MissingDependencyError before anything is written.
  await loadOnnxRuntimeNode();
  const files = await loadModelFiles(modelFolder);

  const name = options.name ?? files.config.name;
  const nameProblem = tritonModelNameProblem(name);
  if (nameProblem !== null) {
    const from = options.name === undefined ? `the model config's name ${JSON.stringify(name)}` : `model name ${JSON.stringify(name)}`;
    fail("INVALID_NAME", repo, `${from} cannot be a Triton model: ${nameProblem}${options.name === undefined ? "; pass a name (--name)" : ""}`);
  }
  const modelDirectory = path.join(repo, name);
  if (path.dirname(modelDirectory) !== repo) fail("INVALID_NAME", repo, `model name ${JSON.stringify(name)} is not one folder inside the repository`);
  const exists = (() => {
    try {
      lstatSync(modelDirectory);
      return true;
    } catch {
      return false;
    }
  })();
  if (exists) {
    if (!options.overwrite) fail("EXISTS", modelDirectory, "already exists; choose another name or overwrite it");
    assertOwnEntry(modelDirectory);
  }

  // The graph: read for its structure (inputs, outputs, external data), inside the model folder.
  const roots = allowedRoots(files.directory);
  if (!isInside(path.resolve(files.modelPath), path.resolve(files.directory))) fail("UNSAFE_REFERENCE", files.modelPath, `model_file leaves the model folder: refused`);
  const realModel = realFileInside(files.modelPath, roots, "the ONNX file");
  if (statSync(realModel).size > MAX_ONNX_BYTES) fail("UNSERVABLE", files.modelPath, "is larger than 2 GiB, which no ONNX protobuf can be (weights over 2 GB belong in external data)");
  let structure: OnnxStructure;
  try {
    structure = decodeOnnxStructure(await readFile(realModel));
  } catch (cause) {
    throw new ModelLoadError(files.modelPath, `not a readable ONNX model: ${(cause as Error).message}`, { cause });
  }
  const { inputs, outputs } = signature(structure, files.config.pruningOutput, files.config.rankingOutput, files.rankingOutputDeclared, maxBatchSize, files.modelPath);
  const modelFile = path.basename(files.modelPath);
  const locations = externalLocations(structure, files.modelPath);
  const sourceFolder = path.dirname(files.modelPath);
  const referenced = locations.map((location) => {
    if (location === modelFile || location.startsWith(`${modelFile}/`)) fail("UNSAFE_REFERENCE", files.modelPath, `external data location ${JSON.stringify(location)} is the ONNX file's own name`);
    return { location, source: realFileInside(path.join(sourceFolder, location), roots, `external data ${JSON.stringify(location)} (referenced by ${path.basename(files.modelPath)})`) };
  });

  // Build the entry beside its final place (same file system, so the last step is a rename), check it, swap it in.
  try {
    mkdirSync(repo, { recursive: true });
  } catch (cause) {
    fail("WRITE", repo, `cannot create the repository folder: ${(cause as Error).message}`, cause);
  }
  if (!statSync(repo).isDirectory()) fail("WRITE", repo, "is not a folder");
  let staging: string;
  try {
    staging = mkdtempSync(path.join(repo, STAGING_PREFIX));
  } catch (cause) {
    fail("WRITE", repo, `cannot write into the repository: ${(cause as Error).message}`, cause);
  }
  try {
    const version = path.join(staging, "1");
    const placed = [modelFile, ...referenced.map((r) => r.location)];
    try {
      place(realModel, path.join(version, modelFile));
      for (const { location, source } of referenced) place(source, path.join(version, ...location.split("/")));
      writeFileSync(path.join(staging, "config.pbtxt"), configText({ name, source: files.directory, maxBatchSize, modelFile, inputs, outputs, options }));
      writeFileSync(path.join(staging, TRITON_MARKER_FILE), `${JSON.stringify({ writer: MARKER_WRITER, version: 1, files: ["config.pbtxt", ...placed.map((f) => `1/${f}`)] }, null, 2)}\n`);
    } catch (cause) {
      fail("WRITE", staging, `cannot write the entry: ${(cause as Error).message}`, cause);
    }
    // The entry as Triton's onnxruntime backend will see it: the graph in 1/ with its external data beside it.
    let session: OnnxModelSession;
    try {
      session = await OnnxModelSession.create(
        path.join(version, modelFile),
        { pruning: files.config.pruningOutput, ranking: files.config.rankingOutput, rankingRequired: files.rankingOutputDeclared },
        { graphOptimizationLevel: "disabled" },
      );
    } catch (cause) {
      fail("UNSERVABLE", files.modelPath, `the written entry does not load in onnxruntime: ${(cause as Error).message}`, cause);
    }
    await session.release();

    if (exists) assertOwnEntry(modelDirectory); // again, right before it goes: nothing was added meanwhile
    try {
      if (exists) {
        const old = mkdtempSync(path.join(repo, STAGING_PREFIX));
        renameSync(modelDirectory, path.join(old, "entry"));
        try {
          renameSync(staging, modelDirectory);
        } catch (cause) {
          renameSync(path.join(old, "entry"), modelDirectory);
          rmSync(old, { recursive: true, force: true });
          throw cause;
        }
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(staging, modelDirectory);
      }
    } catch (cause) {
      fail("WRITE", modelDirectory, `cannot move the finished entry into place: ${(cause as Error).message}`, cause);
    }
    return {
      name,
      modelDirectory,
      configPath: path.join(modelDirectory, "config.pbtxt"),
      files: placed,
      inputs: inputs.map((t) => t.name),
      outputs: outputs.map((t) => t.name),
      maxBatchSize,
    };
  } finally {
    // Only the staging folder this call created (gone after a successful rename).
    rmSync(staging, { recursive: true, force: true });
  }
}
