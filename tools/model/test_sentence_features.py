#!/usr/bin/python3
"""Checks of provence_arch.sentence_match_features on hand-made token ids (~2 s, no data needed):

    /usr/bin/python3 tools/model/test_sentence_features.py

* sentence boundaries come from the pieces: "▁word" after a piece ending in . ? 。 starts a sentence, a
  trailing bare "▁" stays with the sentence before it, "3.5"-style pieces without "▁" do not split;
* every feature but the block-level one is zero outside the context, and padding changes nothing;
* the sentence holding the query's words gets the highest coverage and BM25, marked "is best";
* BM25 and coverage lie in [0, 1]; the graph exports to ONNX (opset 14) with the features inside.
"""
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from provence_arch import (  # noqa: E402
    PIECE_CHARS, SENTENCE_FEATURES, ProvenceConfig, ProvenceModel, export_onnx, init_weights, sentence_match_features,
)

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁the", "▁cat", "▁sat", ".", "▁dogs", "▁bark", "?", "▁3", "5",
          "▁mat", "猫", "坐", "。", "▁猫", "▁狗", "叫"]
ID = {p: i for i, p in enumerate(PIECES)}
CJK = sorted({ch for p in PIECES for ch in p if "\u4e00" <= ch <= "\u9fff"})


def tables():
    v = len(PIECES)
    starts = torch.tensor([float(i >= 4 and p.startswith("▁")) for i, p in enumerate(PIECES)])
    ends = torch.tensor([float(i >= 4 and p[-1] in ".!?。！？；") for i, p in enumerate(PIECES)])
    space = torch.tensor([float(p == "▁") for p in PIECES])
    chars = torch.zeros(v, PIECE_CHARS, dtype=torch.long)
    for i, p in enumerate(PIECES):
        ids = [CJK.index(ch) + 1 for ch in p if ch in CJK][:PIECE_CHARS]
        chars[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    idf = torch.ones(v)
    idf[:4] = 0
    return idf, starts, ends, space, chars, torch.ones(len(CJK) + 1)


def features(rows, pad_to=None):
    width = pad_to or max(len(r) for r in rows)
    ids = torch.tensor([r + [ID["<pad>"]] * (width - len(r)) for r in rows])
    mask = ids.ne(ID["<pad>"]).long()
    idf, starts, ends, space, chars, char_idf = tables()
    return sentence_match_features(ids, mask, ID["</s>"], idf, starts, ends, space, chars, char_idf)


def ids(*pieces):
    return [ID[p] for p in pieces]


def sentence_lengths(f):
    # feature 5 = log1p(tokens in the sentence) / 5 -> token count per position
    return [round(float(torch.expm1(x * 5))) for x in f[:, 5]]


def main() -> None:
    assert len(SENTENCE_FEATURES) == 18
    # query "cat sat?"; context: "the cat sat. " (trailing ▁) + "dogs bark 3.5." + "the mat."
    row = ids("<s>", "▁cat", "▁sat", "?", "</s>", "</s>",
              "▁the", "▁cat", "▁sat", ".", "▁",          # sentence 1 with its trailing space
              "▁dogs", "▁bark", "▁3", ".", "5", ".",      # sentence 2: "3.5" does not split it
              "▁the", "▁mat", ".", "</s>")
    f = features([row])[0]
    lengths = sentence_lengths(f)
    assert lengths[6:11] == [5] * 5, lengths   # trailing "▁" stays in sentence 1
    assert lengths[11:17] == [6] * 6, lengths
    assert lengths[17:20] == [3] * 3, lengths
    context = list(range(6, 20))
    outside = [i for i in range(len(row)) if i not in context]
    for k, name in enumerate(SENTENCE_FEATURES):
        if name == "block_best_idf_coverage":
            continue
        assert float(f[outside, k].abs().max()) == 0.0, name
    cov, bm25, best, bm25_best = (SENTENCE_FEATURES.index(n) for n in ("coverage", "token_bm25", "is_best_sentence", "is_best_token_bm25"))
    # "cat" and "sat" are in sentence 1, "?" is not: 2 of the 3 distinct query ids
    assert abs(float(f[7, cov]) - 2 / 3) < 1e-5 and float(f[12, cov]) == 0.0
    assert float(f[7, bm25]) > float(f[18, bm25]) >= 0.0 and float(f[:, bm25].max()) <= 1.0
    assert float(f[7, best]) == 1.0 and float(f[18, best]) == 0.0 and float(f[7, bm25_best]) == 1.0
    # Chinese: query "猫坐" (one piece each) matches sentence 1 by characters and by the bigram "猫坐"
    zh = ids("<s>", "▁猫", "坐", "</s>", "</s>", "▁猫", "坐", "。", "▁狗", "叫", "。", "</s>")
    g = features([zh])[0]
    ccov, gcov = SENTENCE_FEATURES.index("char_idf_coverage"), SENTENCE_FEATURES.index("bigram_coverage")
    assert abs(float(g[5, ccov]) - 1.0) < 1e-5 and float(g[8, ccov]) == 0.0
    assert abs(float(g[5, gcov]) - 1.0) < 1e-5 and float(g[8, gcov]) == 0.0
    # padding: the same rows batched with a longer one and extra padding give the same features
    batched = features([row, zh], pad_to=len(row) + 7)
    assert float((batched[0, : len(row)] - f).abs().max()) < 1e-6
    assert float((batched[1, : len(zh)] - g).abs().max()) < 1e-6
    # the features live inside an exportable graph
    cfg = ProvenceConfig(vocab_size=len(PIECES), hidden=16, layers=1, heads=2, intermediate=32, max_position_embeddings=64,
                         query_match=True, sentence_features=True, char_vocab_size=len(CJK) + 1)
    model = ProvenceModel(cfg)
    init_weights(model)
    with tempfile.TemporaryDirectory() as d:
        export_onnx(model, os.path.join(d, "model.onnx"), example_seq=12)
    print("sentence features: all checks passed")


if __name__ == "__main__":
    main()
