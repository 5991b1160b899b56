/**
 * Loading a model by URL (browsers, edge runtimes): `highlight_config.json`, `tokenizer.json`,
 * `tokenizer_config.json` (optional) and the ONNX file named by the config, fetched from one base URL and
 * validated like a model folder in Node, with errors that name the URL and what is wrong.
 */
import { checkModelParts } from "../models/model-parts.js";
import { CONFIG_FILE, parseModelConfig, type ModelConfig } from "../models/config.js";
import { ModelLoadError } from "../errors.js";
import { TextTokenizer } from "../text/tokenization.js";

/** A `fetch`-compatible function (the global one by default; pass your own for auth headers or caching). */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; statusText: string; json(): Promise<unknown>; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Options of `fetchModelFiles`. */
export interface FetchModelOptions {
  /** Replaces the global `fetch`. */
  fetch?: FetchLike;
  /** Cancels the downloads. */
  signal?: AbortSignal;
  /** Called as the ONNX file downloads (bytes so far; total when the server says). */
  onProgress?: (loaded: number, total: number | null) => void;
  /**
   * Largest ONNX file accepted, in bytes; a larger Content-Length is refused before the body is read, and a
   * body that grows past it is cancelled. Default 4 GiB (what a WebAssembly session can hold). The JSON files
   * have fixed limits, as in Node: `tokenizer.json` 64 MiB, the others 16 MiB.
   */
  maxModelBytes?: number;
}

/** Default {@link FetchModelOptions.maxModelBytes}. */
const DEFAULT_MAX_MODEL_BYTES = 4 * 1024 ** 3;
const MAX_JSON_BYTES = 16 * 1024 ** 2;
const MAX_TOKENIZER_JSON_BYTES = 64 * 1024 ** 2;

/** Config, tokenizer and graph bytes of a model served from one URL. */
export interface FetchedModel {
  /** The base URL (always ending in "/"). */
  url: string;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  /** The ONNX graph. */
  model: Uint8Array;
  /** URL of the ONNX file. */
  modelUrl: string;
  /** Whether `highlight_config.json` named the ranking output explicitly (then it must exist). */
  rankingOutputDeclared: boolean;
}

/** `base` as a directory URL ending in "/"; relative URLs resolve against the page (`location.href`) when there is one. */
export function modelBaseUrl(base: string | URL): string {
  const href = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = href ? new URL(String(base), href) : new URL(String(base));
  } catch (cause) {
    throw new ModelLoadError(String(base), "not a valid model URL (pass an absolute URL, or a relative one in a page)", { cause });
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url.href;
}

async function fetchOk(fetchFn: FetchLike, url: string, required: boolean, signal: AbortSignal | undefined) {
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetchFn(url, signal ? { signal } : undefined);
  } catch (cause) {
    throw new ModelLoadError(url, `cannot fetch the file: ${(cause as Error).message}`, { cause });
  }
  if (!response.ok) {
    if (!required && response.status === 404) return null;
    throw new ModelLoadError(url, `cannot fetch the file: HTTP ${response.status} ${response.statusText}`.trim());
  }
  return response;
}

async function fetchJson(fetchFn: FetchLike, url: string, required: boolean, signal: AbortSignal | undefined, limit: number): Promise<unknown> {
  const response = await fetchOk(fetchFn, url, required, signal);
  if (response === null) return undefined;
  const bytes = await readBody(response, url, limit, undefined);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (cause) {
    throw new ModelLoadError(url, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}


/**
 * The body of a response, at most `limit` bytes: a larger Content-Length is refused before reading, a stream
 * that grows past the limit is cancelled (a server cannot make the page hold more than it accepts). A
 * `fetch` replacement without a streaming body is read whole and checked after.
 */
async function readBody(response: NonNullable<Awaited<ReturnType<typeof fetchOk>>>, url: string, limit: number, onProgress: FetchModelOptions["onProgress"]): Promise<Uint8Array> {
  const tooLarge = (size: number | string) => new ModelLoadError(url, `the server sends ${size} bytes, more than the ${limit}-byte limit for this file`);
  const stream = (response as { body?: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null }).body;
  const lengthHeader = (response as { headers?: { get(name: string): string | null } }).headers?.get("content-length");
  const total = lengthHeader ? Number(lengthHeader) : null;
  if (total !== null && total > limit) throw tooLarge(total);
  if (!stream) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > limit) throw tooLarge(bytes.length);
    onProgress?.(bytes.length, total);
    return bytes;
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value) {
      chunks.push(value);
      loaded += value.length;
      if (loaded > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`more than ${limit}`);
      }
      onProgress?.(loaded, total);
    }
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Fetches and validates the files of a model served under `base` (a URL of its folder). */
export async function fetchModelFiles(base: string | URL, options: FetchModelOptions = {}): Promise<FetchedModel> {
  const url = modelBaseUrl(base);
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!fetchFn) throw new ModelLoadError(url, "no fetch() in this runtime: pass options.fetch");
  const configUrl = new URL(CONFIG_FILE, url).href;
  const tokenizerUrl = new URL("tokenizer.json", url).href;
  const [rawConfig, tokenizerJson, tokenizerConfig] = await Promise.all([
    fetchJson(fetchFn, configUrl, true, options.signal, MAX_JSON_BYTES),
    fetchJson(fetchFn, tokenizerUrl, true, options.signal, MAX_TOKENIZER_JSON_BYTES),
    fetchJson(fetchFn, new URL("tokenizer_config.json", url).href, false, options.signal, MAX_JSON_BYTES),
  ]);
  const { rankingOutputDeclared, ...config } = parseModelConfig(rawConfig, configUrl);
  const tokenizer = TextTokenizer.fromJSON({ tokenizerJson, tokenizerConfig }, tokenizerUrl);
  checkModelParts(rawConfig as Record<string, unknown>, config, tokenizer, configUrl, tokenizerUrl);
  const modelUrl = new URL(config.modelFile, url).href;
  const response = (await fetchOk(fetchFn, modelUrl, true, options.signal))!;
  const maxModelBytes = options.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
  if (!Number.isSafeInteger(maxModelBytes) || maxModelBytes <= 0) throw new ModelLoadError(modelUrl, `maxModelBytes must be a positive integer number of bytes (got ${String(maxModelBytes)})`);
  const model = await readBody(response, modelUrl, maxModelBytes, options.onProgress);
  if (model.length === 0) throw new ModelLoadError(modelUrl, "ONNX file is empty");
  return { url, config, tokenizer, model, modelUrl, rankingOutputDeclared };
}
