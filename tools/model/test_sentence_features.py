#!/usr/bin/python3
"""Checks of provence_arch.sentence_match_features on hand-made token ids (~3 s, no data needed):

    /usr/bin/python3 tools/model/test_sentence_features.py

* sentence boundaries come from the ``sentence_index`` input only: the same tokens with different indexes
  give different sentences; punctuation pieces ("." "?" "3.5") split nothing; text without any
  punctuation (Markdown lines) is split where the index changes; fragments sharing an index are one
  sentence;
* every feature but the block-level one is zero outside the context, and padding changes nothing;
* the sentence holding the query's words gets the highest coverage and BM25, marked "is best";
* BM25 and coverage lie in [0, 1]; canonical forms merge pieces and stop pieces leave the query;
* the graph exports to ONNX (opset 14) with the third input ``sentence_index`` declared, and
  onnxruntime (when installed) gives torch's outputs.
"""
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from provence_arch import (  # noqa: E402
    PIECE_CHARS, SENTENCE_FEATURES, ProvenceConfig, ProvenceModel, check_contract, export_onnx, init_weights,
    sentence_match_features,
)

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁the", "▁cat", "▁sat", ".", "▁dogs", "▁bark", "?", "▁3", "5",
          "▁mat", "猫", "坐", "。", "▁猫", "▁狗", "叫", "▁-", "▁##"]
ID = {p: i for i, p in enumerate(PIECES)}
CJK = sorted({ch for p in PIECES for ch in p if "\u4e00" <= ch <= "\u9fff"})


