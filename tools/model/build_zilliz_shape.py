#!/usr/bin/python3
"""Build a model folder with the exact shape of ``zilliz/semantic-highlight-bilingual-v1``
(XLM-RoBERTa large: 24 layers, hidden 1024, 16 heads, FFN 4096, vocab 250002,
``max_position_embeddings`` 8194) and **random weights**, in the project's ONNX contract.

Why: the real checkpoint cannot be downloaded on every machine, but its *cost* (time per
token, memory per block length, int8 speed-up) depends only on the shape. With this folder
anyone can run ``npm run bench:zilliz`` and measure what the real 0.6B model costs on their
CPU. The scores it produces are meaningless (random weights).

Output (default ``models/zilliz-shape/``, gitignored, ~2.3 GB)::

    model.onnx            graph (opset 14, dynamic batch/seq axes)
    model.onnx_data       all weights in one external-data file (the graph is > 2 GB)
    tokenizer.json        copied from --tokenizer (default models/test/tiny-xlmr)
    tokenizer_config.json
    highlight_config.json max_length 8192, threshold 0.5, model_file model.onnx

The tokenizer is the committed 8k-vocab XLM-R-style tokenizer of ``models/test/tiny-xlmr``
(same pair template ``<s> q </s></s> ctx </s>``, same pad id 1): its ids are a subset of the
250002-row embedding, which costs the same to gather. It splits text into somewhat more
tokens than the real 250k SentencePiece model, so the benchmark reports cost per *token*.
Because tokenizer and graph vocabularies differ, ``highlight_config.json`` records the
graph's vocabulary as ``graph_vocab_size`` (not ``vocab_size``, which the loader checks
against the tokenizer).

Needs ~10 GB RAM and 3-6 minutes on 2 cores. Then ``quantize_int8.py`` makes the int8
folder::

    /usr/bin/python3 tools/model/build_zilliz_shape.py                     # -> models/zilliz-shape
    /usr/bin/python3 tools/model/quantize_int8.py models/zilliz-shape models/zilliz-shape-int8

``--layers/--hidden/...`` override the shape (e.g. a small model for smoke tests).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "models", "zilliz-shape"))
    ap.add_argument("--tokenizer", default=os.path.join(REPO, "models", "test", "tiny-xlmr"),
                    help="folder with tokenizer.json (+ tokenizer_config.json) to copy")
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--intermediate", type=int, default=4096)
    ap.add_argument("--vocab-size", type=int, default=250002)
    ap.add_argument("--max-position-embeddings", type=int, default=8194)
    ap.add_argument("--max-length", type=int, default=None, help="highlight_config max_length (default: positions - 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import onnx
    import torch

    from provence_arch import ProvenceConfig, ProvenceModel, check_contract, export_onnx, init_weights

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()
    cfg = ProvenceConfig(vocab_size=args.vocab_size, hidden=args.hidden, layers=args.layers, heads=args.heads,
                         intermediate=args.intermediate, max_position_embeddings=args.max_position_embeddings,
                         pad_token_id=1, layer_norm_eps=1e-5, initializer_range=0.02)
    model = ProvenceModel(cfg)
    init_weights(model)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.1f} M parameters ({time.time() - t0:.1f} s)", flush=True)

    os.makedirs(args.out, exist_ok=True)
    for stale in ("model.onnx", "model.onnx_data"):
        if os.path.exists(os.path.join(args.out, stale)):
            os.remove(os.path.join(args.out, stale))
    work = tempfile.mkdtemp(prefix=".work-zilliz-", dir=HERE)
    try:
        tmp_path = os.path.join(work, "model.onnx")
        big = n_params * 4 >= 2 ** 31 - 2 ** 24
        # Over 2 GB torch writes one external file per tensor next to the graph: check by path afterwards.
        export_onnx(model, tmp_path, opset=14, check=not big)
        print(f"exported ({time.time() - t0:.1f} s)", flush=True)
        del model
        out_path = os.path.join(args.out, "model.onnx")
        if big:
            m = onnx.load(tmp_path)  # pulls the per-tensor files in
            onnx.save_model(m, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location="model.onnx_data", size_threshold=1024)
            del m
            onnx.checker.check_model(out_path)  # by path: works over 2 GB
            check_contract(onnx.load(out_path, load_external_data=False))
        else:
            shutil.copyfile(tmp_path, out_path)
        print(f"saved ({time.time() - t0:.1f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for name in ("tokenizer.json", "tokenizer_config.json"):
        src = os.path.join(args.tokenizer, name)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(args.out, name))
        elif name == "tokenizer.json":
            sys.exit(f"no tokenizer.json in {args.tokenizer}: copy one into {args.out} (the graph is written)")
    max_length = args.max_length or (args.max_position_embeddings - 2)
    shape = f"{args.layers} layers, hidden {args.hidden}, {args.heads} heads, FFN {args.intermediate}, vocab {args.vocab_size}"
    config = {
        "format": "semantic-highlight/v1",
        "name": "zilliz-shape-random",
        "description": (
            f"Random weights with the shape of zilliz/semantic-highlight-bilingual-v1 ({shape}; "
            f"{n_params / 1e6:.0f} M parameters) for benchmarking only: outputs are meaningless. "
            f"Built by tools/model/build_zilliz_shape.py (seed {args.seed}); tokenizer from {os.path.relpath(args.tokenizer, REPO)}."
        ),
        "model_file": "model.onnx",
        "max_length": max_length,
        "threshold": 0.5,
        "pruning_output": "pruning_logits",
        "ranking_output": "ranking_logits",
        "architecture": "xlm-roberta",
        "languages": ["en", "zh"],
        "graph_vocab_size": args.vocab_size,
        "pad_token_id": 1,
        "shape": {**cfg.to_dict(), "n_params": n_params},
    }
    with open(os.path.join(args.out, "highlight_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    sizes = {n: os.path.getsize(os.path.join(args.out, n)) for n in sorted(os.listdir(args.out))}
    print(json.dumps({"out": args.out, "seconds": round(time.time() - t0, 1), "bytes": sizes}, indent=1))


if __name__ == "__main__":
    main()
