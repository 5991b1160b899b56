#!/usr/bin/python3
"""Writes a random-weight Hugging Face checkpoint with the exact shape and layout of
zilliz/semantic-highlight-bilingual-v1 (Open Provence layout: ranking_model.roberta.*, ranking_model.classifier.*,
pruning_head.classifier.*, nested base_model_config; XLM-R large: 24 layers, hidden 1024, 16 heads, FFN 4096,
vocab 250002, 8194 positions; top-level max_length 8192) for benchmarking the TypeScript converter
(bench/convert.ts) without downloading the real model. numpy only, streamed tensor by tensor (peak memory
~ one 64 MB chunk), ~2.27 GB on disk in float32 (--dtype bf16: ~1.14 GB).

    /usr/bin/python3 tools/model/build_zilliz_checkpoint.py [--out models/zilliz-checkpoint] [--dtype f32|bf16]

The tokenizer is models/test/tiny-xlmr's (ids are a subset of the 250002-row embedding), as build_zilliz_shape.py does.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def shapes(vocab=250002, hidden=1024, layers=24, ffn=4096, positions=8194):
    s = {
        "ranking_model.roberta.embeddings.word_embeddings.weight": (vocab, hidden),
        "ranking_model.roberta.embeddings.position_embeddings.weight": (positions, hidden),
        "ranking_model.roberta.embeddings.token_type_embeddings.weight": (1, hidden),
        "ranking_model.roberta.embeddings.LayerNorm.weight": (hidden,),
        "ranking_model.roberta.embeddings.LayerNorm.bias": (hidden,),
    }
    for i in range(layers):
        p = f"ranking_model.roberta.encoder.layer.{i}."
        for x in ("query", "key", "value"):
            s[p + f"attention.self.{x}.weight"] = (hidden, hidden)
            s[p + f"attention.self.{x}.bias"] = (hidden,)
        s[p + "attention.output.dense.weight"] = (hidden, hidden)
        s[p + "attention.output.dense.bias"] = (hidden,)
        s[p + "attention.output.LayerNorm.weight"] = (hidden,)
        s[p + "attention.output.LayerNorm.bias"] = (hidden,)
        s[p + "intermediate.dense.weight"] = (ffn, hidden)
        s[p + "intermediate.dense.bias"] = (ffn,)
        s[p + "output.dense.weight"] = (hidden, ffn)
        s[p + "output.dense.bias"] = (hidden,)
        s[p + "output.LayerNorm.weight"] = (hidden,)
        s[p + "output.LayerNorm.bias"] = (hidden,)
    s["ranking_model.roberta.pooler.dense.weight"] = (hidden, hidden)
    s["ranking_model.roberta.pooler.dense.bias"] = (hidden,)
    s["ranking_model.classifier.dense.weight"] = (hidden, hidden)
    s["ranking_model.classifier.dense.bias"] = (hidden,)
    s["ranking_model.classifier.out_proj.weight"] = (1, hidden)
    s["ranking_model.classifier.out_proj.bias"] = (1,)
    s["pruning_head.classifier.weight"] = (2, hidden)
    s["pruning_head.classifier.bias"] = (2,)
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "zilliz-checkpoint"))
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    os.makedirs(args.out, exist_ok=True)
    st_dtype, item = ("F32", 4) if args.dtype == "f32" else ("BF16", 2)
    sh = shapes()
    header, offset = {}, 0
    for name in sorted(sh):
        n = int(np.prod(sh[name])) * item
        header[name] = {"dtype": st_dtype, "shape": list(sh[name]), "data_offsets": [offset, offset + n]}
        offset += n
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    path = os.path.join(args.out, "model.safetensors")
    chunk = 16 * 1024 * 1024  # elements
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h)
        for name in sorted(sh):
            total = int(np.prod(sh[name]))
            ln = "LayerNorm.weight" in name
            for start in range(0, total, chunk):
                n = min(chunk, total - start)
                a = (np.ones(n, np.float32) if ln else rng.standard_normal(n, dtype=np.float32) * 0.02).astype("<f4")
                if args.dtype == "bf16":
                    a = (a.view("<u4") >> 16).astype("<u2")
                f.write(a.tobytes())
    enc = {
        "architectures": ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta", "vocab_size": 250002,
        "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
        "hidden_act": "gelu", "max_position_embeddings": 8194, "type_vocab_size": 1, "layer_norm_eps": 1e-5,
        "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute",
        "torch_dtype": "float32" if args.dtype == "f32" else "bfloat16",
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump({"model_type": "open_provence", "base_model_config": enc, "max_length": 8192, "default_threadshold": 0.1}, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(REPO, "models", "test", "tiny-xlmr", name), os.path.join(args.out, name))
    print(json.dumps({"out": args.out, "bytes": os.path.getsize(path), "tensors": len(sh)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
