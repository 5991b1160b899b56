/**
 * Hugging Face hub references → a local model folder, through the standard Hugging Face cache
 * (`~/.cache/huggingface/hub`, shared with Python's huggingface_hub). The cache is read first without any
 * network access; files are downloaded only when missing and the hub is reachable.
 *
 * A hub repository may hold this project's layout (`highlight_config.json`, `model.onnx`, `tokenizer.json`)
 * or a plain Hugging Face checkpoint of the Provence family (`config.json`, `model.safetensors`, tokenizer
 * files). A checkpoint is downloaded, converted once (models/convert) and the converted folder cached,
 * keyed by repository and commit; a conversion or download that stops half-way leaves nothing that loads.
 *
 * Telling references apart: `hf:org/name` is always a hub id. A bare `org/name` is a hub id only when `org`
 * is not a local folder — so a mistyped local path such as `models/defualt` stays a path and nothing leaves
 * the machine for it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

import { CONFIG_FILE } from "./config.js";
import { ConversionError, InvalidInputError, ModelNotAvailableOfflineError } from "./errors.js";
import type { ConversionProgress } from "./models/convert/convert.js";

/** Progress of {@link resolveHubModel}: bytes downloaded, then conversion progress (checkpoint repos only). */
export interface HubProgress {
  /** `download`: fetching files into the cache; `convert`: converting a checkpoint (see {@link ConversionProgress}). */
  phase: "download" | "convert";
  /** File being downloaded (download phase). */
  file?: string;
  /** Bytes done in this phase. */
  done: number;
  /** Bytes in all in this phase (0 while unknown). */
  total: number;
}

