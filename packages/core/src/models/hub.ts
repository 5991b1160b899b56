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
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";

import { CONFIG_FILE } from "./config.js";
import { ConversionError, InvalidInputError, ModelLoadError, ModelNotAvailableOfflineError } from "../errors.js";
import type { ConversionProgress } from "./convert/convert.js";

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
  /** Branch, tag or commit: a git ref name (check-ref-format rules) or a 40-hex commit id; anything else is refused. Default "main". */
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
   * Most bytes one download may fetch, all files together. A repository whose declared sizes add up to more
   * is refused before anything is fetched, and no file may grow past the size the hub declared for it (a
   * hostile or broken mirror streaming without end is cut off there). Default 32 GiB.
   */
  maxDownloadBytes?: number;
  /**
   * Convert a checkpoint repository with int8 weights (`convertCheckpoint`'s `int8`), cached beside the
   * float32 conversion as `<commit>-int8`. Repositories that already hold a model folder are loaded as published.
   */
  int8?: boolean;
  /** Called while files download and while a checkpoint converts. */
  onProgress?: (progress: HubProgress) => void;
}

/** `org/name` as the hub spells repository ids (huggingface_hub's validate_repo_id also refuses `--` and `..`). */
const HUB_ID = /^(?!.*(?:--|\.\.))[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
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
/** Longest revision accepted (git allows more; no hub branch or tag is near it). */
const MAX_REVISION_LENGTH = 255;
/** Largest hub metadata answer read (the revision's file list); bigger answers are refused, not buffered. */
export const MAX_HUB_METADATA_BYTES = 16 * 1024 * 1024;
/** Default {@link HubOptions.maxDownloadBytes}: 32 GiB, far above the models this library runs (zilliz: 2.3 GB). */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 32 * 1024 ** 3;

function checkMaxDownloadBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_DOWNLOAD_BYTES;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(`maxDownloadBytes must be a positive integer number of bytes (got ${String(value)})`);
  }
  return value;
}

/**
 * Why `revision` is not a git ref name or commit id, by git's check-ref-format rules (one-level names such
 * as `main` allowed, as the hub does), or `null` when it is one. The revision becomes a path in the cache
 * (`refs/<revision>`), so these rules are also what keeps it inside the cache: no `..`, no leading `/`, no
 * backslash, no control characters.
 */
export function revisionProblem(revision: unknown): string | null {
  if (typeof revision !== "string" || revision === "") return "it must be a non-empty string";
  if (revision.length > MAX_REVISION_LENGTH) return `it is longer than ${MAX_REVISION_LENGTH} characters`;
  if (COMMIT.test(revision)) return null;
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(revision)) return "it contains a space, a control character or one of ~ ^ : ? * [ \\";
  if (revision.includes("..")) return 'it contains ".."';
  if (revision.includes("@{") || revision === "@") return 'it contains "@{" or is "@"';
  if (revision.startsWith("/") || revision.endsWith("/") || revision.includes("//")) return "it starts or ends with / or contains //";
  if (revision.endsWith(".")) return 'it ends with "."';
  for (const part of revision.split("/")) {
    if (part.startsWith(".")) return `its component "${part}" starts with "."`;
    if (part.endsWith(".lock")) return `its component "${part}" ends with ".lock"`;
  }
  return null;
}

function checkRevision(revision: unknown): string {
  const problem = revisionProblem(revision);
  if (problem !== null) {
    throw new InvalidInputError(`hub revision ${JSON.stringify(revision)} is not a branch, tag or commit id: ${problem} (git ref-name rules)`);
  }
  return revision as string;
}

/** `parts` joined under `root`, checked to stay inside it (resolved and compared, whatever the parts hold). */
function inside(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  const full = path.resolve(base, ...parts);
  const relative = path.relative(base, full);
  if (relative === "" || relative.startsWith(`..${path.sep}`) || relative === ".." || path.isAbsolute(relative)) {
    throw new InvalidInputError(`cache path ${JSON.stringify(path.join(...parts))} would leave the cache folder ${base}`);
  }
  return full;
}

