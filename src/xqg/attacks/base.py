"""Shared types of the attack suite: a perturbation, the attack protocol, seeding, span edits.

Every attack is a pure function of (query, language, budget, rng): all randomness comes from the
``random.Random`` that the caller derives with :func:`derive_rng`, so a perturbed query set is a
deterministic function of its seed, whatever the order in which queries are attacked.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable



@dataclass(frozen=True)
class Perturbation:
    text: str  # the perturbed query
    changed: bool  # False when the attack found nothing to change (not applicable)
    units_changed: int  # edits applied (<= budget)
    edits: tuple[str, ...]  # human-readable descriptions, e.g. "typo:substitute 'ক'->'খ' in word 2"


def unchanged(query: str) -> Perturbation:
    """The result of an attack that found nothing to change in ``query``."""
    return Perturbation(query, False, 0, ())


def perturbation(query: str, text: str, edits: Sequence[str]) -> Perturbation:
    """A perturbation of ``query`` into ``text``; ``changed`` is whether the text differs."""
    if text == query:
        return unchanged(query)
    return Perturbation(text, True, len(edits), tuple(edits))


@runtime_checkable
class Attack(Protocol):
    name: str
    languages: frozenset[str]  # languages it covers (resources may be missing for some)

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random) -> Perturbation: ...


def check_budget(budget: int) -> int:
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise ValueError(f"attack budget must be a positive integer, got {budget!r}")
    return budget


def derive_rng(seed: int, attack: str, budget: int, qid: str, sample: int) -> random.Random:
    """A ``random.Random`` for one (query, sample), from a stable hash (not ``hash()``, which is salted
    per process by PYTHONHASHSEED) of everything that identifies it."""
    key = "\x1f".join((str(seed), attack, str(budget), qid, str(sample))).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def replace_spans(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    """Replace non-overlapping ``(start, end, new)`` spans of ``text`` (any order)."""
    out, position = [], 0
    for start, end, new in sorted(replacements):
        if start < position:
            raise ValueError(f"overlapping spans at {start}")
        out.append(text[position:start])
        out.append(new)
        position = end
    out.append(text[position:])
    return "".join(out)

