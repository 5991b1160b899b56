/**
 * Keeping file access inside a folder that came from elsewhere (a model folder, a checkpoint, a hub
 * snapshot): a file named by the folder's own JSON, or a symlink in it, must not make us read outside it.
 */
import { realpathSync } from "node:fs";
import path from "node:path";

/** Largest `tokenizer.json` read (XLM-R's is 17 MB, Gemma 3's 33 MB). */
export const MAX_TOKENIZER_JSON_BYTES = 64 * 1024 * 1024;
/** Largest config-like JSON file read (`highlight_config.json`, `config.json`, `tokenizer_config.json`, a shard index). */
export const MAX_CONFIG_JSON_BYTES = 16 * 1024 * 1024;

/** Whether `file` is strictly below `root` (both absolute; compared after `path.relative`). */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== "" && relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/**
 * The real location of `file` (symlinks followed) when it lies inside the folder `dir`, else `null`. A
 * folder of the Hugging Face cache (`…/models--org--name/snapshots/<commit>`) holds symlinks into its
 * repository's `blobs/` folder: those count as inside.
 * @throws the file system's error when `dir` or `file` does not exist
 */
export function realPathInFolder(dir: string, file: string): string | null {
  const folder = realpathSync(dir);
  const real = realpathSync(file);
  const roots = [folder];
  const repo = path.dirname(path.dirname(folder));
  if (path.basename(path.dirname(folder)) === "snapshots" && path.basename(repo).startsWith("models--")) roots.push(path.join(repo, "blobs"));
  return roots.some((root) => isInside(root, real)) ? real : null;
}

/**
 * Why `name` is not a plain file name (one path segment, no separators, not `.`/`..`, no control characters),
 * or `null` when it is one.
 */
export function plainFileNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name === "") return "it is not a non-empty string";
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return "it contains a path separator or a control character";
  if (name === "." || name === "..") return `it is "${name}"`;
  if (name.length > 255) return "it is longer than 255 characters";
  return null;
}
