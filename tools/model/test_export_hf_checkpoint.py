#!/usr/bin/python3
"""Test export_hf_checkpoint.py on small randomly initialised checkpoints that this test
writes itself (same structure as zilliz/semantic-highlight-bilingual-v1: HF
XLMRobertaForSequenceClassification keys ``roberta.*`` incl. a pooler and the
``position_ids`` buffer, ``classifier.dense`` / ``classifier.out_proj``, plus a
differently named pruning head):

1. pytorch_model.bin (torch.save), pruning head ``token_classifier.`` (auto-detected)
2. model.safetensors written with numpy (float16 weights), pruning head ``my_head.``
   given with --pruning-head-prefix, and --force-external-data (model.onnx + model.onnx_data)
3. an unknown pruning-head name -> error listing the non-encoder keys
4. (safetensors reader) bf16 / f32 round trip
5. the reference's max_length / threshold rules
6. every layout of build_checkpoint_fixtures.py (incl. XProvence): ORT vs torch, and the TypeScript
   converter's graph (tools/model/ts_convert.mts) vs this exporter's (tools/model/compare_onnx.mjs)

Each exported folder is checked: onnx.checker by path, contract, torch outputs of the
loaded model == torch outputs of the original module, highlight_config fields, and when
Node + onnxruntime-node are available, ``node tools/model/check_onnx.mjs`` (ORT vs torch).

    /usr/bin/python3 tools/model/test_export_hf_checkpoint.py     # ~20 s
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import build_tokenizer  # noqa: E402
import export_hf_checkpoint as X  # noqa: E402
from provence_arch import ProvenceConfig, ProvenceModel, init_weights  # noqa: E402

TOKENIZER_DIR = os.path.join(REPO, "models", "test", "tiny-xlmr")


def make_checkpoint(d: str, head_name: str, fmt: str, fp16: bool = False, wrapper: bool = False) -> ProvenceModel:
    torch.manual_seed(7)
    cfg = ProvenceConfig(vocab_size=8002, hidden=32, layers=2, heads=4, intermediate=64, max_position_embeddings=8194,
                         initializer_range=0.2)
    m = ProvenceModel(cfg)
    init_weights(m)
    m.eval()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    # rename the pruning head, add what real HF checkpoints carry
    if wrapper:  # Open Provence layout: ranking_model.roberta.*, ranking_model.classifier.*, pruning_head.classifier.*
        sd = {("ranking_model." + k if k.startswith(("roberta.", "classifier.")) else k): v for k, v in sd.items()}
    sd[f"{head_name}.weight"] = sd.pop("pruning_head.weight")
    sd[f"{head_name}.bias"] = sd.pop("pruning_head.bias")
    pre = "ranking_model." if wrapper else ""
    sd[pre + "roberta.pooler.dense.weight"] = torch.zeros(32, 32)
    sd[pre + "roberta.pooler.dense.bias"] = torch.zeros(32)
    sd[pre + "roberta.embeddings.position_ids"] = torch.arange(8194)[None]
    if fp16:
        sd = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
        with torch.no_grad():  # the reference model must see the same rounded weights
            for k, v in m.state_dict().items():
                v.copy_(v.half().float())
    os.makedirs(d, exist_ok=True)
    hf = {
        "architectures": ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta",
        "vocab_size": 8002, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": 8194, "type_vocab_size": 1,
        "layer_norm_eps": 1e-5, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
        "position_embedding_type": "absolute", "num_labels": 1, "torch_dtype": "float16" if fp16 else "float32",
    }
    if wrapper:
        hf = {"model_type": "open_provence", "base_model_config": hf, "default_threadshold": 0.0, "max_length": 1024}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(hf, f, indent=2)
    if fmt == "bin":
        torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    else:
        X.write_safetensors(os.path.join(d, "model.safetensors"), {k: v.numpy() for k, v in sd.items()},
                            metadata={"format": "pt"})
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(TOKENIZER_DIR, name), os.path.join(d, name))
    return m


def check_folder(out: str, ref_model: ProvenceModel, external: bool, threshold: float = 0.1, max_length: int = 512) -> None:
    import onnx
    from provence_arch import check_contract

    files = sorted(os.listdir(out))
    for f in ("model.onnx", "tokenizer.json", "tokenizer_config.json", "highlight_config.json", "reference_outputs.json"):
        assert f in files, (f, files)
    assert ("model.onnx_data" in files) == external, files
    assert not [f for f in files if f.startswith("hf-export-")], files  # temp dir removed
    if external:
        assert os.path.getsize(os.path.join(out, "model.onnx")) < 200_000  # weights are outside
        assert os.path.getsize(os.path.join(out, "model.onnx_data")) > 1_000_000
        m = onnx.load(os.path.join(out, "model.onnx"), load_external_data=False)
        locs = {e.value for t in m.graph.initializer for e in t.external_data if e.key == "location"}
        assert locs == {"model.onnx_data"}, locs
    onnx.checker.check_model(os.path.join(out, "model.onnx"))
    check_contract(onnx.load(os.path.join(out, "model.onnx"), load_external_data=False))
    with open(os.path.join(out, "highlight_config.json")) as f:
        hc = json.load(f)
    assert hc["format"] == "semantic-highlight/v1" and hc["max_length"] == max_length and hc["threshold"] == threshold, hc
    assert hc["pruning_output"] == "pruning_logits" and hc["ranking_output"] == "ranking_logits", hc
    assert hc["architecture"] == "xlm-roberta" and hc["pad_token_id"] == 1, hc
    with open(os.path.join(out, "tokenizer_config.json")) as f:
        assert json.load(f)["model_max_length"] == max_length
    # torch outputs of the converted model == the original module's
    with open(os.path.join(out, "reference_outputs.json")) as f:
        ref = json.load(f)
    for b in ref["batches"]:
        ids, mask = torch.tensor(b["input_ids"]), torch.tensor(b["attention_mask"])
        with torch.no_grad():
            p, r = ref_model(ids, mask)
        assert np.allclose(p.numpy(), np.array(b["pruning_logits"]), atol=1e-5)
        assert np.allclose(r.numpy(), np.array(b["ranking_logits"]), atol=1e-5)
    # onnxruntime (Node) vs torch
    node = shutil.which("node")
    if node and os.path.isdir(os.path.join(REPO, "node_modules", "onnxruntime-node")):
        res = subprocess.run([node, os.path.join(HERE, "check_onnx.mjs"), out], cwd=REPO, capture_output=True, text=True)
        print(res.stdout.strip().splitlines()[-1])
        assert res.returncode == 0, res.stdout + res.stderr
    else:
        print("node / onnxruntime-node not available: ONNX runtime check skipped")


def main() -> int:
    torch.set_num_threads(2)
    tmp = tempfile.mkdtemp(prefix="test-export-hf-")
    try:
        # 1. pytorch_model.bin, auto-detected "token_classifier" head, embedded weights
        ck1 = os.path.join(tmp, "ckpt-bin")
        m1 = make_checkpoint(ck1, "token_classifier", "bin")
        out1 = os.path.join(tmp, "out-bin")
        assert X.main([ck1, "--out", out1]) == 0
        check_folder(out1, m1, external=False)
        print("ok 1: pytorch_model.bin, auto-detected pruning head, single model.onnx")

        # 2. safetensors (fp16, numpy-written), explicit prefix, forced external data
        ck2 = os.path.join(tmp, "ckpt-st")
        m2 = make_checkpoint(ck2, "my_head", "safetensors", fp16=True)
        out2 = os.path.join(tmp, "out-st")
        assert X.main([ck2, "--out", out2, "--pruning-head-prefix", "my_head", "--force-external-data"]) == 0
        check_folder(out2, m2, external=True)
        # re-export into the same folder replaces the files (no stale data file)
        assert X.main([ck2, "--out", out2, "--pruning-head-prefix", "my_head.", "--force-external-data"]) == 0
        check_folder(out2, m2, external=True)
        print("ok 2: model.safetensors (fp16) via numpy, --pruning-head-prefix, --force-external-data")

        # 2b. Open Provence layout (nested config, ranking_model.* prefix, pruning_head.classifier.*)
        ck4 = os.path.join(tmp, "ckpt-op")
        m4 = make_checkpoint(ck4, "pruning_head.classifier", "safetensors", wrapper=True)
        out4 = os.path.join(tmp, "out-op")
        assert X.main([ck4, "--out", out4]) == 0
        check_folder(out4, m4, external=False, threshold=0.0, max_length=1024)
        print("ok 2b: Open Provence layout (ranking_model.roberta.*, pruning_head.classifier.*, nested config)")

        # 3. unknown head name -> helpful error
        ck3 = os.path.join(tmp, "ckpt-unknown")
        make_checkpoint(ck3, "mystery_layer", "bin")
        try:
            X.main([ck3, "--out", os.path.join(tmp, "out-unknown"), "--pruning-head-prefix", "nope"])
        except KeyError as e:
            msg = str(e)
            assert "mystery_layer.weight [2, 32]" in msg and "--pruning-head-prefix" in msg, msg
        else:
            raise AssertionError("expected a KeyError for an unknown pruning head")
        print("ok 3: unknown pruning head -> error lists the non-encoder keys")

        # 4. safetensors reader: bf16 widening, f32/i64 round trip
        a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
        bf16 = (a.view(np.uint32) >> 16).astype(np.uint16)
        p = os.path.join(tmp, "t.safetensors")
        X.write_safetensors(p, {"a": a, "i": np.arange(5, dtype=np.int64)})
        h = json.dumps({"b": {"dtype": "BF16", "shape": [3, 4], "data_offsets": [0, 24]}}).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        p2 = os.path.join(tmp, "b.safetensors")
        with open(p2, "wb") as f:
            f.write(len(h).to_bytes(8, "little") + h + bf16.tobytes())
        r = X.read_safetensors(p)
        assert np.array_equal(r["a"], a) and np.array_equal(r["i"], np.arange(5))
        rb = X.read_safetensors(p2)["b"]
        assert rb.dtype == np.float32 and np.allclose(rb, a, rtol=1e-2)
        print("ok 4: safetensors reader (f32, i64, bf16)")
        # 5. reference settings: max_length from config else 512; threshold default_threadshold (sic) else
        #    default_threshold else 0.1, explicit 0.0 kept; command-line values win
        assert X.reference_settings({}) == (512, 0.1)
        assert X.reference_settings({"max_length": 8192, "default_threadshold": 0.0}) == (8192, 0.0)
        assert X.reference_settings({"default_threshold": 0.3}) == (512, 0.3)
        assert X.reference_settings({"default_threadshold": 0.2, "default_threshold": 0.3}) == (512, 0.2)
        assert X.reference_settings({"max_length": 256}, 128, 0.5) == (128, 0.5)
        print("ok 5: reference max_length / threshold rules")

        # 6. every layout of build_checkpoint_fixtures (XProvence pooler mapping, bf16, fp16, shards): ORT vs
        #    torch, and the TypeScript converter's graph vs this exporter's graph
        import build_checkpoint_fixtures as F
        fx = os.path.join(tmp, "fixtures")
        F.build(fx)
        tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
        expected = {"open-provence": (384, 0.0), "flat-sharded": (512, 0.1), "xprovence": (512, 0.1), "bf16": (512, 0.1), "fp16": (512, 0.25)}
        for layout, (max_len, thr) in expected.items():
            ck = os.path.join(fx, layout)
            shutil.copyfile(os.path.join(TOKENIZER_DIR, "tokenizer.json"), os.path.join(ck, "tokenizer.json"))
            out_py = os.path.join(tmp, "py-" + layout)
            assert X.main([ck, "--out", out_py, "--no-reference"]) == 0
            with open(os.path.join(out_py, "highlight_config.json")) as f:
                hc = json.load(f)
            assert (hc["max_length"], hc["threshold"]) == (max_len, thr), (layout, hc)
            assert hc["ranking_output"] == "ranking_logits", (layout, hc)
            shutil.copyfile(os.path.join(ck, "reference_outputs.json"), os.path.join(out_py, "reference_outputs.json"))
            node = shutil.which("node")
            if not (node and os.path.exists(tsx)):
                print(f"ok 6 {layout}: exported (node / tsx not available: runtime checks skipped)")
                continue
            res = subprocess.run([node, os.path.join(HERE, "check_onnx.mjs"), out_py], cwd=REPO, capture_output=True, text=True)
            assert res.returncode == 0, res.stdout + res.stderr
            out_ts = os.path.join(tmp, "ts-" + layout)
            res = subprocess.run([tsx, os.path.join(HERE, "ts_convert.mts"), ck, out_ts], cwd=REPO, capture_output=True, text=True)
            assert res.returncode == 0, res.stdout + res.stderr
            cmp = subprocess.run([node, os.path.join(HERE, "compare_onnx.mjs"), out_py, out_ts], cwd=REPO, capture_output=True, text=True)
            assert cmp.returncode == 0, cmp.stdout + cmp.stderr
            print(f"ok 6 {layout}: ORT vs torch ok; TypeScript converter vs this exporter: {cmp.stdout.strip()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("all export_hf_checkpoint tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
