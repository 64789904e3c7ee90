"""Script-aware paraphrase attacks on queries, one module per attack family: typos on grapheme
clusters of content words (:mod:`~xqg.attacks.typo`), orthographic variants (:mod:`~xqg.attacks.orthography`),
romanisation (:mod:`~xqg.attacks.transliteration`), naturality, i.e. keyword queries without stop and
question words (:mod:`~xqg.attacks.naturality`), word or chunk order (:mod:`~xqg.attacks.ordering`),
imperceptible characters and homoglyphs (:mod:`~xqg.attacks.bad_characters`), code-switching a word
into English (:mod:`~xqg.attacks.code_switch`), thesaurus synonyms (:mod:`~xqg.attacks.synonym`) and
synonyms from an encoder's nearest whole words, for every language (:mod:`~xqg.attacks.neighbour_synonym`).
``entity_anglicisation`` (names into English) is a query variation, not an attack: it can hand an
English-corpus retriever the key term, so it is reported apart and never pooled with the attacks
(``QUERY_VARIATIONS``). Every attacked query passes the validity gate (:mod:`~xqg.attacks.validity`).

Every attack is ``attack(query, lang, budget, rng) -> Perturbation`` and is honest about coverage: where
it has nothing to change (a Finnish query for transliteration, no thesaurus configured) it returns the
query unchanged with ``changed=False``, which the applicability rate reports.

The model-based attack, back-translation through English (:mod:`xqg.attacks.back_translation`), needs an
MT and a similarity model and batches whole query sets, so it is not in ``ATTACKS`` and is imported on
its own (it loads torch and transformers); it writes the same :class:`AttackedQuery` records.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from xqg.attacks.greedy_search import greedy_attack, worst_of_n
from xqg.attacks.bad_characters import HomoglyphAttack, InvisibleAttack
from xqg.attacks.base import Attack, Perturbation, derive_rng
from xqg.attacks.code_switch import CodeSwitchAttack, EntityAnglicisation
from xqg.attacks.naturality import NaturalityAttack
from xqg.attacks.neighbour_synonym import NeighbourSynonymAttack
from xqg.attacks.ordering import OrderingAttack
from xqg.attacks.orthography import OrthographyAttack, orthographic_normal_form
from xqg.attacks.query_set_attack import (
    AttackedQuery,
    LanguageSummary,
    attack_query_set,
    attack_set_summary,
    chrf,
    read_attacked_queries,
    validity_sample,
    write_attacked_queries,
    write_validity_sheet,
)
from xqg.attacks.synonym import SynonymAttack
from xqg.attacks.transliteration import TransliterationAttack
from xqg.attacks.typo import TypoAttack, typo_candidates
from xqg.query_sets import QUERY_VARIATIONS


def build_attacks(
    dictionaries: Mapping[str, str | os.PathLike] | None = None,
    thesauri: Mapping[str, str | os.PathLike] | None = None,
    neighbour_lexicons: Mapping[str, str | os.PathLike] | None = None,
) -> dict[str, Attack]:
    """All rule-based attacks by name; ``dictionaries`` (per language, for code_switch), ``thesauri``
    (per language, MyThes .dat files, for synonym) and ``neighbour_lexicons`` (per language, the TSVs of
    rule neighbour_lexicon, for neighbour_synonym) are the optional resources."""
    attacks: list[Attack] = [
        TypoAttack(),
        OrthographyAttack(),
        TransliterationAttack(),
        NaturalityAttack(),
        OrderingAttack(),
        HomoglyphAttack(),
        InvisibleAttack(),
        CodeSwitchAttack(dictionaries),
        EntityAnglicisation(),
        SynonymAttack(thesauri),
        NeighbourSynonymAttack(neighbour_lexicons),
    ]
    return {attack.name: attack for attack in attacks}


ATTACKS: dict[str, Attack] = build_attacks()

__all__ = [
    "ATTACKS", "QUERY_VARIATIONS", "Attack", "AttackedQuery", "LanguageSummary", "Perturbation", "attack_query_set", "attack_set_summary",
    "build_attacks", "chrf", "derive_rng", "greedy_attack", "orthographic_normal_form",
    "read_attacked_queries", "typo_candidates", "validity_sample", "worst_of_n", "write_attacked_queries",
    "write_validity_sheet",
]
