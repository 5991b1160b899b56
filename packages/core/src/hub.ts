/**
 * Hugging Face hub ids (`org/name`) → a local model folder, through the standard Hugging Face cache
 * (`~/.cache/huggingface/hub`, shared with Python's huggingface_hub). The cache is read first without any
 * network access; files are downloaded only when missing and the hub is reachable.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

import { CONFIG_FILE } from "./config.js";
import { ModelNotAvailableOfflineError } from "./errors.js";

/** Where and how to look for hub models. */
export interface HubOptions {
  /** Branch, tag or commit. Default "main". */
  revision?: string;
  /** Cache folder. Default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Never touch the network (also when `HF_HUB_OFFLINE=1`). */
  offline?: boolean;
  /** Hub endpoint. Default `$HF_ENDPOINT` or https://huggingface.co. */
  hubUrl?: string;
  /** Access token for private models. Default `$HF_TOKEN`. */
  accessToken?: string;
  /** Give up reaching the hub after this long (ms) when fetching the small metadata files. Default 10 000. */
  connectTimeoutMs?: number;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Whether `ref` looks like a hub id (`org/name`) rather than a path. */
export function looksLikeHubId(ref: string): boolean {
  return HUB_ID.test(ref) && !ref.startsWith(".") && !existsSync(ref);
}

/** The default Hugging Face cache folder, as huggingface_hub computes it. */
export function defaultHubCacheDir(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  const home = process.env.HF_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "huggingface");
  return path.join(home, "hub");
}

/** Snapshot folder of `modelId` at `revision` in the cache, or null when the revision is not cached. */
function cachedSnapshot(cacheDir: string, modelId: string, revision: string): string | null {
  const repoDir = path.join(cacheDir, `models--${modelId.replace("/", "--")}`);
  let commit = revision;
  const ref = path.join(repoDir, "refs", revision);
  if (existsSync(ref)) commit = readFileSync(ref, "utf8").trim();
  const snapshot = path.join(repoDir, "snapshots", commit);
  return existsSync(snapshot) ? snapshot : null;
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

/**
 * Returns a local folder holding the model `modelId`: from the cache when complete, else downloaded.
 * @throws ModelNotAvailableOfflineError when it is not cached and cannot be downloaded.
 */
export async function resolveHubModel(modelId: string, options: HubOptions = {}): Promise<string> {
  const revision = options.revision ?? "main";
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const cached = cachedSnapshot(cacheDir, modelId, revision);
  if (cached && snapshotComplete(cached)) return cached;

  const offline = options.offline ?? ["1", "true", "yes"].includes((process.env.HF_HUB_OFFLINE ?? "").toLowerCase());
  if (offline) throw new ModelNotAvailableOfflineError(modelId, "offline mode (HF_HUB_OFFLINE or offline: true)");

  // Loaded lazily: only users of hub ids pay for it.
  const { downloadFileToCacheDir } = await import("@huggingface/hub");
  const hubUrl = options.hubUrl ?? process.env.HF_ENDPOINT;
  const accessToken = options.accessToken ?? process.env.HF_TOKEN;
  const common = {
    repo: { type: "model" as const, name: modelId },
    revision,
    cacheDir,
    ...(hubUrl ? { hubUrl } : {}),
    ...(accessToken ? { accessToken } : {}),
  };
  const timeout = options.connectTimeoutMs ?? 10_000;
  const quickFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });
  const download = async (file: string, quick: boolean): Promise<string | null> => {
    try {
      return await downloadFileToCacheDir({ ...common, path: file, ...(quick ? { fetch: quickFetch } : {}) });
    } catch (cause) {
      const message = (cause as Error).message ?? String(cause);
      if (/not found|404|entry not found/i.test(message)) return null;
      throw new ModelNotAvailableOfflineError(modelId, `downloading ${file} failed: ${message}`, { cause });
    }
  };

  const configPath = await download(CONFIG_FILE, true);
  if (configPath === null) {
    throw new ModelNotAvailableOfflineError(modelId, `the repository has no ${CONFIG_FILE}; export the model with tools/model first`);
  }
  const modelFile = (JSON.parse(readFileSync(configPath, "utf8")) as { model_file?: string }).model_file ?? "model.onnx";
  for (const file of ["tokenizer.json", modelFile]) {
    if ((await download(file, file !== modelFile)) === null) {
      throw new ModelNotAvailableOfflineError(modelId, `the repository has no ${file}`);
    }
  }
  await download("tokenizer_config.json", true);
  await download(`${modelFile}_data`, false); // external weights, present only for models over 2 GB
  return path.dirname(configPath);
}
