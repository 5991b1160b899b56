#!/usr/bin/python3
"""A trained plain-XLM-R checkpoint folder in Hugging Face layout, from a ``train_default.py`` work folder
trained without the in-graph lexical features (``--no-query-match --no-sentence-features``): ``config.json``
(flat XLM-R, ``max_length`` 512 and the threshold chosen on the dev subset at the best step, from
``train_state.json``),
``model.safetensors`` (float32, HF names: ``roberta.*``, ``classifier.*``, ``pruning_head.*``) and the
tokenizer files. The TypeScript converter converts it like any checkpoint, which gives a *trained* model
(realistic spread of sentence scores) on which int8 agreement with float32 can be measured
(``bench/speed.ts --sections agreement``); random-weight models put every score in a narrow band.

    /usr/bin/python3 tools/model/train_default.py tokenizer --work tools/model/.work-plain
    /usr/bin/python3 tools/model/train_default.py data --work tools/model/.work-plain
    /usr/bin/python3 tools/model/train_default.py train --work tools/model/.work-plain --no-query-match --no-sentence-features
    /usr/bin/python3 tools/model/checkpoint_from_training.py tools/model/.work-plain models/trained-plain-checkpoint
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", help="train_default.py --work folder (best.pt, tokenizer/)")
    ap.add_argument("out", help="checkpoint folder to write")
    ap.add_argument("--threshold", type=float, default=None, help="default_threshold to record (default: the training's, else 0.5)")
    args = ap.parse_args()

    import torch

    from export_hf_checkpoint import write_safetensors
    from train_default import MODEL, load_vocab

    state = torch.load(os.path.join(args.work, "best.pt"), map_location="cpu")
    extra = [k for k in state if "query_match" in k or "sentence_feature" in k or k.startswith("roberta.piece_") or k.endswith("char_idf")]
    if extra:
        sys.exit(f"{args.work} was trained with lexical features ({', '.join(extra[:4])}, ...): the plain XLM-R graph cannot hold them")
    tensors = {k: v.detach().float().numpy() for k, v in state.items()}
    vocab = len(load_vocab(args.work))
    threshold = args.threshold
    if threshold is None:
        try:
            with open(os.path.join(args.work, "train_state.json"), encoding="utf-8") as f:
                threshold = float(json.load(f)["best"]["best_under_compression_0.7"]["threshold"])
        except (OSError, ValueError, TypeError, KeyError):
            threshold = 0.5
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "model.safetensors"), tensors, {"format": "pt"})
    config = {
        "architectures": ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta", "vocab_size": vocab,
        "hidden_size": MODEL["hidden"], "num_hidden_layers": MODEL["layers"], "num_attention_heads": MODEL["heads"],
        "intermediate_size": MODEL["intermediate"], "hidden_act": "gelu", "max_position_embeddings": MODEL["max_position_embeddings"],
        "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
        "max_length": 512, "default_threshold": threshold,
    }
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(args.work, "tokenizer", name), os.path.join(args.out, name))
    print(json.dumps({"out": args.out, "tensors": len(tensors), "vocab_size": vocab, "threshold": threshold}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
