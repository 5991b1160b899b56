#!/usr/bin/python3
"""Checks of the in-graph word-vector features (provence_arch.word_rows, word_match_features) on hand-made
pieces and vectors (~5 s, no data or GloVe download needed):

    /usr/bin/python3 tools/model/test_word_features.py

* word_rows finds a word's row from its piece ids whether the word is one piece or several, starts with
  "▁" or is glued to punctuation ("(" + "Ho" "ney"), gives 0 to continuation pieces, to words longer than
  WORD_CODE_PIECES pieces, to unknown words and to non-letter pieces, and agrees with
  build_word_vectors.word_runs / word_code (what the table is built from);
* word_match_features: a sentence holding a synonym of a query word scores above an unrelated one, an
  exact repeat scores ~1, everything is zero outside the context and for text without letter pieces
  (Chinese), padding changes nothing, the features lie in [0, 1];
* the model with word vectors exports to ONNX (opset 14) using only ops that the numpy ONNX interpreter of
  ../shared/v2-servers (which serves models/default in the KServe / MLServer tests) implements, and that
  interpreter reproduces torch's outputs.
"""
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from build_word_vectors import piece_tables, word_code, word_runs  # noqa: E402
from provence_arch import (  # noqa: E402
    PIECE_CHARS, WORD_CODE_PIECES, WORD_FEATURES, ProvenceConfig, ProvenceModel, export_onnx, init_weights, word_match_features,
    word_rows,
)

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁the", "▁main", "▁primary", "▁mirror", "▁size", "▁gold", "▁(", ")", ".",
          "▁ho", "ney", "bee", "s", "Ho", "▁Ho", "?", "▁how", "▁large", "▁big", "▁a", "b", "c", "d", "▁猫", "坐", "<mask>"]
ID = {p: i for i, p in enumerate(PIECES)}
V = len(PIECES)
# word -> piece sequences it is found under (as build_word_vectors.word_table tokenizes the variants)
WORDS = {
    "main": [["▁main"]], "primary": [["▁primary"]], "mirror": [["▁mirror"]], "size": [["▁size"]], "gold": [["▁gold"]],
    "honeybees": [["▁ho", "ney", "bee", "s"], ["Ho", "ney", "bee", "s"], ["▁Ho", "ney", "bee", "s"]],
    "large": [["▁large"]], "big": [["▁big"]],
    "abcdd": [["▁a", "b", "c", "d", "d"]],  # five pieces: longer than WORD_CODE_PIECES, never found
}
ROW = {w: i + 1 for i, w in enumerate(WORDS)}
DIM = 4
UNIT = {  # unit vectors: main ~ primary (cos 0.8), large ~ big (cos 0.9), the rest orthogonal-ish
    "main": [1, 0, 0, 0], "primary": [0.8, 0.6, 0, 0], "mirror": [0, 0, 1, 0], "size": [0, 0, 0, 1], "gold": [0, 0.6, 0, 0.8],
    "honeybees": [0, 1, 0, 0], "large": [0, 0, 0.6, 0.8], "big": [0, 0, 0.2, 0.98], "abcdd": [0.5, 0.5, 0.5, 0.5],
}


def tables():
    vocab = [[p, 0.0] for p in PIECES]
    letter, starts = piece_tables(vocab)
    code_row = {}
    for w, seqs in WORDS.items():
        for seq in seqs:
            if len(seq) <= WORD_CODE_PIECES:
                code_row[word_code([ID[p] for p in seq], V)] = ROW[w]
    codes = sorted(code_row)
    vectors = np.zeros((len(WORDS) + 1, DIM), dtype=np.int8)
    for w, r in ROW.items():
        v = np.array(UNIT[w], dtype=np.float64)
        vectors[r] = np.round(v / np.linalg.norm(v) * 127)
    weights = np.zeros(len(WORDS) + 1, dtype=np.float32)
    weights[1:] = 1.0
    return (vocab, torch.from_numpy(letter), torch.from_numpy(starts).float(), torch.tensor(codes, dtype=torch.long),
            torch.tensor([code_row[c] for c in codes], dtype=torch.long), torch.from_numpy(vectors), torch.from_numpy(weights))