/** Where and how to look for hub models. */
export interface HubOptions {
  /** Branch, tag or commit. Default "main". */
  revision?: string;
  /** Cache folder. Default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /**
   * Where converted checkpoints are kept (`<dir>/models--org--name/<commit>/`). Default
   * `$SEMANTIC_HIGHLIGHT_CACHE/converted`, else `semantic-highlight/converted` beside the hub cache folder.
   */
  convertedCacheDir?: string;
  /** Never touch the network (also when `HF_HUB_OFFLINE=1`). */
  offline?: boolean;
  /** Hub endpoint. Default `$HF_ENDPOINT` or https://huggingface.co. */
  hubUrl?: string;
  /** Access token for private models. Default `$HF_TOKEN`. */
  accessToken?: string;
  /** Give up reaching the hub after this long (ms) when fetching the small metadata files. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * Convert a checkpoint repository with int8 weights (`convertCheckpoint`'s `int8`), cached beside the
   * float32 conversion as `<commit>-int8`. Repositories that already hold a model folder are loaded as published.
   */
  int8?: boolean;
  /** Called while files download and while a checkpoint converts. */
  onProgress?: (progress: HubProgress) => void;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
/** Prefix that makes a reference a hub id whatever exists locally. */
export const HUB_PREFIX = "hf:";

/**
 * Whether `ref` is to be read as a hub id: always with the `hf:` prefix; a bare `org/name` only when neither
 * `org/name` nor its first segment `org` exists locally (a path whose parent folder exists stays a path).
 */
export function looksLikeHubId(ref: string): boolean {
  if (ref.startsWith(HUB_PREFIX)) return HUB_ID.test(ref.slice(HUB_PREFIX.length));
  if (!HUB_ID.test(ref) || ref.startsWith(".") || existsSync(ref)) return false;
  const first = ref.slice(0, ref.indexOf("/"));
  return !isDirectory(first);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * For a local path that does not exist but could have been meant as a hub id: a sentence naming that
 * reading (for error messages), else "".
 */
export function hubReadingHint(ref: string): string {
  if (!HUB_ID.test(ref) || ref.startsWith(".")) return "";
  return `; it was read as a local path because the folder "${ref.slice(0, ref.indexOf("/"))}" exists here — for the Hugging Face model write "${HUB_PREFIX}${ref}"`;
}

/** The hub id of a reference (`hf:` prefix removed). */
export function hubIdOf(ref: string): string {
  return ref.startsWith(HUB_PREFIX) ? ref.slice(HUB_PREFIX.length) : ref;
}

/** The default Hugging Face cache folder, as huggingface_hub computes it. */
export function defaultHubCacheDir(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  const home = process.env.HF_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "huggingface");
  return path.join(home, "hub");
}

/** Where converted checkpoints of `cacheDir` are kept (see {@link HubOptions.convertedCacheDir}). */
export function defaultConvertedCacheDir(cacheDir: string): string {
  if (process.env.SEMANTIC_HIGHLIGHT_CACHE) return path.join(process.env.SEMANTIC_HIGHLIGHT_CACHE, "converted");
  return path.join(path.dirname(path.resolve(cacheDir)), "semantic-highlight", "converted");
}

const repoFolder = (modelId: string) => `models--${modelId.replace("/", "--")}`;
const COMMIT = /^[0-9a-f]{40}$/;

/** Commit of `revision` in the cache (refs/<revision>, or the revision itself when it names a snapshot). */
function cachedCommit(cacheDir: string, modelId: string, revision: string): string | null {
  const repoDir = path.join(cacheDir, repoFolder(modelId));
  const ref = path.join(repoDir, "refs", revision);
  if (existsSync(ref)) return readFileSync(ref, "utf8").trim();
  return existsSync(path.join(repoDir, "snapshots", revision)) ? revision : null;
}

function snapshotComplete(snapshot: string): boolean {
  const configPath = path.join(snapshot, CONFIG_FILE);
  if (!existsSync(configPath) || !existsSync(path.join(snapshot, "tokenizer.json"))) return false;
  try {
    const modelFile = (JSON.parse(readFileSync(configPath, "utf8")) as { model_file?: string }).model_file ?? "model.onnx";
    return existsSync(path.join(snapshot, modelFile));
  } catch {
    return false;
  }
}

const convertedComplete = (dir: string) => existsSync(path.join(dir, CONFIG_FILE)) && existsSync(path.join(dir, "model.onnx"));

/**
 * Returns a local folder holding the model `ref` (`org/name` or `hf:org/name`): from the cache when complete,
 * else downloaded; a Provence-family checkpoint is converted once and the converted folder returned.
 * @throws ModelNotAvailableOfflineError when it is not cached and cannot be downloaded.
 * @throws ConversionError when the repository holds a checkpoint the converter does not recognise.
 */
export async function resolveHubModel(ref: string, options: HubOptions = {}): Promise<string> {
  const explicit = ref.startsWith(HUB_PREFIX);
  const modelId = hubIdOf(ref);
  if (!HUB_ID.test(modelId)) throw new InvalidInputError(`"${ref}" is not a Hugging Face model id of the form org/name`);
  // Both readings, for the messages: a bare id could have been a local path.
  const alsoPath = explicit ? "" : `; as a local path, ${path.resolve(modelId)} does not exist either`;
  const revision = options.revision ?? "main";
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const convertedRoot = options.convertedCacheDir ?? defaultConvertedCacheDir(cacheDir);
  const convertedDir = (commit: string) => path.join(convertedRoot, repoFolder(modelId), options.int8 ? `${commit}-int8` : commit);

  const commit = cachedCommit(cacheDir, modelId, revision);
  if (commit) {
    const snapshot = path.join(cacheDir, repoFolder(modelId), "snapshots", commit);
    if (snapshotComplete(snapshot)) return snapshot;
    if (convertedComplete(convertedDir(commit))) return convertedDir(commit);
  }

  const offline = options.offline ?? ["1", "true", "yes"].includes((process.env.HF_HUB_OFFLINE ?? "").toLowerCase());
  if (offline) throw new ModelNotAvailableOfflineError(modelId, `offline mode (HF_HUB_OFFLINE or offline: true)${alsoPath}`);

  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/$/, "");
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const unavailable = (detail: string, cause?: unknown) =>
    new ModelNotAvailableOfflineError(modelId, `${detail}${alsoPath}`, cause === undefined ? undefined : { cause });
  const quickFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });

  // 1. Pin the revision to a commit, so every file lands in one snapshot folder.
  const { sha, siblings } = await pinRevision(modelId, revision, hubUrl, accessToken, quickFetch, unavailable);
  if (convertedComplete(convertedDir(sha))) {
    await writeRef(cacheDir, modelId, revision, sha);
    return convertedDir(sha);
  }
  const repo = await downloadRepo({ modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable, report: options.onProgress });
  if (repo.kind === "model") return repo.directory;

  // 4. Convert once; the converted folder appears only when complete (convertCheckpoint renames at the end).
  const target = convertedDir(sha);
  const { convertCheckpoint } = await import("./models/convert/convert.js");
  const report = options.onProgress ?? (() => {});
  try {
    await convertCheckpoint(repo.directory, target, {
      name: modelId,
      ...(options.int8 ? { int8: true } : {}),
      onProgress: (p: ConversionProgress) => report({ phase: "convert", done: p.done, total: p.total }),
    });
  } catch (error) {
    // Another process finished the same conversion first: use its folder.
    if (error instanceof ConversionError && error.reason === "WRITE" && convertedComplete(target)) return target;
    throw error;
  }
  return target;
}

