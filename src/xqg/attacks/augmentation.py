"""Perturbation augmentation: the attack suite used as a defence, on text the retriever learns from.

Two defences of the study (issue 14) perturb text before a model sees it, never the dev questions:

- perturbation-augmented fine-tuning (a regime with ``perturb``): a share of the training queries is
  replaced by an attacked version, so the encoder is trained on noisy queries at the same number of
  steps and examples as plain fine-tuning;
- noisy xQG (a generator of type ``noisy``): a share of another generator's queries is replaced by an
  attacked version before encoding, so the fused passage vectors also hold noisy queries at the same k
  and alpha as the clean xQG system they are compared with.

Replacing (not adding) keeps every other knob of the compared system fixed; the share is ``rate``.
Each text is perturbed, or not, by a ``random.Random`` derived from (seed, key) alone
(:func:`xqg.attacks.base.derive_rng`), so the result does not depend on order or on the process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from xqg.attacks.base import Attack, check_budget, derive_rng
from xqg.attacks.scripts import script_of

# The attacks a defence may train on: pure rules that need no resource built from the dev questions
# (neighbour_synonym's lexicon is) and that change the query rather than hand over the answer's entity
# (entity_anglicisation is a query variation, not an attack).
DEFENCE_ATTACKS = ("typo", "orthography", "transliteration", "naturality", "ordering", "homoglyph", "invisible")

# The study's seven languages have one script each but Japanese (kana and kanji: no Chinese here)
SCRIPT_LANGUAGE = {"arabic": "ar", "bengali": "bn", "latin": "fi", "hiragana": "ja", "katakana": "ja", "han": "ja",
                   "hangul": "ko", "cyrillic": "ru", "telugu": "te"}


def query_language(text: str) -> str | None:
    """The study language whose script most of ``text``'s letters are in (Latin counts as Finnish, the
    study's only Latin-script language); None for a text without letters of any of them. Tevatron's
    training records carry no language, so the training queries' language is read off their script."""
    counts = Counter(SCRIPT_LANGUAGE.get(script_of(char)) for char in text if char.isalpha())
    counts.pop(None, None)
    return max(sorted(counts), key=counts.__getitem__) if counts else None


class PerturbedText(NamedTuple):
    text: str
    attack: str | None  # the attack that changed it; None: left as it was


def perturb_text(text: str, lang: str | None, key: str, attacks: Mapping[str, Attack], *, rate: float, seed: int,
                 budget: int = 1) -> PerturbedText:
    """With probability ``rate``, ``text`` attacked by one of ``attacks`` that covers ``lang``, tried in a
    random order until one changes it; otherwise (or when none can) ``text`` itself. ``key`` identifies
    the text (a query id, a passage id with language and sample) and, with ``seed``, fixes every draw."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    check_budget(budget)
    rng = derive_rng(seed, "perturbation_augmentation", budget, key, 0)
    if lang is None or rng.random() >= rate:
        return PerturbedText(text, None)
    names = sorted(name for name, attack in attacks.items() if lang in attack.languages)
    rng.shuffle(names)
    for name in names:
        # each attack draws from its own generator, so adding an attack to the list leaves others' edits alone
        perturbation = attacks[name](text, lang, budget, derive_rng(seed, name, budget, key, 1))
        if perturbation.changed:
            return PerturbedText(perturbation.text, name)
    return PerturbedText(text, None)


def defence_attacks(names: Sequence[str], suite: Mapping[str, Attack]) -> dict[str, Attack]:
    """The named attacks of ``suite``; only :data:`DEFENCE_ATTACKS` may train a defence."""
    not_allowed = [name for name in names if name not in DEFENCE_ATTACKS]
    if not_allowed:
        raise ValueError(f"attacks {not_allowed} cannot train a defence; allowed: {', '.join(DEFENCE_ATTACKS)}")
    return {name: suite[name] for name in names}


def perturb_queries(queries: Sequence[tuple[str, str]], attacks: Mapping[str, Attack], *, rate: float,
                    seed: int) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Training queries as (id, text), each perturbed (:func:`perturb_text`, keyed by its id, its language
    read off its script), and how many each attack changed ("unchanged": left as they were)."""
    out, counts = [], Counter()
    for qid, text in queries:
        perturbed = perturb_text(text, query_language(text), qid, attacks, rate=rate, seed=seed)
        counts[perturbed.attack or "unchanged"] += 1
        out.append((qid, perturbed.text))
    return out, dict(sorted(counts.items()))

