"""xqg.attacks.augmentation and xqg.generation.noisy: the attack suite as a defence, on training queries and
generated queries; seeded per text, the share perturbed as configured, the dev-derived attacks refused."""

from __future__ import annotations

import json

import pytest

from xqg.attacks import ATTACKS
from xqg.attacks.augmentation import (
    DEFENCE_ATTACKS, defence_attacks, perturb_queries, perturb_text, query_language,
)
from xqg.formats import iter_generated_queries
from xqg.generation.noisy import noisy_queries

QUERIES = {"ar": "ما هي عاصمة مصر؟", "bn": "ভারতের রাজধানী কোথায়?", "fi": "Mikä on Suomen pääkaupunki?",
           "ja": "日本の首都はどこですか", "ko": "한국의 수도는 어디입니까?", "ru": "Какая столица России?",
           "te": "భారతదేశ రాజధాని ఏది?"}
SUITE = defence_attacks(["typo", "orthography", "transliteration"], ATTACKS)


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_the_language_is_read_off_the_script(lang):
    assert query_language(QUERIES[lang]) == lang


def test_a_text_without_letters_of_the_study_has_no_language():
    assert query_language("1234 ?!") is None and query_language("中文") == "ja"  # kanji: Japanese here


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_rate_one_perturbs_every_language_and_rate_zero_none(lang):
    changed = perturb_text(QUERIES[lang], lang, "q1", SUITE, rate=1.0, seed=3)
    assert changed.text != QUERIES[lang] and changed.attack in SUITE
    assert perturb_text(QUERIES[lang], lang, "q1", SUITE, rate=0.0, seed=3) == (QUERIES[lang], None)


def test_each_text_is_seeded_by_its_key_alone():
    first = [perturb_text(QUERIES["ru"], "ru", f"q{i}", SUITE, rate=0.5, seed=3) for i in range(40)]
    again = [perturb_text(QUERIES["ru"], "ru", f"q{i}", SUITE, rate=0.5, seed=3) for i in reversed(range(40))]
    assert first == again[::-1]
    assert 10 <= sum(result.attack is not None for result in first) <= 30  # about half of 40
    other_seed = [perturb_text(QUERIES["ru"], "ru", f"q{i}", SUITE, rate=0.5, seed=4) for i in range(40)]
    assert other_seed != first


def test_attacks_built_from_the_dev_questions_cannot_train_a_defence():
    with pytest.raises(ValueError, match="neighbour_synonym"):
        defence_attacks(["typo", "neighbour_synonym"], ATTACKS)
    assert set(DEFENCE_ATTACKS) <= set(ATTACKS)
    with pytest.raises(ValueError, match="rate"):
        perturb_text("x", "fi", "q", SUITE, rate=1.5, seed=0)


def test_training_queries_keep_their_ids_and_count_the_attacks():
    queries = [(f"{lang}-{i}", text) for i in range(10) for lang, text in QUERIES.items()]
    perturbed, counts = perturb_queries(queries, SUITE, rate=0.5, seed=23)
    assert [qid for qid, _ in perturbed] == [qid for qid, _ in queries]
    changed = sum(a != b for (_, a), (_, b) in zip(queries, perturbed))
    assert sum(counts.values()) == len(queries) and len(queries) - counts["unchanged"] == changed
    assert 0.3 * len(queries) <= changed <= 0.7 * len(queries)


def test_noisy_queries_keep_the_source_layout(tmp_path):
    source = tmp_path / "shard~0.jsonl"
    records = [{"passage_id": f"p{i}", "lang": lang, "queries": [text, text + " 2"]}
               for i in range(5) for lang, text in QUERIES.items()]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    from collections import Counter

    counts = Counter()
    noisy = list(noisy_queries(source, SUITE, rate=1.0, seed=29, counts=counts))
    clean = list(iter_generated_queries(source))
    assert [(r.passage_id, r.lang, len(r.queries)) for r in noisy] == [(r.passage_id, r.lang, len(r.queries)) for r in clean]
    assert all(a != b for n, c in zip(noisy, clean) for a, b in zip(n.queries, c.queries))
    assert sum(counts.values()) == 70 and "unchanged" not in counts
    assert list(noisy_queries(source, SUITE, rate=1.0, seed=29)) == noisy  # deterministic
