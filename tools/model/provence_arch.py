#!/usr/bin/python3
"""Minimal, self-contained PyTorch re-implementation of a Provence-family model:
the Hugging Face ``XLMRobertaModel`` encoder (as used by ``BAAI/bge-reranker-v2-m3``
and ``zilliz/semantic-highlight-bilingual-v1``) with

* a pruning head ``Linear(hidden, 2)`` applied to every token (class 1 = keep), and
* a ranking head like HF ``XLMRobertaClassificationHead`` (dense -> tanh -> out_proj)
  applied to the first token (``<s>``).

Parameter names follow Hugging Face (``roberta.embeddings.word_embeddings.weight``,
``roberta.encoder.layer.0.attention.self.query.weight``, ``classifier.dense.weight``,
``classifier.out_proj.weight``, ...) so a real checkpoint's ``state_dict`` can be loaded
with :func:`load_hf_state_dict`. The pruning head is ``pruning_head.weight`` /
``pruning_head.bias``; :func:`load_hf_state_dict` accepts a ``rename`` map for
checkpoints that call it something else.

No dependency on ``transformers``: only torch (and onnx for :func:`export_onnx`).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple

import torch
from torch import nn


@dataclass
class ProvenceConfig:
    vocab_size: int = 250002
    hidden: int = 1024
    layers: int = 24
    heads: int = 16
    intermediate: int = 4096
    max_position_embeddings: int = 8194
    pad_token_id: int = 1
    layer_norm_eps: float = 1e-5
    type_vocab_size: int = 1
    initializer_range: float = 0.02
    # Small models trained from scratch: add a learned vector to every context token whose id also occurs
    # in the query (DrQA's "exact match" feature), computed inside the graph from input_ids, so the
    # ONNX contract (input_ids, attention_mask -> logits) is unchanged. Off for XLM-R checkpoints.
    query_match: bool = False
    sep_token_id: int = 2

    def to_dict(self) -> dict:
        return asdict(self)


def create_position_ids_from_input_ids(input_ids: torch.Tensor, padding_idx: int) -> torch.Tensor:
    """RoBERTa position ids: non-padding tokens count up from padding_idx + 1, padding
    tokens get padding_idx (same as HF ``create_position_ids_from_input_ids``)."""
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


class Embeddings(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.padding_idx = c.pad_token_id
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden, padding_idx=c.pad_token_id)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        # token_type_ids are all 0 (HF default for XLM-R); gathering row 0 == adding row 0.
        x = self.word_embeddings(input_ids) + self.token_type_embeddings.weight[0]
        x = x + self.position_embeddings(position_ids)
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        assert c.hidden % c.heads == 0
        self.heads = c.heads
        self.head_dim = c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        q = self._split(self.query(x))
        k = self._split(self.key(x))
        v = self._split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + additive_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        b, s = ctx.shape[0], ctx.shape[1]
        return ctx.view(b, s, self.heads * self.head_dim)


class SelfOutput(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + residual)


class Attention(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = SelfOutput(c)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.intermediate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))  # exact (erf) GELU, as HF "gelu"


class Output(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.dense = nn.Linear(c.intermediate, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)

    def forward(self, h: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + residual)


class Layer(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = Output(c)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c.layers)])

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


def query_match_feature(input_ids: torch.Tensor, attention_mask: torch.Tensor, sep_token_id: int) -> torch.Tensor:
    """[B, S] float: 1.0 for context tokens (after the first separator) whose id also occurs in the query
    segment (between the first token and the first separator), else 0.0. Layout: <s> q </s></s> ctx </s>.
    The model multiplies it by a per-token-id weight (an IDF table computed from the training data and
    stored in the graph), so matches on rare words count and matches on "the" or "," hardly do."""
    is_sep = input_ids.eq(sep_token_id)
    segment = torch.cumsum(is_sep.long(), dim=1)
    positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
    real = attention_mask.gt(0)
    query = segment.eq(0) & positions.gt(0) & real
    context = segment.ge(1) & ~is_sep & real
    same = input_ids.unsqueeze(2).eq(input_ids.unsqueeze(1)) & query.unsqueeze(1)
    matched = same.to(torch.float32).amax(dim=2)
    return matched * context.to(torch.float32)


class XLMRobertaEncoderModel(nn.Module):
    """``XLMRobertaModel`` without the pooler (``add_pooling_layer=False``)."""

    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.config = c
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        if c.query_match:
            # Same scale as the LayerNorm'd embeddings (norm ~ sqrt(hidden)), so the feature is visible at once.
            self.query_match_embedding = nn.Parameter(torch.randn(c.hidden))
            self.register_buffer("query_match_weight", torch.ones(c.vocab_size))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(input_ids)
        if self.config.query_match:
            match = query_match_feature(input_ids, attention_mask, self.config.sep_token_id)
            match = match * self.query_match_weight[input_ids]
            x = x + match.unsqueeze(-1) * self.query_match_embedding
        # HF get_extended_attention_mask: (1 - mask) * finfo.min, broadcast over heads/queries
        m = attention_mask[:, None, None, :].to(x.dtype)
        additive = (1.0 - m) * torch.finfo(x.dtype).min
        return self.encoder(x, additive)


class ClassificationHead(nn.Module):
    """HF ``XLMRobertaClassificationHead`` with num_labels = 1 (dropout omitted: eval only)."""

    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.out_proj = nn.Linear(c.hidden, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        x = h[:, 0, :]
        x = torch.tanh(self.dense(x))
        return self.out_proj(x)


class ProvenceModel(nn.Module):
    """forward(input_ids, attention_mask) -> (pruning_logits [B,S,2], ranking_logits [B,1])."""

    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.config = c
        self.roberta = XLMRobertaEncoderModel(c)
        self.classifier = ClassificationHead(c)
        self.pruning_head = nn.Linear(c.hidden, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.roberta(input_ids, attention_mask)
        pruning_logits = self.pruning_head(h).float()
        ranking_logits = self.classifier(h).float()
        return pruning_logits, ranking_logits


def init_weights(model: ProvenceModel, std: Optional[float] = None) -> None:
    """HF ``_init_weights``: normal(0, initializer_range) for Linear/Embedding, zero
    bias, zero padding row, LayerNorm weight 1 / bias 0."""
    std = model.config.initializer_range if std is None else std
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=std)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


# Keys present in HF checkpoints that this module does not use.
_IGNORED_PREFIXES = ("roberta.pooler.", "roberta.embeddings.position_ids", "lm_head.")


def load_hf_state_dict(
    model: ProvenceModel, state_dict: Dict[str, torch.Tensor], rename: Optional[Dict[str, str]] = None
) -> None:
    """Load a Hugging Face style state_dict. ``rename`` maps checkpoint key prefixes to
    this module's (e.g. ``{"token_classifier.": "pruning_head."}``). Raises on missing
    or unexpected keys (other than the pooler / position_ids buffer)."""
    rename = rename or {}
    out = {}
    for k, v in state_dict.items():
        for old, new in rename.items():
            if k.startswith(old):
                k = new + k[len(old):]
                break
        if k.startswith(_IGNORED_PREFIXES):
            continue
        out[k] = v
    missing, unexpected = model.load_state_dict(out, strict=False)
    if missing or unexpected:
        raise KeyError(f"missing={missing} unexpected={unexpected}")


def export_onnx(model: nn.Module, path: str, opset: int = 14, example_seq: int = 16, check: bool = True) -> None:
    """Export to the project's ONNX contract and check the graph with onnx.checker.

    inputs:  input_ids int64 [batch, seq], attention_mask int64 [batch, seq]
    outputs: pruning_logits float32 [batch, seq, 2], ranking_logits float32 [batch, 1]

    Graphs over 2 GB need external data; see the project README for re-saving them
    as a single ``model.onnx_data``. ``check=False`` skips the in-memory checks (needed
    over 2 GB, where torch writes one external file per tensor; check by path instead,
    as ``export_hf_checkpoint.py`` does).
    """
    import onnx

    model.eval()
    vocab = model.config.vocab_size if hasattr(model, "config") else 100
    pad = model.config.pad_token_id if hasattr(model, "config") else 1
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, max(6, vocab - 1), (2, example_seq), generator=g, dtype=torch.int64)
    ids[:, 0] = 0
    ids[1, -3:] = pad
    mask = ids.ne(pad).long()
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            path,
            input_names=["input_ids", "attention_mask"],
            output_names=["pruning_logits", "ranking_logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "pruning_logits": {0: "batch", 1: "seq"},
                "ranking_logits": {0: "batch"},
            },
            opset_version=opset,
            do_constant_folding=True,
            export_params=True,
        )
    if not check:
        return
    m = onnx.load(path)
    onnx.checker.check_model(m)
    check_contract(m)


def check_contract(m) -> None:
    """Assert that an onnx.ModelProto follows the input/output contract."""
    from onnx import TensorProto

    def sig(vis):
        out = {}
        for vi in vis:
            t = vi.type.tensor_type
            dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
            out[vi.name] = (t.elem_type, dims)
        return out

    ins, outs = sig(m.graph.input), sig(m.graph.output)
    assert list(ins) == ["input_ids", "attention_mask"], ins
    for name in ins:
        et, dims = ins[name]
        assert et == TensorProto.INT64 and len(dims) == 2 and all(isinstance(d, str) for d in dims), (name, ins[name])
    assert "pruning_logits" in outs, outs
    et, dims = outs["pruning_logits"]
    assert et == TensorProto.FLOAT and len(dims) == 3 and dims[2] == 2, outs
    assert isinstance(dims[0], str) and isinstance(dims[1], str), outs
    if "ranking_logits" in outs:
        et, dims = outs["ranking_logits"]
        assert et == TensorProto.FLOAT and len(dims) == 2 and dims[1] == 1 and isinstance(dims[0], str), outs
