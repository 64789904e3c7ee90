"""Adversarial selection with the retriever in the loop, as pure functions of a scoring callback.

``score(texts) -> scores`` scores a batch of query texts for one query's gold (higher = better
retrieval of the gold, e.g. the gold passage's similarity or its reciprocal rank). The callback is the
only access to the system; which system is attacked, and transfer to another one, is the caller's
choice (score with system A, evaluate the chosen texts on system B).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from xqg.attacks.base import Perturbation, check_budget, perturbation, unchanged
from xqg.attacks.query_sets import AttackedQuery
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


def greedy_attack(
    query: str, lang: str, budget: int, score: Score, unit_edits: UnitEdits, rng: random.Random, *, threshold: float | None = None
) -> Perturbation:
    """Greedy black-box search: rank word units by leave-one-out score drop (the most important first),
    then for each unit in that order apply its candidate edit that lowers the score most, if it lowers
    it at all; stop when ``budget`` units are edited, when the score falls below ``threshold``, or when
    the units run out. ``unit_edits`` must keep the number of words (typo and homoglyph edits do)."""
    check_budget(budget)
    units = words(query, lang)
    if not units:
        return unchanged(query)
    clean, *left_out = score([query] + [_without_word(query, lang, i) for i in range(len(units))])
    order = sorted(range(len(units)), key=lambda i: (-(clean - left_out[i]), i))
    text, current, edits = query, clean, []
    for index in order:
        if len(edits) == budget or (threshold is not None and current < threshold):
            break
        candidates = [c for c in unit_edits(text, lang, index, rng) if len(words(c[0], lang)) == len(units)]
        if not candidates:
            continue
        scores = list(score([c[0] for c in candidates]))
        best = min(range(len(candidates)), key=lambda k: (scores[k], k))
        if scores[best] < current:
            text, current = candidates[best][0], scores[best]
            edits.append(candidates[best][1])
    return perturbation(query, text, edits)
