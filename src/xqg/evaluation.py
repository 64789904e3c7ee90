"""Retrieval effectiveness: XOR-Retrieve's R@kt (R@2kt, R@5kt) and standard ranked-list measures.

:func:`recall_at_k_tokens` computes, per question, exactly what XOR-TyDi's official scorer
``evals/eval_xor_retrieve.py`` (AkariAsai/XORQA) computes:

1. drop the answers ``"yes"`` and ``"no"``; a question with no answer left is skipped (not counted);
2. walk the ranked passages, appending ``nltk.word_tokenize(passage_text)`` tokens until at least N
   tokens are gathered, then keep exactly the first N;
3. join them with single spaces; the question is a hit if any answer is a raw, case-sensitive
   substring of that string.

A language's score is 100 * hits / counted questions; the reported average is the macro mean over
languages (:func:`summarise_recall`). Passages are their text without title, as in the official code.

Deliberate differences from the official script (which scores whatever the prediction file holds):
a question without a ranking is an error by default (``missing="error"``; ``"miss"`` counts it as a
miss; ``"skip"`` leaves it out, the official behaviour, which raises the score); a ranking for an unknown
question, an empty ranking, a passage id without text, or a language that disagrees with the question
file are errors. Results are identical to the official script's on every question both score
(``tests/data/xor_eval_vectors/`` holds its outputs).

Speed: each passage is tokenised once per call, not once per question and budget as in the official
loop; a question's string is built from cached per-passage strings, only the last passage is cut.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

import pandas as pd
from tqdm import tqdm

from xqg.formats import InputFormatError, Qrels, Question, Run
from xqg.languages import LANGUAGE_INFO
from xqg.word_tokenize import word_tokenize

__all__ = [
    "NON_SPAN_ANSWERS",
    "XorPrediction",
    "read_xor_predictions",
    "predictions_as_rankings",
    "rankings_from_run",
    "span_answers",
    "recall_at_k_tokens",
    "summarise_recall",
    "standard_measures",
]

NON_SPAN_ANSWERS = frozenset({"yes", "no"})  # XOR-Retrieve drops these: they are not spans of a passage
MISSING_POLICIES = ("error", "miss", "skip")
MACRO_AVERAGE = "avg"


class XorPrediction(NamedTuple):
    """One record of the official prediction file: question id, language, ranked passage texts."""

    id: str
    lang: str
    ctxs: tuple[str, ...]


def read_xor_predictions(path: str | os.PathLike) -> list[XorPrediction]:
    """Read the official XOR-Retrieve prediction JSON: ``[{"id", "lang", "ctxs": [passage text, ..]}, ..]``.

    Extra fields are ignored. Errors (:class:`InputFormatError`, naming the file, the record's
    position and id): invalid UTF-8, malformed JSON, a missing or unknown language, a duplicate id,
    an empty ``ctxs`` or one that is not a list of strings.
    """
    try:
        raw = open(path, "rb").read()
    except FileNotFoundError:
        raise InputFormatError(path, None, None, "file not found") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputFormatError(path, line, None, f"invalid UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFormatError(path, error.lineno, None, f"malformed JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(records, list):
        raise InputFormatError(path, None, None, f"expected a JSON list of predictions, got {type(records).__name__}")

    predictions: list[XorPrediction] = []
    seen: dict[str, int] = {}
    for position, record in enumerate(records):
        where = f"prediction {position}"
        if not isinstance(record, dict):
            raise InputFormatError(path, None, None, f"{where}: expected a JSON object, got {type(record).__name__}")
        qid = record.get("id")
        if isinstance(qid, int) and not isinstance(qid, bool):
            qid = str(qid)
        if not isinstance(qid, str) or not qid.strip():
            raise InputFormatError(path, None, "id", f"{where}: missing or empty question id")
        where = f"prediction {position} (question {qid!r})"
        if qid in seen:
            raise InputFormatError(path, None, "id", f"{where}: duplicate id (first at prediction {seen[qid]})")
        seen[qid] = position
        lang = record.get("lang")
        if lang is None:
            raise InputFormatError(path, None, "lang", f"{where}: missing language")
        if lang not in LANGUAGE_INFO:
            raise InputFormatError(path, None, "lang", f"{where}: unknown language code {lang!r}")
        ctxs = record.get("ctxs")
        if not isinstance(ctxs, list) or not all(isinstance(c, str) for c in ctxs):
            raise InputFormatError(path, None, "ctxs", f"{where}: expected a list of passage texts")
        if not ctxs:
            raise InputFormatError(path, None, "ctxs", f"{where}: empty ranking")
        predictions.append(XorPrediction(qid, lang, tuple(ctxs)))
    return predictions


def predictions_as_rankings(
    predictions: Iterable[XorPrediction],
) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """Turn official predictions into (rankings, passage texts, languages) for :func:`recall_at_k_tokens`.

    The official format has no passage ids; each distinct text gets one (``"t0"``, ``"t1"``, ..), so a
    passage retrieved for many questions is still tokenised once.
    """
    text_ids: dict[str, str] = {}
    rankings: dict[str, list[str]] = {}
    languages: dict[str, str] = {}
    for prediction in predictions:
        rankings[prediction.id] = [text_ids.setdefault(text, f"t{len(text_ids)}") for text in prediction.ctxs]
        languages[prediction.id] = prediction.lang
    return rankings, {pid: text for text, pid in text_ids.items()}, languages


def rankings_from_run(run: Run) -> dict[str, list[str]]:
    """Passage ids in rank order for each query of a TREC run (:func:`xqg.formats.read_trec_run`)."""
    return {qid: [pid for pid, _ in ranking] for qid, ranking in run.items()}


def span_answers(answers: Iterable[str]) -> list[str]:
    """The answers XOR-Retrieve scores: all but the literal strings "yes" and "no"."""
    return [answer for answer in answers if answer not in NON_SPAN_ANSWERS]


class _TokenCache:
    """passage id -> (tokens, tokens joined by single spaces), tokenised on first use."""

    def __init__(self, passage_texts: Mapping[str, str], tokenizer: Callable[[str], list[str]], source: str):
        self.texts, self.tokenizer, self.source = passage_texts, tokenizer, source
        self.entries: dict[str, tuple[list[str], str]] = {}

    def get(self, pid: str, qid: str) -> tuple[list[str], str]:
        entry = self.entries.get(pid)
        if entry is None:
            try:
                text = self.texts[pid]
            except KeyError:
                raise ValueError(f"{self.source}: question {qid!r} ranks passage {pid!r}, which has no text") from None
            tokens = self.tokenizer(text)
            entry = self.entries[pid] = (tokens, " ".join(tokens))
        return entry


def _first_tokens_string(ranking: Sequence[str], budget: int, cache: _TokenCache, qid: str) -> str:
    """The first ``budget`` tokens of the ranked passages, joined by single spaces (the official string)."""
    pieces: list[str] = []
    gathered = 0
    for pid in ranking:
        tokens, joined = cache.get(pid, qid)
        if not tokens:
            continue  # contributes no token and, in the official join, no space either
        if gathered + len(tokens) <= budget:
            pieces.append(joined)
            gathered += len(tokens)
            if gathered == budget:
                break
        else:
            pieces.append(" ".join(tokens[: budget - gathered]))
            break
    return " ".join(pieces)


def recall_at_k_tokens(
    questions: Sequence[Question],
    rankings: Mapping[str, Sequence[str]],
    passage_texts: Mapping[str, str],
    token_budgets: Sequence[int] = (2000, 5000),
    missing: str = "error",
    tokenizer: Callable[[str], list[str]] = word_tokenize,
    *,
    ranking_languages: Mapping[str, str] | None = None,
    source: str = "rankings",
    progress: bool = True,
) -> pd.DataFrame:
    """Per-question R@kt outcomes: one row per (question, token budget), columns qid, lang, token_budget, hit.

    ``rankings`` maps question id to ranked passage ids; ``passage_texts`` maps passage id to its text
    (no title). Questions whose answers are all "yes"/"no" have no rows (the official scorer skips
    them). ``missing`` says what a question without a ranking is: ``"error"`` (default), ``"miss"``
    (hit 0) or ``"skip"`` (no rows; the official behaviour). ``ranking_languages`` (question id ->
    language, e.g. from the prediction file) must agree with the questions' languages. ``source``
    names the rankings' file in error messages.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}")
    budgets = sorted({int(budget) for budget in token_budgets})
    if not budgets or budgets[0] <= 0:
        raise ValueError(f"token budgets must be positive integers, got {list(token_budgets)}")

    by_id = {question.id: question for question in questions}
    if len(by_id) != len(questions):
        duplicates = sorted(qid for qid, count in Counter(q.id for q in questions).items() if count > 1)
        raise ValueError(f"duplicate question ids: {duplicates[:5]}")
    unknown = [qid for qid in rankings if qid not in by_id]
    if unknown:
        raise ValueError(f"{source}: ranking for question {unknown[0]!r}, which is not in the question set ({len(unknown)} such ids)")
    for qid, lang in (ranking_languages or {}).items():
        if qid in by_id and lang != by_id[qid].lang:
            raise ValueError(f"{source}: question {qid!r} has language {lang!r}, the question file says {by_id[qid].lang!r}")

    cache = _TokenCache(passage_texts, tokenizer, source)
    rows: list[tuple[str, str, int, int]] = []
    for question in tqdm(questions, desc="R@kt", unit="question", disable=not progress):
        answers = span_answers(question.answers)
        if not answers:
            continue
        ranking = rankings.get(question.id)
        if ranking is None:
            if missing == "error":
                raise ValueError(f"{source}: no ranking for question {question.id!r} ({question.lang}); "
                                 "pass missing='miss' or 'skip' to score it as a miss or leave it out")
            if missing == "miss":
                rows.extend((question.id, question.lang, budget, 0) for budget in budgets)
            continue
        if len(ranking) == 0:
            raise ValueError(f"{source}: empty ranking for question {question.id!r}")
        for budget in budgets:
            window = _first_tokens_string(ranking, budget, cache, question.id)
            hit = any(answer in window for answer in answers)
            rows.append((question.id, question.lang, budget, int(hit)))
    frame = pd.DataFrame(rows, columns=["qid", "lang", "token_budget", "hit"])
    return frame.astype({"token_budget": "int64", "hit": "int64"})


