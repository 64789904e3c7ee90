"""xqg.attacks.orthography: the orthographic normal form, by hand and on every real dev question."""

from __future__ import annotations

import pytest

from tests.helpers.paths import XOR_DEV
from xqg.attacks import ATTACKS, derive_rng, orthographic_normal_form
from xqg.formats import read_questions

DEV = XOR_DEV

NEEDS_DEV = pytest.mark.skipif(not DEV.exists(), reason=f"real XOR-TyDi dev questions not found at {DEV}")


@NEEDS_DEV
def test_orthographic_normal_form_on_all_dev_questions():
    attack = ATTACKS["orthography"]
    for question in read_questions(DEV):
        result = attack(question.text, question.lang, 3, derive_rng(1, "orthography", 3, question.id, 0))
        assert orthographic_normal_form(result.text, question.lang) == orthographic_normal_form(question.text, question.lang)


@pytest.mark.parametrize(
    "lang, a, b",
    [
        ("ru", "Сколько ёжиков", "Сколько ежиков"),
        ("ru", "Лев Никола́евич", "Лев Николаевич"),
        ("ar", "مَنْ مدرسة الأولى", "من مدرسه الاولي"),
        ("fi", "Äänisjärvi", "Aanisjarvi"),
        ("ja", "ｶﾀｶﾅ２０２０", "かたかな2020"),
        ("ko", "대한민국의 수도는", "대한 민국의수도는"),
        ("bn", "সত্যজিৎ", "সত্যজিত্\u200d"),
        ("bn", "রায়", "রা\u09df"),
        ("te", "హైదరాబాద్", "హ\u0c46\u0c56దరా\u200cబాద్"),
    ],
)
def test_orthographic_normal_form_hand_checked(lang, a, b):
    assert a != b
    assert orthographic_normal_form(a, lang) == orthographic_normal_form(b, lang)


def test_orthographic_normal_form_keeps_different_words_apart():
    assert orthographic_normal_form("মত", "bn") != orthographic_normal_form("মৎ", "bn")
    assert orthographic_normal_form("Mikä", "fi") != orthographic_normal_form("Mitä", "fi")
