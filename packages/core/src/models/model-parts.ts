/**
 * Cross-checks between a model folder's files (config, tokenizer), shared by the Node loader (model.ts) and
 * the browser loader (web/model-url.ts). Node-free.
 */
import { CONFIG_FILE, type ModelConfig } from "./config.js";
import { ModelLoadError } from "../errors.js";
import type { TextTokenizer } from "../text/tokenization.js";

/**
 * Checks that config and tokenizer describe the same model (the same rules as a model folder in Node).
 * Throws {@link ModelLoadError} naming the file that is wrong.
 */
export function checkModelParts(rawConfig: Record<string, unknown>, config: ModelConfig, tokenizer: TextTokenizer, configFile: string, tokenizerFile: string): void {
  if (typeof rawConfig.vocab_size === "number" && rawConfig.vocab_size !== tokenizer.vocabSize) {
    throw new ModelLoadError(tokenizerFile, `tokenizer has ${tokenizer.vocabSize} tokens but ${CONFIG_FILE} says vocab_size ${rawConfig.vocab_size}: tokenizer and model do not match`);
  }
  if (typeof rawConfig.pad_token_id === "number" && rawConfig.pad_token_id !== tokenizer.padId) {
    throw new ModelLoadError(tokenizerFile, `tokenizer pads with id ${tokenizer.padId} but ${CONFIG_FILE} says pad_token_id ${rawConfig.pad_token_id}`);
  }
  if (config.maxLength <= tokenizer.template.specialTokenCount + 1) {
    throw new ModelLoadError(configFile, `max_length ${config.maxLength} leaves no room next to ${tokenizer.template.specialTokenCount} special tokens`);
  }
}
