"""xqg.attacks.bad_characters: imperceptible characters and homoglyphs."""

from __future__ import annotations

import random
import unicodedata

import regex

from xqg.attacks import ATTACKS
from xqg.attacks.bad_characters import homoglyph_candidates


def test_homoglyph_candidates_by_hand():
    candidates = homoglyph_candidates("Где озеро", "ru", 0, random.Random(0), n=5)
    assert candidates == [("Гдe озеро", "homoglyph:substitute 'е' U+0435 -> U+0065 in word 1")]
    assert homoglyph_candidates("বাংলাদেশের নাম", "bn", 0, random.Random(0)) == []  # no Bengali confusables
    korean = homoglyph_candidates("수도", "ko", 0, random.Random(0), n=1)
    assert len(korean) == 1 and len(korean[0][0]) > 2  # a syllable written as conjoining jamo
    assert len(homoglyph_candidates("aaaa", "fi", 0, random.Random(0), n=2)) == 2


def test_invisible_and_homoglyph():
    result = ATTACKS["invisible"]("Где находится озеро Байкал?", "ru", 3, random.Random(0))
    assert regex.sub(r"[\u200b\u200c\u200d\u2060]", "", result.text) == "Где находится озеро Байкал?"
    assert result.units_changed == 3
    result = ATTACKS["homoglyph"]("Где находится озеро Байкал?", "ru", 2, random.Random(0))
    assert len(result.text) == len("Где находится озеро Байкал?") and result.units_changed == 2
    assert regex.search(r"\p{Latin}|\p{Greek}", result.text)
    korean = ATTACKS["homoglyph"]("수도", "ko", 1, random.Random(0))
    assert unicodedata.normalize("NFC", korean.text) == "수도" and korean.changed
    assert not ATTACKS["homoglyph"]("বাংলাদেশের রাজধানীর নাম কী ?", "bn", 2, random.Random(0)).changed
