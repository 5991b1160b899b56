#!/usr/bin/python3
"""Hand-written BERT WordPiece ``tokenizer.json`` (what HF ``BertTokenizerFast`` saves
for an uncased BERT), built without the ``tokenizers`` library, plus a small
pure-Python reference encoder (BertNormalizer + BertPreTokenizer + WordPiece) used to
write ``tokenizer_probe.json`` for the TypeScript parity test.

Vocabulary layout follows ``bert-base-uncased``: ``[PAD]``=0, ``[unused0..98]``=1..99,
``[UNK]``=100, ``[CLS]``=101, ``[SEP]``=102, ``[MASK]``=103, then single characters,
``##`` single characters, whole words and ``##`` suffixes drawn from SQuAD contexts
and the most frequent CJK characters of CMRC 2018 and DRCD.
"""
from __future__ import annotations

import collections
import json
import os
import unicodedata
from typing import Dict, Iterable, List

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
MAX_INPUT_CHARS_PER_WORD = 100


# ------------------------------------------------------------- reference encoder
def _is_whitespace(ch: str) -> bool:
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_chinese_char(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def bert_normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents=None, lowercase)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if _is_whitespace(ch) else ch)
    text = "".join(out)
    text = "".join(f" {ch} " if _is_chinese_char(ord(ch)) else ch for ch in text)
    # strip_accents defaults to `lowercase` when null
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return text.lower()


def bert_pre_tokenize(text: str) -> List[str]:
    words: List[str] = []
    for chunk in text.split():
        cur = ""
        for ch in chunk:
            if _is_punctuation(ch):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def wordpiece(word: str, vocab: Dict[str, int]) -> List[str]:
    if len(word) > MAX_INPUT_CHARS_PER_WORD:
        return [UNK]
    pieces, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return [UNK]
        pieces.append(cur)
        start = end
    return pieces


def encode(text: str, vocab: Dict[str, int]) -> List[int]:
    """ids without special tokens."""
    return [vocab[p] for w in bert_pre_tokenize(bert_normalize(text)) for p in wordpiece(w, vocab)]


def encode_pair(a: str, b: str, vocab: Dict[str, int]) -> List[int]:
    return [vocab[CLS]] + encode(a, vocab) + [vocab[SEP]] + encode(b, vocab) + [vocab[SEP]]


# ------------------------------------------------------------------ vocabulary
def build_vocab(en_texts: Iterable[str], zh_texts: Iterable[str], n_words=3000, n_suffixes=600, n_cjk=2500) -> List[str]:
    word_freq: collections.Counter = collections.Counter()
    char_freq: collections.Counter = collections.Counter()
    for t in en_texts:
        for w in bert_pre_tokenize(bert_normalize(t)):
            word_freq[w] += 1
            char_freq.update(w)
    cjk_freq: collections.Counter = collections.Counter()
    for t in zh_texts:
        for ch in bert_normalize(t):
            if _is_chinese_char(ord(ch)):
                cjk_freq[ch] += 1
            elif not ch.isspace():
                char_freq[ch] += 1

    def ranked(counter, k=None):
        items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        return [w for w, _ in items[:k]] if k else [w for w, _ in items]

    tokens: List[str] = [PAD] + [f"[unused{i}]" for i in range(99)] + [UNK, CLS, SEP, MASK]
    seen = set(tokens)

    def add(t: str) -> None:
        if t not in seen:
            seen.add(t)
            tokens.append(t)

    # single characters: ASCII printable first, then others seen at least 3 times
    for cp in range(33, 127):
        ch = chr(cp)
        if not ("A" <= ch <= "Z"):
            add(ch)
    for ch in ranked(char_freq):
        if char_freq[ch] >= 3 and not ch.isspace():
            add(ch)
    for ch in ranked(cjk_freq, n_cjk):
        add(ch)
    # continuation characters (letters, digits and other word-internal characters)
    for cp in list(range(ord("a"), ord("z") + 1)) + list(range(ord("0"), ord("9") + 1)):
        add("##" + chr(cp))
    for ch in ranked(char_freq):
        if char_freq[ch] >= 3 and ch.isalnum() and ord(ch) < 0x3000:
            add("##" + ch)
    # whole words
    words = [w for w in ranked(word_freq) if len(w) >= 2 and w.isalnum()][:n_words]
    for w in words:
        add(w)
    # ## suffixes of the words that did not make it
    word_set = set(words)
    suffix_freq: collections.Counter = collections.Counter()
    for w, f in word_freq.items():
        if w in word_set or not w.isalpha() or len(w) < 4:
            continue
        for k in range(2, min(6, len(w) - 1)):
            suffix_freq["##" + w[-k:]] += f
    for s in ranked(suffix_freq, n_suffixes):
        add(s)
    return tokens


def tokenizer_json(tokens: List[str]) -> dict:
    vocab = {t: i for i, t in enumerate(tokens)}

    def added(t: str) -> dict:
        return {
            "id": vocab[t],
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }

    s = lambda tok, tid: {"SpecialToken": {"id": tok, "type_id": tid}}  # noqa: E731
    seq = lambda x, tid: {"Sequence": {"id": x, "type_id": tid}}  # noqa: E731
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(t) for t in (PAD, UNK, CLS, SEP, MASK)],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [s(CLS, 0), seq("A", 0), s(SEP, 0)],
            "pair": [s(CLS, 0), seq("A", 0), s(SEP, 0), seq("B", 1), s(SEP, 1)],
            "special_tokens": {
                CLS: {"id": CLS, "ids": [vocab[CLS]], "tokens": [CLS]},
                SEP: {"id": SEP, "ids": [vocab[SEP]], "tokens": [SEP]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": UNK,
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": MAX_INPUT_CHARS_PER_WORD,
            "vocab": vocab,
        },
    }


def tokenizer_config(max_length: int = 512) -> dict:
    return {
        "tokenizer_class": "BertTokenizer",
        "model_max_length": max_length,
        "do_lower_case": True,
        "tokenize_chinese_chars": True,
        "strip_accents": None,
        "cls_token": CLS,
        "sep_token": SEP,
        "pad_token": PAD,
        "unk_token": UNK,
        "mask_token": MASK,
        "clean_up_tokenization_spaces": True,
    }


def write(out_dir: str, en_texts: Iterable[str], zh_texts: Iterable[str], probe_sentences: List[str], max_length=512) -> None:
    os.makedirs(out_dir, exist_ok=True)
    tokens = build_vocab(en_texts, zh_texts)
    vocab = {t: i for i, t in enumerate(tokens)}

    def dump(name, obj, indent=None):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=indent)
            f.write("\n")

    dump("tokenizer.json", tokenizer_json(tokens))
    dump("tokenizer_config.json", tokenizer_config(max_length), indent=2)
    items = []
    for text in probe_sentences:
        ids = encode(text, vocab)
        items.append({"text": text, "ids": ids, "tokens": [tokens[i] for i in ids]})
    a, b = probe_sentences[1], probe_sentences[0]
    dump(
        "tokenizer_probe.json",
        {
            "description": (
                "Pure-Python reference encodings (BertNormalizer + BertPreTokenizer + WordPiece, "
                "tools/model/bert_wordpiece.py), WITHOUT special tokens; 'pair' is [CLS] A [SEP] B [SEP]."
            ),
            "sentences": items,
            "pair": {"a": a, "b": b, "ids": encode_pair(a, b, vocab)},
        },
        indent=1,
    )
