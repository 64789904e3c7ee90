"""xqg.attacks.transliteration: romanisation of non-Latin words."""

from __future__ import annotations

import random

import regex

from xqg.attacks import ATTACKS


def test_transliteration():
    attack = ATTACKS["transliteration"]
    assert not attack("Milloin Jean Sibelius syntyi?", "fi", 3, random.Random(0)).changed
    result = attack("Где находится озеро Байкал?", "ru", 10, random.Random(0))
    assert regex.fullmatch(r"[A-Za-z' ?]+", result.text), result
    result = attack("대한민국의 수도는 어디인가요?", "ko", 1, random.Random(0))
    assert result.units_changed == 1 and regex.search(r"[a-z]", result.text)
