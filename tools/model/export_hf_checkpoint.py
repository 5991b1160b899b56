#!/usr/bin/python3
"""Convert a real Hugging Face Provence-family checkpoint (XLM-RoBERTa encoder + ranking
head + token pruning head, e.g. ``zilliz/semantic-highlight-bilingual-v1`` which is
``BAAI/bge-reranker-v2-m3`` + a pruning head) into the project's model folder:

    OUT/model.onnx            (+ OUT/model.onnx_data when over 2 GB or --force-external-data)
    OUT/tokenizer.json        (copied from the checkpoint, or converted from sentencepiece.bpe.model)
    OUT/tokenizer_config.json
    OUT/highlight_config.json
    OUT/reference_outputs.json  (torch outputs on fixed inputs; check with tools/model/check_onnx.mjs)

The checkpoint folder is what ``huggingface-cli download <repo> --local-dir DIR`` gives:
``config.json`` + ``model.safetensors`` (read here with numpy: 8-byte little-endian
header length, JSON header, raw little-endian tensors) or ``pytorch_model.bin``
(sharded ``*.index.json`` variants too) + ``tokenizer.json``.

Key mapping: the encoder is found by its ``...embeddings.word_embeddings.weight`` key
(any prefix, e.g. ``roberta.``, ``model.roberta.``, none) and mapped to ``roberta.``; the
ranking head is ``<prefix>classifier.dense`` / ``classifier.out_proj`` (HF
``XLMRobertaForSequenceClassification``), or for naver's XProvence a ``classifier`` Linear(hidden, 1) on
the pooler output, mapped as ``pooler.dense`` -> ``classifier.dense`` and ``classifier`` -> ``classifier.out_proj``
(the same computation); the pruning head must be a ``Linear(hidden, 2)``
named by ``--pruning-head-prefix`` or one of COMMON_PRUNING_PREFIXES, or the only
``[2, hidden]`` linear outside the encoder. Otherwise the script stops and lists the
checkpoint's non-encoder keys so you can pass the right prefix.

highlight_config.json follows the reference (Open Provence) rules: ``max_length`` from the top-level
config.json, else 512; threshold from ``default_threadshold`` (the reference's spelling), else
``default_threshold``, else 0.1, an explicit 0.0 kept.

TypeScript users do not need this script: ``semantic-highlight convert <hub id | folder> --out DIR`` does the
same without Python (packages/core/src/models/convert); both give the same graph outputs (tested).

Usage (where the checkpoint is available)::

    huggingface-cli download zilliz/semantic-highlight-bilingual-v1 --local-dir ckpt/zilliz
    /usr/bin/python3 tools/model/export_hf_checkpoint.py ckpt/zilliz --out models/zilliz
    node tools/model/check_onnx.mjs models/zilliz

Only torch, numpy and onnx are needed (no transformers / safetensors packages).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

COMMON_PRUNING_PREFIXES = [
    "pruning_head.",
    "token_classifier.",
    "classifier_pruning.",
    "pruning_classifier.",
    "pruning_layer.",
    "pruner.",
    "token_classification_head.",
    "pruning.",
]
TWO_GB = 2 * 1024**3

# ------------------------------------------------------------------ safetensors
_ST_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


def read_safetensors(path: str) -> Dict[str, np.ndarray]:
    """Parse a .safetensors file with numpy (memory-mapped). BF16 is widened to float32."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n).decode("utf-8"))
    base = 8 + n
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = mm[base + b : base + e]
        shape = tuple(info["shape"])
        dt = info["dtype"]
        if dt == "BF16":
            u16 = raw.view("<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32).reshape(shape)
        elif dt in _ST_DTYPES:
            arr = raw.view(np.dtype(_ST_DTYPES[dt]).newbyteorder("<")).reshape(shape)
        else:
            raise ValueError(f"{path}: unsupported safetensors dtype {dt} for {name}")
        out[name] = arr
    return out


def write_safetensors(path: str, tensors: Dict[str, np.ndarray], metadata: Optional[dict] = None) -> None:
    """Minimal writer (used by the test): header padded with spaces to 8 bytes."""
    rev = {v: k for k, v in _ST_DTYPES.items()}
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        data = a.tobytes()
        header[name] = {"dtype": rev[a.dtype.type], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for d in blobs:
            f.write(d)


# ------------------------------------------------------------------- loading
def load_checkpoint_tensors(ckpt: str):
    """-> dict name -> torch.Tensor (float32 for floating point)."""
    import torch

    def to_torch(a):
        if isinstance(a, np.ndarray):
            t = torch.from_numpy(np.array(a))  # copy out of the memmap
        else:
            t = a
        return t.float() if t.is_floating_point() else t

    files: List[str] = []
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        ip = os.path.join(ckpt, index_name)
        if os.path.exists(ip):
            with open(ip) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
            files = [os.path.join(ckpt, x) for x in files]
            break
    if not files:
        for name in ("model.safetensors", "pytorch_model.bin"):
            if os.path.exists(os.path.join(ckpt, name)):
                files = [os.path.join(ckpt, name)]
                break
    if not files:
        raise FileNotFoundError(f"{ckpt}: no model.safetensors / pytorch_model.bin (or sharded index) found")
    sd = {}
    for fp in files:
        if fp.endswith(".safetensors"):
            part = read_safetensors(fp)
        else:
            part = torch.load(fp, map_location="cpu")
            if isinstance(part, dict) and "state_dict" in part and isinstance(part["state_dict"], dict):
                part = part["state_dict"]
        for k, v in part.items():
            sd[k] = to_torch(v)
    return sd, files


def config_from_hf(hf: dict):
    from provence_arch import ProvenceConfig

    if "hidden_size" not in hf and isinstance(hf.get("base_model_config"), dict):
        hf = hf["base_model_config"]  # Open Provence wrapper config: the encoder's config is nested

    mt = hf.get("model_type", "xlm-roberta")
    if mt not in ("xlm-roberta", "roberta", "xlm_roberta"):
        print(f"warning: model_type {mt!r} is not xlm-roberta; trying anyway", file=sys.stderr)
    act = hf.get("hidden_act", "gelu")
    if act != "gelu":
        raise ValueError(f"hidden_act {act!r} not supported (provence_arch uses exact GELU)")
    pet = hf.get("position_embedding_type", "absolute")
    if pet != "absolute":
        raise ValueError(f"position_embedding_type {pet!r} not supported")
    return ProvenceConfig(
        vocab_size=hf["vocab_size"],
        hidden=hf["hidden_size"],
        layers=hf["num_hidden_layers"],
        heads=hf["num_attention_heads"],
        intermediate=hf["intermediate_size"],
        max_position_embeddings=hf["max_position_embeddings"],
        pad_token_id=hf.get("pad_token_id", 1),
        layer_norm_eps=hf.get("layer_norm_eps", 1e-5),
        type_vocab_size=hf.get("type_vocab_size", 1),
        initializer_range=hf.get("initializer_range", 0.02),
    )


ENCODER_ANCHOR = "embeddings.word_embeddings.weight"
_IGNORED = ("pooler.", "embeddings.position_ids", "lm_head.")


def map_state_dict(sd: Dict, hidden: int, pruning_prefix: Optional[str] = None) -> Tuple[Dict, dict]:
    """Map checkpoint keys to provence_arch names. Returns (new_state_dict, info)."""
    anchors = [k for k in sd if k.endswith(ENCODER_ANCHOR)]
    if len(anchors) != 1:
        raise KeyError(f"expected exactly one '*{ENCODER_ANCHOR}' key, found {anchors}")
    enc = anchors[0][: -len(ENCODER_ANCHOR)]  # e.g. "roberta." or "" or "model.roberta."
    outer = enc[: -len("roberta.")] if enc.endswith("roberta.") else ""  # wrapper prefix, e.g. "model."
    out, rest, pooler = {}, {}, {}
    for k, v in sd.items():
        if k.endswith("embeddings.position_ids"):  # HF buffer, recomputed from input_ids
            continue
        if k.startswith(enc) and (k[len(enc):].startswith("embeddings.") or k[len(enc):].startswith("encoder.")):
            out["roberta." + k[len(enc):]] = v
        elif k in (enc + "pooler.dense.weight", enc + "pooler.dense.bias"):
            pooler[k[len(enc + "pooler.dense."):]] = (k, v)  # used only by the XProvence ranking head
        elif k.startswith(enc + "pooler.") or k.endswith("position_ids") or any(k.startswith(outer + p) for p in _IGNORED):
            continue
        else:
            rest[k] = v
    # ranking head
    cls = {}
    for k, v in rest.items():
        for pre in (outer + "classifier.", "classifier.", enc + "classifier."):
            tail = k[len(pre):] if k.startswith(pre) else None
            if tail in ("dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias"):
                cls["classifier." + tail] = (k, v)
    info = {"encoder_prefix": enc, "ranking_head": sorted(src for src, _ in cls.values()), "layout": "open-provence" if outer else "flat"}
    if len(cls) != 4 and len(pooler) == 2:
        # XProvence (naver): ranking = classifier Linear(hidden, 1) on pooler_output = tanh(pooler.dense(h[:, 0])),
        # i.e. the classification head with pooler.dense as its dense layer and classifier as its out_proj.
        w = rest.get(outer + "classifier.weight", rest.get("classifier.weight"))
        b = rest.get(outer + "classifier.bias", rest.get("classifier.bias"))
        if w is not None and b is not None and tuple(w.shape) == (1, hidden) and tuple(b.shape) == (1,):
            wk = outer + "classifier.weight" if outer + "classifier.weight" in rest else "classifier.weight"
            bk = outer + "classifier.bias" if outer + "classifier.bias" in rest else "classifier.bias"
            cls = {"classifier.dense.weight": pooler["weight"], "classifier.dense.bias": pooler["bias"],
                   "classifier.out_proj.weight": (wk, w), "classifier.out_proj.bias": (bk, b)}
            info["ranking_head"] = sorted(src for src, _ in cls.values())
            info["layout"] = "xprovence"
    if len(cls) == 4:
        if tuple(cls["classifier.out_proj.weight"][1].shape) != (1, hidden):
            raise ValueError(f"ranking head out_proj has shape {tuple(cls['classifier.out_proj.weight'][1].shape)}, expected (1, {hidden})")
        for name, (src, v) in cls.items():
            out[name] = v
            rest.pop(src, None)
    else:
        info["ranking_head"] = None
    # pruning head
    candidates = [pruning_prefix] if pruning_prefix else COMMON_PRUNING_PREFIXES
    found = None
    for pre in candidates:
        if not pre.endswith("."):
            pre += "."
        for p2 in (pre, outer + pre):
            keys = {k[len(p2):]: k for k in rest if k.startswith(p2)}
            if keys:
                # the head is a Linear(hidden, 2) at the prefix itself ("pruning_head.weight") or one
                # level below (Open Provence: "pruning_head.classifier.weight", after a dropout)
                lins = [t[: -len("weight")] for t in keys if t.endswith("weight") and t[: -len("weight")] + "bias" in keys
                        and tuple(rest[keys[t]].shape) == (2, hidden) and t.count(".") <= 1]
                if len(lins) != 1:
                    raise KeyError(
                        f"pruning head prefix {p2!r} has keys {sorted(keys)}; expected exactly one Linear(hidden={hidden}, 2) "
                        f"(weight [2, {hidden}] + bias [2]) under it. Non-encoder keys: {_describe(rest)}"
                    )
                found = (p2 + lins[0], keys[lins[0] + "weight"], keys[lins[0] + "bias"])
                break
        if found:
            break
    if not found and not pruning_prefix:
        # fall back: the only [2, hidden] linear outside the encoder and ranking head
        lin = [k[: -len("weight")] for k, v in rest.items() if k.endswith(".weight") and tuple(v.shape) == (2, hidden)]
        lin = [p for p in lin if p + "bias" in rest]
        if len(lin) == 1:
            found = (lin[0], lin[0] + "weight", lin[0] + "bias")
    if not found:
        tried = [pruning_prefix] if pruning_prefix else COMMON_PRUNING_PREFIXES
        raise KeyError(
            f"pruning head not found (tried prefixes {tried}). Pass --pruning-head-prefix. "
            f"Non-encoder keys of the checkpoint: {_describe(rest)}"
        )
    w, b = rest.pop(found[1]), rest.pop(found[2])
    if tuple(w.shape) != (2, hidden) or tuple(b.shape) != (2,):
        raise ValueError(f"pruning head {found[0]!r} has shapes {tuple(w.shape)}/{tuple(b.shape)}, expected (2, {hidden})/(2,)")
    out["pruning_head.weight"], out["pruning_head.bias"] = w, b
    info["pruning_head"] = found[0]
    info["unused_keys"] = sorted(rest)
    return out, info


def _describe(d: Dict) -> str:
    return ", ".join(f"{k} {list(v.shape)}" for k, v in sorted(d.items())) or "(none)"


def build_model(ckpt: str, pruning_prefix: Optional[str], allow_missing_ranking: bool):
    import torch
    from provence_arch import ProvenceModel

    with open(os.path.join(ckpt, "config.json")) as f:
        hf = json.load(f)
    cfg = config_from_hf(hf)
    sd, files = load_checkpoint_tensors(ckpt)
    mapped, info = map_state_dict(sd, cfg.hidden, pruning_prefix)
    model = ProvenceModel(cfg)
    if info["ranking_head"] is None:
        if not allow_missing_ranking:
            raise KeyError(
                "no ranking head (classifier.dense / classifier.out_proj) in the checkpoint; pass --no-ranking-head "
                f"to export pruning_logits only. Non-encoder keys: {info['unused_keys']}"
            )
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    missing = [k for k in missing if not (info["ranking_head"] is None and k.startswith("classifier."))]
    if missing or unexpected:
        raise KeyError(f"after mapping: missing={missing} unexpected={unexpected}")
    model.eval()
    info["files"] = [os.path.basename(x) for x in files]
    info["n_params"] = int(sum(p.numel() for p in model.parameters()))
    if info["unused_keys"]:
        print(f"warning: checkpoint keys not used: {info['unused_keys']}", file=sys.stderr)
    if info["ranking_head"] is None:
        model = _PruningOnlyWrapper(model)
    return model, cfg, hf, info


def _PruningOnlyWrapper(model):
    import torch

    class W(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m
            self.config = m.config

        def forward(self, input_ids, attention_mask):
            h = self.m.roberta(input_ids, attention_mask)
            return (self.m.pruning_head(h).float(),)

    return W(model)


# ------------------------------------------------------------------- export
def export(model, out_dir: str, opset: int, force_external: bool) -> dict:
    import onnx
    import torch
    from provence_arch import check_contract

    out_path = os.path.join(out_dir, "model.onnx")
    n_bytes = sum(p.numel() * 4 for p in model.parameters())
    tmp = tempfile.mkdtemp(prefix="hf-export-", dir=out_dir)
    try:
        tmp_path = os.path.join(tmp, "model.onnx")
        _torch_export(model, tmp_path, opset)
        for name in ("model.onnx", "model.onnx_data"):
            if os.path.exists(os.path.join(out_dir, name)):
                os.remove(os.path.join(out_dir, name))
        external = force_external or n_bytes > TWO_GB - 64 * 1024**2 or os.path.getsize(tmp_path) > TWO_GB or len(os.listdir(tmp)) > 1
        if external:
            m = onnx.load(tmp_path, load_external_data=True)  # torch writes one file per tensor over 2 GB
            onnx.save_model(
                m, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                location="model.onnx_data", size_threshold=1024,
            )
            del m
        else:
            shutil.move(tmp_path, out_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    onnx.checker.check_model(out_path)  # by path: works with external data and over 2 GB
    check_contract(onnx.load(out_path, load_external_data=False))
    files = sorted(x for x in os.listdir(out_dir) if x.startswith("model.onnx"))
    return {"external_data": external, "files": {f: os.path.getsize(os.path.join(out_dir, f)) for f in files}}


def _torch_export(model, path: str, opset: int) -> None:
    import torch

    cfg = model.config
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, max(6, cfg.vocab_size - 1), (2, 16), generator=g, dtype=torch.int64)
    ids[:, 0] = 0
    ids[1, -3:] = cfg.pad_token_id
    mask = ids.ne(cfg.pad_token_id).long()
    with_rank = not isinstance(model(ids, mask), tuple) or len(model(ids, mask)) == 2
    outs = ["pruning_logits", "ranking_logits"] if with_rank else ["pruning_logits"]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
           "pruning_logits": {0: "batch", 1: "seq"}}
    if with_rank:
        dyn["ranking_logits"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), path, input_names=["input_ids", "attention_mask"], output_names=outs,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True, export_params=True)


def reference_outputs(model, cfg, seed: int = 0) -> dict:
    """torch outputs on fixed random token ids (<s> a </s></s> b </s>, right padding)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    batches = []
    for lens in ([23], [40, 17], [9, 61, 30]):
        seqs = []
        for n in lens:
            body = torch.randint(5, max(6, cfg.vocab_size - 2), (n,), generator=g).tolist()
            q = max(1, n // 4)
            seqs.append([0] + body[:q] + [2, 2] + body[q:] + [2])
        L = max(len(s) for s in seqs)
        ids = torch.tensor([s + [cfg.pad_token_id] * (L - len(s)) for s in seqs])
        mask = torch.tensor([[1] * len(s) + [0] * (L - len(s)) for s in seqs])
        with torch.no_grad():
            out = model(ids, mask)
        rec = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
               "pruning_logits": out[0].numpy().astype(np.float32).tolist()}
        if len(out) > 1:
            rec["ranking_logits"] = out[1].numpy().astype(np.float32).tolist()
        batches.append(rec)
    return {"description": "torch (provence_arch) outputs of the converted checkpoint on fixed random ids; "
                           "onnxruntime should match within atol (tools/model/check_onnx.mjs)",
            "atol": 1e-4, "batches": batches}


def write_tokenizer(ckpt: str, out_dir: str, max_length: int) -> str:
    import build_tokenizer

    src = os.path.join(ckpt, "tokenizer.json")
    if os.path.exists(src):
        shutil.copyfile(src, os.path.join(out_dir, "tokenizer.json"))
        how = "copied tokenizer.json"
    else:
        spm_path = os.path.join(ckpt, "sentencepiece.bpe.model")
        if not os.path.exists(spm_path):
            raise FileNotFoundError(f"{ckpt}: neither tokenizer.json nor sentencepiece.bpe.model")
        build_tokenizer.write_json(os.path.join(out_dir, "tokenizer.json"),
                                   build_tokenizer.convert_spm_to_tokenizer_json(spm_path))
        how = "converted sentencepiece.bpe.model"
    tc = os.path.join(ckpt, "tokenizer_config.json")
    if os.path.exists(tc):
        with open(tc, encoding="utf-8") as f:
            conf = json.load(f)
        # keep it small: the TS side reads only a few fields
        conf = {k: v for k, v in conf.items() if k != "added_tokens_decoder"}
        conf["model_max_length"] = max_length
    else:
        conf = build_tokenizer.tokenizer_config(max_length)
    build_tokenizer.write_json(os.path.join(out_dir, "tokenizer_config.json"), conf, indent=2)
    return how


REFERENCE_MAX_LENGTH = 512  # Open Provence: blocks of config.max_length, 512 when absent
REFERENCE_THRESHOLD = 0.1  # Open Provence: config.default_threadshold, 0.1 when absent


def reference_settings(hf: dict, max_length: Optional[int] = None, threshold: Optional[float] = None) -> Tuple[int, float]:
    """(max_length, threshold) as the reference reads them from the top-level config.json: ``max_length`` else
    512; ``default_threadshold`` (sic) else ``default_threshold`` else 0.1 — None-checks, so an explicit 0.0 is
    kept. Command-line values win."""
    if max_length is None:
        max_length = hf.get("max_length")
        max_length = REFERENCE_MAX_LENGTH if max_length is None else int(max_length)
    if threshold is None:
        for key in ("default_threadshold", "default_threshold"):
            if hf.get(key) is not None:
                threshold = float(hf[key])
                break
        else:
            threshold = REFERENCE_THRESHOLD
    return max_length, threshold


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="folder with config.json + model.safetensors|pytorch_model.bin + tokenizer.json")
    ap.add_argument("--out", required=True, help="output model folder")
    ap.add_argument("--pruning-head-prefix", default=None, help="state-dict prefix of the Linear(hidden, 2) pruning head")
    ap.add_argument("--no-ranking-head", action="store_true", help="allow a checkpoint without classifier.*: export pruning_logits only")
    ap.add_argument("--max-length", type=int, default=None,
                    help="highlight_config max_length (default: config.json 'max_length' as the reference reads it, else 512)")
    ap.add_argument("--threshold", type=float, default=None,
                    help="default threshold (default: config.json 'default_threadshold' (the reference's spelling), "
                         "else 'default_threshold', else 0.1 as the reference; an explicit 0 is kept)")
    ap.add_argument("--name", default=None)
    ap.add_argument("--languages", default="en,zh")
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--force-external-data", action="store_true", help="write model.onnx_data even under 2 GB")
    ap.add_argument("--no-reference", action="store_true", help="skip reference_outputs.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))

    model, cfg, hf, info = build_model(args.checkpoint, args.pruning_head_prefix, args.no_ranking_head)
    print(f"loaded {info['files']}: encoder prefix {info['encoder_prefix']!r}, ranking head {info['ranking_head']}, "
          f"pruning head {info['pruning_head']!r}, {info['n_params']} parameters", flush=True)
    max_length, threshold = reference_settings(hf, args.max_length, args.threshold)
    positions = cfg.max_position_embeddings - cfg.pad_token_id - 1
    if max_length > positions:
        print(f"warning: max_length {max_length} exceeds the encoder's {positions} positions; using {positions}", file=sys.stderr)
        max_length = positions
    os.makedirs(args.out, exist_ok=True)
    ex = export(model, args.out, args.opset, args.force_external_data)
    tok = write_tokenizer(args.checkpoint, args.out, max_length)
    with open(os.path.join(args.out, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    vocab_n = len(tj["model"]["vocab"]) if isinstance(tj["model"].get("vocab"), list) else None
    if vocab_n is not None and vocab_n > cfg.vocab_size:
        print(f"warning: tokenizer has {vocab_n} entries, model vocab_size {cfg.vocab_size}", file=sys.stderr)
    name = args.name or os.path.basename(os.path.normpath(args.checkpoint))
    hc = {
        "format": "semantic-highlight/v1",
        "name": name,
        "description": f"Converted from Hugging Face checkpoint {name} by tools/model/export_hf_checkpoint.py "
                       f"(XLM-R hidden {cfg.hidden}, {cfg.layers} layers, vocab {cfg.vocab_size}).",
        "model_file": "model.onnx",
        "max_length": max_length,
        "threshold": threshold,
        "pruning_output": "pruning_logits",
        "ranking_output": "ranking_logits" if info["ranking_head"] else None,
        "architecture": "xlm-roberta",
        "languages": [x for x in args.languages.split(",") if x],
        "vocab_size": cfg.vocab_size,
        "pad_token_id": cfg.pad_token_id,
    }
    if ex["external_data"]:
        hc["external_data"] = "model.onnx_data"
    if hc["ranking_output"] is None:
        del hc["ranking_output"]
    import build_tokenizer

    build_tokenizer.write_json(os.path.join(args.out, "highlight_config.json"), hc, indent=2)
    if not args.no_reference:
        build_tokenizer.write_json(os.path.join(args.out, "reference_outputs.json"), reference_outputs(model, cfg), indent=None)
    print(json.dumps({"out": args.out, "tokenizer": tok, **ex, "max_length": max_length, "threshold": threshold, "layout": info["layout"],
                      "pruning_head": info["pruning_head"], "unused_keys": info["unused_keys"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
