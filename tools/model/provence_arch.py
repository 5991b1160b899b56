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
    # Also for small models: sentence-level lexical features computed in the graph (see
    # sentence_match_features): how much of the query each context sentence covers, relative to the best
    # sentence of the block. Sentence boundaries come from the optional contract input ``sentence_index``
    # (int64 [batch, seq]: 0-based index, within its block, of the sentence a context token belongs to;
    # -1 for query, special and padding tokens), which the pipeline fills from its own segmentation, so
    # text without sentence punctuation (Markdown, lists, pre-split lines) works. With this flag the
    # graph declares that third input.
    sentence_features: bool = False
    # Query tokens past this position do not count in the sentence features (keeps their cost O(L * 64)).
    feature_query_tokens: int = 64
    char_vocab_size: int = 1  # CJK characters known to the character features (+1 for "none")
    # Pretrained word vectors (the default model: GloVe, tools/model/build_word_vectors.py): rows of the
    # int8 vector table (+1 for "no word", 0 = off), their dimension, and the number of word codes. With
    # them the graph looks up a vector for every word of its input (word_rows), adds a learned projection
    # of it to the word's first piece, and adds the soft-match features (word_match_features) to the
    # sentence features. Needs sentence_features.
    word_vectors: int = 0
    word_dim: int = 0
    word_codes: int = 0
    word_input: bool = True  # add the projected word vector to the word's first piece (False: features only)

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


SENTENCE_FEATURES = ("idf_coverage", "coverage", "relative_idf_coverage", "is_best_sentence", "block_best_idf_coverage",
                     "log_sentence_tokens", "char_idf_coverage", "relative_char_idf_coverage", "is_best_char_sentence",
                     "bigram_coverage", "relative_bigram_coverage", "is_best_bigram_sentence",
                     "token_bm25", "relative_token_bm25", "is_best_token_bm25",
                     "bigram_bm25", "relative_bigram_bm25", "is_best_bigram_bm25",
                     "char_bigram_bm25", "relative_char_bigram_bm25", "is_best_char_bigram_bm25")
BM25_K1, BM25_B = 1.2, 0.75
PIECE_CHARS = 6  # CJK characters of a piece that the character features look at


