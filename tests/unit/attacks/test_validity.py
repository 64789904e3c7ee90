"""xqg.attacks.validity: the gate that rejects attacked queries which add or remove an answer, and its
use in attack_query_set (redraws, rejection counts, the summary's rejection rate)."""

from __future__ import annotations

import random

from xqg.attacks import attack_query_set, attack_set_summary
from xqg.attacks.base import perturbation
from xqg.attacks.validity import MAX_DRAWS, answer_change
from xqg.formats import Question


def test_answer_change_adds_removes_and_ignores():
    assert answer_change("Mikä on Oregonin suurin kaupunki?", "Mikä on Portland suurin kaupunki?", ["Portland"]) == \
        "adds the answer 'Portland'"
    assert answer_change("Onko Portlandissa satama?", "Onko Porltandissa satama?", ["portland"]) == \
        "removes the answer 'portland'"
    assert answer_change("Onko Portlandissa satama?", "Onko Portlandissa sataam?", ["Portland"]) is None  # kept
    assert answer_change("Mikä on 5?", "Mikä on 56?", ["5", ""]) is None  # too short to judge
    assert answer_change("ＰＯＲＴＬＡＮＤ?", "Portland!", ["Portland"]) is None  # NFKC and case folded


class LeakyAttack:
    """Appends the answer on most draws and a harmless word otherwise (by the draw's RNG)."""

    name = "leaky"
    languages = frozenset({"fi"})

    def __init__(self, leak_probability: float):
        self.leak_probability = leak_probability

    def __call__(self, query: str, lang: str, budget: int, rng: random.Random):
        word = "Portland" if rng.random() < self.leak_probability else "kysymys"
        return perturbation(query, f"{query} {word}", [f"leaky:append {word}"])


QUESTIONS = [Question(f"q{i}", "Mikä on Oregonin suurin kaupunki?", ("Portland",), "fi") for i in range(40)]


def test_rejected_draws_are_redrawn_and_counted():
    records = attack_query_set(QUESTIONS, LeakyAttack(0.5), budget=1, n_samples=3, seed=0)
    assert all("Portland" not in r.text for r in records)
    assert {r.rejected for r in records} > {0}  # some samples needed a redraw
    kept = [r for r in records if r.changed]
    assert all(r.text.endswith("kysymys") for r in kept)
    unresolved = [r for r in records if not r.changed]
    assert all(r.rejected == MAX_DRAWS and r.text == r.original for r in unresolved)
    summary = attack_set_summary(records)["fi"]
    total_rejected = sum(r.rejected for r in records)
    draws = total_rejected + len(records) - len(unresolved)  # the kept draw of each resolved record
    assert summary.rejection_rate == total_rejected / draws
    assert 0.3 < summary.rejection_rate < 0.7  # about half of the draws leak


def test_an_attack_that_always_leaks_changes_nothing_and_every_draw_is_rejected():
    records = attack_query_set(QUESTIONS[:5], LeakyAttack(1.0), budget=1, n_samples=2, seed=0)
    assert not any(r.changed for r in records) and all(r.rejected == MAX_DRAWS for r in records)
    assert attack_set_summary(records)["fi"].rejection_rate == 1.0


def test_a_valid_attack_draws_once_and_its_records_are_unchanged_by_the_gate():
    never = attack_query_set(QUESTIONS, LeakyAttack(0.0), budget=1, n_samples=2, seed=0)
    assert all(r.changed and r.rejected == 0 for r in never)
    assert attack_set_summary(never)["fi"].rejection_rate == 0.0