/** A hub repository downloaded into the cache (see {@link downloadHubRepo}). */
export interface DownloadedHubRepo {
  /** The snapshot folder in the Hugging Face cache. */
  directory: string;
  /** The commit it holds. */
  commit: string;
  /** `model`: this project's layout, loadable as is; `checkpoint`: a Hugging Face checkpoint to convert. */
  kind: "model" | "checkpoint";
}

/**
 * Downloads what a model needs from a hub repository into the Hugging Face cache, without converting:
 * this project's layout, or a checkpoint's config, safetensors weights and tokenizer files.
 * @throws ModelNotAvailableOfflineError when the hub cannot be reached or a download fails.
 */
export async function downloadHubRepo(ref: string, options: Omit<HubOptions, "convertedCacheDir" | "offline"> = {}): Promise<DownloadedHubRepo> {
  const modelId = hubIdOf(ref);
  if (!HUB_ID.test(modelId)) throw new InvalidInputError(`"${ref}" is not a Hugging Face model id of the form org/name`);
  const revision = options.revision ?? "main";
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/$/, "");
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const quickFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });
  const unavailable = (detail: string, cause?: unknown) => new ModelNotAvailableOfflineError(modelId, detail, cause === undefined ? undefined : { cause });
  const { sha, siblings } = await pinRevision(modelId, revision, hubUrl, accessToken, quickFetch, unavailable);
  return downloadRepo({ modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable, report: options.onProgress });
}

type Unavailable = (detail: string, cause?: unknown) => ModelNotAvailableOfflineError;

/** Asks the hub which commit `revision` is and which files it has. */
async function pinRevision(modelId: string, revision: string, hubUrl: string, accessToken: string | undefined, quickFetch: typeof fetch, unavailable: Unavailable): Promise<{ sha: string; siblings: Set<string> }> {
  try {
    const response = await quickFetch(`${hubUrl}/api/models/${modelId}/revision/${encodeURIComponent(revision)}`, {
      headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
    });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for the repository's revision "${revision}"`);
    const info = (await response.json()) as { sha?: string; siblings?: { rfilename: string }[] };
    if (!info.sha || !COMMIT.test(info.sha)) throw new Error(`no commit sha in the hub's answer for revision "${revision}"`);
    return { sha: info.sha, siblings: new Set((info.siblings ?? []).map((s) => s.rfilename)) };
  } catch (cause) {
    throw unavailable(`reaching the hub failed: ${(cause as Error).message}`, cause);
  }
}

