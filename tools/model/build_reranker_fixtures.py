#!/usr/bin/python3
"""Writes a tiny random-weight cross-encoder reranker (the bge-reranker-v2-m3 layout: HF
``XLMRobertaForSequenceClassification``, num_labels 1, no pruning head) in two forms, plus torch reference
scores, for the TypeScript reranking tests (packages/core/src/rerank*.test.ts):

    OUT/xlmr-reranker/config.json, model.safetensors          the checkpoint: roberta.* + classifier.{dense,out_proj}.*
    OUT/xlmr-reranker-optimum/config.json, onnx/model.onnx    the same weights exported in the Optimum /
                                                              transformers.js layout (one output named ``logits``)
    OUT/reference_scores.json                                 (query, document) pairs, their token ids and torch logits

No tokenizer files (tests copy models/test/tiny-xlmr/tokenizer.json + tokenizer_config.json in, as the
converter tests do). max_position_embeddings 66 gives a 64-token maximum length, so short texts exercise
truncation.

Reference pairs are tokenized the way FlagEmbedding's reranker and sentence-transformers' CrossEncoder call a
Hugging Face fast tokenizer, ``tokenizer(query, document, truncation=True, max_length=64)``: each text encoded
without special tokens (SentencePiece ids mapped to the tokenizer.json vocabulary: +1, <unk> 0 -> 3, which
is what the tiny tokenizer.json encodes — tokenization.test checks it), truncated with the Rust tokenizers'
``longest_first`` rule (ported below from ``truncate_encodings``), then ``<s> q </s></s> d </s>``. transformers
is not installed here, so the model is provence_arch's XLM-R encoder and classification head (identical to
HF's XLMRobertaModel in fp32 and fp64, DESIGN §8) with the pruning head dropped.

Deterministic (seeded): rerun and compare with sha256sum.

    /usr/bin/python3 tools/model/build_reranker_fixtures.py [--out models/test/rerankers]   # ~3 s
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from provence_arch import ProvenceModel  # noqa: E402
from build_checkpoint_fixtures import make_model, write_st  # noqa: E402
from build_tokenizer import hf_encode  # noqa: E402

HIDDEN, LAYERS, HEADS, FFN, POSITIONS, VOCAB = 16, 2, 4, 32, 66, 8002
MAX_LENGTH = POSITIONS - 2  # RoBERTa positions start after the pad id
SPECIAL_TOKENS = 4  # <s> q </s></s> d </s>

LONG_EN = (
    "The Amazon rainforest covers much of the Amazon basin of South America. The majority of the forest is "
    "contained within Brazil, with sixty percent of the rainforest, followed by Peru and Colombia. "
    "It represents over half of the planet's remaining rainforests and is the largest tropical rainforest."
)
PAIRS = [
    ("what is the capital of France?", "Paris is the capital and most populous city of France."),
    ("what is the capital of France?", "Bananas are rich in potassium."),
    ("which country holds most of the Amazon rainforest?", LONG_EN),  # document truncated
    (LONG_EN, "Brazil holds sixty percent of it."),  # query truncated (longer than the document)
    (LONG_EN + " " + LONG_EN, LONG_EN),  # both long: max / 2 each, the document the odd token
    ("亚马逊雨林主要位于哪个国家？", "亚马逊雨林大部分位于巴西境内，其次是秘鲁和哥伦比亚。"),
    ("how fast is a cheetah?", ""),  # empty document: <s> q </s></s></s>
    ("how do I make Python code faster?", "Use NumPy vector operations instead of loops. " * 3),
]


def longest_first(n1: int, n2: int, max_len: int):
    """Rust tokenizers truncate_encodings, TruncationStrategy::LongestFirst, as lengths kept."""
    if n1 + n2 <= max_len:
        return n1, n2
    swap = n1 > n2
    a, b = (n2, n1) if swap else (n1, n2)
    b = a if a > max_len else max(a, max_len - a)
    if a + b > max_len:
        a = max_len // 2
        b = a + max_len % 2
    k1, k2 = (b, a) if swap else (a, b)
    return min(n1, k1), min(n2, k2)


def encode_pair(sp, query: str, document: str):
    q, d = hf_encode(sp, query) if query else [], hf_encode(sp, document) if document else []
    k1, k2 = longest_first(len(q), len(d), MAX_LENGTH - SPECIAL_TOKENS)
    return [0] + q[:k1] + [2, 2] + d[:k2] + [2], len(q), len(d)


class Reranker(torch.nn.Module):
    """XLMRobertaForSequenceClassification (num_labels 1) forward: logits [batch, 1]."""

    def __init__(self, m: ProvenceModel):
        super().__init__()
        self.roberta, self.classifier = m.roberta, m.classifier

    def forward(self, input_ids, attention_mask):
        return self.classifier(self.roberta(input_ids, attention_mask)).float()


def hf_config() -> dict:
    return {
        "_name_or_path": "tiny-xlmr-reranker", "architectures": ["XLMRobertaForSequenceClassification"],
        "model_type": "xlm-roberta", "vocab_size": VOCAB, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
        "max_position_embeddings": POSITIONS, "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1,
        "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute",
        "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0},
    }


def build(out: str) -> None:
    import sentencepiece as spm

    torch.set_num_threads(2)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(REPO, "models", "test", "tiny-xlmr", "sentencepiece.bpe.model"))
    m = make_model(21, VOCAB, POSITIONS)
    with torch.no_grad():  # spread the logits (random weights give ~0.7 for every pair otherwise)
        m.classifier.out_proj.weight.mul_(20.0)
        m.classifier.out_proj.bias.sub_(11.0)  # and centre them near 0, so sigmoid scores are not saturated
    model = Reranker(m).eval()

    ckpt = os.path.join(out, "xlmr-reranker")
    shutil.rmtree(ckpt, ignore_errors=True)
    os.makedirs(ckpt)
    with open(os.path.join(ckpt, "config.json"), "w") as f:
        json.dump(hf_config(), f, indent=2, sort_keys=True)
    sd = {k: v.clone() for k, v in m.state_dict().items() if not k.startswith("pruning_head.")}
    write_st(os.path.join(ckpt, "model.safetensors"), sd)

    optimum = os.path.join(out, "xlmr-reranker-optimum")
    shutil.rmtree(optimum, ignore_errors=True)
    os.makedirs(os.path.join(optimum, "onnx"))
    with open(os.path.join(optimum, "config.json"), "w") as f:
        json.dump(hf_config(), f, indent=2, sort_keys=True)
    ids = torch.tensor([[0, 100, 200, 2, 2, 300, 400, 2], [0, 100, 2, 2, 300, 2, 1, 1]])
    with torch.no_grad():
        torch.onnx.export(model, (ids, ids.ne(1).long()), os.path.join(optimum, "onnx", "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"], opset_version=14,
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                        "logits": {0: "batch_size"}})

    pairs = []
    for query, document in PAIRS:
        input_ids, qn, dn = encode_pair(sp, query, document)
        t = torch.tensor([input_ids])
        with torch.no_grad():
            logit = float(model(t, torch.ones_like(t))[0, 0])
        pairs.append({"query": query, "document": document, "query_tokens": qn, "document_tokens": dn,
                      "input_ids": input_ids, "logit": logit, "score": float(torch.sigmoid(torch.tensor(logit)))})
    # The same pairs as one padded batch: padding must not change a logit.
    width = max(len(p["input_ids"]) for p in pairs)
    batch = torch.tensor([p["input_ids"] + [1] * (width - len(p["input_ids"])) for p in pairs])
    with torch.no_grad():
        batched = model(batch, batch.ne(1).long())[:, 0].tolist()
    ref = {
        "description": "torch (provence_arch XLM-R + classification head) logits of tiny-xlmr-reranker on pairs tokenized "
                       "as HF fast tokenizers do with truncation=True (longest_first), max_length 64",
        "max_length": MAX_LENGTH, "atol": 1e-4, "pairs": pairs, "batched_logits": batched,
    }
    with open(os.path.join(out, "reference_scores.json"), "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
    for p in pairs:
        print(f"{p['query_tokens']:>3} + {p['document_tokens']:>3} -> {len(p['input_ids']):>3} ids, logit {p['logit']:+.5f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "models", "test", "rerankers"))
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
