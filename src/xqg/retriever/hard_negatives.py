"""BM25 hard negatives for bi-encoder training (DPR / Tevatron style), with the ``bm25s`` library.

The negatives of a query are the passages BM25 ranks in its top ``depth`` that are neither a positive
nor (when answers are given) contain an answer string, in rank order.

Two ways to form the BM25 query:

- ``query_text``: the question itself, as DPR does for English questions. XOR-TyDi questions are
  in ar, bn, fi, ja, ko, ru, te and the collection is English, so a native question shares few terms
  with it (Finnish names aside) and many questions get few or no negatives; use this mode with
  English questions or English translations of them.
- ``positive_passage``: the title and first sentence of each positive passage; its BM25 neighbours
  are passages on related topics, which are hard negatives for the question whatever its language.
  This is the embedded default's choice; it is not the paper's (Tevatron's released XOR-TyDi training
  data comes with its own negatives).

The BM25 variant is bm25s' Lucene scoring (k1 1.5, b 0.75) on lower-cased word tokens with English
stopwords removed and no stemming (Pyserini's DPR indexes stem with Porter); title and text are
indexed together. Passages with a zero score (no query term) are never negatives.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Literal

import regex

from xqg.formats import InputFormatError, Passage

logger = logging.getLogger(__name__)

MiningMode = Literal["query_text", "positive_passage"]

# A sentence ends at . ! ? (or the CJK/Devanagari full stops) followed by white space.
_SENTENCE_END = regex.compile(r"(?<=[.!?。।])\s+")
_MIN_SENTENCE_WORDS = 4  # so that "Dr." or "St." does not end the first sentence
_MAX_SENTENCE_WORDS = 64


def first_sentence(text: str) -> str:
    """The first sentence of ``text``: up to the first sentence end after at least 4 words (max 64 words)."""
    for match in _SENTENCE_END.finditer(text):
        candidate = text[: match.start()]
        if len(candidate.split()) >= _MIN_SENTENCE_WORDS:
            return " ".join(candidate.split()[:_MAX_SENTENCE_WORDS])
    return " ".join(text.split()[:_MAX_SENTENCE_WORDS])


def answer_in_passage(passage: Passage, answers: Sequence[str]) -> bool:
    """Whether any answer occurs in the passage's title or text, ignoring case.

    Looser than the XOR-TyDi evaluation's hit test (case-sensitive, text only), so every passage the
    evaluation would count as a hit is excluded from the negatives. "yes"/"no" answers are ignored,
    as the evaluation ignores them.
    """
    haystack = f"{passage.title} {passage.text}".casefold()
    return any(a.strip() and a.strip().lower() not in {"yes", "no"} and a.strip().casefold() in haystack for a in answers)


def mine_bm25_negatives(
    queries: Sequence[tuple[str, str]],
    passages: Sequence[Passage],
    positives: Mapping[str, set[str]],
    depth: int = 30,
    n: int | None = None,
    *,
    mode: MiningMode = "query_text",
    answers: Mapping[str, Sequence[str]] | None = None,
    stopwords: str | None = "en",
    progress: bool = True,
    source: str | os.PathLike | None = None,
) -> dict[str, list[str]]:
    """Mine hard negatives: for each (qid, text) query, up to ``n`` (all, if None) passage ids among
    BM25's top ``depth``, best first, excluding ``positives[qid]`` and, if ``answers`` is given,
    passages containing one of ``answers[qid]``. Queries with no candidate get an empty list.
    ``source``, the file the passages came from, is named in the error for an empty collection.
    """
    import bm25s

    if mode not in ("query_text", "positive_passage"):
        raise ValueError(f"unknown mining mode {mode!r}; expected 'query_text' or 'positive_passage'")
    if depth < 1 or (n is not None and n < 1):
        raise ValueError(f"depth and n must be positive, got depth={depth}, n={n}")
    if not passages:
        if source is not None:
            raise InputFormatError(source, None, None, "no passages to mine hard negatives from (an empty corpus)")
        raise ValueError("no passages to mine from")

    by_id = {p.id: p for p in passages}
    if mode == "query_text":
        bm25_queries = [text for _, text in queries]
    else:
        bm25_queries = []
        for qid, _ in queries:
            gold = [by_id[pid] for pid in sorted(positives.get(qid, ())) if pid in by_id]
            bm25_queries.append(" ".join(f"{p.title} {first_sentence(p.text)}" for p in gold))
        without = sum(1 for q in bm25_queries if not q)
        if without:
            logger.warning("%d of %d queries have no positive passage in the collection: no negatives", without, len(queries))

    corpus_tokens = bm25s.tokenize([f"{p.title} {p.text}" for p in passages], stopwords=stopwords, show_progress=progress)
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=progress)
    # Query tokens as strings: bm25s maps them onto the collection's vocabulary and drops the unknown.
    query_tokens = bm25s.tokenize(bm25_queries, stopwords=stopwords, return_ids=False, show_progress=False)
    k = min(depth, len(passages))
    results, scores = retriever.retrieve(query_tokens, k=k, show_progress=progress)

    negatives: dict[str, list[str]] = {}
    for row, (qid, _) in enumerate(queries):
        excluded = positives.get(qid, set())
        query_answers = answers.get(qid, ()) if answers is not None else ()
        mined = []
        for index, score in zip(results[row], scores[row]):
            passage = passages[int(index)]
            if score <= 0 or passage.id in excluded or (query_answers and answer_in_passage(passage, query_answers)):
                continue
            mined.append(passage.id)
            if n is not None and len(mined) == n:
                break
        negatives[qid] = mined
    empty = sum(1 for ids in negatives.values() if not ids)
    if empty:
        logger.info("%d of %d queries got no BM25 negative (mode %s, depth %d)", empty, len(queries), mode, depth)
    return negatives
