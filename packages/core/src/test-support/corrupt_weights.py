#!/usr/bin/env python3
"""Overwrites every float initializer of an ONNX model with NaN, in place.

Test helper for issue 12 defect 2 (non-finite model outputs must fail with a typed InferenceError):
packages/core/src/pipeline.hardening.test.ts copies models/test/tiny-xlmr to a temporary folder and runs
this on the copy. Needs Debian's python3-onnx and numpy (/usr/bin/python3).

    /usr/bin/python3 packages/core/src/test-support/corrupt_weights.py path/to/model.onnx
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main(path: str) -> None:
    model = onnx.load(path)
    changed = 0
    for i, init in enumerate(model.graph.initializer):
        array = numpy_helper.to_array(init)
        if array.dtype.kind != "f" or array.size < 2:
            continue
        corrupted = np.full(array.shape, np.nan, dtype=array.dtype)
        model.graph.initializer[i].CopyFrom(numpy_helper.from_array(corrupted, init.name))
        changed += 1
    if changed == 0:
        sys.exit(f"{path}: no float initializers to corrupt")
    onnx.save(model, path)
    print(f"{path}: {changed} float initializers set to NaN")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
