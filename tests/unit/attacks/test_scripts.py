"""xqg.attacks.scripts: the abugida validator and Hangul syllable arithmetic."""

from __future__ import annotations

from xqg.attacks.scripts import abugida_sequence_errors, compose_syllable, decompose_syllable


def test_abugida_validator_hand_checked():
    assert not abugida_sequence_errors("ক্ষেত্র অ্যান্ড্রয়েড কৌশিকী", "bn")
    assert not abugida_sequence_errors("రాష్ట్రంలోని", "te")
    assert abugida_sequence_errors("\u09be\u0995", "bn")  # vowel sign starts the word
    assert abugida_sequence_errors("\u0995\u09be\u09bf", "bn")  # two vowel signs in a row
    assert abugida_sequence_errors("\u0995\u09cd\u09be", "bn")  # vowel sign after virama
    assert abugida_sequence_errors("\u0c15\u0c4d\u0c3e", "te")
    assert not abugida_sequence_errors("\u0995\u09c7\u09be", "bn")  # ে + া is canonically ো


def test_hangul_arithmetic_round_trip():
    for code in range(0xAC00, 0xD7A4):
        assert compose_syllable(*decompose_syllable(chr(code))) == chr(code)
    assert decompose_syllable("한") == (18, 0, 4)  # ㅎ, ㅏ, ㄴ
