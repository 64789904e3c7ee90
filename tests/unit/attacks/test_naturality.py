"""xqg.attacks.naturality: keyword queries without stop words, question words and particles."""

from __future__ import annotations

import random

from tests.helpers.attack_examples import HAS_FUGASHI
from xqg.attacks.naturality import NaturalityAttack


def test_naturality_hand_checked():
    attack = NaturalityAttack()
    assert attack("Mikä on Suomen pääkaupunki?", "fi", 5, random.Random(0)).text == "Suomen pääkaupunki?"
    assert attack("Где находится озеро Байкал?", "ru", 5, random.Random(0)).text == "находится озеро Байкал?"
    korean = attack("핀란드의 인구는 얼마나 되나요?", "ko", 5, random.Random(0)).text
    assert korean == "핀란드 인구 되나요?"
    if HAS_FUGASHI:
        assert attack("日本の首都はどこですか？", "ja", 10, random.Random(0)).text == "日本首都？"