VOCAB, LETTER, STARTS, CODES, CODE_ROWS, VECTORS, WEIGHTS = tables()


def layout(query, sentences):
    row = ["<s>", *query, "</s>", "</s>"]
    index = [-1] * len(row)
    for k, sent in enumerate(sentences):
        row += sent
        index += [k] * len(sent)
    row.append("</s>")
    index.append(-1)
    return [ID[p] for p in row], index


def batch(rows, pad_to=None):
    n = pad_to or max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), 1, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    sidx = torch.full((len(rows), n), -1, dtype=torch.long)
    for i, (r, ix) in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
        sidx[i, : len(r)] = torch.tensor(ix)
    return ids, mask, sidx


def rows_of(ids, mask):
    return word_rows(ids, mask.gt(0), LETTER, STARTS, CODES, CODE_ROWS, V)


def features(ids, mask, sidx):
    rows = rows_of(ids, mask)
    vectors = VECTORS[rows].to(torch.float32) / 127.0
    return rows, word_match_features(ids, mask, sidx, 2, rows, vectors, WEIGHTS)


def check_word_rows():
    text = ["▁the", "▁ho", "ney", "bee", "s", "▁(", "Ho", "ney", "bee", "s", ")", "▁Ho", "ney", "bee", "s", ".", "▁main",
            "▁a", "b", "c", "d", "d", "▁the", "▁gold", "?", "▁猫", "坐", "▁", "Ho", "ney", "bee", "s"]
    ids, mask, _ = batch([layout([], [text])])
    got = rows_of(ids, mask)[0].tolist()
    pos = 3  # after <s> </s></s>
    expected = [0, ROW["honeybees"], 0, 0, 0, 0, ROW["honeybees"], 0, 0, 0, 0, ROW["honeybees"], 0, 0, 0, 0, ROW["main"],
                0, 0, 0, 0, 0, 0, ROW["gold"], 0, 0, 0, 0, ROW["honeybees"], 0, 0, 0]
    assert got[pos : pos + len(text)] == expected, (got[pos : pos + len(text)], expected)
    assert got[:pos] == [0, 0, 0] and got[-1] == 0, got
    # the same rows as the table builder's own word segmentation + codes
    letter, starts = piece_tables(VOCAB)
    table = {int(c): int(r) for c, r in zip(CODES, CODE_ROWS)}
    ids_list = ids[0].tolist()
    mirror = [0] * len(ids_list)
    for a, b in word_runs(ids_list, letter, starts):
        if b - a <= WORD_CODE_PIECES:
            mirror[a] = table.get(word_code(ids_list[a:b], V), 0)
    assert mirror == got, (mirror, got)


def check_features():
    query = ["▁how", "▁large", "▁the", "▁main", "▁mirror", "?"]
    s_synonym = ["▁the", "▁primary", "▁mirror", "▁big", "."]
    s_exact = ["▁the", "▁main", "▁mirror", "▁large", "."]
    s_other = ["▁the", "▁gold", "▁size", "."]
    s_zh = ["▁猫", "坐"]
    ids, mask, sidx = batch([layout(query, [s_other, s_synonym, s_exact, s_zh])])
    rows, f = features(ids, mask, sidx)
    assert f.shape[-1] == len(WORD_FEATURES)
    start = len(query) + 3
    spans, pos = [], start
    for s in (s_other, s_synonym, s_exact, s_zh):
        spans.append((pos, pos + len(s)))
        pos += len(s)
    soft = [float(f[0, a, 0]) for a, _ in spans]
    assert soft[2] > 0.99, soft  # every query word repeated
    assert soft[1] > soft[0] + 0.2, soft  # synonyms beat unrelated words
    assert soft[3] == 0.0, soft  # no letter pieces: no words, no soft match
    for a, b in spans:  # one value per sentence
        assert torch.allclose(f[0, a:b, 0], f[0, a, 0].expand(b - a)), f[0, a:b, 0]
    assert float(f[0, spans[2][0], 2]) == 1.0 and float(f[0, spans[1][0], 2]) == 0.0  # is best
    assert abs(float(f[0, spans[1][0], 1]) - soft[1] / soft[2]) < 1e-4  # relative to the block's best
    # token-level: "▁primary" ~ "▁main" (0.8), "▁big" ~ "▁large" (0.9x), "▁gold" low; the query and specials are zero
    tok = f[0, :, 3]
    assert abs(float(tok[spans[1][0] + 1]) - 0.8) < 0.02, float(tok[spans[1][0] + 1])
    assert float(tok[spans[1][0] + 3]) > 0.9
    assert float(tok[spans[0][0] + 1]) < 0.7
    assert float(f[0, :start].abs().sum()) == 0.0 and float(f[0, -1].abs().sum()) == 0.0
    # [0, 1] up to the int8 rounding of the unit vectors (a norm can come out 1.003)
    assert float(f.min()) >= -1e-6 and float(f.max()) <= 1.01, (float(f.min()), float(f.max()))
    # padding changes nothing
    ids2, mask2, sidx2 = batch([layout(query, [s_other, s_synonym, s_exact, s_zh]), layout(["▁gold"], [s_other])], pad_to=ids.shape[1] + 7)
    _, f2 = features(ids2, mask2, sidx2)
    assert torch.allclose(f2[0, : ids.shape[1]], f[0], atol=1e-6)
    assert float(f2[0, ids.shape[1]:].abs().sum()) == 0.0
    # a query without words that have vectors: all zero
    ids3, mask3, sidx3 = batch([layout(["▁猫"], [s_synonym, s_exact])])
    _, f3 = features(ids3, mask3, sidx3)
    assert float(f3.abs().sum()) == 0.0


