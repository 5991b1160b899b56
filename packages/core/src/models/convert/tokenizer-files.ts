/**
 * The tokenizer files of a converted model folder: `tokenizer.json` copied from the checkpoint (or built
 * from `sentencepiece.bpe.model` when the checkpoint has none), and a trimmed `tokenizer_config.json` whose
 * `model_max_length` is the model's block length.
 */
import { existsSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { ConversionError } from "../../errors.js";
import { sentencePieceToTokenizerJson } from "./sentencepiece.js";

/** What {@link writeTokenizerFiles} wrote. */
export interface TokenizerFiles {
  /** `copied tokenizer.json` or `converted sentencepiece.bpe.model`. */
  how: string;
  /** Highest token id + 1 (vocabulary and added tokens). */
  vocabSize: number;
}

/** Highest id + 1 in a tokenizer.json (model vocabulary and added tokens). */
export function tokenizerVocabSize(json: unknown): number {
  const tj = json as { model?: { vocab?: unknown }; added_tokens?: { id: number }[] };
  let size = 0;
  const vocab = tj.model?.vocab;
  if (Array.isArray(vocab)) size = vocab.length;
  else if (vocab && typeof vocab === "object") for (const id of Object.values(vocab as Record<string, number>)) size = Math.max(size, id + 1);
  for (const t of tj.added_tokens ?? []) size = Math.max(size, t.id + 1);
  return size;
}

/** Writes `tokenizer.json` and `tokenizer_config.json` into `outDir`. */
export async function writeTokenizerFiles(checkpointDir: string, outDir: string, maxLength: number): Promise<TokenizerFiles> {
  const src = path.join(checkpointDir, "tokenizer.json");
  let how: string;
  let json: unknown;
  if (existsSync(src)) {
    await copyFile(src, path.join(outDir, "tokenizer.json"));
    json = JSON.parse(await readFile(src, "utf8")) as unknown;
    how = "copied tokenizer.json";
  } else {
    const spm = path.join(checkpointDir, "sentencepiece.bpe.model");
    if (!existsSync(spm)) {
      throw new ConversionError("TOKENIZER", checkpointDir, "neither tokenizer.json nor sentencepiece.bpe.model is in the checkpoint folder");
    }
    json = sentencePieceToTokenizerJson(await readFile(spm), spm);
    await writeFile(path.join(outDir, "tokenizer.json"), JSON.stringify(json));
    how = "converted sentencepiece.bpe.model";
  }
  const configFile = path.join(checkpointDir, "tokenizer_config.json");
  let conf: Record<string, unknown>;
  if (existsSync(configFile)) {
    conf = JSON.parse(await readFile(configFile, "utf8")) as Record<string, unknown>;
    delete conf.added_tokens_decoder; // large and unused: the TypeScript side reads a few fields only
  } else {
    conf = { tokenizer_class: "XLMRobertaTokenizer", bos_token: "<s>", eos_token: "</s>", sep_token: "</s>", cls_token: "<s>", unk_token: "<unk>", pad_token: "<pad>", mask_token: "<mask>" };
  }
  conf.model_max_length = maxLength;
  await writeFile(path.join(outDir, "tokenizer_config.json"), `${JSON.stringify(conf, null, 2)}\n`);
  return { how, vocabSize: tokenizerVocabSize(json) };
}
