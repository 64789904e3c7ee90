"""Ordering (Penha et al. 2022): swap two words; in Japanese, two bunsetsu-like chunks (content word
plus its particles, from the segmenter), since swapping bare tokens would detach particles.
One unit = one swap of two distinct units; punctuation stays in place.
"""

from __future__ import annotations

import random

from xqg.attacks.base import Perturbation, check_budget, perturbation, unchanged
from xqg.attacks.segmentation import japanese_chunks, words

LANGUAGES = frozenset({"ar", "bn", "fi", "ja", "ko", "ru", "te"})


class OrderingAttack:
    name = "ordering"
    languages = LANGUAGES

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation:
        check_budget(budget)
        spans = list(japanese_chunks(query)) if lang == "ja" else [(w.start, w.end) for w in words(query, lang)]
        if len(spans) < 2:
            return unchanged(query)
        pieces = [query[s:e] for s, e in spans]
        order = list(range(len(spans)))
        edits = []
        for _ in range(budget):
            pairs = [(i, j) for i in range(len(order)) for j in range(i + 1, len(order)) if pieces[order[i]] != pieces[order[j]]]
            if not pairs:
                break
            i, j = rng.choice(pairs)
            order[i], order[j] = order[j], order[i]
            edits.append(f"ordering:swap {pieces[order[j]]!r}<->{pieces[order[i]]!r} (positions {i + 1},{j + 1})")
        out, position = [], 0
        for slot, (start, end) in enumerate(spans):
            out.append(query[position:start])
            out.append(pieces[order[slot]])
            position = end
        out.append(query[position:])
        return perturbation(query, "".join(out), edits)