INTERPRETER = os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared", "v2-servers", "py"))


def check_export():
    torch.manual_seed(0)
    cfg = ProvenceConfig(vocab_size=V, hidden=16, layers=1, heads=2, intermediate=32, max_position_embeddings=64,
                         query_match=True, sentence_features=True, char_vocab_size=2, word_vectors=len(WORDS) + 1,
                         word_dim=DIM, word_codes=len(CODES))
    model = ProvenceModel(cfg)
    init_weights(model, std=0.3)
    r = model.roberta
    with torch.no_grad():
        r.piece_letter.copy_(LETTER)
        r.piece_starts_word.copy_(STARTS)
        r.word_code.copy_(CODES)
        r.word_code_row.copy_(CODE_ROWS)
        r.word_vector.copy_(VECTORS)
        r.word_weight.copy_(WEIGHTS)
        r.piece_chars.zero_()
        assert r.piece_chars.shape[1] == PIECE_CHARS
    model.eval()
    query = ["▁how", "▁large", "▁the", "▁main", "▁mirror", "?"]
    ids, mask, sidx = batch([layout(query, [["▁the", "▁gold", "▁size", "."], ["▁the", "▁primary", "▁mirror", "▁big", "."]]),
                             layout(["▁ho", "ney", "bee", "s"], [["▁(", "Ho", "ney", "bee", "s", ")"]])])
    with torch.no_grad():
        p, rk = model(ids, mask, sidx)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        export_onnx(model, path, opset=14)
        import onnx

        ops = sorted({n.op_type for n in onnx.load(path).graph.node})
        if os.path.exists(os.path.join(INTERPRETER, "onnx_numpy.py")):
            sys.path.insert(0, INTERPRETER)
            from onnx_numpy import Model

            out = Model(path).run({"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "sentence_index": sidx.numpy()})
            assert np.allclose(out["pruning_logits"], p.numpy(), atol=1e-4), np.abs(out["pruning_logits"] - p.numpy()).max()
            assert np.allclose(out["ranking_logits"], rk.numpy(), atol=1e-4)
            print(f"  numpy interpreter of ../shared/v2-servers: same outputs ({len(ops)} op types: {', '.join(ops)})")
        else:
            print("  (../shared/v2-servers not found: interpreter check skipped)")
        try:
            import onnxruntime as ort  # not in Debian 12; checked by packages/core/src/runtime.test.ts instead

            sess = ort.InferenceSession(path)
            po, _ = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "sentence_index": sidx.numpy()})
            assert np.allclose(po, p.numpy(), atol=1e-4)
        except ImportError:
            pass


def main() -> int:
    check_word_rows()
    check_features()
    check_export()
    print("word features: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
