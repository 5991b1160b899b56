#!/usr/bin/python3
"""Train a small XLM-R-style SentencePiece Unigram tokenizer and write it as a
Hugging Face ``tokenizer.json``.

The output follows what ``XLMRobertaTokenizerFast`` saves for
``xlm-roberta-*`` / ``BAAI/bge-reranker-v2-m3``:

* vocab: ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3 (fairseq order), then the
  SentencePiece pieces from SentencePiece id 3 on (HF id = SentencePiece id + 1),
  then ``<mask>`` last;
* normalizer: Sequence[Precompiled(charsmap of the SentencePiece model),
  Replace(" {2,}" -> " ")];
* pre-tokenizer / decoder: Metaspace("▁", prepend_scheme "always", split true);
* post-processor: TemplateProcessing ``<s> $A </s>`` / ``<s> $A </s> </s> $B </s>``.

``convert_spm_to_tokenizer_json`` works on any SentencePiece Unigram model with
the default control ids (unk=0, bos=1, eos=2), e.g. XLM-R's own
``sentencepiece.bpe.model``.

Training data: contexts and questions of SQuAD / CMRC 2018 / DRCD plus WikiText
lines from ``../shared/data/raw`` (never ``data/eval``).

Usage::

    /usr/bin/python3 tools/model/build_tokenizer.py --out models/test/tiny-xlmr --vocab-size 8000
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import sys
import tempfile
from typing import Iterable, List

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_RAW = os.path.abspath(os.path.join(REPO, "..", "shared", "data", "raw"))

SPM_MODEL_NAME = "sentencepiece.bpe.model"  # XLM-R's file name (it is a Unigram model)
SPECIALS_HEAD = ["<s>", "<pad>", "</s>", "<unk>"]
MASK = "<mask>"
FAIRSEQ_OFFSET = 1  # HF id = SentencePiece id + 1 for real pieces
UNK_ID = 3

# Probe sentences: encoded here with SentencePiece, re-encoded in TypeScript with
# @huggingface/tokenizers; the ids must match. No leading/trailing whitespace (HF's
# Metaspace keeps a trailing "▁" for a trailing space, SentencePiece drops it).
PROBE_SENTENCES = [
    "Super Bowl 50 was an American football game to determine the champion of the National Football League (NFL) for the 2015 season.",
    "Which NFL team represented the AFC at Super Bowl 50?",
    "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.",
    "How do I make Python code faster?",
    "Use NumPy vector operations instead of loops.",
    "Dr. J. R. R. Tolkien wrote \"The Hobbit\" in 1937; it sold 100,000+ copies.",
    "It's a well-known fact: e-mail, U.S.A., 3.14159 and $1,250.00 (approx.) are tokens too.",
    "Café, naïve, résumé and Zürich keep their accents.",
    "Hello    world  with   repeated spaces.",
    "Tabs\tand\nnewlines are normalised as well.",
    "ＦＵＬＬ－ＷＩＤＴＨ ｌｅｔｔｅｒｓ ａｎｄ ｄｉｇｉｔｓ １２３ become ASCII under NFKC.",
    "The quick brown fox jumps over the lazy dog.",
    "Semantic highlighting keeps only the sentences that answer the query.",
    "Emoji 🙂 and rare symbols ⊕ ∮ map to the unknown token.",
    "《战国无双3》是由哪两个公司合作开发的？",
    "本作以三大故事为主轴，分别是以武田信玄等人为主的《关东三国志》。",
    "语义高亮模型读取查询和文档，并为每个文档词元给出相关概率。",
    "北京是中华人民共和国的首都，也是全国的政治、文化中心。",
    "2018年，CMRC 中文机器阅读理解评测在北京举行。",
    "他说：“我们明天早上八点出发！”",
    "在歐洲，梵語的學術研究，由德國學者陸特和漢斯雷頓開創。",
    "陸特和漢斯雷頓開創了哪一地區對梵語的學術研究？",
    "台灣的高鐵從台北到高雄只需要九十分鐘左右。",
    "RAG 系统会检索很多文本块，但只有少数句子真正回答了问题。",
    "如何让 Python 代码运行得更快？使用 NumPy 向量运算代替循环。",
    "Milvus 是一个开源向量数据库（vector database），支持 ANN 搜索。",
    "价格为￥1,299元，折扣约为15%。",
    "全角标点：，。！？；：（）【】",
    "Mixed 中英文 text with numbers 42 和 标点!",
    "a",
    "。",
    "The 2015 season ended with the Denver Broncos defeating the Carolina Panthers 24–10.",
]


# --------------------------------------------------------------------------- data
def _squad_like(path: str) -> Iterable[str]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for article in data["data"]:
        for para in article["paragraphs"]:
            yield para["context"]
            for qa in para.get("qas", []):
                yield qa["question"]


def corpus_lines(raw_dir: str) -> Iterable[str]:
    """Training text, one line per paragraph/question, in a fixed order."""
    for name in (
        "squad-v1.1-dev-articles-00-31.json",
        "cmrc2018-dev.json",
        "drcd-dev.json",
    ):
        for text in _squad_like(os.path.join(raw_dir, name)):
            for line in text.splitlines():
                line = line.strip()
                if line:
                    yield line
    with open(os.path.join(raw_dir, "wikitext-2-raw-test.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            # WikiText is pre-tokenised ("word , word @-@ word"); undo the worst of it.
            line = line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
            line = re.sub(r" ([,.;:!?')])", r"\1", line)
            if line and not line.startswith("="):
                yield line


# --------------------------------------------------------------------- training
def train_spm(raw_dir: str, out_model: str, vocab_size: int) -> None:
    tmp = tempfile.mkdtemp(prefix="spm-train-")
    try:
        txt = os.path.join(tmp, "corpus.txt")
        with open(txt, "w", encoding="utf-8") as f:
            for line in corpus_lines(raw_dir):
                f.write(line + "\n")
        prefix = os.path.join(tmp, "spm")
        args = dict(
            input=txt,
            model_prefix=prefix,
            model_type="unigram",
            vocab_size=vocab_size,
            character_coverage=0.9995,
            normalization_rule_name="nmt_nfkc",
            # XLM-R's SentencePiece control ids (fairseq adds <pad> and shifts by one)
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            # determinism
            num_threads=1,
            shuffle_input_sentence=False,
            input_sentence_size=0,
            max_sentence_length=20000,
            minloglevel=2,
        )
        spm.SentencePieceTrainer.train(**args)
        with open(prefix + ".model", "rb") as f:
            model_bytes = _strip_temp_paths(f.read())
        with open(out_model, "wb") as f:
            f.write(model_bytes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _strip_temp_paths(model_bytes: bytes) -> bytes:
    """The trainer spec records the (random) temporary paths; replace them so that
    rebuilding gives a byte-identical model file."""
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb2  # type: ignore
    except Exception:  # pragma: no cover
        return model_bytes
    proto = pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    del proto.trainer_spec.input[:]
    proto.trainer_spec.input.append("corpus.txt")
    proto.trainer_spec.model_prefix = "spm"
    return proto.SerializeToString(deterministic=True)


# -------------------------------------------------------------------- conversion
def _read_varint(buf: bytes, i: int):
    shift = 0
    result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes):
    """Minimal protobuf wire-format reader: yields (field_number, wire_type, value)."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        fn, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(buf, i)
        elif wt == 1:
            v, i = buf[i : i + 8], i + 8
        elif wt == 2:
            n, i = _read_varint(buf, i)
            v, i = buf[i : i + n], i + n
        elif wt == 5:
            v, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        yield fn, wt, v


