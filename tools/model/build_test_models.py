#!/usr/bin/python3
"""Build the small, committed test models under ``models/test/``.

* ``tiny-xlmr/``      the real Provence/XLM-R architecture (provence_arch.py), tiny and
                      randomly initialised, with an ~8000-piece SentencePiece Unigram
                      tokenizer, ``reference_outputs.json`` (torch outputs for 3 batches)
                      and ``tokenizer_probe.json`` (SentencePiece ids for probe sentences).
* ``tokenwise/``      a hand-built ONNX graph whose keep logit depends only on the token
                      id, same tokenizer as tiny-xlmr.
* ``tokenwise-bert/`` the same graph with a hand-written BERT WordPiece tokenizer.

Usage (from the repository root; ~1 minute on 2 cores; byte-identical on rerun)::

    /usr/bin/python3 tools/model/build_test_models.py [--out models/test]
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bert_wordpiece  # noqa: E402
import build_tokenizer  # noqa: E402
from provence_arch import ProvenceConfig, ProvenceModel, check_contract, export_onnx, init_weights  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MAX_LENGTH = 512
SEED = 1234

TOKENWISE_DESCRIPTION = (
    "Token-wise test graph (no attention): pruning_logits[b,t,0] = 0; "
    "pruning_logits[b,t,1] = float32((input_ids[b,t] * 7919) mod 1000) / 100 - 5 "
    "(int64 multiply and mod, then float32 divide and subtract); "
    "ranking_logits[b,0] = sum_t(pruning_logits[b,t,1] * attention_mask[b,t]) / sum_t(attention_mask[b,t]) "
    "(float32 ReduceSum, so compare with a small tolerance)."
)


def highlight_config(name: str, description: str, architecture: str) -> dict:
    return {
        "format": "semantic-highlight/v1",
        "name": name,
        "description": description,
        "model_file": "model.onnx",
        "max_length": MAX_LENGTH,
        "threshold": 0.5,
        "pruning_output": "pruning_logits",
        "ranking_output": "ranking_logits",
        "architecture": architecture,
        "languages": ["en", "zh"],
    }


def write_json(path: str, obj, indent=2) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


# ------------------------------------------------------------------- tiny-xlmr
TINY_INIT = {
    # HF uses 0.02 everywhere; with hidden 64 that leaves attention almost uniform and
    # the residual stream dominated by the embeddings, so outputs would barely depend on
    # context (padding/mask bugs would go unnoticed). Larger values make them depend on it.
    "encoder_std": 0.1,
    "pruning_head_std": 0.2,  # keep probabilities spread over ~0.05..0.9
    "classifier_std": 0.3,  # ranking logits vary between inputs
}


def make_tiny_model(vocab_size: int) -> ProvenceModel:
    torch.manual_seed(SEED)
    cfg = ProvenceConfig(
        vocab_size=vocab_size,
        hidden=64,
        layers=2,
        heads=4,
        intermediate=128,
        max_position_embeddings=MAX_LENGTH + 2,
        pad_token_id=1,
        layer_norm_eps=1e-5,
        initializer_range=TINY_INIT["encoder_std"],
    )
    model = ProvenceModel(cfg)
    init_weights(model)
    torch.nn.init.normal_(model.pruning_head.weight, std=TINY_INIT["pruning_head_std"])
    torch.nn.init.normal_(model.classifier.dense.weight, std=TINY_INIT["classifier_std"])
    torch.nn.init.normal_(model.classifier.out_proj.weight, std=TINY_INIT["classifier_std"])
    model.eval()
    return model


REFERENCE_BATCHES = [
    # batch 1: one English pair, no padding
    [("How do I make Python code faster?", "Use NumPy vector operations instead of loops. The weather is nice today.")],
    # batch 2: English + Chinese, the shorter one right-padded
    [
        (
            "Which NFL team represented the AFC at Super Bowl 50?",
            "Super Bowl 50 was an American football game to determine the champion of the National "
            "Football League (NFL) for the 2015 season. The Denver Broncos defeated the Carolina Panthers.",
        ),
        ("北京是哪个国家的首都？", "北京是中华人民共和国的首都，也是全国的政治、文化中心。"),
    ],
    # batch 3: three rows of very different lengths (heavy right padding), mixed language
    [
        ("hello", "world"),
        (
            "语义高亮模型做什么？",
            "语义高亮模型读取查询和文档，并为每个文档词元给出相关概率。RAG 系统会检索很多文本块，"
            "但只有少数句子真正回答了问题。Semantic highlighting keeps only the sentences that answer the query.",
        ),
        ("台灣的高鐵要多久？", "台灣的高鐵從台北到高雄只需要九十分鐘左右。"),
    ],
]


def reference_outputs(model: ProvenceModel, sp) -> dict:
    batches = []
    for pairs in REFERENCE_BATCHES:
        seqs = [build_tokenizer.hf_encode_pair(sp, q, c) for q, c in pairs]
        seq_len = max(len(s) for s in seqs)
        ids = torch.tensor([s + [1] * (seq_len - len(s)) for s in seqs], dtype=torch.int64)
        mask = torch.tensor([[1] * len(s) + [0] * (seq_len - len(s)) for s in seqs], dtype=torch.int64)
        with torch.no_grad():
            p, r = model(ids, mask)
            # padding must not change the valid positions: compare with each row alone
            for i, s in enumerate(seqs):
                pi, ri = model(torch.tensor([s]), torch.ones(1, len(s), dtype=torch.int64))
                assert torch.allclose(pi[0], p[i, : len(s)], atol=1e-5), "padding leaks into outputs"
                assert torch.allclose(ri[0], r[i], atol=1e-5)
        batches.append(
            {
                "pairs": [{"query": q, "context": c} for q, c in pairs],
                "input_ids": ids.tolist(),
                "attention_mask": mask.tolist(),
                "pruning_logits": [[[float(v) for v in tok] for tok in row] for row in p.numpy().astype(np.float32)],
                "ranking_logits": [[float(v) for v in row] for row in r.numpy().astype(np.float32)],
            }
        )
    return {
        "description": (
            "torch (tools/model/provence_arch.py) outputs of models/test/tiny-xlmr for fixed inputs; "
            "input_ids are <s> query </s></s> context </s> with right padding (<pad> = 1, mask 0). "
            "onnxruntime should match within 1e-4 (on all positions, padding included)."
        ),
        "atol": 1e-4,
        "batches": batches,
    }


def build_tiny(out: str, sp_model_path: str) -> None:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=sp_model_path)
    with open(os.path.join(out, "tokenizer.json"), encoding="utf-8") as f:
        vocab_size = len(json.load(f)["model"]["vocab"])
    model = make_tiny_model(vocab_size)
    export_onnx(model, os.path.join(out, "model.onnx"), opset=14)
    write_json(os.path.join(out, "reference_outputs.json"), reference_outputs(model, sp), indent=None)
    cfg = model.config
    write_json(
        os.path.join(out, "highlight_config.json"),
        highlight_config(
            "tiny-xlmr",
            (
                f"Tiny randomly initialised Provence/XLM-RoBERTa model for tests (hidden {cfg.hidden}, "
                f"{cfg.layers} layers, {cfg.heads} heads, intermediate {cfg.intermediate}, vocab {cfg.vocab_size}, "
                f"seed {SEED}). Outputs are meaningless; use it to test the pipeline and the ONNX contract."
            ),
            "xlm-roberta",
        ),
    )


# ------------------------------------------------------------------- tokenwise
def make_tokenwise_onnx(path: str) -> None:
    import onnx
    from onnx import TensorProto, helper

    def const(name, dtype, vals, dims):
        return helper.make_node(
            "Constant", [], [name], name=name + "_const", value=helper.make_tensor(name + "_value", dtype, dims, vals)
        )

    nodes = [
        const("c7919", TensorProto.INT64, [7919], []),
        const("c1000", TensorProto.INT64, [1000], []),
        const("c100", TensorProto.FLOAT, [100.0], []),
        const("c5", TensorProto.FLOAT, [5.0], []),
        const("axis_last", TensorProto.INT64, [-1], [1]),
        const("axis_seq", TensorProto.INT64, [1], [1]),
        helper.make_node("Mul", ["input_ids", "c7919"], ["ids_x7919"], name="mul_7919"),
        helper.make_node("Mod", ["ids_x7919", "c1000"], ["ids_mod"], name="mod_1000", fmod=0),
        helper.make_node("Cast", ["ids_mod"], ["ids_mod_f"], name="cast_f", to=TensorProto.FLOAT),
        helper.make_node("Div", ["ids_mod_f", "c100"], ["ids_div"], name="div_100"),
        helper.make_node("Sub", ["ids_div", "c5"], ["keep_logit"], name="sub_5"),
        helper.make_node("Shape", ["input_ids"], ["ids_shape"], name="shape"),
        helper.make_node(
            "ConstantOfShape",
            ["ids_shape"],
            ["drop_logit"],
            name="zeros",
            value=helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]),
        ),
        helper.make_node("Unsqueeze", ["drop_logit", "axis_last"], ["drop3"], name="unsq_drop"),
        helper.make_node("Unsqueeze", ["keep_logit", "axis_last"], ["keep3"], name="unsq_keep"),
        helper.make_node("Concat", ["drop3", "keep3"], ["pruning_logits"], name="concat", axis=-1),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], name="cast_mask", to=TensorProto.FLOAT),
        helper.make_node("Mul", ["keep_logit", "mask_f"], ["keep_masked"], name="mul_mask"),
        helper.make_node("ReduceSum", ["keep_masked", "axis_seq"], ["keep_sum"], name="sum_keep", keepdims=1),
        helper.make_node("ReduceSum", ["mask_f", "axis_seq"], ["mask_sum"], name="sum_mask", keepdims=1),
        helper.make_node("Div", ["keep_sum", "mask_sum"], ["ranking_logits"], name="mean"),
    ]
    graph = helper.make_graph(
        nodes,
        "tokenwise",
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        outputs=[
            helper.make_tensor_value_info("pruning_logits", TensorProto.FLOAT, ["batch", "seq", 2]),
            helper.make_tensor_value_info("ranking_logits", TensorProto.FLOAT, ["batch", 1]),
        ],
    )
    graph.doc_string = TOKENWISE_DESCRIPTION
    model = helper.make_model(
        graph, producer_name="semantic-highlight/tools/model", opset_imports=[helper.make_opsetid("", 14)]
    )
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    check_contract(model)
    onnx.save(model, path)


def tokenwise_numpy(input_ids: np.ndarray, attention_mask: np.ndarray):
    """NumPy version of the token-wise graph (for tests and self-checks)."""
    keep = ((input_ids.astype(np.int64) * 7919) % 1000).astype(np.float32) / np.float32(100) - np.float32(5)
    pruning = np.stack([np.zeros_like(keep), keep], axis=-1)
    m = attention_mask.astype(np.float32)
    ranking = (keep * m).sum(axis=1, keepdims=True) / m.sum(axis=1, keepdims=True)
    return pruning, ranking


# ---------------------------------------------------------------------- corpus
def _squad_texts(path: str):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for article in data["data"]:
        for para in article["paragraphs"]:
            yield para["context"]
            for qa in para["qas"]:
                yield qa["question"]


def sha256_tree(root: str) -> dict:
    out = {}
    for d, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            p = os.path.join(d, fn)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "test"))
    ap.add_argument("--raw", default=build_tokenizer.DEFAULT_RAW)
    ap.add_argument("--vocab-size", type=int, default=8000)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    tiny = os.path.join(args.out, "tiny-xlmr")
    tokw = os.path.join(args.out, "tokenwise")
    bert = os.path.join(args.out, "tokenwise-bert")
    for d in (tiny, tokw, bert):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)

    print("tokenizer: training SentencePiece Unigram ...", flush=True)
    sp_model = build_tokenizer.build(tiny, args.vocab_size, args.raw, MAX_LENGTH)

    print("tiny-xlmr: export ...", flush=True)
    build_tiny(tiny, sp_model)

    print("tokenwise ...", flush=True)
    for d in (tokw, bert):
        make_tokenwise_onnx(os.path.join(d, "model.onnx"))
    for fn in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tiny, fn), os.path.join(tokw, fn))
    write_json(
        os.path.join(tokw, "highlight_config.json"),
        highlight_config("tokenwise", TOKENWISE_DESCRIPTION + " Tokenizer: XLM-R-style SentencePiece Unigram (as tiny-xlmr).", "tokenwise"),
    )

    print("tokenwise-bert: WordPiece tokenizer ...", flush=True)
    squad = os.path.join(args.raw, "squad-v1.1-dev-articles-00-31.json")
    cmrc = os.path.join(args.raw, "cmrc2018-dev.json")
    drcd = os.path.join(args.raw, "drcd-dev.json")
    bert_wordpiece.write(
        bert,
        _squad_texts(squad),
        itertools.chain(_squad_texts(cmrc), _squad_texts(drcd)),
        build_tokenizer.PROBE_SENTENCES,
        MAX_LENGTH,
    )
    write_json(
        os.path.join(bert, "highlight_config.json"),
        highlight_config(
            "tokenwise-bert",
            TOKENWISE_DESCRIPTION + " Tokenizer: BERT WordPiece (uncased), [CLS] A [SEP] B [SEP].",
            "tokenwise",
        ),
    )

    for name, digest in sha256_tree(args.out).items():
        size = os.path.getsize(os.path.join(args.out, name))
        print(f"{digest[:16]}  {size:>9}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