def tables():
    v = len(PIECES)
    starts = torch.tensor([float(i >= 4 and p.startswith("▁")) for i, p in enumerate(PIECES)])
    chars = torch.zeros(v, PIECE_CHARS, dtype=torch.long)
    for i, p in enumerate(PIECES):
        ids = [CJK.index(ch) + 1 for ch in p if ch in CJK][:PIECE_CHARS]
        chars[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    idf = torch.ones(v)
    idf[:4] = 0
    return idf, starts, chars, torch.ones(len(CJK) + 1)


def layout(query, sentences):
    """<s> q </s></s> s0 s1 ... </s> -> (ids, sentence_index), like the pipeline lays a block out."""
    row = ["<s>", *query, "</s>", "</s>"]
    index = [-1] * len(row)
    for k, sent in enumerate(sentences):
        row += sent
        index += [k] * len(sent)
    row.append("</s>")
    index.append(-1)
    return [ID[p] for p in row], index


def features(rows, pad_to=None):
    width = pad_to or max(len(r[0]) for r in rows)
    ids = torch.tensor([r[0] + [ID["<pad>"]] * (width - len(r[0])) for r in rows])
    index = torch.tensor([r[1] + [-1] * (width - len(r[1])) for r in rows])
    mask = ids.ne(ID["<pad>"]).long()
    idf, starts, chars, char_idf = tables()
    return sentence_match_features(ids, mask, index, ID["</s>"], idf, starts, chars, char_idf)


def sentence_lengths(f):
    # feature 5 = log1p(tokens in the sentence) / 5 -> token count per position
    return [round(float(torch.expm1(x * 5))) for x in f[:, 5]]


def main() -> None:
    assert len(SENTENCE_FEATURES) == 21
    # query "cat sat?"; context: "the cat sat. " (trailing ▁) + "dogs bark 3.5." + "the mat."
    en = layout(["▁cat", "▁sat", "?"], [["▁the", "▁cat", "▁sat", ".", "▁"],
                                         ["▁dogs", "▁bark", "▁3", ".", "5", "."],
                                         ["▁the", "▁mat", "."]])
    f = features([en])[0]
    lengths = sentence_lengths(f)
    assert lengths[6:11] == [5] * 5, lengths
    assert lengths[11:17] == [6] * 6, lengths
    assert lengths[17:20] == [3] * 3, lengths
    context = list(range(6, 20))
    outside = [i for i in range(len(en[0])) if i not in context]
    for k, name in enumerate(SENTENCE_FEATURES):
        if name == "block_best_idf_coverage":
            continue
        assert float(f[outside, k].abs().max()) == 0.0, name
    cov, bm25, best, bm25_best = (SENTENCE_FEATURES.index(n) for n in ("coverage", "token_bm25", "is_best_sentence", "is_best_token_bm25"))
    # "cat" and "sat" are in sentence 0, "?" is not: 2 of the 3 distinct query ids
    assert abs(float(f[7, cov]) - 2 / 3) < 1e-5 and float(f[12, cov]) == 0.0
    assert float(f[7, bm25]) > float(f[18, bm25]) >= 0.0 and float(f[:, bm25].max()) <= 1.0
    assert float(f[7, best]) == 1.0 and float(f[18, best]) == 0.0 and float(f[7, bm25_best]) == 1.0

    # canonical forms and stop pieces: "?" out of the query -> "cat sat" fully covered; "▁dogs" read as "▁cat"
    idf, starts, chars, char_idf = tables()
    stop = torch.zeros(len(PIECES))
    stop[ID["?"]] = 1
    canon = torch.arange(len(PIECES))
    canon[ID["▁dogs"]] = ID["▁cat"]
    ids_t, index_t = torch.tensor([en[0]]), torch.tensor([en[1]])
    h = sentence_match_features(ids_t, torch.ones_like(ids_t), index_t, ID["</s>"], idf, starts, chars, char_idf,
                                canonical=canon, is_stop=stop)[0]
    assert abs(float(h[7, cov]) - 1.0) < 1e-5 and abs(float(h[12, cov]) - 0.5) < 1e-5, (h[7, cov], h[12, cov])
    # the same tokens, but the index says sentences 0 and 1 are one sentence (two fragments sharing an index)
    merged = (en[0], en[1][:11] + [0] * 6 + en[1][17:])
    lengths = sentence_lengths(features([merged])[0])
    assert lengths[6:17] == [11] * 11 and lengths[17:20] == [3] * 3, lengths
    # no punctuation at all (Markdown heading + list lines): boundaries still come from the index
    md = layout(["▁cat", "▁sat"], [["▁##", "▁dogs", "▁"], ["▁-", "▁the", "▁cat", "▁sat", "▁"], ["▁-", "▁the", "▁mat", "▁"]])
    m = features([md])[0]
    assert sentence_lengths(m)[5:17] == [3] * 3 + [5] * 5 + [4] * 4, sentence_lengths(m)
    assert float(m[9, best]) == 1.0 and float(m[5, best]) == 0.0 and float(m[14, best]) == 0.0

    # Chinese: query "猫坐" (one piece each) matches sentence 0 by characters and by the bigram "猫坐"
    zh = layout(["▁猫", "坐"], [["▁猫", "坐", "。"], ["▁狗", "叫", "。"]])
    g = features([zh])[0]
    ccov, gcov, cg = (SENTENCE_FEATURES.index(n) for n in ("char_idf_coverage", "bigram_coverage", "is_best_char_bigram_bm25"))
    assert abs(float(g[5, ccov]) - 1.0) < 1e-5 and float(g[8, ccov]) == 0.0
    assert abs(float(g[5, gcov]) - 1.0) < 1e-5 and float(g[8, gcov]) == 0.0
    assert float(g[5, cg]) == 1.0 and float(g[8, cg]) == 0.0
    # padding: the same rows batched with a longer one and extra padding give the same features
    batched = features([en, zh], pad_to=len(en[0]) + 7)
    assert float((batched[0, : len(en[0])] - f).abs().max()) < 1e-6
    assert float((batched[1, : len(zh[0])] - g).abs().max()) < 1e-6

    # the features live inside an exportable graph that declares sentence_index
    cfg = ProvenceConfig(vocab_size=len(PIECES), hidden=16, layers=1, heads=2, intermediate=32, max_position_embeddings=64,
                         query_match=True, sentence_features=True, char_vocab_size=len(CJK) + 1)
    model = ProvenceModel(cfg)
    init_weights(model)
    model.eval()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.onnx")
        export_onnx(model, path, example_seq=12)
        import onnx

        graph = onnx.load(path)
        check_contract(graph)
        assert [i.name for i in graph.graph.input] == ["input_ids", "attention_mask", "sentence_index"]
        try:
            import onnxruntime as ort  # not a Debian package; checked when present
        except ImportError:
            ort = None
        if ort is not None:
            ids = torch.tensor([md[0]])
            index = torch.tensor([md[1]])
            mask = torch.ones_like(ids)
            sess = ort.InferenceSession(path)
            got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "sentence_index": index.numpy()})
            with torch.no_grad():
                want = model(ids, mask, index)
            assert abs(got[0] - want[0].numpy()).max() < 1e-4
    print("sentence features: all checks passed")


if __name__ == "__main__":
    main()
