"""Tests of the paraphrase-attack suite (xqg.attacks) on hand-written examples in all seven languages
(tests/data/attack_examples.jsonl) and, when present, on the real XOR-TyDi dev questions."""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xqg.attacks import (
    ATTACKS,
    AttackedQuery,
    attack_query_set,
    attack_set_summary,
    chrf,
    derive_rng,
    greedy_attack,
    orthographic_normal_form,
    read_attacked_queries,
    typo_candidates,
    validity_sample,
    worst_of_n,
    write_attacked_queries,
    write_validity_sheet,
)
from xqg.attacks.code_switch import CodeSwitchAttack, read_bilingual_dictionary
from xqg.attacks.naturality import NaturalityAttack
from xqg.attacks.scripts import (
    COMMON_CONSONANTS,
    COMMON_VOWEL_SIGNS,
    abugida_classes,
    abugida_sequence_errors,
    compose_syllable,
    decompose_syllable,
)
from xqg.attacks.segmentation import _japanese_tagger, japanese_chunks
from xqg.attacks.synonym import SynonymAttack, read_mythes
from xqg.attacks.typo import TypoAttack
from xqg.formats import InputFormatError, Question, read_questions
from xqg.languages import LANGUAGES

EXAMPLES = Path(__file__).parent / "data" / "attack_examples.jsonl"
DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "xor_tydi" / "xor_dev_retrieve_eng_span_v1_1.jsonl"
NEEDS_DEV = pytest.mark.skipif(not DEV.exists(), reason=f"real XOR-TyDi dev questions not found at {DEV}")
RULE_BASED = ("typo", "orthography", "transliteration", "naturality", "ordering", "homoglyph", "invisible", "code_switch", "synonym")
NFC_PRESERVING = ("typo", "transliteration", "naturality", "ordering", "code_switch", "synonym", "invisible")
HAS_FUGASHI = _japanese_tagger() is not None


def _examples() -> list[Question]:
    return read_questions(EXAMPLES)


def _dev_sample(per_language: int = 30) -> list[Question]:
    questions = read_questions(DEV)
    out = []
    for lang in LANGUAGES:
        out += [q for q in questions if q.lang == lang][:per_language]
    return out


def test_examples_cover_all_languages():
    assert {q.lang for q in _examples()} == set(LANGUAGES)
    assert all(unicodedata.is_normalized("NFC", q.text) for q in _examples())


def test_registry():
    assert tuple(ATTACKS) == RULE_BASED
    for name, attack in ATTACKS.items():
        assert attack.name == name
        assert attack.languages <= set(LANGUAGES)
    assert "fi" not in ATTACKS["transliteration"].languages
    assert ATTACKS["synonym"].languages == frozenset()  # no thesaurus configured by default
    assert ATTACKS["code_switch"].dictionary_languages == frozenset()


def _check_perturbations(questions: list[Question], name: str) -> None:
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


@pytest.mark.parametrize("name", RULE_BASED)
def test_attack_invariants_on_examples(name):
    _check_perturbations(_examples(), name)


@NEEDS_DEV
@pytest.mark.parametrize("name", RULE_BASED)
def test_attack_invariants_on_real_dev_questions(name):
    _check_perturbations(_dev_sample(), name)


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
    for question in [q for q in _examples() if q.lang in ("bn", "te")]:
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


def test_transliteration():
    attack = ATTACKS["transliteration"]
    assert not attack("Milloin Jean Sibelius syntyi?", "fi", 3, random.Random(0)).changed
    result = attack("Где находится озеро Байкал?", "ru", 10, random.Random(0))
    assert regex.fullmatch(r"[A-Za-z' ?]+", result.text), result
    result = attack("대한민국의 수도는 어디인가요?", "ko", 1, random.Random(0))
    assert result.units_changed == 1 and regex.search(r"[a-z]", result.text)


def test_naturality_hand_checked():
    attack = NaturalityAttack()
    assert attack("Mikä on Suomen pääkaupunki?", "fi", 5, random.Random(0)).text == "Suomen pääkaupunki?"
    assert attack("Где находится озеро Байкал?", "ru", 5, random.Random(0)).text == "находится озеро Байкал?"
    korean = attack("핀란드의 인구는 얼마나 되나요?", "ko", 5, random.Random(0)).text
    assert korean == "핀란드 인구 되나요?"
    if HAS_FUGASHI:
        assert attack("日本の首都はどこですか？", "ja", 10, random.Random(0)).text == "日本首都？"


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