def _sentence_bounds(sid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """For each token, the index of its sentence's first token and one past its last ([B, S] each), from
    non-decreasing sentence ids; O(S^2) comparisons, computed once per forward pass."""
    start = sid.unsqueeze(1).lt(sid.unsqueeze(2)).long().sum(dim=2)  # tokens before the sentence start
    end = sid.unsqueeze(1).le(sid.unsqueeze(2)).long().sum(dim=2)  # tokens up to the sentence end
    return start, end


def _sentence_sums(values: torch.Tensor, bounds: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """values [B, S, K] summed over each token's sentence: prefix sums read at the sentence's bounds
    (``_sentence_bounds``), O(S * K)."""
    c = torch.cumsum(values, dim=1)
    c0 = torch.cat([torch.zeros_like(c[:, :1]), c], dim=1)  # exclusive prefix, length S + 1
    k = values.shape[2]
    start, end = (x.unsqueeze(2).expand(-1, -1, k) for x in bounds)
    return torch.gather(c0, 1, end) - torch.gather(c0, 1, start)


def _coverage(counts: torch.Tensor, distinct: torch.Tensor, weight: torch.Tensor, context: torch.Tensor):
    """counts [B, S, K]: occurrences of query unit k in token s's sentence. -> (weighted share of the
    distinct query units the token's sentence holds [B, S], unweighted share [B, S]), zero outside the context."""
    covered = counts.gt(0).to(torch.float32) * distinct.unsqueeze(1)
    w = weight * distinct
    ctx = context.to(torch.float32)
    weighted = (covered * w.unsqueeze(1)).sum(dim=2) / (w.sum(dim=1, keepdim=True) + 1e-6) * ctx
    plain = covered.sum(dim=2) / (distinct.sum(dim=1, keepdim=True) + 1e-6) * ctx
    return weighted, plain


def _distinct(units: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """[B, K] float: 1 for a valid unit whose value did not occur at an earlier valid position."""
    k = units.shape[1]
    pos = torch.arange(k, device=units.device)
    earlier = pos.view(1, -1, 1).gt(pos.view(1, 1, -1))
    dup = (units.unsqueeze(2).eq(units.unsqueeze(1)) & valid.unsqueeze(1) & earlier).any(dim=2)
    return (valid & ~dup).to(torch.float32)


def _bm25(counts: torch.Tensor, distinct: torch.Tensor, sentence_start: torch.Tensor,
          sentence_length: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    """BM25 of each token's sentence (``counts`` as in ``_coverage``) against the query units, with the
    block's sentences as the collection (IDF from how many of them hold a unit: a word in every sentence
    tells none apart), divided by the score a sentence holding every unit would get, so it lies in
    [0, 1]. [B, S]."""
    start = sentence_start.to(torch.float32)
    n = start.sum(dim=1, keepdim=True)
    df = (counts.gt(0).to(torch.float32) * start.unsqueeze(2)).sum(dim=1)  # [B, K]
    idf = torch.log(1.0 + (n - df + 0.5) / (df + 0.5)) * distinct
    ctx = context.to(torch.float32)
    avg = ctx.sum(dim=1, keepdim=True) / n.clamp(min=1.0)
    norm = BM25_K1 * (1.0 - BM25_B + BM25_B * sentence_length / avg.clamp(min=1.0))
    tf = counts * (BM25_K1 + 1.0) / (counts + norm.unsqueeze(2))
    score = (tf * idf.unsqueeze(1)).sum(dim=2)
    return score / ((BM25_K1 + 1.0) * idf.sum(dim=1, keepdim=True) + 1e-6) * ctx


def _char_bigrams(chars: torch.Tensor, next_chars: torch.Tensor, n_chars: int) -> torch.Tensor:
    """Codes (a * n_chars + b, 0 = none) of the CJK character bigrams that start in each token: the
    pairs inside the token (slots k, k + 1) and the pair of its last character with ``next_chars`` (the
    first character of the next token, 0 when the two are not adjacent). chars [B, S, P] -> [B, S, P]."""
    nonzero = chars.gt(0)
    count = nonzero.long().sum(dim=2, keepdim=True)
    last = torch.gather(chars, 2, (count - 1).clamp(min=0))  # [B, S, 1]; 0 when the token has none
    inner = chars[:, :, :-1] * n_chars + chars[:, :, 1:]
    inner = inner * (nonzero[:, :, :-1] & nonzero[:, :, 1:]).long()
    cross = (last * n_chars + next_chars.unsqueeze(2)) * (last.gt(0) & next_chars.gt(0).unsqueeze(2)).long()
    return torch.cat([inner, cross], dim=2)


def _relative(score: torch.Tensor, context: torch.Tensor, real: torch.Tensor):
    best = score.amax(dim=1, keepdim=True)
    rel = score / (best + 1e-6)
    is_best = (score.ge(best - 1e-6) & best.gt(0) & context).to(torch.float32)
    return rel, is_best, best * real.to(torch.float32)


def _block_layout(input_ids: torch.Tensor, attention_mask: torch.Tensor, sentence_index: torch.Tensor, sep_token_id: int):
    """-> real, query, context ([B, S] bool), the sentence bounds of every token (``_sentence_bounds``),
    sentence boundaries inside the context and "previous token is context" ([B, S] bool). Layout
    ``<s> q </s></s> ctx </s>``; a new sentence starts at the first context token and wherever
    ``sentence_index`` changes between two context tokens."""
    s = input_ids.shape[1]
    is_sep = input_ids.eq(sep_token_id)
    segment = torch.cumsum(is_sep.long(), dim=1)
    positions = torch.arange(s, device=input_ids.device).unsqueeze(0)
    real = attention_mask.gt(0)
    query = segment.eq(0) & positions.gt(0) & real
    context = segment.ge(1) & ~is_sep & real
    prev_context = torch.cat([torch.zeros_like(context[:, :1]), context[:, :-1]], dim=1)
    prev_index = torch.cat([sentence_index[:, :1], sentence_index[:, :-1]], dim=1)
    boundary = context & prev_context & sentence_index.ne(prev_index)
    sid = torch.cumsum((boundary | (context & ~prev_context) | is_sep).long(), dim=1)
    return real, query, context, _sentence_bounds(sid), boundary, prev_context


def sentence_match_features(input_ids: torch.Tensor, attention_mask: torch.Tensor, sentence_index: torch.Tensor,
                            sep_token_id: int, idf: torch.Tensor, starts_word: torch.Tensor, piece_chars: torch.Tensor,
                            char_idf: torch.Tensor, query_tokens: int = 64, canonical: Optional[torch.Tensor] = None,
                            is_stop: Optional[torch.Tensor] = None) -> torch.Tensor:
    """[B, S, 21] float lexical features per token, zero outside the context except feature 4:

    0. share of the query's IDF mass (distinct query token ids) that occurs in the token's sentence
    1. share of the query's distinct token ids that occur in the token's sentence (unweighted)
    2. feature 0 divided by its maximum over the block's context;  3. 1.0 where it is that maximum (> 0)
    4. that maximum, on every real token including <s> (a block-level cue for the ranking head)
    5. log(1 + tokens in the sentence) / 5
    6. share of the query's IDF-weighted distinct CJK characters that occur in the sentence (Chinese
       pieces often span several characters and segment differently in query and document);
    7. feature 6 relative to its block maximum;  8. 1.0 where it is that maximum (> 0)
    9. share of the query's distinct CJK character bigrams (inside a piece or across two adjacent
       pieces; weight: the mean IDF of the two characters) that occur in the sentence
    10. feature 9 relative to its block maximum;  11. 1.0 where it is that maximum (> 0)
    12-14. BM25 of the sentence over query token ids (``_bm25``: the block's sentences are the
       collection), relative to the block maximum, and 1.0 at that maximum
    15-17. the same over CJK character bigrams
    18-20. the same over CJK characters and character bigrams together (the units core's BM25 baseline
       uses for Chinese)

    Sentences come from ``sentence_index`` (the contract's optional third input, filled by the pipeline
    from its own segmentation): a new sentence starts at the first context token and wherever the index
    changes between two context tokens. Fragments of one sentence share its index and count as one
    sentence. Nothing is inferred from punctuation. The query / context split comes from the separator
    tokens (``<s> q </s></s> ctx </s>``). Only the first ``query_tokens`` query tokens count.

    Token matching (features 0-4, 12-14) compares ``canonical[id]`` (a vocabulary table: lower-cased,
    lightly stemmed piece, as core's BM25 baseline analyses words), and query tokens with ``is_stop[id]``
    (stop words, punctuation) do not count; both default to the identity / nothing.
    """
    s = input_ids.shape[1]
    real, query, context, bounds, boundary, prev_context = _block_layout(input_ids, attention_mask, sentence_index,
                                                                          sep_token_id)
    next_ids = torch.cat([input_ids[:, 1:], input_ids[:, -1:]], dim=1)

    # token ids (canonical forms; stop words and punctuation in the query do not count)
    q_ids = input_ids[:, :query_tokens]
    match_ids = canonical[input_ids] if canonical is not None else input_ids
    q_match = match_ids[:, :query_tokens]
    q_valid = query[:, :query_tokens]
    if is_stop is not None:
        q_valid = q_valid & is_stop[q_ids].eq(0)
    q_distinct = _distinct(q_match, q_valid)
    occurs = (match_ids.unsqueeze(2).eq(q_match.unsqueeze(1)) & context.unsqueeze(2)).to(torch.float32)
    counts = _sentence_sums(occurs, bounds)
    idf_cov, cov = _coverage(counts, q_distinct, idf[q_ids], context)
    rel, is_best, best = _relative(idf_cov, context, real)

    # CJK characters (0 = no character)
    b = input_ids.shape[0]
    q_chars = piece_chars[q_ids].reshape(b, -1)  # [B, Q * PIECE_CHARS]
    q_char_valid = q_chars.gt(0) & query[:, :query_tokens].repeat_interleave(piece_chars.shape[1], dim=1)
    c_distinct = _distinct(q_chars, q_char_valid)
    doc_chars = piece_chars[input_ids]  # [B, S, PIECE_CHARS]
    c_occurs = (doc_chars.unsqueeze(3).eq(q_chars.unsqueeze(1).unsqueeze(1)) & doc_chars.gt(0).unsqueeze(3)).any(dim=2)
    c_occurs = (c_occurs & context.unsqueeze(2)).to(torch.float32)
    c_counts = _sentence_sums(c_occurs, bounds)
    c_cov, _ = _coverage(c_counts, c_distinct, char_idf[q_chars], context)
    c_rel, c_best, _ = _relative(c_cov, context, real)

    # CJK character bigrams (what BM25 uses for Chinese): within a piece, and across two adjacent pieces
    n_chars = char_idf.shape[0]
    first = doc_chars[:, :, 0]
    next_first = torch.cat([first[:, 1:], torch.zeros_like(first[:, :1])], dim=1)
    next_query = torch.cat([query[:, 1:], torch.zeros_like(query[:, :1])], dim=1)
    adjacent = starts_word[next_ids].eq(0)  # a piece starting with "▁" follows a space
    doc_bigrams = _char_bigrams(doc_chars, next_first * adjacent.long(), n_chars)  # [B, S, P]
    q_bigrams = _char_bigrams(doc_chars[:, :query_tokens], (next_first * (adjacent & next_query).long())[:, :query_tokens],
                              n_chars).reshape(b, -1)  # [B, Q * P]
    q_bigram_valid = q_bigrams.gt(0) & query[:, :query_tokens].repeat_interleave(piece_chars.shape[1], dim=1)
    g_distinct = _distinct(q_bigrams, q_bigram_valid)
    g_occurs = (doc_bigrams.unsqueeze(3).eq(q_bigrams.unsqueeze(1).unsqueeze(1)) & doc_bigrams.gt(0).unsqueeze(3)).any(dim=2)
    g_occurs = (g_occurs & context.unsqueeze(2)).to(torch.float32)
    g_weight = (char_idf[torch.div(q_bigrams, n_chars, rounding_mode="floor")] + char_idf[q_bigrams % n_chars]) / 2
    g_counts = _sentence_sums(g_occurs, bounds)
    g_cov, _ = _coverage(g_counts, g_distinct, g_weight, context)
    g_rel, g_best, _ = _relative(g_cov, context, real)

    tokens_in_sentence = _sentence_sums(context.to(torch.float32).unsqueeze(2), bounds).squeeze(2)
    length = torch.log1p(tokens_in_sentence) / 5.0 * context.to(torch.float32)
    sentence_start = context & (boundary | ~prev_context)
    t_bm25 = _bm25(counts, q_distinct, sentence_start, tokens_in_sentence, context)
    t_rel, t_best, _ = _relative(t_bm25, context, real)
    g_bm25 = _bm25(g_counts, g_distinct, sentence_start, tokens_in_sentence, context)
    g_brel, g_bbest, _ = _relative(g_bm25, context, real)
    cg_bm25 = _bm25(torch.cat([c_counts, g_counts], dim=2), torch.cat([c_distinct, g_distinct], dim=1), sentence_start,
                    tokens_in_sentence, context)
    cg_rel, cg_best, _ = _relative(cg_bm25, context, real)
    return torch.stack([idf_cov, cov, rel, is_best, best.expand(-1, s), length, c_cov, c_rel, c_best,
                        g_cov, g_rel, g_best, t_bm25, t_rel, t_best, g_bm25, g_brel, g_bbest,
                        cg_bm25, cg_rel, cg_best], dim=-1)


WORD_FEATURES = ("soft_coverage", "relative_soft_coverage", "is_best_soft_coverage", "token_soft_match",
                 "weighted_token_soft_match")
WORD_CODE_PIECES = 4  # pieces packed into one word code (build_word_vectors.word_code)
SOFT_MAX_BETA = 20.0  # sharpness of the smooth maximum over a sentence's words


def _shift_left(x: torch.Tensor, k: int) -> torch.Tensor:
    """x[:, t + k] at position t; zeros (False) past the end."""
    return torch.cat([x[:, k:], torch.zeros_like(x[:, :k])], dim=1)


def word_rows(input_ids: torch.Tensor, real: torch.Tensor, piece_letter: torch.Tensor, piece_starts_word: torch.Tensor,
              codes: torch.Tensor, code_rows: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """[B, S] int64: for the first piece of every word, its row in the word-vector table (0 = no vector);
    0 on every other token.

    A word is a run of letter pieces (``piece_letter``) that starts at a piece beginning with "▁" or after
    a non-letter piece; its code packs up to WORD_CODE_PIECES piece ids into one int64,
    ((p1 * V + p2) * V + p3) * V + p4 (missing pieces 0; longer words get no code). The code is looked up
    by binary search in ``codes`` (sorted, int64 [C]) and ``code_rows`` gives the row. Gather, Where,
    integer Mul/Add/Div only: the graph stays within the ops every runtime here implements."""
    letter = piece_letter[input_ids].gt(0) & real
    starts = piece_starts_word[input_ids].gt(0)
    prev_letter = torch.cat([torch.zeros_like(letter[:, :1]), letter[:, :-1]], dim=1)
    first = letter & (starts | ~prev_letter)
    cont = letter & ~starts & prev_letter
    code = input_ids
    run = first
    for k in range(1, WORD_CODE_PIECES):
        run = run & _shift_left(cont, k)
        code = code * vocab_size + _shift_left(input_ids, k) * run.long()
    valid = first & ~(run & _shift_left(cont, WORD_CODE_PIECES))
    n = codes.shape[0]
    lo = torch.zeros_like(code)
    hi = torch.full_like(code, n)
    last = torch.full_like(code, n - 1)
    for _ in range(max(1, math.ceil(math.log2(n + 1)))):
        mid = torch.div(lo + hi, 2, rounding_mode="floor")
        right = codes[torch.where(mid.lt(n), mid, last)].lt(code)
        lo = torch.where(right, mid + 1, lo)
        hi = torch.where(right, hi, mid)
    pos = torch.where(lo.lt(n), lo, last)
    found = codes[pos].eq(code) & valid
    return torch.where(found, code_rows[pos], torch.zeros_like(code))


def word_match_features(input_ids: torch.Tensor, attention_mask: torch.Tensor, sentence_index: torch.Tensor,
                        sep_token_id: int, rows: torch.Tensor, vectors: torch.Tensor, weights: torch.Tensor,
                        query_tokens: int = 64) -> torch.Tensor:
    """[B, S, 5] soft (word-vector) matches between the query's words and each context sentence, zero
    outside the context. ``rows`` from :func:`word_rows`; ``vectors`` [B, S, D] unit word vectors (zero
    where no word); ``weights`` [R] per-row word weights (an IDF estimate; row 0 = 0).

    0. soft coverage: for every distinct query word with a vector, the smooth maximum (softmax-weighted
       mean, sharpness SOFT_MAX_BETA) of its cosine to the sentence's words; the weighted mean over query
       words. An exact repeat scores 1, "primary" for "main" ~0.6, an unrelated word ~0.1
    1. feature 0 relative to its block maximum;  2. 1.0 where it is that maximum (> 0)
    3. per context word: its best cosine to any query word (a soft "exact match" flag)
    4. the same, each query word's cosine scaled by its weight"""
    real, query, context, bounds, _, _ = _block_layout(input_ids, attention_mask, sentence_index, sep_token_id)
    has = rows.gt(0)
    q_rows = rows[:, :query_tokens]
    q_valid = query[:, :query_tokens] & has[:, :query_tokens]
    q_weight = weights[q_rows] * _distinct(q_rows, q_valid)  # [B, Q]
    q_vec = vectors[:, :query_tokens]  # [B, Q, D]
    c_word = (context & has).to(torch.float32)  # [B, S]
    sims = torch.matmul(vectors, q_vec.transpose(1, 2))  # [B, S, Q] cosines (zero rows where no word)
    # smooth maximum over each sentence's words: sum(s * e^(b s)) / sum(e^(b s)), as prefix sums
    e = torch.pow(torch.tensor(math.e), SOFT_MAX_BETA * (sims - 1.0)) * c_word.unsqueeze(2)
    smax = _sentence_sums(e * sims, bounds) / (_sentence_sums(e, bounds) + 1e-6)  # [B, S, Q]
    ctx = context.to(torch.float32)
    soft = (smax * q_weight.unsqueeze(1)).sum(dim=2) / (q_weight.sum(dim=1, keepdim=True) + 1e-6) * ctx
    rel, is_best, _ = _relative(soft, context, real)
    q_on = q_weight.gt(0).to(torch.float32).unsqueeze(1)  # [B, 1, Q]
    token = (sims * q_on).amax(dim=2) * c_word
    token_w = (sims * q_weight.unsqueeze(1)).amax(dim=2) * c_word
    return torch.stack([soft, rel, is_best, token, token_w], dim=-1)


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
        if c.sentence_features:
            # IDF per token id is shared with query_match_weight when both are on (set by the trainer).
            if not c.query_match:
                self.register_buffer("query_match_weight", torch.ones(c.vocab_size))
            # 1 for pieces that start a word ("▁..."): two CJK pieces are adjacent characters only when the
            # second does not (used for character bigrams across pieces; nothing about sentences).
            self.register_buffer("piece_starts_word", torch.zeros(c.vocab_size))
            # piece id -> id of its canonical form (lower-cased, lightly stemmed); 1 for stop words / punctuation
            self.register_buffer("piece_canonical", torch.arange(c.vocab_size, dtype=torch.long))
            self.register_buffer("piece_is_stop", torch.zeros(c.vocab_size))
            # piece id -> up to PIECE_CHARS CJK character ids (0 = none); character id -> IDF in [0, 1]
            self.register_buffer("piece_chars", torch.zeros(c.vocab_size, PIECE_CHARS, dtype=torch.long))
            self.register_buffer("char_idf", torch.zeros(c.char_vocab_size))
            n_features = len(SENTENCE_FEATURES)
            if c.word_vectors:
                # piece id -> 1 for letter pieces (words are runs of them); sorted word codes and their rows;
                # the unit vectors x 127 as int8 (row 0 = no word) and a weight per row
                self.register_buffer("piece_letter", torch.zeros(c.vocab_size, dtype=torch.long))
                self.register_buffer("word_code", torch.zeros(c.word_codes, dtype=torch.long))
                self.register_buffer("word_code_row", torch.zeros(c.word_codes, dtype=torch.long))
                self.register_buffer("word_vector", torch.zeros(c.word_vectors, c.word_dim, dtype=torch.int8))
                self.register_buffer("word_weight", torch.zeros(c.word_vectors))
                if c.word_input:
                    self.word_proj = nn.Linear(c.word_dim, c.hidden)
                n_features += len(WORD_FEATURES)
            self.sentence_feature_proj = nn.Linear(n_features, c.hidden)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                sentence_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = self.embeddings(input_ids)
        if self.config.query_match:
            match = query_match_feature(input_ids, attention_mask, self.config.sep_token_id)
            match = match * self.query_match_weight[input_ids]
            x = x + match.unsqueeze(-1) * self.query_match_embedding
        if self.config.sentence_features:
            if sentence_index is None:
                raise ValueError("this model's sentence features need the sentence_index input")
            feats = sentence_match_features(input_ids, attention_mask, sentence_index, self.config.sep_token_id,
                                            self.query_match_weight, self.piece_starts_word, self.piece_chars,
                                            self.char_idf, self.config.feature_query_tokens, self.piece_canonical,
                                            self.piece_is_stop)
            if self.config.word_vectors:
                rows = word_rows(input_ids, attention_mask.gt(0), self.piece_letter, self.piece_starts_word,
                                 self.word_code, self.word_code_row, self.config.vocab_size)
                vectors = self.word_vector[rows].to(torch.float32) * (1.0 / 127.0)
                if self.config.word_input:
                    x = x + self.word_proj(vectors) * rows.gt(0).to(torch.float32).unsqueeze(-1)
                words = word_match_features(input_ids, attention_mask, sentence_index, self.config.sep_token_id, rows,
                                            vectors, self.word_weight, self.config.feature_query_tokens)
                feats = torch.cat([feats, words], dim=-1)
            x = x + self.sentence_feature_proj(feats)
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
    """forward(input_ids, attention_mask[, sentence_index]) -> (pruning_logits [B,S,2], ranking_logits [B,1]).
    ``sentence_index`` is required (and exported as a third graph input) when ``config.sentence_features``."""

    def __init__(self, c: ProvenceConfig):
        super().__init__()
        self.config = c
        self.roberta = XLMRobertaEncoderModel(c)
        self.classifier = ClassificationHead(c)
        self.pruning_head = nn.Linear(c.hidden, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                sentence_index: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.roberta(input_ids, attention_mask, sentence_index)
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

    inputs:  input_ids int64 [batch, seq], attention_mask int64 [batch, seq], and, when the model's
             config has ``sentence_features``, sentence_index int64 [batch, seq] (0-based index of a
             context token's sentence within its block; -1 for query, special and padding tokens)
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
    with_index = bool(getattr(getattr(model, "config", None), "sentence_features", False))
    inputs, names = (ids, mask), ["input_ids", "attention_mask"]
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    if with_index:
        sep = model.config.sep_token_id
        ids[:, 3:5] = sep  # <s> q q </s></s> ctx ... </s>
        ids[0, -1] = sep
        ids[1, -4] = sep
        index = torch.full_like(ids, -1)
        for row, end in ((0, example_seq - 1), (1, example_seq - 4)):
            index[row, 5:end] = torch.arange(end - 5) // 3
        inputs, names = (ids, mask, index), names + ["sentence_index"]
        axes["sentence_index"] = {0: "batch", 1: "seq"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            inputs,
            path,
            input_names=names,
            output_names=["pruning_logits", "ranking_logits"],
            dynamic_axes={
                **axes,
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
    """Assert that an onnx.ModelProto follows the input/output contract (optional third input
    ``sentence_index``)."""
    from onnx import TensorProto

    def sig(vis):
        out = {}
        for vi in vis:
            t = vi.type.tensor_type
            dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
            out[vi.name] = (t.elem_type, dims)
        return out

    ins, outs = sig(m.graph.input), sig(m.graph.output)
    # sentence_index is the contract's one optional extra input (DESIGN.md §3, issue 11)
    assert list(ins) in (["input_ids", "attention_mask"], ["input_ids", "attention_mask", "sentence_index"]), ins
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