def precompiled_charsmap(model_bytes: bytes) -> bytes:
    """ModelProto.normalizer_spec (field 3) .precompiled_charsmap (field 2)."""
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb2  # type: ignore

        proto = pb2.ModelProto()
        proto.ParseFromString(model_bytes)
        return bytes(proto.normalizer_spec.precompiled_charsmap)
    except Exception:  # pragma: no cover - fallback when the pb2 module is unusable
        for fn, wt, v in _fields(model_bytes):
            if fn == 3 and wt == 2:
                for fn2, wt2, v2 in _fields(v):
                    if fn2 == 2 and wt2 == 2:
                        return bytes(v2)
        return b""


def convert_spm_to_tokenizer_json(model_path: str) -> dict:
    with open(model_path, "rb") as f:
        model_bytes = f.read()
    sp = spm.SentencePieceProcessor(model_file=model_path)
    assert sp.unk_id() == 0 and sp.bos_id() == 1 and sp.eos_id() == 2, "expects XLM-R control ids"
    vocab: List[list] = [[t, 0.0] for t in SPECIALS_HEAD]
    for i in range(3, sp.get_piece_size()):
        vocab.append([sp.id_to_piece(i), float(sp.get_score(i))])
    vocab.append([MASK, 0.0])
    mask_id = len(vocab) - 1

    charsmap = precompiled_charsmap(model_bytes)
    if charsmap:
        normalizers = [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]
    else:  # identity-free fallback
        normalizers = [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]

    def added(i, content, lstrip=False):
        return {
            "id": i,
            "content": content,
            "single_word": False,
            "lstrip": lstrip,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }

    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    s = lambda tok: {"SpecialToken": {"id": tok, "type_id": 0}}  # noqa: E731
    seq = lambda x: {"Sequence": {"id": x, "type_id": 0}}  # noqa: E731
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            added(0, "<s>"),
            added(1, "<pad>"),
            added(2, "</s>"),
            added(3, "<unk>"),
            added(mask_id, MASK, lstrip=True),
        ],
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [s("<s>"), seq("A"), s("</s>")],
            "pair": [s("<s>"), seq("A"), s("</s>"), s("</s>"), seq("B"), s("</s>")],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
            },
        },
        "decoder": dict(metaspace),
        "model": {"type": "Unigram", "unk_id": UNK_ID, "vocab": vocab, "byte_fallback": False},
    }


