"""xqg.attacks.typo: script-aware typos, by hand and as properties of random words in every script."""

from __future__ import annotations

import random
import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.attack_examples import examples
from xqg.attacks.scripts import COMMON_CONSONANTS, COMMON_VOWEL_SIGNS, abugida_classes, abugida_sequence_errors
from xqg.attacks.typo import TypoAttack


def test_typo_hand_checked():
    typo = TypoAttack()
    result = typo("Milloin Jean Sibelius syntyi?", "fi", 1, random.Random(0))
    assert result.changed and result.units_changed == 1
    changed = [a for a, b in zip(result.text.split(), "Milloin Jean Sibelius syntyi?".split()) if a != b]
    assert len(changed) == 1 and changed[0] not in ("Milloin",)  # question words are never hit
    # a query of stop words and short words only has no content word
    assert not typo("Mikä on se?", "fi", 2, random.Random(0)).changed
    # a Japanese word without kana is never changed: kanji are never mutated
    assert not typo("日本最初の眼科医は誰", "ja", 3, random.Random(0)).changed


def _han(text: str) -> list[str]:
    return regex.findall(r"\p{Han}", text)


def test_typo_japanese_keeps_kanji_and_korean_stays_hangul():
    typo = TypoAttack()
    for seed in range(50):
        result = typo("東京タワーの高さは何メートル", "ja", 2, random.Random(seed))
        assert _han(result.text) == _han("東京タワーの高さは何メートル")
        result = typo("대한민국의 수도는 어디인가요?", "ko", 2, random.Random(seed))
        assert regex.fullmatch(r"[\p{Hangul} ?]+", result.text) and unicodedata.is_normalized("NFC", result.text)


def _abugida_words(lang: str):
    classes = abugida_classes(lang)
    consonant = st.sampled_from(COMMON_CONSONANTS[lang])
    virama = next(iter(classes["virama"]))
    syllable = st.tuples(
        consonant,
        st.one_of(st.just(""), consonant.map(lambda c: virama + c)),
        st.one_of(st.just(""), st.sampled_from(COMMON_VOWEL_SIGNS[lang])),
        st.one_of(st.just(""), st.sampled_from(sorted(classes["modifier"] & set("\u0982\u0c02")))),
    ).map("".join)
    vowel = st.sampled_from(sorted(classes["vowel"]))
    return st.lists(st.one_of(syllable, vowel), min_size=1, max_size=6).map("".join)


_SCRIPT_WORDS = {
    "bn": _abugida_words("bn"),
    "te": _abugida_words("te"),
    "fi": st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöABCÄÖ", min_size=1, max_size=10),
    "ru": st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁ", min_size=1, max_size=10),
    "ar": st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآؤئىة", min_size=1, max_size=10),
    "ko": st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=6),
    "ja": st.text(alphabet="あいうえおかがきっつゃやアイウカガキッツャーン日本語東京", min_size=1, max_size=8),
}


@pytest.mark.parametrize("lang", sorted(_SCRIPT_WORDS))
def test_typo_property_random_strings(lang):
    typo = TypoAttack()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_SCRIPT_WORDS[lang], min_size=1, max_size=5), st.integers(1, 3), st.integers(0, 2**32))
    def check(words, budget, seed):
        query = " ".join(words) + " ?"
        result = typo(query, lang, budget, random.Random(seed))
        assert result.changed == (result.text != query)
        assert result.units_changed <= budget
        result.text.encode("utf-8")
        assert unicodedata.is_normalized("NFC", result.text) or not unicodedata.is_normalized("NFC", query)
        assert result == typo(query, lang, budget, random.Random(seed))
        if lang in ("bn", "te"):
            assert not abugida_sequence_errors(query, lang)  # the generator makes well-formed words
            assert not abugida_sequence_errors(result.text, lang), result
        if lang == "ja":
            assert _han(result.text) == _han(query)

    check()


def test_bengali_telugu_typos_many_samples():
    typo = TypoAttack()
    for question in [q for q in examples() if q.lang in ("bn", "te")]:
        for seed in range(200):
            result = typo(question.text, question.lang, 3, random.Random(seed))
            assert not abugida_sequence_errors(result.text, question.lang), result
            # the three conditions, checked directly rather than through the validator
            classes = abugida_classes(question.lang)
            text = unicodedata.normalize("NFC", result.text)
            for word in text.split():
                assert not unicodedata.category(word[0]).startswith("M"), result
            for a, b in zip(text, text[1:]):
                assert not (a in classes["vowel_sign"] and b in classes["vowel_sign"]), result
                assert not (a in classes["virama"] and b in classes["vowel_sign"]), result
