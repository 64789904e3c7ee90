"""xqg.attacks.greedy_search: unit edits, the greedy search (budget, query allowance, one search for every
budget), worst-of-n and the gold-margin objective (hand-checked numbers)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import regex

from tests.helpers.attack_examples import QUERIES
from xqg.attacks import attack_query_set, greedy_attack, typo_candidates, worst_of_n
from xqg.attacks.greedy_search import gold_margin, greedy_search, unit_editor
from xqg.attacks.segmentation import words
from xqg.formats import Question


@pytest.mark.parametrize("lang", sorted(QUERIES))
def test_unit_edits_change_one_word_and_keep_the_word_count(lang):
    query = QUERIES[lang]
    before = words(query, lang)
    editor = unit_editor(["typo", "homoglyph"], 3, seed=5)
    for index in range(len(before)):
        candidates = editor(query, lang, index, random.Random(0))
        assert len(candidates) <= 6 and len({text for text, _ in candidates}) == len(candidates)
        for text, description in candidates:
            assert text != query and f"in word {index + 1}" in description
            after = words(text, lang)
            if lang == "ja":
                continue  # a kana typo can move MeCab's word boundaries; greedy drops those that change the count
            assert len(after) == len(before)
            assert [w.text for i, w in enumerate(after) if i != index] == [w.text for i, w in enumerate(before) if i != index]
        # the same state gives the same candidates whatever rng greedy passes (fair across systems)
        assert editor(query, lang, index, random.Random(99)) == candidates


def test_unit_editor_refuses_unknown_families():
    with pytest.raises(ValueError, match="unit edit families"):
        unit_editor(["typo", "synonym"], 3, 0)
    with pytest.raises(ValueError, match="positive"):
        unit_editor(["typo"], 0, 0)


class CountingScore:
    """Higher while 'Sibelius' and the other words stay intact; counts the texts it scores."""

    def __init__(self):
        self.calls = 0

    def __call__(self, texts):
        self.calls += len(texts)
        intact = {"Milloin", "Jean", "syntyi", "Sibelius"}
        return [sum(w in t.replace("?", " ").split() for w in intact) + 2.0 * ("Sibelius" in t) for t in texts]


@pytest.mark.parametrize("budget", [1, 2, 3])
def test_greedy_respects_budget_and_counts_its_queries(budget):
    score = CountingScore()
    editor = unit_editor(["typo"], 3, seed=1)
    trace = greedy_search(QUERIES["fi"], "fi", budget, score, editor, random.Random(0))
    result, final, spent = trace.at_budget(budget)
    assert result.units_changed == len(result.edits) <= budget and result.changed
    assert spent == trace.queries == score.calls
    assert len(words(result.text, "fi")) == 4 and final < trace.clean_score
    assert "Sibelius" not in result.text  # the most important word is edited first


def test_one_search_serves_every_smaller_budget():
    editor = unit_editor(["typo", "homoglyph"], 2, seed=3)
    trace = greedy_search(QUERIES["fi"], "fi", 3, CountingScore(), editor, random.Random(0))
    for budget in (1, 2, 3):
        alone = greedy_attack(QUERIES["fi"], "fi", budget, CountingScore(), editor, random.Random(0))
        assert trace.at_budget(budget)[0] == alone


def test_query_allowance_caps_the_edit_phase():
    score = CountingScore()
    editor = unit_editor(["typo", "homoglyph"], 3, seed=1)
    trace = greedy_search(QUERIES["fi"], "fi", 4, score, editor, random.Random(0), max_queries=5)
    assert score.calls == trace.queries == 1 + 4 + 5  # clean + leave-one-out (4 words) + the allowance
    with pytest.raises(ValueError):
        greedy_search(QUERIES["fi"], "fi", 1, score, editor, random.Random(0), max_queries=0)


def test_gold_margin_by_hand():
    queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    passages = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.8, 0.1]])
    gold = np.array([True, False, False, False])
    # query 1 scores [1, .5, 0, .8]; query 2 scores [0, .5, 1, .1]
    np.testing.assert_allclose(gold_margin(queries, passages, gold, 1), [1 - 0.8, 0 - 1])
    np.testing.assert_allclose(gold_margin(queries, passages, gold, 2), [1 - 0.5, 0 - 0.5])
    two_golds = np.array([True, False, True, False])  # the best gold counts: query 2 -> 1 - .5
    np.testing.assert_allclose(gold_margin(queries, passages, two_golds, 1), [1 - 0.8, 1 - 0.5])
    with pytest.raises(ValueError, match="non-gold"):
        gold_margin(queries, passages, gold, 4)
    with pytest.raises(ValueError, match="gold passage"):
        gold_margin(queries, passages, np.zeros(4, dtype=bool), 1)


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
