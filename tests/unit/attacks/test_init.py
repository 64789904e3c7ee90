"""xqg.attacks (the package): the registry of rule-based attacks and the invariants every attack keeps,
on the hand-written examples in all seven languages (tests/data/attack_examples.jsonl) and, when
present, on the real XOR-TyDi dev questions."""

from __future__ import annotations

import unicodedata

import pytest

from tests.helpers.attack_examples import check_perturbations, examples
from tests.helpers.paths import XOR_DEV
from xqg.attacks import ATTACKS
from xqg.formats import Question, read_questions
from xqg.languages import LANGUAGES

DEV = XOR_DEV

NEEDS_DEV = pytest.mark.skipif(not DEV.exists(), reason=f"real XOR-TyDi dev questions not found at {DEV}")
RULE_BASED = ("typo", "orthography", "transliteration", "naturality", "ordering", "homoglyph", "invisible", "code_switch", "entity_anglicisation",
               "synonym", "neighbour_synonym")


def _dev_sample(per_language: int = 30) -> list[Question]:
    questions = read_questions(DEV)
    out = []
    for lang in LANGUAGES:
        out += [q for q in questions if q.lang == lang][:per_language]
    return out


def test_examples_cover_all_languages():
    assert {q.lang for q in examples()} == set(LANGUAGES)
    assert all(unicodedata.is_normalized("NFC", q.text) for q in examples())


def test_registry():
    assert tuple(ATTACKS) == RULE_BASED
    for name, attack in ATTACKS.items():
        assert attack.name == name
        assert attack.languages <= set(LANGUAGES)
    assert "fi" not in ATTACKS["transliteration"].languages
    assert ATTACKS["synonym"].languages == frozenset()  # no thesaurus configured by default
    assert ATTACKS["code_switch"].dictionary_languages == frozenset()


@pytest.mark.parametrize("name", RULE_BASED)
def test_attack_invariants_on_examples(name):
    check_perturbations(examples(), name)


@NEEDS_DEV
@pytest.mark.parametrize("name", RULE_BASED)
def test_attack_invariants_on_real_dev_questions(name):
    check_perturbations(_dev_sample(), name)
