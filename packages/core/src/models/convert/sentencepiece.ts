/**
 * `sentencepiece.bpe.model` (XLM-R's SentencePiece Unigram model, a protobuf `ModelProto`) → Hugging Face
 * `tokenizer.json`, the same conversion as tools/model/build_tokenizer.py `convert_spm_to_tokenizer_json`
 * (and transformers' XLMRobertaConverter): `<s> <pad> </s> <unk>`, the pieces from SentencePiece id 3 on
 * (HF id = SentencePiece id + 1), `<mask>` last; normalizer Precompiled(charsmap) + Replace(" {2,}" → " "),
 * Metaspace pre-tokenizer and decoder, `<s> A </s></s> B </s>` template.
 */
import protobuf from "protobufjs/light.js";

import { ConversionError } from "../../errors.js";

// Subset of sentencepiece_model.proto (field names and numbers as upstream).
const SCHEMA = {
  nested: {
    sentencepiece: {
      nested: {
        ModelProto: {
          fields: {
            pieces: { rule: "repeated", type: "SentencePiece", id: 1 },
            trainerSpec: { type: "TrainerSpec", id: 2 },
            normalizerSpec: { type: "NormalizerSpec", id: 3 },
          },
          nested: {
            SentencePiece: { fields: { piece: { type: "string", id: 1 }, score: { type: "float", id: 2 }, type: { type: "int32", id: 3 } } },
          },
        },
        TrainerSpec: {
          fields: {
            modelType: { type: "int32", id: 3 },
            unkId: { type: "int32", id: 40 },
            bosId: { type: "int32", id: 41 },
            eosId: { type: "int32", id: 42 },
          },
        },
        NormalizerSpec: { fields: { name: { type: "string", id: 1 }, precompiledCharsmap: { type: "bytes", id: 2 } } },
      },
    },
  },
};

interface SpmModel {
  pieces?: { piece?: string; score?: number; type?: number }[];
  trainerSpec?: { modelType?: number; unkId?: number; bosId?: number; eosId?: number };
  normalizerSpec?: { name?: string; precompiledCharsmap?: Uint8Array };
}

const UNIGRAM = 1;

/**
 * Converts the bytes of an XLM-R style SentencePiece Unigram model to a `tokenizer.json` object.
 * @throws ConversionError (`TOKENIZER`) for BPE/word/char models or other control ids than XLM-R's.
 */
export function sentencePieceToTokenizerJson(bytes: Uint8Array, file: string): Record<string, unknown> {
  let model: SpmModel;
  try {
    const type = protobuf.Root.fromJSON(SCHEMA).lookupType("sentencepiece.ModelProto");
    model = type.toObject(type.decode(bytes), { defaults: false }) as SpmModel;
  } catch (cause) {
    throw new ConversionError("TOKENIZER", file, `not a SentencePiece model: ${(cause as Error).message}`, { cause });
  }
  const spec = model.trainerSpec ?? {};
  const modelType = spec.modelType ?? UNIGRAM;
  if (modelType !== UNIGRAM) {
    throw new ConversionError("TOKENIZER", file, `SentencePiece model type ${modelType} is not Unigram (1); only XLM-R style Unigram models are converted — provide tokenizer.json`);
  }
  const [unk, bos, eos] = [spec.unkId ?? 0, spec.bosId ?? 1, spec.eosId ?? 2];
  if (unk !== 0 || bos !== 1 || eos !== 2) {
    throw new ConversionError("TOKENIZER", file, `control ids unk=${unk} bos=${bos} eos=${eos} are not XLM-R's (0, 1, 2) — provide tokenizer.json`);
  }
  const pieces = model.pieces ?? [];
  if (pieces.length < 4) throw new ConversionError("TOKENIZER", file, `only ${pieces.length} pieces`);

  const vocab: [string, number][] = [["<s>", 0], ["<pad>", 0], ["</s>", 0], ["<unk>", 0]];
  for (let i = 3; i < pieces.length; i++) vocab.push([pieces[i]!.piece ?? "", pieces[i]!.score ?? 0]);
  vocab.push(["<mask>", 0]);
  const maskId = vocab.length - 1;

  const charsmap = model.normalizerSpec?.precompiledCharsmap;
  const normalizers: unknown[] = charsmap?.length
    ? [{ type: "Precompiled", precompiled_charsmap: Buffer.from(charsmap).toString("base64") }]
    : [{ type: "NFKC" }];
  normalizers.push({ type: "Replace", pattern: { Regex: " {2,}" }, content: " " });
  const added = (id: number, content: string, lstrip = false) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
  const metaspace = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const sequence = (id: string) => ({ Sequence: { id, type_id: 0 } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"), added(maskId, "<mask>", true)],
    normalizer: { type: "Sequence", normalizers },
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [special("<s>"), sequence("A"), special("</s>")],
      pair: [special("<s>"), sequence("A"), special("</s>"), special("</s>"), sequence("B"), special("</s>")],
      special_tokens: {
        "<s>": { id: "<s>", ids: [0], tokens: ["<s>"] },
        "</s>": { id: "</s>", ids: [2], tokens: ["</s>"] },
      },
    },
    decoder: { ...metaspace },
    model: { type: "Unigram", unk_id: 3, vocab, byte_fallback: false },
  };
}