def test_code_switch_cldr_names():
    attack = ATTACKS["code_switch"]
    assert attack("Какая столица Финляндии?", "ru", 1, random.Random(0)).text == "Какая столица Finland?"
    assert attack("日本の首都はどこですか？", "ja", 1, random.Random(0)).text == "Japanの首都はどこですか？"
    assert attack("핀란드의 인구는 얼마나 되나요?", "ko", 1, random.Random(0)).text == "Finland의 인구는 얼마나 되나요?"
    assert attack("ما هي عاصمة فنلندا؟", "ar", 1, random.Random(0)).text == "ما هي عاصمة Finland؟"
    assert not attack("Milloin Jean Sibelius syntyi?", "fi", 2, random.Random(0)).changed


def _write_dictd(index: Path, entries: dict[str, str]) -> None:
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def number(n: int) -> str:
        out = ""
        while True:
            out = b64[n % 64] + out
            n //= 64
            if n == 0:
                return out

    data, lines = b"", []
    for head, body in entries.items():
        blob = f"{head} /pron/ <n>\n{body}\n".encode()
        lines.append(f"{head}\t{number(len(data))}\t{number(len(blob))}")
        data += blob
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(index.with_suffix(".dict.dz"), "wb") as handle:
        handle.write(data)


def test_code_switch_dictionaries(tmp_path):
    tsv = tmp_path / "fi-en.tsv"
    tsv.write_text("# word\tenglish\npääkaupunki\tcapital\n", encoding="utf-8")
    assert read_bilingual_dictionary(tsv) == {"pääkaupunki": "capital"}
    attack = CodeSwitchAttack({"fi": tsv})
    assert attack.dictionary_languages == {"fi"}
    assert attack("Mikä on Suomen pääkaupunki?", "fi", 1, random.Random(0)).text in ("Mikä on Finland pääkaupunki?", "Mikä on Suomen capital?")
    index = tmp_path / "fin-eng.index"
    _write_dictd(index, {"kaupunki": "city, town\nsivilisaation taajama", "kieli": "1. tongue, language\nlihas"})
    assert read_bilingual_dictionary(index) == {"kaupunki": "city", "kieli": "tongue"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-one-column\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1"):
        read_bilingual_dictionary(bad)


FREEDICT = Path("/usr/share/dictd/freedict-fin-eng.index")


@pytest.mark.slow
@pytest.mark.skipif(not FREEDICT.exists(), reason="Debian dict-freedict-fin-eng not installed")
def test_real_freedict_fin_eng():
    lexicon = read_bilingual_dictionary(FREEDICT)
    assert lexicon["kaupunki"] == "city" and len(lexicon) > 10000


def test_synonym_with_small_thesaurus(tmp_path):
    path = tmp_path / "th_test.dat"
    path.write_text("UTF-8\nозеро|1\n(сущ.)|водоём|пруд (разг.)\n", encoding="utf-8")
    assert read_mythes(str(path)) == {"озеро": ("водоём", "пруд")}
    attack = SynonymAttack({"ru": path})
    result = attack("Где находится озеро Байкал?", "ru", 1, random.Random(0))
    assert result.text in ("Где находится водоём Байкал?", "Где находится пруд Байкал?")
    assert not SynonymAttack()("Где находится озеро Байкал?", "ru", 1, random.Random(0)).changed
    truncated = tmp_path / "th_bad.dat"
    truncated.write_text("UTF-8\nозеро|2\n(сущ.)|водоём\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="file ends early"):
        read_mythes(str(truncated))


MYTHES_RU = Path("/usr/share/mythes/th_ru_RU_v2.dat")


@pytest.mark.slow
@pytest.mark.skipif(not MYTHES_RU.exists(), reason="Debian mythes-ru not installed")
def test_real_mythes_ru():
    thesaurus = read_mythes(str(MYTHES_RU))
    assert "город" in thesaurus and len(thesaurus) > 10000


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget"):
        ATTACKS["typo"]("Milloin Jean Sibelius syntyi?", "fi", 0, random.Random(0))


def test_seeding_is_stable_across_processes_and_orders():
    code = "from xqg.attacks.base import derive_rng; print(derive_rng(13, 'typo', 1, '-1018987027025691298', 4).random())"
    values = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("0", "12345")
    }
    assert len(values) == 1
    questions = _examples()
    forward = attack_query_set(questions, "typo", 1, 3, seed=5)
    backward = attack_query_set(questions[::-1], "typo", 1, 3, seed=5)
    assert sorted(forward, key=lambda r: (r.qid, r.sample)) == sorted(backward, key=lambda r: (r.qid, r.sample))
    assert forward != attack_query_set(questions, "typo", 1, 3, seed=6)


def test_chrf_matches_sacrebleu():
    from sacrebleu.metrics import CHRF

    reference = CHRF()
    records = attack_query_set(_examples(), "typo", 2, 2, seed=1) + attack_query_set(_examples(), "ordering", 2, 1, seed=1)
    pairs = [(r.text, r.original) for r in records] + [("abc def", "abd def"), ("aaaa", "aaaaa"), ("x", ""), ("", "x"), ("ab c", "abc")]
    for hypothesis, original in pairs:
        assert chrf(hypothesis, original) == pytest.approx(reference.sentence_score(hypothesis, [original]).score, abs=1e-9)
    assert chrf("same", "same") == 100.0


def _record(qid, lang, sample, changed, units=0, score=100.0):
    return AttackedQuery(qid, lang, sample, "q", "q2" if changed else "q", changed, units, score, ("e",) * units, "typo", 1)


def test_summary_hand_checked():
    records = [_record("a", "fi", 0, True, 1, 80.0), _record("a", "fi", 1, False), _record("b", "fi", 0, False), _record("b", "fi", 1, False),
               _record("c", "ja", 0, True, 2, 60.0), _record("c", "ja", 1, True, 1, 70.0)]
    summary = attack_set_summary(records)
    assert summary["fi"].applicability == 0.5 and summary["fi"].changed_rate == 0.25
    assert summary["fi"].mean_units_changed == 1.0 and summary["fi"].mean_chrf == 80.0
    assert summary["ja"].applicability == 1.0 and summary["ja"].mean_units_changed == 1.5 and summary["ja"].mean_chrf == 65.0


def test_validity_sample_and_files(tmp_path):
    records = attack_query_set(_examples(), "typo", 1, 3, seed=2)
    rows = validity_sample(records, per_language=2, seed=0)
    assert len(rows) <= 14 and all(r["text"] != r["original"] for r in rows)
    for lang in LANGUAGES:
        mine = [r for r in rows if r["lang"] == lang]
        assert len(mine) <= 2 and len({r["qid"] for r in mine}) == len(mine)
    assert rows == validity_sample(records, per_language=2, seed=0)
    write_validity_sheet(tmp_path / "audit.csv", rows)
    assert (tmp_path / "audit.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("attack,budget,lang,qid")
    write_attacked_queries(tmp_path / "attacked.jsonl", records)
    assert read_attacked_queries(tmp_path / "attacked.jsonl") == records
    (tmp_path / "bad.jsonl").write_text('{"qid": "1"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1"):
        read_attacked_queries(tmp_path / "bad.jsonl")


def _toy_score(texts):
    """Higher when the query still names the gold entity 'Sibelius'; a little for each other intact word."""
    intact = {"Milloin", "Jean", "syntyi"}
    return [1.0 * ("Sibelius" in t) + 0.1 * len(intact & set(regex.findall(r"\w+", t))) for t in texts]


def test_worst_of_n():
    question = Question("q1", "Milloin Jean Sibelius syntyi?", (), "fi")
    candidates = attack_query_set([question], "typo", 1, 10, seed=3)
    worst = worst_of_n(candidates, _toy_score)
    assert _toy_score([worst.text])[0] == min(_toy_score([c.text for c in candidates]))
    with pytest.raises(ValueError):
        worst_of_n([], _toy_score)


def test_greedy_attack_edits_the_most_important_unit_first():
    query = "Milloin Jean Sibelius syntyi?"
    result = greedy_attack(query, "fi", 3, _toy_score, typo_candidates, random.Random(0), threshold=0.5)
    assert "Sibelius" not in result.text and result.units_changed == 1  # below the threshold after one edit
    assert result.text.split()[:2] == ["Milloin", "Jean"]
    full = greedy_attack(query, "fi", 2, _toy_score, typo_candidates, random.Random(0))
    assert full.units_changed == 2 and _toy_score([full.text])[0] < _toy_score([result.text])[0]


def test_japanese_fallback_segmentation_without_fugashi(monkeypatch):
    """Without fugashi, Japanese words come from character classes; attacks keep their invariants."""
    from xqg.attacks import segmentation

    caches = (segmentation.words, segmentation.content_word_indices, segmentation.japanese_chunks)
    for cache in caches:
        cache.cache_clear()
    monkeypatch.setattr(segmentation, "_japanese_tagger", lambda: None)
    try:
        found = segmentation.words("日本の首都はどこですか？", "ja")
        assert [w.text for w in found] == ["日本", "の", "首都", "はどこですか"]
        assert [w.function for w in found] == [False, True, False, False]
        _check_perturbations([q for q in _examples() if q.lang == "ja"], "naturality")
        _check_perturbations([q for q in _examples() if q.lang == "ja"], "ordering")
        _check_perturbations([q for q in _examples() if q.lang == "ja"], "typo")
    finally:
        for cache in caches:
            cache.cache_clear()