async function downloadRepo(a: {
  modelId: string;
  revision: string;
  sha: string;
  siblings: Set<string>;
  cacheDir: string;
  hubUrl: string;
  accessToken: string | undefined;
  quickFetch: typeof fetch;
  unavailable: Unavailable;
  report: ((p: HubProgress) => void) | undefined;
}): Promise<DownloadedHubRepo> {
  const { modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable } = a;
  const { downloadFileToCacheDir, pathsInfo } = await import("@huggingface/hub");

  // 2. Decide what to download.
  let files: string[];
  let checkpoint = false;
  if (siblings.has(CONFIG_FILE)) {
    files = [CONFIG_FILE, "tokenizer.json"];
    for (const f of ["tokenizer_config.json", "model.onnx", "model.onnx_data"]) if (siblings.has(f)) files.push(f);
  } else if (siblings.has("config.json") && (siblings.has("model.safetensors") || siblings.has("model.safetensors.index.json"))) {
    checkpoint = true;
    files = ["config.json"];
    if (siblings.has("model.safetensors.index.json")) {
      files.push("model.safetensors.index.json");
      for (const f of siblings) if (/^model-\d+-of-\d+\.safetensors$/.test(f)) files.push(f);
    } else files.push("model.safetensors");
    if (siblings.has("tokenizer.json")) files.push("tokenizer.json");
    else if (siblings.has("sentencepiece.bpe.model")) files.push("sentencepiece.bpe.model");
    if (siblings.has("tokenizer_config.json")) files.push("tokenizer_config.json");
  } else {
    throw new ConversionError(
      "MISSING_FILE",
      `${HUB_PREFIX}${modelId}`,
      `the repository holds neither this project's layout (${CONFIG_FILE}) nor a checkpoint (config.json + model.safetensors). Files: ${[...siblings].sort().join(", ") || "(none)"}`,
    );
  }

  // 3. Download (sizes first, for progress and to check every file arrived whole).
  const common = { repo: { type: "model" as const, name: modelId }, revision: sha, cacheDir, hubUrl, ...(accessToken ? { accessToken } : {}) };
  let sizes: Map<string, number>;
  try {
    sizes = new Map((await pathsInfo({ ...common, paths: files, expand: false, fetch: quickFetch })).map((p) => [p.path, p.size]));
  } catch (cause) {
    throw unavailable(`reading file sizes failed: ${(cause as Error).message}`, cause);
  }
  const total = files.reduce((sum, f) => sum + (sizes.get(f) ?? 0), 0);
  let done = 0;
  const report = a.report ?? (() => {});
  const snapshot = path.join(cacheDir, repoFolder(modelId), "snapshots", sha);
  for (const file of files) {
    const before = done;
    report({ phase: "download", file, done, total });
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const range = new Headers(init?.headers).get("Range");
      if (!response.body || range || (init?.method ?? "GET") !== "GET" || !String(input instanceof Request ? input.url : input).includes("/resolve/")) return response;
      let seen = 0;
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          done = before + seen;
          report({ phase: "download", file, done, total });
          controller.enqueue(chunk);
        },
      });
      return new Response(response.body.pipeThrough(counter), { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    let local: string;
    const debug = console.debug; // @huggingface/hub announces every download on console.debug (stdout)
    console.debug = () => {};
    try {
      local = await downloadFileToCacheDir({ ...common, path: file, fetch: countingFetch });
    } catch (cause) {
      throw unavailable(`downloading ${file} failed: ${(cause as Error).message}`, cause);
    } finally {
      console.debug = debug;
    }
    const expected = sizes.get(file);
    const actual = (await stat(local)).size;
    if (expected !== undefined && actual !== expected) {
      await rm(local, { force: true }); // a truncated blob must not be taken for the file next time
      throw unavailable(`downloading ${file} gave ${actual} of ${expected} bytes`);
    }
    done = before + actual;
    report({ phase: "download", file, done, total });
  }
  await writeRef(cacheDir, modelId, revision, sha);
  return { directory: snapshot, commit: sha, kind: checkpoint ? "checkpoint" : "model" };
}

/** Records `revision → commit` as huggingface_hub does, so the next call finds the snapshot offline. */
async function writeRef(cacheDir: string, modelId: string, revision: string, sha: string): Promise<void> {
  if (revision === sha) return;
  const ref = path.join(cacheDir, repoFolder(modelId), "refs", revision);
  await mkdir(path.dirname(ref), { recursive: true });
  await writeFile(ref, sha);
}
