/**
 * The tokenizer files of a converted model folder: `tokenizer.json` copied from the checkpoint (or built
 * from `sentencepiece.bpe.model` when the checkpoint has none), and a trimmed `tokenizer_config.json` whose
 * `model_max_length` is the model's block length. Both are loaded once as the highlighter will load them,
 * so a tokenizer that cannot load fails the conversion (a `TOKENIZER` error) instead of the first load.
 */
import { existsSync } from "node:fs";
import { copyFile, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { ConversionError, ModelLoadError } from "../../errors.js";
import { MAX_TOKENIZER_JSON_BYTES } from "../folder-files.js";
import { TextTokenizer } from "../../text/tokenization.js";
import { checkpointFileRealPath, expectObject, readCheckpointJson } from "./checkpoint-files.js";
import { sentencePieceToTokenizerJson } from "./sentencepiece.js";

/** Largest `sentencepiece.bpe.model` read (XLM-R's is 5 MB). */
export const MAX_SENTENCEPIECE_BYTES = 64 * 1024 * 1024;

/** What {@link writeTokenizerFiles} wrote. */
export interface TokenizerFiles {
  /** `copied tokenizer.json` or `converted sentencepiece.bpe.model`. */
  how: string;
  /** Highest token id + 1 (vocabulary and added tokens). */
  vocabSize: number;
}

/** Highest id + 1 in a tokenizer.json (model vocabulary and added tokens); entries that are not ids are skipped. */
export function tokenizerVocabSize(json: unknown): number {
  const tj = (json ?? {}) as { model?: { vocab?: unknown } | null; added_tokens?: unknown };
  let size = 0;
  const isId = (id: unknown): id is number => typeof id === "number" && Number.isSafeInteger(id) && id >= 0;
  const vocab = tj.model?.vocab;
  if (Array.isArray(vocab)) size = vocab.length;
  else if (vocab && typeof vocab === "object") for (const id of Object.values(vocab as Record<string, unknown>)) if (isId(id)) size = Math.max(size, id + 1);
  if (Array.isArray(tj.added_tokens)) for (const t of tj.added_tokens as { id?: unknown }[]) if (t !== null && typeof t === "object" && isId(t.id)) size = Math.max(size, t.id + 1);
  return size;
}

/** Writes `tokenizer.json` and `tokenizer_config.json` into `outDir`. */
export async function writeTokenizerFiles(checkpointDir: string, outDir: string, maxLength: number): Promise<TokenizerFiles> {
  const src = path.join(checkpointDir, "tokenizer.json");
  let how: string;
  let json: unknown;
  if (existsSync(src)) {
    json = await readCheckpointJson(checkpointDir, "tokenizer.json", { reason: "TOKENIZER", maxBytes: MAX_TOKENIZER_JSON_BYTES });
    await copyFile(checkpointFileRealPath(checkpointDir, src), path.join(outDir, "tokenizer.json"));
    how = "copied tokenizer.json";
  } else {
    const spm = path.join(checkpointDir, "sentencepiece.bpe.model");
    if (!existsSync(spm)) {
      throw new ConversionError("TOKENIZER", checkpointDir, "neither tokenizer.json nor sentencepiece.bpe.model is in the checkpoint folder");
    }
    const real = checkpointFileRealPath(checkpointDir, spm);
    const { size } = await stat(real);
    if (size > MAX_SENTENCEPIECE_BYTES) throw new ConversionError("TOKENIZER", spm, `file is ${size} bytes, more than the ${MAX_SENTENCEPIECE_BYTES} accepted for it`);
    json = sentencePieceToTokenizerJson(await readFile(real), spm);
    await writeFile(path.join(outDir, "tokenizer.json"), JSON.stringify(json));
    how = "converted sentencepiece.bpe.model";
  }
  const configFile = path.join(checkpointDir, "tokenizer_config.json");
  const rawConf = await readCheckpointJson(checkpointDir, "tokenizer_config.json", { optional: true, reason: "TOKENIZER" });
  let conf: Record<string, unknown>;
  if (rawConf !== undefined) {
    conf = { ...expectObject(rawConf, configFile, "TOKENIZER") };
    delete conf.added_tokens_decoder; // large and unused: the TypeScript side reads a few fields only
  } else {
    conf = { tokenizer_class: "XLMRobertaTokenizer", bos_token: "<s>", eos_token: "</s>", sep_token: "</s>", cls_token: "<s>", unk_token: "<unk>", pad_token: "<pad>", mask_token: "<mask>" };
  }
  conf.model_max_length = maxLength;
  // Load it as the highlighter will: a tokenizer that cannot load fails here, not at first use.
  try {
    TextTokenizer.fromJSON({ tokenizerJson: json, tokenizerConfig: conf }, src);
  } catch (cause) {
    if (!(cause instanceof ModelLoadError)) throw cause;
    throw new ConversionError("TOKENIZER", existsSync(src) ? src : checkpointDir, `the tokenizer does not load: ${cause.message}`, { cause });
  }
  await writeFile(path.join(outDir, "tokenizer_config.json"), `${JSON.stringify(conf, null, 2)}\n`);
  return { how, vocabSize: tokenizerVocabSize(json) };
}
