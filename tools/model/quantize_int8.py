#!/usr/bin/python3
"""Make an int8 (dynamically quantized) model folder from an fp32 one, with ``onnx`` + numpy only.

onnxruntime's Python ``quantize_dynamic`` is not available here (no onnxruntime wheel for
Debian's Python), so this script does the same graph rewrite itself (DESIGN.md §6):

* every ``MatMul`` whose second input is a 2-D float weight ``W [K, N]`` (all the Linear layers
  of the encoder) becomes::

      DynamicQuantizeLinear(A) -> A_q (uint8), A_scale, A_zero_point      (shared per input A)
      MatMulInteger(A_q, W_q int8, A_zero_point, W_zero_point = 0) -> int32
      Cast(float) -> Mul(A_scale * W_scale[N])                               (same output name)

  ``W_q`` is symmetric int8 with one scale per output column (``max|W[:, n]| / 127``).
  onnxruntime fuses the chain into ``MatMulIntegerToFloat`` / ``DynamicQuantizeMatMul``
  (u8 activations × s8 weights; VNNI kernels where the CPU has them).
* the word (and position) embedding ``Gather`` on a large float table becomes
  ``Gather(int8 table) -> Cast -> Mul(Gather(row scales))`` with one scale per row, which is what
  brings the zilliz-shaped graph from 2.27 GB to ~0.6 GB (``--keep-embeddings`` leaves them fp32).

Layers whose output has fewer than ``--min-columns`` (default 16) columns — the pruning head
``Linear(hidden, 2)`` and the ranking output ``Linear(hidden, 1)`` — stay fp32: they cost
nothing and their outputs are the logits the pipeline reads.

``--reduce-range`` quantizes weights to 7 bits (±63), as onnxruntime recommends for CPUs
without VNNI (AVX2-only x86), where u8×s8 products can saturate.

Which tool: this script quantizes an existing ONNX model folder whose weights reach ``MatMul`` as stored
initializers — graphs exported by torch (``models/default`` with its in-graph lexical features,
``export_hf_checkpoint.py``, ``build_zilliz_shape.py``). A Hugging Face checkpoint is quantized by the
TypeScript converter directly: ``semantic-highlight convert CKPT --out DIR --int8`` (same scheme, streamed,
no Python). A graph in which this script finds no weight ``MatMul`` (e.g. one written by the TypeScript
converter: its float32 weights are read in place through ``FusedMatMul(transB)`` / ``Transpose``) is an error,
not a silent float32 copy.

Usage::

    /usr/bin/python3 tools/model/quantize_int8.py models/default            # -> models/default-int8
    /usr/bin/python3 tools/model/quantize_int8.py models/zilliz-shape models/zilliz-shape-int8

The output is a complete model folder (tokenizer files copied, ``highlight_config.json`` with
``"model_file": "model.int8.onnx"`` and a ``quantization`` record): load it like any other,
``SemanticHighlighter.load("models/default-int8")``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

GRAPH_FILES = {"model.onnx", "model.onnx_data"}
TWO_GB = 2 ** 31 - 2 ** 20


def quantize_model(m, min_columns: int = 16, reduce_range: bool = False, embeddings: bool = True,
                   embedding_min_elements: int = 1 << 20):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    g = m.graph
    inits = {t.name: t for t in g.initializer}
    consumers = {}
    for node in g.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    qmax = 63 if reduce_range else 127
    new_inits = []
    remove = set()
    new_nodes = []
    dql_for = {}  # activation name -> (q, scale, zp)
    stats = {"matmul_quantized": 0, "matmul_kept": 0, "gather_quantized": 0, "weights_fp32_bytes": 0, "weights_int8_bytes": 0}
    uid = [0]

    def fresh(base: str) -> str:
        uid[0] += 1
        return f"{base}__q{uid[0]}"

    def only_used_by(name: str, node) -> bool:
        return all(c is node for c in consumers.get(name, []))

    for node in g.node:
        if (node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in inits
                and inits[node.input[1]].data_type == TensorProto.FLOAT and len(inits[node.input[1]].dims) == 2
                and only_used_by(node.input[1], node)):
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            k, n = w.shape
            if n < min_columns:
                stats["matmul_kept"] += 1
                new_nodes.append(node)
                continue
            a = node.input[0]
            scale = np.abs(w).max(axis=0) / qmax
            scale[scale == 0] = 1.0
            wq = np.clip(np.round(w / scale), -qmax, qmax).astype(np.int8)
            base = node.input[1]
            wq_name, ws_name, wzp_name = fresh(base + "_int8"), fresh(base + "_scale"), fresh(base + "_zp")
            new_inits += [numpy_helper.from_array(wq, wq_name),
                          numpy_helper.from_array(scale.astype(np.float32), ws_name),
                          numpy_helper.from_array(np.zeros(n, dtype=np.int8), wzp_name)]
            remove.add(base)
            stats["weights_fp32_bytes"] += w.nbytes
            stats["weights_int8_bytes"] += wq.nbytes + 4 * n
            if a not in dql_for:
                q, s, zp = fresh(a + "_u8"), fresh(a + "_scale"), fresh(a + "_zp")
                new_nodes.append(helper.make_node("DynamicQuantizeLinear", [a], [q, s, zp], name=fresh("DynamicQuantizeLinear")))
                dql_for[a] = (q, s, zp)
            q, s, zp = dql_for[a]
            y = node.output[0]
            yi, yf, ss = fresh(y + "_int32"), fresh(y + "_float"), fresh(y + "_scales")
            new_nodes += [
                helper.make_node("MatMulInteger", [q, wq_name, zp, wzp_name], [yi], name=fresh("MatMulInteger")),
                helper.make_node("Cast", [yi], [yf], to=TensorProto.FLOAT, name=fresh("Cast")),
                helper.make_node("Mul", [s, ws_name], [ss], name=fresh("MulScales")),
                helper.make_node("Mul", [yf, ss], [y], name=fresh("Mul")),
            ]
            stats["matmul_quantized"] += 1
            continue
        if (embeddings and node.op_type == "Gather" and node.input[0] in inits
                and inits[node.input[0]].data_type == TensorProto.FLOAT and len(inits[node.input[0]].dims) == 2
                and int(np.prod(inits[node.input[0]].dims)) >= embedding_min_elements
                and only_used_by(node.input[0], node)
                and not any(a.name == "axis" and a.i != 0 for a in node.attribute)):
            table = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
            scale = np.abs(table).max(axis=1, keepdims=True) / 127.0
            scale[scale == 0] = 1.0
            tq = np.clip(np.round(table / scale), -127, 127).astype(np.int8)
            base = node.input[0]
            tq_name, ts_name = fresh(base + "_int8"), fresh(base + "_rowscale")
            new_inits += [numpy_helper.from_array(tq, tq_name), numpy_helper.from_array(scale.astype(np.float32), ts_name)]
            remove.add(base)
            stats["weights_fp32_bytes"] += table.nbytes
            stats["weights_int8_bytes"] += tq.nbytes + scale.nbytes
            y = node.output[0]
            gq, gf, gs = fresh(y + "_int8"), fresh(y + "_float"), fresh(y + "_scale")
            new_nodes += [
                helper.make_node("Gather", [tq_name, node.input[1]], [gq], axis=0, name=fresh("GatherInt8")),
                helper.make_node("Cast", [gq], [gf], to=TensorProto.FLOAT, name=fresh("Cast")),
                helper.make_node("Gather", [ts_name, node.input[1]], [gs], axis=0, name=fresh("GatherScale")),
                helper.make_node("Mul", [gf, gs], [y], name=fresh("Mul")),
            ]
            stats["gather_quantized"] += 1
            continue
        new_nodes.append(node)

    kept_inits = [t for t in g.initializer if t.name not in remove]
    del g.initializer[:]
    g.initializer.extend(kept_inits + new_inits)
    inputs = [i for i in g.input if i.name not in remove]
    del g.input[:]
    g.input.extend(inputs)
    del g.node[:]
    g.node.extend(new_nodes)
    # DynamicQuantizeLinear (opset 11) and MatMulInteger (opset 10) are in the default domain.
    for op in m.opset_import:
        if op.domain in ("", "ai.onnx") and op.version < 11:
            op.version = 11
    return stats


class NothingQuantized(RuntimeError):
    """The graph has no weight MatMul this script can quantize."""


def check_quantized(stats, source: str, m) -> None:
    """Fails loudly when nothing was quantized: an "int8" folder that runs float32 is worse than no folder."""
    if stats["matmul_quantized"] > 0:
        return
    ops = sorted({(n.domain + "." if n.domain else "") + n.op_type for n in m.graph.node})
    hint = ""
    if any(op in ("Transpose", "com.microsoft.FusedMatMul") for op in ops):
        hint = (" Its weights reach their MatMuls through Transpose / FusedMatMul(transB), as in a graph written by"
                " the TypeScript converter: quantize the checkpoint instead with"
                " `semantic-highlight convert CKPT --out DIR --int8`.")
    raise NothingQuantized(f"{source}: no MatMul with a stored 2-D float weight was found, so nothing was quantized"
                           f" (operators: {', '.join(ops)}).{hint}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", help="fp32 model folder (highlight_config.json + ONNX + tokenizer)")
    ap.add_argument("dst", nargs="?", help="output folder (default: <src>-int8)")
    ap.add_argument("--min-columns", type=int, default=16, help="keep MatMuls with fewer output columns in fp32")
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights, for x86 CPUs without VNNI")
    ap.add_argument("--keep-embeddings", action="store_true", help="leave the embedding tables in fp32")
    args = ap.parse_args()

    import onnx

    src = os.path.abspath(args.src)
    dst = os.path.abspath(args.dst or src.rstrip("/") + "-int8")
    if dst == src:
        sys.exit("dst must differ from src (the int8 folder is a separate, complete model folder)")
    with open(os.path.join(src, "highlight_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    model_file = config.get("model_file", "model.onnx")
    t0 = time.time()
    m = onnx.load(os.path.join(src, model_file))  # external data beside it is loaded too
    stats = quantize_model(m, args.min_columns, args.reduce_range, not args.keep_embeddings)
    print(f"rewrote graph in {time.time() - t0:.1f} s: {json.dumps(stats)}", flush=True)
    check_quantized(stats, os.path.join(src, model_file), m)

    os.makedirs(dst, exist_ok=True)
    out_name = "model.int8.onnx"
    for stale in (out_name, out_name + "_data"):
        if os.path.exists(os.path.join(dst, stale)):
            os.remove(os.path.join(dst, stale))
    size = m.ByteSize()
    out_path = os.path.join(dst, out_name)
    if size < TWO_GB:
        onnx.save_model(m, out_path)
        onnx.checker.check_model(m)
    else:
        onnx.save_model(m, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=out_name + "_data", size_threshold=1024)
        onnx.checker.check_model(out_path)
    skip = GRAPH_FILES | {model_file, model_file + "_data", "highlight_config.json"}
    for name in sorted(os.listdir(src)):
        p = os.path.join(src, name)
        if name in skip or name.endswith((".onnx", ".onnx_data")) or not os.path.isfile(p):
            continue
        if name == "reference_outputs.json":  # fp32 reference: not valid for the int8 graph
            continue
        shutil.copyfile(p, os.path.join(dst, name))
    config["model_file"] = out_name
    config["name"] = f"{config.get('name', 'model')}-int8"
    config["quantization"] = {
        "method": "dynamic int8 (tools/model/quantize_int8.py): u8 activations per tensor at run time, "
                  "s8 weights per output column, symmetric; embeddings s8 per row" + ("" if not args.keep_embeddings else " (kept fp32)"),
        "source": os.path.relpath(os.path.join(src, model_file), os.path.dirname(dst)),
        "reduce_range": args.reduce_range,
        "min_columns": args.min_columns,
        **stats,
    }
    with open(os.path.join(dst, "highlight_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(json.dumps({"out": dst, "seconds": round(time.time() - t0, 1),
                      "bytes": {n: os.path.getsize(os.path.join(dst, n)) for n in sorted(os.listdir(dst))}}, indent=1))


if __name__ == "__main__":
    try:
        main()
    except NothingQuantized as error:
        sys.exit(f"quantize_int8.py: {error}")
