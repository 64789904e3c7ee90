"""Scoring one run file that holds a language's clean and attacked query sets.

Every attacked query is scored against its clean question's answers; its rank stability is the
Jaccard overlap of its top passages with the clean query's top passages. The clean and rule-based
attacked sets hold every question; an adversarial set (``ATTACK@SOURCE``, xqg.query_sets) holds only the
questions its attack chose (those with a gold passage, at most ``max_questions``), and is scored on them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from xqg.evaluation import recall_at_k_tokens, rankings_from_run, standard_measures
from xqg.formats import Qrels, Question, Run
from xqg.query_sets import adversarial_source, parse_query_id
from xqg.word_tokenize import word_tokenize

OUTCOME_COLUMNS = ["lang", "query_set", "attack_budget", "sample", "qid", "token_budget", "hit", "top_jaccard"]


def top_jaccard(a: Sequence[str], b: Sequence[str], depth: int = 10) -> float:
    """Jaccard overlap of two rankings' top ``depth`` passages (1.0: the same set)."""
    top_a, top_b = set(a[:depth]), set(b[:depth])
    union = top_a | top_b
    return len(top_a & top_b) / len(union) if union else 1.0


def score_run(
    run: Run,
    questions: Sequence[Question],
    passage_texts: Mapping[str, str],
    qrels: Qrels,
    *,
    token_budgets: Sequence[int],
    missing: str = "error",
    measures: Sequence[str] = (),
    source: str = "run",
    jaccard_depth: int = 10,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (per-query R@kt outcomes of every query set, per-query standard measures of the clean set)."""
    groups: dict[tuple[str, int, int], dict[str, list[str]]] = {}
    for run_qid, ranking in rankings_from_run(run).items():
        origin = parse_query_id(run_qid)
        groups.setdefault((origin.query_set, origin.budget, origin.sample), {})[origin.qid] = ranking
    if ("clean", 0, 0) not in groups:
        raise ValueError(f"{source}: no clean queries in the run")
    clean = groups[("clean", 0, 0)]
    tokenizer = functools.lru_cache(maxsize=None)(word_tokenize)  # each passage tokenised once per run
    frames = []
    for (query_set, budget, sample), rankings in sorted(groups.items()):
        scored = [q for q in questions if q.id in rankings] if adversarial_source(query_set) else questions
        frame = recall_at_k_tokens(
            scored, rankings, passage_texts, token_budgets, missing, tokenizer, source=source, progress=False
        )
        frame.insert(1, "query_set", query_set)
        frame.insert(2, "attack_budget", budget)
        frame.insert(3, "sample", sample)
        if query_set == "clean":
            frame["top_jaccard"] = np.nan
        else:
            stability = {qid: top_jaccard(clean[qid], ranking, jaccard_depth) for qid, ranking in rankings.items() if qid in clean}
            frame["top_jaccard"] = frame["qid"].map(stability)
        frames.append(frame)
    outcomes = pd.concat(frames, ignore_index=True)[OUTCOME_COLUMNS]
    judged = {q.id: qrels[q.id] for q in questions if q.id in qrels}
    if measures and judged:
        measured = standard_measures({qid: run[qid] for qid in clean if qid in run}, judged, measures, missing=missing)
    else:
        measured = pd.DataFrame(columns=["qid", *measures])
    lang = {q.id: q.lang for q in questions}
    measured.insert(0, "lang", measured["qid"].map(lang))
    return outcomes, measured
