#!/usr/bin/python3
"""Two one-layer graphs that isolate the matrix products of the zilliz shape's feed-forward block:
``x [M, 1024] -> MatMul [1024, 4096] -> MatMul [4096, 1024]``, in fp32 and rewritten to int8 by
quantize_int8.py's own ``quantize_model``. ``bench/int8-ceiling.ts`` times both: their ratio is the most
any int8 graph can gain over fp32 on this CPU with onnxruntime's kernels (no attention, no LayerNorm, no
GELU, nothing but the GEMMs that dominate the model).

    /usr/bin/python3 tools/model/build_gemm_probe.py            # -> models/gemm-probe/{fp32,int8}.onnx

Deterministic (seeded weights); small (~20 MB); not committed (rebuilt in seconds).
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
OUT = os.path.join(HERE, "..", "..", "models", "gemm-probe")
HIDDEN, FFN = 1024, 4096


def main() -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from quantize_int8 import quantize_model

    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((HIDDEN, FFN)) * 0.02).astype(np.float32)
    w2 = (rng.standard_normal((FFN, HIDDEN)) * 0.02).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]), helper.make_node("MatMul", ["h", "w2"], ["y"])],
        "gemm_probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["m", HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m", HIDDEN])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save_model(model, os.path.join(OUT, "fp32.onnx"))
    stats = quantize_model(model)
    onnx.checker.check_model(model)
    onnx.save_model(model, os.path.join(OUT, "int8.onnx"))
    print(os.path.abspath(OUT), stats)


if __name__ == "__main__":
    main()
