"""xqg.scoring: top-k Jaccard overlap and the scoring of a run into per-query outcomes (clean and
attacked query sets)."""

from __future__ import annotations

import math

import pytest

from xqg.formats import Question
from xqg.scoring import score_run, top_jaccard


def test_adversarial_sets_are_scored_on_the_questions_they_hold():
    questions = [Question("q1", "x", ("Helsinki",), "fi"), Question("q2", "y", ("Oslo",), "fi")]
    passages = {"p1": "Helsinki is a city", "p2": "Oslo is a city"}
    run = {"q1": [("p1", 1.0)], "q2": [("p2", 1.0)], "q1::greedy@none~1::0": [("p2", 1.0)]}
    outcomes, _ = score_run(run, questions, passages, {}, token_budgets=[5])
    greedy = outcomes[outcomes["query_set"] == "greedy@none"]
    assert greedy["qid"].tolist() == ["q1"] and greedy["hit"].tolist() == [0]
    with pytest.raises(Exception, match="q2"):  # a rule-based set must still hold every question
        score_run({**run, "q1::typo~1::0": [("p1", 1.0)]}, questions, passages, {}, token_budgets=[5])


# --- hand-checked cases -------------------------------------------------------------------------------

def test_top_jaccard_by_hand():
    a, b = ["p1", "p2", "p3", "p4"], ["p3", "p1", "p5", "p6"]
    assert top_jaccard(a, b, depth=3) == pytest.approx(2 / 4)  # {p1, p3} of {p1, p2, p3, p5}
    assert top_jaccard(a, b, depth=4) == pytest.approx(2 / 6)  # {p1, p3} of {p1, ..., p6}
    assert top_jaccard(a, b, depth=1) == 0.0  # {p1} and {p3}
    assert top_jaccard(["p1", "p2"], ["p2", "p1"]) == 1.0  # the same set in another order
    assert top_jaccard([], []) == 1.0
    twelve = [f"p{i}" for i in range(12)]
    assert top_jaccard(twelve, twelve[:10] + ["x", "y"]) == 1.0  # the default depth is 10


PASSAGES = {"p1": "Helsinki is a city", "p2": "Oslo is a city", "p3": "Bergen is a city"}  # 4 tokens each
QUESTIONS = [Question("q1", "x", ("Helsinki",), "fi"), Question("q2", "y", ("Oslo",), "fi")]


def _run(rankings: dict[str, list[str]]) -> dict[str, list[tuple[str, float]]]:
    return {qid: [(pid, float(len(ranking) - rank)) for rank, pid in enumerate(ranking)] for qid, ranking in rankings.items()}


def test_score_run_pairs_attacked_samples_with_their_clean_question():
    run = _run({
        "q1": ["p1", "p3"], "q2": ["p2", "p3"],  # clean: both answers in the first passage
        "q1::typo~1::0": ["p3", "p1"], "q2::typo~1::0": ["p2", "p1"],
        "q1::typo~1::1": ["p1", "p2"], "q2::typo~1::1": ["p3"],
    })
    outcomes, measured = score_run(run, QUESTIONS, PASSAGES, {}, token_budgets=[4, 8])
    assert list(outcomes.columns) == ["lang", "query_set", "attack_budget", "sample", "qid", "token_budget", "hit",
                                      "top_jaccard"]
    hits = outcomes.set_index(["query_set", "attack_budget", "sample", "qid", "token_budget"])["hit"].to_dict()
    assert hits == {
        ("clean", 0, 0, "q1", 4): 1, ("clean", 0, 0, "q1", 8): 1, ("clean", 0, 0, "q2", 4): 1, ("clean", 0, 0, "q2", 8): 1,
        # sample 0: q1's answer passage moved to rank 2, past 4 tokens but within 8
        ("typo", 1, 0, "q1", 4): 0, ("typo", 1, 0, "q1", 8): 1, ("typo", 1, 0, "q2", 4): 1, ("typo", 1, 0, "q2", 8): 1,
        # sample 1: q2 lost its answer passage altogether
        ("typo", 1, 1, "q1", 4): 1, ("typo", 1, 1, "q1", 8): 1, ("typo", 1, 1, "q2", 4): 0, ("typo", 1, 1, "q2", 8): 0,
    }
    assert (outcomes["lang"] == "fi").all()
    # rank stability: each attacked ranking against its own question's clean ranking
    jaccard = outcomes[outcomes["token_budget"] == 4].set_index(["query_set", "sample", "qid"])["top_jaccard"]
    assert math.isnan(jaccard[("clean", 0, "q1")])  # the clean set has no reference ranking
    assert jaccard[("typo", 0, "q1")] == 1.0  # {p3, p1} and {p1, p3}
    assert jaccard[("typo", 0, "q2")] == pytest.approx(1 / 3)  # {p2, p1} and {p2, p3}
    assert jaccard[("typo", 1, "q1")] == pytest.approx(1 / 3)  # {p1, p2} and {p1, p3}
    assert jaccard[("typo", 1, "q2")] == pytest.approx(1 / 2)  # {p3} and {p2, p3}
    assert measured.empty and list(measured.columns) == ["lang", "qid"]  # no standard measures asked for


def test_score_run_without_clean_queries_is_an_error():
    run = _run({"q1::typo~1::0": ["p1"], "q2::typo~1::0": ["p2"]})
    with pytest.raises(ValueError, match=r"^run\.trec: no clean queries in the run$"):
        score_run(run, QUESTIONS, PASSAGES, {}, token_budgets=[4], source="run.trec")