def tokenizer_config(max_length: int) -> dict:
    return {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": max_length,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


def spm_to_hf_ids(ids: List[int]) -> List[int]:
    return [UNK_ID if i == 0 else i + FAIRSEQ_OFFSET for i in ids]


def hf_encode(sp: spm.SentencePieceProcessor, text: str) -> List[int]:
    """ids without special tokens, as @huggingface/tokenizers should give them."""
    return spm_to_hf_ids(sp.encode(text))


def hf_encode_pair(sp: spm.SentencePieceProcessor, a: str, b: str) -> List[int]:
    return [0] + hf_encode(sp, a) + [2, 2] + hf_encode(sp, b) + [2]


def probe(sp: spm.SentencePieceProcessor) -> dict:
    items = []
    for text in PROBE_SENTENCES:
        ids = sp.encode(text)
        items.append(
            {
                "text": text,
                "spm_ids": ids,
                "ids": spm_to_hf_ids(ids),
                "pieces": sp.id_to_piece(ids),
            }
        )
    pair_a, pair_b = PROBE_SENTENCES[1], PROBE_SENTENCES[0]
    return {
        "description": (
            "SentencePiece reference encodings. 'ids' = SentencePiece ids mapped to the tokenizer.json "
            "vocabulary (id + 1, SentencePiece <unk> 0 -> 3), encoded WITHOUT special tokens; "
            "'pair' is the full pair encoding <s> A </s></s> B </s>."
        ),
        "sentences": items,
        "pair": {"a": pair_a, "b": pair_b, "ids": hf_encode_pair(sp, pair_a, pair_b)},
    }


def write_json(path: str, obj, indent=None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def build(out_dir: str, vocab_size: int, raw_dir: str = DEFAULT_RAW, max_length: int = 512) -> str:
    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, SPM_MODEL_NAME)
    train_spm(raw_dir, model_path, vocab_size)
    sp = spm.SentencePieceProcessor(model_file=model_path)
    # SentencePiece round-trip sanity check
    for text in PROBE_SENTENCES[:8] + PROBE_SENTENCES[14:26]:
        if "\t" in text or "  " in text:
            continue
        dec = sp.decode(sp.encode(text))
        import unicodedata

        assert dec == unicodedata.normalize("NFKC", text) or "<unk>" in text or dec == text, (text, dec)
    write_json(os.path.join(out_dir, "tokenizer.json"), convert_spm_to_tokenizer_json(model_path))
    write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config(max_length), indent=2)
    write_json(os.path.join(out_dir, "tokenizer_probe.json"), probe(sp), indent=1)
    return model_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--vocab-size", type=int, default=8000, help="SentencePiece vocabulary size")
    ap.add_argument("--raw", default=DEFAULT_RAW, help="folder with the raw training sources")
    ap.add_argument("--max-length", type=int, default=512)
    args = ap.parse_args(argv)
    build(args.out, args.vocab_size, args.raw, args.max_length)
    return 0


if __name__ == "__main__":
    sys.exit(main())
