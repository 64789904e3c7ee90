"""Adversarial selection with the retriever in the loop, as pure functions of a scoring callback.

``score(texts) -> scores`` scores a batch of query texts for one query's gold (higher = better
retrieval of the gold, e.g. the gold passage's similarity or its reciprocal rank). The callback is the
only access to the system; which system is attacked, and transfer to another one, is the caller's
choice (score with system A, evaluate the chosen texts on system B).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from xqg.attacks.base import Perturbation, check_budget, perturbation, unchanged
from xqg.attacks.query_set_attack import AttackedQuery
from xqg.attacks.segmentation import words

Score = Callable[[list[str]], Sequence[float]]
UnitEdits = Callable[[str, str, int, random.Random], Sequence[tuple[str, str]]]  # (text, lang, word index, rng) -> [(new text, description)]


def worst_of_n(candidates: Sequence[AttackedQuery], score: Score) -> AttackedQuery:
    """The candidate (samples of one query) with the lowest score; ties go to the lowest sample."""
    if not candidates:
        raise ValueError("worst_of_n needs at least one candidate")
    if len({c.qid for c in candidates}) != 1:
        raise ValueError("worst_of_n: candidates must be samples of one query")
    scores = list(score([c.text for c in candidates]))
    if len(scores) != len(candidates):
        raise ValueError(f"score returned {len(scores)} values for {len(candidates)} texts")
    return min(zip(scores, (c.sample for c in candidates), candidates), key=lambda t: (t[0], t[1]))[2]


def _without_word(text: str, lang: str, index: int) -> str:
    word = words(text, lang)[index]
    separator = "" if lang == "ja" else " "
    return (text[: word.start].rstrip() + separator + text[word.end :].lstrip()).strip()


@dataclass(frozen=True)
class GreedyStep:
    text: str  # the query after this edit
    score: float  # its score
    edit: str  # description of the edit
    queries: int  # score queries spent when the edit was accepted (leave-one-out ranking included)


@dataclass(frozen=True)
class GreedyTrace:
    """The accepted edits of one greedy search, in order. Greedy with budget b stops right after the
    b-th accepted edit and draws nothing after it, so the state after b steps of a search with a larger
    budget is exactly what budget b alone gives: one search serves every budget up to its own."""

    query: str
    clean_score: float
    steps: tuple[GreedyStep, ...]
    queries: int  # score queries spent in all

    def at_budget(self, budget: int) -> tuple[Perturbation, float, int]:
        """(perturbation, its score, score queries spent) of the search with ``budget``."""
        check_budget(budget)
        steps = self.steps[:budget]
        if not steps:
            return unchanged(self.query), self.clean_score, self.queries
        queries = steps[-1].queries if len(self.steps) >= budget else self.queries
        return perturbation(self.query, steps[-1].text, [s.edit for s in steps]), steps[-1].score, queries


def _scores(score: Score, texts: list[str]) -> list[float]:
    scores = [float(s) for s in score(texts)]
    if len(scores) != len(texts):
        raise ValueError(f"score returned {len(scores)} values for {len(texts)} texts")
    return scores


def greedy_search(
    query: str, lang: str, budget: int, score: Score, unit_edits: UnitEdits, rng: random.Random, *,
    threshold: float | None = None, max_queries: int | None = None,
) -> GreedyTrace:
    """Greedy black-box search: rank word units by leave-one-out score drop (the most important first),
    then for each unit in that order apply its candidate edit that lowers the score most, if it lowers
    it at all; stop when ``budget`` units are edited, when the score falls below ``threshold``, when the
    units run out, or when ``max_queries`` candidate scores have been spent. ``max_queries`` counts the
    edit phase only: the 1 + words leave-one-out queries depend on the query alone, so every system
    spends them alike. ``unit_edits`` must keep the number of words (typo and homoglyph edits do);
    candidates that do not are dropped unscored."""
    check_budget(budget)
    if max_queries is not None and max_queries < 1:
        raise ValueError(f"max_queries must be positive or None, got {max_queries!r}")
    units = words(query, lang)
    if not units:
        return GreedyTrace(query, _scores(score, [query])[0], (), 1)
    clean, *left_out = _scores(score, [query] + [_without_word(query, lang, i) for i in range(len(units))])
    spent = 1 + len(units)
    allowance = max_queries if max_queries is not None else float("inf")
    order = sorted(range(len(units)), key=lambda i: (-(clean - left_out[i]), i))
    text, current, steps = query, clean, []
    for index in order:
        if len(steps) == budget or (threshold is not None and current < threshold) or allowance <= 0:
            break
        candidates = [c for c in unit_edits(text, lang, index, rng) if len(words(c[0], lang)) == len(units)]
        candidates = candidates[: int(min(len(candidates), allowance))]
        if not candidates:
            continue
        scores = _scores(score, [c[0] for c in candidates])
        spent += len(candidates)
        allowance -= len(candidates)
        best = min(range(len(candidates)), key=lambda k: (scores[k], k))
        if scores[best] < current:
            text, current = candidates[best][0], scores[best]
            steps.append(GreedyStep(text, current, candidates[best][1], spent))
    return GreedyTrace(query, clean, tuple(steps), spent)


def greedy_attack(
    query: str, lang: str, budget: int, score: Score, unit_edits: UnitEdits, rng: random.Random, *,
    threshold: float | None = None, max_queries: int | None = None,
) -> Perturbation:
    """The perturbation found by :func:`greedy_search` with ``budget``."""
    trace = greedy_search(query, lang, budget, score, unit_edits, rng, threshold=threshold, max_queries=max_queries)
    return trace.at_budget(budget)[0]


# --- the pieces the workflow plugs in: unit edits and the retrieval objective ----------------------------

def unit_editor(families: Sequence[str], per_family: int, seed: int) -> UnitEdits:
    """A unit editor offering up to ``per_family`` variants of the word from each edit family (``typo``,
    ``homoglyph``: both keep the word count). The variants depend only on (seed, family, text, word),
    not on the ``rng`` that greedy passes nor on what was scored before, so every attacked system is
    offered the same edits whenever it reaches the same state (a fair comparison, and a text encoded
    for one system can be reused for the next)."""
    from xqg.attacks.bad_characters import homoglyph_candidates
    from xqg.attacks.typo import typo_candidates

    editors = {"typo": typo_candidates, "homoglyph": homoglyph_candidates}
    unknown = sorted(set(families) - set(editors))
    if unknown or not families:
        raise ValueError(f"unit edit families {list(families)}: expected some of {sorted(editors)}")
    if per_family < 1:
        raise ValueError(f"candidates per unit and family must be positive, got {per_family}")

    def edits(text: str, lang: str, index: int, rng: random.Random) -> list[tuple[str, str]]:
        out: dict[str, str] = {}
        for family in families:
            key = "\x1f".join((str(seed), family, text, str(index))).encode("utf-8")
            state_rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
            for new, description in editors[family](text, lang, index, state_rng, per_family):
                out.setdefault(new, description)
        out.pop(text, None)
        return list(out.items())

    return edits


def gold_margin(queries: np.ndarray, passages: np.ndarray, gold: np.ndarray, rank: int = 1) -> np.ndarray:
    """Per query (row of ``queries``): inner-product score of the best gold passage minus that of the
    ``rank``-th best non-gold passage. Positive exactly when a gold passage is among the top ``rank``
    (ties aside); unlike a rank it moves with every edit, which greedy's leave-one-out ranking needs."""
    gold = np.asarray(gold, dtype=bool)
    if gold.shape != (len(passages),):
        raise ValueError(f"gold mask of shape {gold.shape} for {len(passages)} passages")
    if not gold.any():
        raise ValueError("gold_margin needs at least one gold passage")
    if (~gold).sum() < rank or rank < 1:
        raise ValueError(f"rank {rank} needs at least {rank} non-gold passages, got {int((~gold).sum())}")
    scores = np.asarray(queries, dtype=np.float32) @ np.asarray(passages, dtype=np.float32).T
    others = scores[:, ~gold]
    kth = np.partition(others, others.shape[1] - rank, axis=1)[:, others.shape[1] - rank]
    return scores[:, gold].max(axis=1) - kth
