"""xqg.attacks.ordering: word and chunk order (Japanese chunks from xqg.attacks.segmentation)."""

from __future__ import annotations

import random

import pytest
import regex

from tests.helpers.attack_examples import HAS_FUGASHI
from xqg.attacks import ATTACKS
from xqg.attacks.segmentation import japanese_chunks


@pytest.mark.skipif(not HAS_FUGASHI, reason="fugashi/unidic-lite not installed: Japanese uses the fallback segmenter")
def test_japanese_chunks_and_ordering():
    text = "月の地表の温度は何度"
    assert [text[s:e] for s, e in japanese_chunks(text)] == ["月の", "地表の", "温度は", "何度"]
    result = ATTACKS["ordering"](text, "ja", 1, random.Random(0))
    assert sorted(regex.findall(r"\X", result.text)) == sorted(regex.findall(r"\X", text))
    assert result.changed


def test_ordering_keeps_words_and_punctuation():
    result = ATTACKS["ordering"]("Milloin Jean Sibelius syntyi?", "fi", 1, random.Random(3))
    assert result.text.endswith("?") and sorted(result.text[:-1].split()) == sorted("Milloin Jean Sibelius syntyi".split())
