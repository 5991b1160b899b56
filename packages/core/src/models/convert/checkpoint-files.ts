/**
 * Reading the files of a checkpoint folder, which came from elsewhere: every file is named by a plain
 * relative name, resolves (symlinks followed) inside the folder — or, for a Hugging Face cache snapshot,
 * its repository's blobs — and JSON files are size-capped and parsed into a {@link ConversionError} that
 * names the file instead of a raw `SyntaxError`.
 */
import { existsSync, realpathSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import { ConversionError } from "../../errors.js";
import { MAX_CONFIG_JSON_BYTES, realPathInFolder } from "../folder-files.js";

/**
 * The real path of the checkpoint file `name` (a name relative to `dir`, already checked to be plain).
 * @throws ConversionError (`UNSUPPORTED_FORMAT`) when it resolves outside the checkpoint folder
 */
export function checkpointFileRealPath(dir: string, file: string): string {
  const real = realPathInFolder(dir, file);
  if (real === null) {
    throw new ConversionError("UNSUPPORTED_FORMAT", file, `resolves to ${realpathSync(file)}, outside the checkpoint folder: a checkpoint may only use its own files`);
  }
  return real;
}

/** Options of {@link readCheckpointJson}. */
export interface ReadCheckpointJsonOptions {
  /** Missing file: `undefined` instead of an error. Default false. */
  optional?: boolean;
  /** Largest size read. Default {@link MAX_CONFIG_JSON_BYTES}. */
  maxBytes?: number;
  /** Error reason for a malformed file. Default `UNSUPPORTED_FORMAT`. */
  reason?: "UNSUPPORTED_FORMAT" | "TOKENIZER";
}

/**
 * Reads and parses the JSON file `name` of the checkpoint folder `dir`.
 * @throws ConversionError naming the file: `MISSING_FILE`, or `options.reason` for a file outside the
 *   folder, too large, not UTF-8 JSON
 */
export async function readCheckpointJson(dir: string, name: string, options: ReadCheckpointJsonOptions = {}): Promise<unknown> {
  const file = path.join(dir, name);
  const reason = options.reason ?? "UNSUPPORTED_FORMAT";
  const maxBytes = options.maxBytes ?? MAX_CONFIG_JSON_BYTES;
  if (!existsSync(file)) {
    if (options.optional) return undefined;
    throw new ConversionError("MISSING_FILE", file, `${name} is missing from the checkpoint folder`);
  }
  let text: string;
  try {
    const real = checkpointFileRealPath(dir, file);
    const info = await stat(real);
    if (!info.isFile()) throw new ConversionError(reason, file, "expected a file, found a folder or device");
    if (info.size > maxBytes) throw new ConversionError(reason, file, `file is ${info.size} bytes, more than the ${maxBytes} accepted for it`);
    text = await readFile(real, "utf8");
  } catch (cause) {
    if (cause instanceof ConversionError) throw cause;
    throw new ConversionError(reason, file, `cannot read the file: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConversionError(reason, file, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** `json` as a plain object, or a ConversionError naming `file`. */
export function expectObject(json: unknown, file: string, reason: "UNSUPPORTED_FORMAT" | "TOKENIZER" | "UNSUPPORTED_CONFIG" = "UNSUPPORTED_FORMAT"): Record<string, unknown> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ConversionError(reason, file, `expected a JSON object, found ${json === null ? "null" : Array.isArray(json) ? "an array" : typeof json}`);
  }
  return json as Record<string, unknown>;
}
