#!/usr/bin/python3
"""Writes tiny random-weight Hugging Face checkpoints in every Provence-family layout the converters know,
each with torch reference outputs, for the TypeScript converter's tests (packages/core/src/models/convert)
and the Python exporter's (test_export_hf_checkpoint.py):

    OUT/<layout>/config.json
    OUT/<layout>/model.safetensors            (or model-0000{1,2}-of-00002.safetensors + model.safetensors.index.json)
    OUT/<layout>/reference_outputs.json       (torch outputs on fixed ids; same format as export_hf_checkpoint.py)

Layouts:
  open-provence   zilliz / Open Provence: ranking_model.roberta.*, ranking_model.classifier.{dense,out_proj}.*,
                  pruning_head.classifier.*, nested base_model_config, top-level max_length 384 and
                  default_threadshold 0.0 (the reference's spelling; an explicit 0 must be kept). vocab 8002 so the
                  tiny-xlmr tokenizer fits and the converted folder loads in SemanticHighlighter.
  flat-sharded    roberta.* (with a pooler and the position_ids buffer, both ignored) + classifier.{dense,out_proj}.*
                  + token_classifier.*, two shards with an index; no max_length / threshold in config.json.
  xprovence       naver XProvence: roberta.* with a trained pooler, classifier = Linear(hidden, 1) on pooler_output,
                  token_classifier.*; the reference computes classifier(tanh(pooler.dense(h[:, 0]))) directly.
  bf16            flat layout, all floating tensors bfloat16 (the reference uses the same rounded weights).
  fp16            Open Provence layout in float16, default_threshold 0.25 (the correctly spelled key).

No tokenizer files: tests copy models/test/tiny-xlmr/tokenizer.json (or its sentencepiece.bpe.model) in.
The output is deterministic (seeded torch, sorted keys): rerun and compare with sha256sum.

    /usr/bin/python3 tools/model/build_checkpoint_fixtures.py [--out models/test/checkpoints]   # ~3 s
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from provence_arch import ProvenceConfig, ProvenceModel, init_weights  # noqa: E402
import export_hf_checkpoint as X  # noqa: E402

HIDDEN, LAYERS, HEADS, FFN, POSITIONS = 16, 2, 4, 32, 514


def bf16_round(t: torch.Tensor) -> torch.Tensor:
    """Round-to-nearest-even float32 -> bfloat16 -> float32 (what torch's .bfloat16() does)."""
    return t.bfloat16().float()


def write_st(path: str, tensors: dict, dtype: str = "F32") -> None:
    """safetensors with every floating tensor stored as dtype (F32, F16 or BF16); int tensors as I64."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.is_floating_point():
            if dtype == "BF16":
                data = t.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
            elif dtype == "F16":
                data = t.half().numpy().astype("<f2").tobytes()
            else:
                data = t.float().numpy().astype("<f4").tobytes()
            dt = dtype
        else:
            data, dt = t.long().numpy().astype("<i8").tobytes(), "I64"
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def encoder_config(vocab: int) -> dict:
    return {
        "architectures": ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta", "vocab_size": vocab,
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN,
        "hidden_act": "gelu", "max_position_embeddings": POSITIONS, "type_vocab_size": 1, "layer_norm_eps": 1e-5,
        "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute", "num_labels": 1,
    }


def make_model(seed: int, vocab: int, positions: int = POSITIONS) -> ProvenceModel:
    torch.manual_seed(seed)
    cfg = ProvenceConfig(vocab_size=vocab, hidden=HIDDEN, layers=LAYERS, heads=HEADS, intermediate=FFN,
                         max_position_embeddings=positions, initializer_range=0.2)
    m = ProvenceModel(cfg)
    init_weights(m)
    with torch.no_grad():  # non-trivial LayerNorm and biases, so a wrong mapping cannot hide
        for name, p in m.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                p.add_(torch.randn_like(p) * 0.1)
    m.eval()
    return m


def round_weights(m: torch.nn.Module, fn) -> None:
    with torch.no_grad():
        for v in m.state_dict().values():
            if v.is_floating_point():
                v.copy_(fn(v))


def write(out: str, name: str, config: dict, sd: dict, forward, cfg, dtype: str = "F32", shards: int = 1) -> None:
    d = os.path.join(out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    if shards == 1:
        write_st(os.path.join(d, "model.safetensors"), sd, dtype)
    else:
        keys = sorted(sd)
        parts = [keys[i::shards] for i in range(shards)]
        weight_map = {}
        for i, part in enumerate(parts):
            fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            write_st(os.path.join(d, fname), {k: sd[k] for k in part}, dtype)
            weight_map.update({k: fname for k in part})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
    ref = X.reference_outputs(forward, cfg)
    with open(os.path.join(d, "reference_outputs.json"), "w") as f:
        json.dump(ref, f, separators=(",", ":"))
    print(f"{name}: {sorted(os.listdir(d))}")


def hf_extras(sd: dict, prefix: str, pooler: bool = True) -> dict:
    if pooler:
        sd[prefix + "roberta.pooler.dense.weight"] = torch.zeros(HIDDEN, HIDDEN)
        sd[prefix + "roberta.pooler.dense.bias"] = torch.zeros(HIDDEN)
    sd[prefix + "roberta.embeddings.position_ids"] = torch.arange(POSITIONS)[None]
    return sd


def open_provence_sd(m: ProvenceModel) -> dict:
    sd = {}
    for k, v in m.state_dict().items():
        if k.startswith("pruning_head."):
            sd["pruning_head.classifier." + k[len("pruning_head."):]] = v.clone()
        else:
            sd["ranking_model." + k] = v.clone()
    return hf_extras(sd, "ranking_model.")


def flat_sd(m: ProvenceModel) -> dict:
    sd = {}
    for k, v in m.state_dict().items():
        sd[("token_classifier." + k[len("pruning_head."):]) if k.startswith("pruning_head.") else k] = v.clone()
    return hf_extras(sd, "")


def build(out: str) -> None:
    torch.set_num_threads(2)
    os.makedirs(out, exist_ok=True)

    m = make_model(11, 8002)
    cfg = {"model_type": "open_provence", "base_model_config": encoder_config(8002), "max_length": 384, "default_threadshold": 0.0}
    write(out, "open-provence", cfg, open_provence_sd(m), m, m.config)

    m = make_model(12, 1000)
    write(out, "flat-sharded", encoder_config(1000), flat_sd(m), m, m.config, shards=2)

    # XProvence: the ranking score is classifier(pooler_output), pooler_output = tanh(pooler.dense(h[:, 0])).
    m = make_model(13, 1000)
    torch.manual_seed(99)
    pooler = torch.nn.Linear(HIDDEN, HIDDEN)
    classifier = torch.nn.Linear(HIDDEN, 1)
    for lin in (pooler, classifier):
        torch.nn.init.normal_(lin.weight, std=0.3)
        torch.nn.init.normal_(lin.bias, std=0.1)
    sd = {k: v.clone() for k, v in m.state_dict().items() if not k.startswith(("classifier.", "pruning_head."))}
    sd["roberta.pooler.dense.weight"], sd["roberta.pooler.dense.bias"] = pooler.weight.detach().clone(), pooler.bias.detach().clone()
    sd["classifier.weight"], sd["classifier.bias"] = classifier.weight.detach().clone(), classifier.bias.detach().clone()
    sd["token_classifier.weight"], sd["token_classifier.bias"] = m.pruning_head.weight.detach().clone(), m.pruning_head.bias.detach().clone()
    sd["roberta.embeddings.position_ids"] = torch.arange(POSITIONS)[None]

    def xprovence(ids, mask, m=m, pooler=pooler, classifier=classifier):
        h = m.roberta(ids, mask)
        return m.pruning_head(h), classifier(torch.tanh(pooler(h[:, 0])))

    xcfg = dict(encoder_config(1000), architectures=["XProvence"])
    write(out, "xprovence", xcfg, sd, xprovence, m.config)

    m = make_model(14, 1000)
    round_weights(m, bf16_round)
    write(out, "bf16", dict(encoder_config(1000), torch_dtype="bfloat16"), flat_sd(m), m, m.config, dtype="BF16")

    m = make_model(15, 1000)
    round_weights(m, lambda t: t.half().float())
    cfg = {"model_type": "open_provence", "base_model_config": dict(encoder_config(1000), torch_dtype="float16"), "default_threshold": 0.25}
    write(out, "fp16", cfg, open_provence_sd(m), m, m.config, dtype="F16")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "test", "checkpoints"))
    args = ap.parse_args(argv)
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