/** What the cache says about `revision`: its commit, or why the cached ref cannot be used. */
type CachedCommit = { commit: string } | { commit: null; problem?: string };

/** Commit of `revision` in the cache (refs/<revision>, or the revision itself when it names a snapshot). */
function cachedCommit(cacheDir: string, modelId: string, revision: string): CachedCommit {
  const repoDir = inside(cacheDir, repoFolder(modelId));
  const ref = inside(repoDir, "refs", revision);
  let info;
  try {
    info = lstatSync(ref);
  } catch {
    info = null;
  }
  if (info !== null) {
    // huggingface_hub writes the 40 hex digits of the commit, nothing else; anything else is not trusted.
    if (!info.isFile()) return { commit: null, problem: `the cached ref ${ref} is not a file` };
    if (info.size > 1024) return { commit: null, problem: `the cached ref ${ref} is not a commit id (${info.size} bytes)` };
    let commit: string;
    try {
      commit = readFileSync(ref, "utf8").trim();
    } catch (cause) {
      return { commit: null, problem: `the cached ref ${ref} cannot be read (${(cause as Error).message})` };
    }
    return COMMIT.test(commit) ? { commit } : { commit: null, problem: `the cached ref ${ref} does not hold a 40-hex-digit commit id` };
  }
  return COMMIT.test(revision) && existsSync(inside(repoDir, "snapshots", revision)) ? { commit: revision } : { commit: null };
}

function snapshotComplete(snapshot: string): boolean {
  const configPath = path.join(snapshot, CONFIG_FILE);
  if (!existsSync(configPath) || !existsSync(path.join(snapshot, "tokenizer.json"))) return false;
  try {
    const modelFile = (JSON.parse(readFileSync(configPath, "utf8")) as { model_file?: unknown }).model_file ?? "model.onnx";
    // A model_file outside the snapshot is refused by the loader; here it only means "not complete".
    return typeof modelFile === "string" && existsSync(inside(snapshot, modelFile));
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
  const revision = checkRevision(options.revision ?? "main");
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const convertedRoot = options.convertedCacheDir ?? defaultConvertedCacheDir(cacheDir);
  const convertedDir = (commit: string) => inside(convertedRoot, repoFolder(modelId), options.int8 ? `${commit}-int8` : commit);

  const cached = cachedCommit(cacheDir, modelId, revision);
  if (cached.commit !== null) {
    const snapshot = inside(cacheDir, repoFolder(modelId), "snapshots", cached.commit);
    if (snapshotComplete(snapshot)) return snapshot;
    if (convertedComplete(convertedDir(cached.commit))) return convertedDir(cached.commit);
  }

  const offline = options.offline ?? ["1", "true", "yes"].includes((process.env.HF_HUB_OFFLINE ?? "").toLowerCase());
  if (offline) {
    const problem = cached.commit === null && cached.problem ? `; ${cached.problem}` : "";
    throw new ModelNotAvailableOfflineError(modelId, `offline mode (HF_HUB_OFFLINE or offline: true)${problem}${alsoPath}`);
  }

  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/$/, "");
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const maxBytes = checkMaxDownloadBytes(options.maxDownloadBytes);
  const unavailable = (detail: string, cause?: unknown) =>
    new ModelNotAvailableOfflineError(modelId, `${detail}${alsoPath}`, cause === undefined ? undefined : { cause });
  const quickFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });

  // 1. Pin the revision to a commit, so every file lands in one snapshot folder.
  const { sha, siblings } = await pinRevision(modelId, revision, hubUrl, accessToken, quickFetch, unavailable);
  if (convertedComplete(convertedDir(sha))) {
    await writeRef(cacheDir, modelId, revision, sha);
    return convertedDir(sha);
  }
  const repo = await downloadRepo({ modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable, maxBytes, report: options.onProgress });
  if (repo.kind === "model") return repo.directory;

  // 4. Convert once; the converted folder appears only when complete (convertCheckpoint renames at the end).
  const target = convertedDir(sha);
  const { convertCheckpoint } = await import("./convert/convert.js");
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
  const revision = checkRevision(options.revision ?? "main");
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/$/, "");
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const maxBytes = checkMaxDownloadBytes(options.maxDownloadBytes);
  const quickFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });
  const unavailable = (detail: string, cause?: unknown) => new ModelNotAvailableOfflineError(modelId, detail, cause === undefined ? undefined : { cause });
  const { sha, siblings } = await pinRevision(modelId, revision, hubUrl, accessToken, quickFetch, unavailable);
  return downloadRepo({ modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable, maxBytes, report: options.onProgress });
}

