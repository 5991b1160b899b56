#!/usr/bin/python3
"""Checks of quantize_int8.py (onnx + numpy, < 1 s): a graph whose weights are stored MatMul inputs is
quantized; a graph whose weights reach MatMul through Transpose (as the TypeScript converter's plain graph)
or FusedMatMul(transB) (its fused graph) makes the script fail instead of writing an unquantized "int8" folder.

    /usr/bin/python3 tools/model/test_quantize_int8.py
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from quantize_int8 import NothingQuantized, check_quantized, quantize_model  # noqa: E402


def graph(kind: str) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((32, 32)).astype(np.float32), "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 32])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 32])
    if kind == "stored":
        nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    elif kind == "transpose":
        nodes = [helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]), helper.make_node("MatMul", ["x", "wt"], ["y"])]
    else:
        nodes = [helper.make_node("FusedMatMul", ["x", "w"], ["y"], domain="com.microsoft", transB=1)]
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.microsoft", 1)] if kind == "fused" else [])
    return helper.make_model(helper.make_graph(nodes, "g", [x], [y], [w]), opset_imports=opsets)


def main() -> int:
    m = graph("stored")
    stats = quantize_model(m)
    assert stats["matmul_quantized"] == 1, stats
    check_quantized(stats, "stored", m)
    for kind in ("transpose", "fused"):
        m = graph(kind)
        stats = quantize_model(m)
        assert stats["matmul_quantized"] == 0, stats
        try:
            check_quantized(stats, kind, m)
        except NothingQuantized as error:
            assert "nothing was quantized" in str(error) and "convert CKPT --out DIR --int8" in str(error), error
        else:
            raise AssertionError(f"{kind}: no error")
    # the command line exits non-zero and writes no folder
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        os.makedirs(src)
        onnx.save(graph("fused"), os.path.join(src, "model.onnx"))
        with open(os.path.join(src, "highlight_config.json"), "w") as f:
            f.write('{"model_file": "model.onnx"}')
        run = subprocess.run([sys.executable, os.path.join(HERE, "quantize_int8.py"), src, dst], capture_output=True, text=True)
        assert run.returncode != 0 and "nothing was quantized" in run.stderr, (run.returncode, run.stderr)
        assert not os.path.exists(dst)
    print("quantize_int8: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