def summarise_recall(per_query: pd.DataFrame) -> pd.DataFrame:
    """R@kt per language and token budget, plus the macro average over languages (``lang == "avg"``).

    Columns: lang, token_budget, questions (counted), hits, score (percent). The average row's score is
    the unweighted mean of the language scores (as the official script and the paper report);
    its questions and hits are totals.
    """
    grouped = per_query.groupby(["token_budget", "lang"], sort=True)["hit"].agg(questions="count", hits="sum").reset_index()
    grouped["score"] = 100.0 * grouped["hits"] / grouped["questions"]
    macro = grouped.groupby("token_budget").agg(questions=("questions", "sum"), hits=("hits", "sum"), score=("score", "mean")).reset_index()
    macro["lang"] = MACRO_AVERAGE
    table = pd.concat([grouped, macro], ignore_index=True)[["lang", "token_budget", "questions", "hits", "score"]]
    return table.sort_values(["token_budget", "lang"], key=lambda c: c.map(lambda v: (v == MACRO_AVERAGE, v))).reset_index(drop=True)


def standard_measures(
    run: Run,
    qrels: Qrels,
    measures: Sequence[str] = ("R@20", "R@100", "RR@10", "nDCG@10"),
    missing: str = "error",
) -> pd.DataFrame:
    """Per-query ranked-list measures with ir_measures' pytrec_eval backend: columns qid and one per measure.

    Queries are those of ``qrels`` with at least one relevant passage. One without a ranking in ``run``
    is an error by default; ``missing="miss"`` scores it 0 on every measure, ``"skip"`` leaves it out
    (trec_eval's default). Rankings for queries without relevance judgements are ignored. As in
    trec_eval, passages are ordered by score (ties broken by passage id), not by the run's rank column.
    """
    import ir_measures

    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}")
    parsed = [ir_measures.parse_measure(name) for name in measures]
    judged = {qid: dict(docs) for qid, docs in qrels.items() if any(rel > 0 for rel in docs.values())}
    absent = sorted(qid for qid in judged if not run.get(qid))
    if absent and missing == "error":
        raise ValueError(f"run has no ranking for query {absent[0]!r} ({len(absent)} judged queries without one)")
    scored_run = {qid: {pid: float(score) for pid, score in ranking} for qid, ranking in run.items() if qid in judged and ranking}
    values: dict[str, dict[str, float]] = {qid: {} for qid in judged if qid in scored_run}
    for metric in ir_measures.pytrec_eval.iter_calc(parsed, judged, scored_run):
        if metric.query_id in values:  # the backend also reports judged queries absent from the run
            values[metric.query_id][str(metric.measure)] = float(metric.value)
    if missing == "miss":
        values.update({qid: {str(m): 0.0 for m in parsed} for qid in absent})
    frame = pd.DataFrame.from_dict(values, orient="index", columns=[str(m) for m in parsed])
    frame.index.name = "qid"
    order = [qid for qid in judged if qid in values]
    return frame.loc[order].reset_index()