type Unavailable = (detail: string, cause?: unknown) => ModelNotAvailableOfflineError;

/** Asks the hub which commit `revision` is and which files it has. */
async function pinRevision(modelId: string, revision: string, hubUrl: string, accessToken: string | undefined, quickFetch: typeof fetch, unavailable: Unavailable): Promise<{ sha: string; siblings: Set<string> }> {
  try {
    const response = await quickFetch(`${hubUrl}/api/models/${modelId}/revision/${encodeURIComponent(revision)}`, {
      headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} for the repository's revision "${revision}"`);
    }
    const info = JSON.parse(await readCapped(response, MAX_HUB_METADATA_BYTES)) as { sha?: unknown; siblings?: unknown } | null;
    if (info === null || typeof info !== "object" || typeof info.sha !== "string" || !COMMIT.test(info.sha)) {
      throw new Error(`no commit sha in the hub's answer for revision "${revision}"`);
    }
    const siblings = Array.isArray(info.siblings) ? info.siblings : [];
    const names = siblings.map((s: unknown) => (s !== null && typeof s === "object" ? (s as { rfilename?: unknown }).rfilename : undefined));
    return { sha: info.sha, siblings: new Set(names.filter((n): n is string => typeof n === "string")) };
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
  /** {@link HubOptions.maxDownloadBytes}, checked. */
  maxBytes: number;
  report: ((p: HubProgress) => void) | undefined;
}): Promise<DownloadedHubRepo> {
  const { modelId, revision, sha, siblings, cacheDir, hubUrl, accessToken, quickFetch, unavailable, maxBytes } = a;
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
  for (const [file, size] of sizes) {
    if (!Number.isSafeInteger(size) || size < 0) throw unavailable(`the hub declares an invalid size for ${file} (${String(size)})`);
  }
  if (total > maxBytes) {
    throw unavailable(`the hub declares ${total} bytes for ${files.join(", ")}, more than maxDownloadBytes (${maxBytes}); raise it if this repository is what you meant`);
  }
  let done = 0;
  const report = a.report ?? (() => {});
  const snapshot = inside(cacheDir, repoFolder(modelId), "snapshots", sha);
  for (const file of files) {
    const before = done;
    report({ phase: "download", file, done, total });
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const range = new Headers(init?.headers).get("Range");
      if (!response.body || range || (init?.method ?? "GET") !== "GET" || !String(input instanceof Request ? input.url : input).includes("/resolve/")) return response;
      let seen = 0;
      // A file may not grow past its declared size (or, undeclared, past what is left of maxDownloadBytes).
      const limit = sizes.get(file) ?? maxBytes - before;
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > limit) {
            const declared = sizes.has(file) ? `the ${limit} bytes the hub declared for it` : `what is left of maxDownloadBytes (${limit} bytes)`;
            controller.error(new Error(`the hub sent more than ${declared}; download stopped`));
            return;
          }
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
  const repoDir = inside(cacheDir, repoFolder(modelId));
  const ref = inside(repoDir, "refs", checkRevision(revision));
  await mkdir(path.dirname(ref), { recursive: true });
  const existing = await stat(ref).catch(() => null);
  if (existing !== null && !existing.isFile()) {
    throw new ModelLoadError(ref, "the cache holds a folder where the ref file of this revision belongs; remove it");
  }
  await writeFile(ref, sha);
}

/** The body of `response` as text, refusing (not buffering) more than `limit` bytes. */
async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw new Error(`the hub's answer is ${declared} bytes, more than the ${limit} accepted`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the hub's answer is more than the ${limit} bytes accepted`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
