"""The sub-corpus protocol: which corpus passages the prepared collection keeps.

All gold passages (every passage in any qrels or English positive list) plus N
distractors drawn uniformly without replacement from the other passages with numpy's
``default_rng(seed)``, written in corpus order. ``N = None`` keeps the whole corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from xqg.formats import Passage


def sample_distractors(n_candidates: int, n: int | None, seed: int) -> np.ndarray | None:
    """Sorted positions (among the non-gold passages) of the distractors to keep; None keeps all."""
    if n is None:
        return None
    if n < 0:
        raise ValueError(f"subcorpus.distractors must be >= 0 or null, got {n}")
    if n > n_candidates:
        raise ValueError(f"subcorpus.distractors = {n}, but the corpus has only {n_candidates} non-gold passages")
    chosen = np.random.default_rng(seed).choice(n_candidates, size=n, replace=False)
    return np.sort(chosen)


def subcorpus_passages(corpus: Iterable[Passage], gold: set[str], distractors: np.ndarray | None) -> Iterator[Passage]:
    """Gold passages and the chosen distractors (positions among non-gold passages), in corpus order."""
    k, position = 0, 0
    for passage in corpus:
        if passage.id in gold:
            yield passage
            continue
        if distractors is None:
            yield passage
        elif k < len(distractors) and distractors[k] == position:
            yield passage
            k += 1
        position += 1
