#!/usr/bin/python3
"""Build ``models/test/sentence-echo/``: a hand-built ONNX graph that echoes the optional
``sentence_index`` input, to test that the pipeline feeds it exactly (DESIGN contract extension).

pruning_logits[b, t] = (0, float(sentence_index[b, t])), so a token's keep probability is
sigmoid(its sentence index within the block) and -1 (query, special, padding) gives sigmoid(-1).
ranking_logits[b, 0] = float(max_t sentence_index[b, t]) (the block's last sentence index).
Tokenizer: the tiny-xlmr one. Deterministic; run from the repository root::

    /usr/bin/python3 tools/model/build_sentence_echo.py
"""
from __future__ import annotations

import json
import os
import shutil

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "models", "test", "sentence-echo")
TOKENIZER_FROM = os.path.join(REPO, "models", "test", "tiny-xlmr")


def build() -> onnx.ModelProto:
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])
    sent = helper.make_tensor_value_info("sentence_index", TensorProto.INT64, ["batch", "seq"])
    pruning = helper.make_tensor_value_info("pruning_logits", TensorProto.FLOAT, ["batch", "seq", 2])
    ranking = helper.make_tensor_value_info("ranking_logits", TensorProto.FLOAT, ["batch", 1])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [2])
    nodes = [
        helper.make_node("Cast", ["sentence_index"], ["keep"], to=TensorProto.FLOAT),
        # Touch input_ids and attention_mask so the graph declares and reads all three inputs.
        helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids_f", "mask_f"], ["ids_masked"]),
        helper.make_node("Sub", ["ids_masked", "ids_masked"], ["drop"]),  # zeros of the right shape
        helper.make_node("Unsqueeze", ["drop", "axes"], ["drop3"]),
        helper.make_node("Unsqueeze", ["keep", "axes"], ["keep3"]),
        helper.make_node("Concat", ["drop3", "keep3"], ["pruning_logits"], axis=2),
        helper.make_node("ReduceMax", ["keep"], ["ranking_logits"], axes=[1], keepdims=1),
    ]
    graph = helper.make_graph(nodes, "sentence_echo", [ids, mask, sent], [pruning, ranking], initializer=[axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="semantic-highlight")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    onnx.save(build(), os.path.join(OUT, "model.onnx"))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(TOKENIZER_FROM, name), os.path.join(OUT, name))
    config = {
        "format": "semantic-highlight/v1",
        "name": "sentence-echo",
        "description": __doc__.split("\n\n")[1].replace("\n", " "),
        "model_file": "model.onnx",
        "max_length": 512,
        "threshold": 0.5,
        "pruning_output": "pruning_logits",
        "ranking_output": "ranking_logits",
        "architecture": "sentence-echo",
        "languages": ["en", "zh"],
    }
    with open(os.path.join(OUT, "highlight_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
