#!/usr/bin/python3
"""The Python user's alternative, for bench/speed.ts: a checkpoint folder run by torch eager
(``provence_arch.ProvenceModel``, the same computation as HF ``XLMRobertaModel``), serving forward passes
over stdin / stdout so the TypeScript harness can interleave them with its own pipeline on the same token
blocks.

    /usr/bin/python3 tools/model/torch_bench.py CKPT [--threads 2] [--int8]

``--int8`` also builds ``torch.quantization.quantize_dynamic(model, {nn.Linear}, torch.qint8)`` — what a
Python user would reach for (fbgemm, u8 activations, s8 weights per tensor).

Protocol: one JSON object per line. At start it prints ``{"ready": true, "load_s", "rss_mb", ...}``. Then
each request ``{"variant": "fp32" | "int8", "input_ids": [[...]], "attention_mask": [[...]]}`` is answered with
``{"ms": forward wall time, "pruning_logits": [...flat...], "ranking_logits": [...]}``; ``{"op": "rss"}`` with
``{"rss_mb", "peak_rss_mb"}``. torch runs with ``torch.set_num_threads(threads)`` and one inter-op thread.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--int8", action="store_true")
    args = ap.parse_args()

    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    from export_hf_checkpoint import build_model

    base = rss_mb()
    t0 = time.time()
    models = {"fp32": build_model(args.checkpoint, None, False)[0]}
    fp32_rss = rss_mb() - base
    int8_rss = None
    if args.int8:
        before = rss_mb()
        quantized = build_model(args.checkpoint, None, False)[0]
        models["int8"] = torch.quantization.quantize_dynamic(quantized, {nn.Linear}, dtype=torch.qint8, inplace=True)
        int8_rss = rss_mb() - before
    print(json.dumps({"ready": True, "load_s": round(time.time() - t0, 2), "rss_mb": round(rss_mb(), 1), "fp32_model_rss_mb": round(fp32_rss, 1),
                      "int8_model_rss_mb": None if int8_rss is None else round(int8_rss, 1), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "quantized_engine": torch.backends.quantized.engine}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("op") == "rss":
            print(json.dumps({"rss_mb": round(rss_mb(), 1), "peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)
            continue
        model = models[req["variant"]]
        ids = torch.tensor(req["input_ids"], dtype=torch.long)
        mask = torch.tensor(req["attention_mask"], dtype=torch.long)
        with torch.inference_mode():
            t = time.perf_counter()
            pruning, ranking = model(ids, mask)
            ms = (time.perf_counter() - t) * 1000
        print(json.dumps({"ms": ms, "pruning_logits": pruning.reshape(-1).tolist(), "ranking_logits": ranking.reshape(-1).tolist()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
