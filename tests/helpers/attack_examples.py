"""The attacks' test material: the hand-written questions of tests/data/attack_examples.jsonl, one
question per language for the greedy search, and the invariants every rule-based attack keeps."""

from __future__ import annotations

import unicodedata

from tests.helpers.paths import ATTACK_EXAMPLES
from xqg.attacks import ATTACKS, derive_rng, orthographic_normal_form
from xqg.attacks.scripts import abugida_sequence_errors
from xqg.attacks.segmentation import _japanese_tagger
from xqg.formats import Question, read_questions

EXAMPLES = ATTACK_EXAMPLES

NFC_PRESERVING = ("typo", "transliteration", "naturality", "ordering", "code_switch", "entity_anglicisation", "synonym",
                  "invisible")
HAS_FUGASHI = _japanese_tagger() is not None
QUERIES = {
    "ar": "ما هي عاصمة مصر؟",
    "bn": "বাংলাদেশের রাজধানীর নাম কী ?",
    "fi": "Milloin Jean Sibelius syntyi?",
    "ja": "日本の首都はどこですか？",
    "ko": "대한민국의 수도는 어디입니까?",
    "ru": "Где находится озеро Байкал?",
    "te": "భారతదేశ రాజధాని ఏది?",
}


def examples() -> list[Question]:
    return read_questions(EXAMPLES)


def check_perturbations(questions: list[Question], name: str) -> None:
    attack = ATTACKS[name]
    for question in questions:
        for budget in (1, 3):
            for sample in range(2):
                result = attack(question.text, question.lang, budget, derive_rng(7, name, budget, question.id, sample))
                again = attack(question.text, question.lang, budget, derive_rng(7, name, budget, question.id, sample))
                assert result == again, "not reproducible with the same seed"
                result.text.encode("utf-8")  # no lone surrogates
                assert result.changed == (result.text != question.text), (name, question.text, result)
                assert 0 <= result.units_changed <= budget
                assert len(result.edits) == result.units_changed
                assert result.changed == (result.units_changed > 0)
                assert all(e.startswith(f"{name}:") for e in result.edits)
                if name in NFC_PRESERVING and unicodedata.is_normalized("NFC", question.text):
                    assert unicodedata.is_normalized("NFC", result.text), (name, result)
                if name == "orthography":
                    assert orthographic_normal_form(result.text, question.lang) == orthographic_normal_form(question.text, question.lang), result
                if question.lang in ("bn", "te") and not abugida_sequence_errors(question.text, question.lang) and name != "orthography":
                    assert not abugida_sequence_errors(result.text, question.lang), (name, result)
