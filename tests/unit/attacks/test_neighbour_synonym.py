"""xqg.attacks.neighbour_synonym: candidate words, protected names, the lexicon and the attack."""

from __future__ import annotations

import random

import numpy as np
import pytest

from xqg.attacks import build_attacks
from xqg.attacks.neighbour_synonym import (
    NeighbourSynonymAttack,
    build_lexicon,
    candidate_words,
    read_lexicon,
    replaceable_words,
    write_lexicon,
)
from xqg.formats import InputFormatError


def test_candidates_are_whole_words_of_the_language():
    pieces = ["▁страна", "▁држава", "▁государство", "ство", "▁я", "▁country", "▁страна", "▁srbija", "▁дом2"]
    # Serbian "држава" is Cyrillic but not in wordfreq's Russian list; "ство" is word-internal;
    # "я" is one grapheme; Latin and digits are not Russian script
    assert candidate_words(pieces, "ru") == ["государство", "страна"]


def test_candidates_without_a_word_list_rely_on_the_script():
    # Telugu: wordfreq has no list (it would answer in English), so the script alone decides
    assert candidate_words(["▁దేశం", "▁country", "లో", "▁రాష్ట్రం"], "te") == ["దేశం", "రాష్ట్రం"]
    # WordPiece (mBERT): no "▁" anywhere, "##" pieces are word-internal
    assert candidate_words(["దేశం", "##లో"], "te") == ["దేశం"]
    # Japanese has no spaces: pieces without "▁" are candidates too
    assert "通貨" in candidate_words(["▁の", "通貨", "▁言語"], "ja")


def test_english_words_in_finnish_text_are_not_finnish_candidates():
    # "Moon" and "code" occur in Finnish text, more often in English: not candidates for "maan", "koodi"
    assert candidate_words(["▁maa", "▁Moon", "▁code", "▁koodi"], "fi") == ["koodi", "maa"]


def test_frequency_floor():
    # Ukrainian "країна" is in wordfreq's Russian list, rarely (1.2e-7): the default floor drops it
    assert candidate_words(["▁страна", "▁країна"], "ru", min_frequency=1e-6) == ["страна"]
    assert candidate_words(["▁страна"], "ru", min_frequency=0.5) == []


def test_names_and_other_scripts_are_never_replaced():
    words = [word for _, word in replaceable_words("Какой язык самый распространённый в стране Афганистан?", "ru")]
    assert "Афганистан" not in words  # a CLDR country name: its neighbours are other countries
    assert "язык" in words and "стране" in words
    assert "ISO" not in [w for _, w in replaceable_words("ఆఫ్ఘనిస్తాన్ ISO కోడ్ ఏమిటి?", "te")]


def _encoder(table):
    def encode(texts):
        return np.array([table[t] for t in texts], dtype=np.float32)
    return encode


def test_lexicon_keeps_neighbours_above_the_threshold_best_first():
    table = {"страна": [1, 0], "государство": [0.96, 0.28], "Страна": [1, 0.01], "город": [0.6, 0.8], "язык": [0, 1]}
    lexicon = build_lexicon(["страна", "язык"], ["Страна", "государство", "город"], _encoder(table),
                            neighbours=5, min_similarity=0.9)
    # the case variant is the word itself; город is below the threshold; язык has no neighbour at all
    assert list(lexicon) == ["страна"]
    assert [n for n, _ in lexicon["страна"]] == ["государство"]
    assert lexicon["страна"][0][1] == pytest.approx(0.96, abs=1e-3)
    table.update({"maan": [0, 1], "Maa": [0, 1], "maat": [0.1, 0.99]})
    lower = build_lexicon(["maan"], ["Maa", "maat"], _encoder(table), neighbours=5, min_similarity=0.9)
    assert [n for n, _ in lower["maan"]] == ["maat"]  # a lower-case word gets lower-case neighbours only
    capped = build_lexicon(["страна"], ["государство", "город"], _encoder(table), neighbours=1, min_similarity=0.0)
    assert [n for n, _ in capped["страна"]] == ["государство"]


def test_lexicon_round_trip_and_bad_files(tmp_path):
    path = tmp_path / "lexicon.tsv"
    write_lexicon(path, {"стране": [("страна", 0.98), ("государстве", 0.95)]})
    assert read_lexicon(str(path)) == {"стране": ("страна", "государстве")}
    bad = tmp_path / "bad.tsv"
    bad.write_text("word\tneighbour\tsimilarity\nстране\tстрана\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"bad\.tsv.*line 2"):
        read_lexicon(str(bad))
    bad.write_text("word\tneighbour\tsimilarity\nстране\tстрана\thigh\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="similarity"):
        read_lexicon(str(bad))
    bad.write_text("стране\tстрана\t0.9\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="header"):
        read_lexicon(str(bad))


def test_attack_replaces_budget_words_with_neighbours(tmp_path):
    path = tmp_path / "ru.tsv"
    write_lexicon(path, {"стране": [("государстве", 0.95)], "язык": [("языка", 0.97)], "Афганистан": [("Пакистан", 0.99)]})
    attack = build_attacks(neighbour_lexicons={"ru": path})["neighbour_synonym"]
    query = "Какой язык самый распространённый в стране Афганистан?"
    one = attack(query, "ru", 1, random.Random(3))
    assert one.changed and one.units_changed == 1
    assert one.text in (query.replace("стране", "государстве"), query.replace("язык", "языка"))
    two = attack(query, "ru", 2, random.Random(3))
    assert two.text == "Какой языка самый распространённый в государстве Афганистан?"  # the name stays
    # seeded: the same rng state gives the same variant
    assert attack(query, "ru", 1, random.Random(3)) == one
    # no lexicon for the language, or no word in it: unchanged, counted as not applicable
    assert not attack("Mikä on Suomen pääkaupunki?", "fi", 1, random.Random(0)).changed
    assert not NeighbourSynonymAttack({"ru": path})("Где Байкал?", "ru", 1, random.Random(0)).changed
