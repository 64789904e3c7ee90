"""xqg.evaluation: R@kt against the official scorer's outputs, the XOR predictions reader and
ir_measures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers.paths import DATA, XOR_DEV
from xqg.evaluation import (
    predictions_as_rankings,
    rankings_from_run,
    read_xor_predictions,
    recall_at_k_tokens,
    standard_measures,
    summarise_recall,
)
from xqg.formats import InputFormatError, Question, read_questions

VECTORS = DATA / "xor_eval_vectors"
SHARED_DEV = XOR_DEV


def split_words(text: str) -> list[str]:
    return text.split()


def vector_outcomes(cases) -> dict[tuple[str, int], int]:
    return {(case["qid"], int(budget)): hit for case in cases if case["official"] for budget, hit in case["official"].items()}


def our_outcomes(frame: pd.DataFrame) -> dict[tuple[str, int], int]:
    return {(row.qid, row.token_budget): row.hit for row in frame.itertuples()}


def test_recall_at_k_tokens_agrees_with_official_scorer_on_synthetic_cases():
    data = json.loads((VECTORS / "synthetic.json").read_text(encoding="utf-8"))
    questions = [Question(q["id"], q["question"], tuple(q["answers"]), q["lang"], q["split"]) for q in data["questions"]]
    by_id = {q.id: q for q in questions}
    expected = vector_outcomes(data["cases"])
    ours: dict[tuple[str, int], int] = {}
    for budgets in {tuple(case["budgets"]) for case in data["cases"]}:  # one call per budget set
        cases = [case for case in data["cases"] if tuple(case["budgets"]) == budgets]
        frame = recall_at_k_tokens([by_id[c["qid"]] for c in cases], {c["qid"]: c["ranking"] for c in cases},
                                   data["passages"], budgets, progress=False)
        ours.update(our_outcomes(frame))
    skipped = {case["qid"] for case in data["cases"] if case["official"] is None}
    assert skipped and not any(qid in skipped for qid, _ in ours)
    assert len(expected) > 1000 and 0 < sum(expected.values()) < len(expected)
    assert ours == expected


@pytest.mark.slow  # about 10 s: 2110 questions, most with a passage of their own to tokenise
@pytest.mark.skipif(not SHARED_DEV.exists(), reason=f"XOR-TyDi dev questions not found at {SHARED_DEV}")
def test_recall_at_k_tokens_agrees_with_official_scorer_on_real_dev_questions():
    passages = json.loads((VECTORS / "synthetic.json").read_text(encoding="utf-8"))["passages"]
    data = json.loads((VECTORS / "real_dev.json").read_text(encoding="utf-8"))
    questions = {q.id: q for q in read_questions(SHARED_DEV)}
    texts = dict(passages)
    rankings: dict[str, list[str]] = {}
    for case in data["cases"]:
        ranking = []
        for item in case["ranking"]:
            if item.startswith("plant:"):  # that passage with the question's answer inserted (see build_vectors.py)
                _, pid, word, answer = item.split(":")
                words = passages[pid].split(" ")
                texts[f"{item}@{case['qid']}"] = " ".join(words[: int(word)] + [questions[case["qid"]].answers[int(answer)]] + words[int(word) :])
                item = f"{item}@{case['qid']}"
            ranking.append(item)
        rankings[case["qid"]] = ranking
    expected = vector_outcomes(data["cases"])
    ours: dict[tuple[str, int], int] = {}
    for budgets in {tuple(case["budgets"]) for case in data["cases"]}:
        ids = [case["qid"] for case in data["cases"] if tuple(case["budgets"]) == budgets]
        frame = recall_at_k_tokens([questions[qid] for qid in ids], {qid: rankings[qid] for qid in ids}, texts, budgets, progress=False)
        ours.update(our_outcomes(frame))
    assert len(data["cases"]) == 2110
    assert ours == expected


PASSAGES = {"p1": "alpha beta gamma", "p2": "delta epsilon", "p3": "Zeta eta theta iota", "blank": "  "}
QUESTIONS = [
    Question("q1", "?", ("gamma delta",), "fi"),      # tokens 3-4: a hit from N=4 on
    Question("q2", "?", ("yes", "no"), "fi"),         # no span answer: never counted
    Question("q3", "?", ("yes", "zeta"), "ja"),       # case-sensitive: "Zeta" is not "zeta"
    Question("q4", "?", ("eps",), "ja"),              # raw substring of token 5
]
RANKINGS = {"q1": ["p1", "blank", "p2", "p3"], "q2": ["p1"], "q3": ["p1", "p2", "p3"], "q4": ["p3", "p2"]}


def test_recall_at_k_tokens_hand_checked_budgets():
    frame = recall_at_k_tokens(QUESTIONS, RANKINGS, PASSAGES, (3, 4, 6), tokenizer=split_words, progress=False)
    assert list(frame.columns) == ["qid", "lang", "token_budget", "hit"]
    got = {(r.qid, r.token_budget): r.hit for r in frame.itertuples()}
    # q1: N=3 -> "alpha beta gamma" (miss); N=4 -> "alpha beta gamma delta" (hit); the blank passage adds nothing.
    # q4: N=4 -> "Zeta eta theta iota" (miss); N=6 -> "Zeta eta theta iota delta epsilon" (hit: "eps").
    assert got == {("q1", 3): 0, ("q1", 4): 1, ("q1", 6): 1, ("q3", 3): 0, ("q3", 4): 0, ("q3", 6): 0,
                   ("q4", 3): 0, ("q4", 4): 0, ("q4", 6): 1}


def test_each_passage_is_tokenised_once():
    calls: list[str] = []

    def counting(text: str) -> list[str]:
        calls.append(text)
        return text.split()

    recall_at_k_tokens(QUESTIONS, RANKINGS, PASSAGES, (2, 100), tokenizer=counting, progress=False)
    assert sorted(calls) == sorted(PASSAGES.values())


def test_missing_ranking_policies():
    rankings = {"q1": RANKINGS["q1"], "q4": RANKINGS["q4"]}  # q3 has none (q2 is never counted)
    with pytest.raises(ValueError, match=r"run\.trec: no ranking for question 'q3'"):
        recall_at_k_tokens(QUESTIONS, rankings, PASSAGES, (4,), tokenizer=split_words, source="run.trec", progress=False)
    miss = recall_at_k_tokens(QUESTIONS, rankings, PASSAGES, (4,), "miss", tokenizer=split_words, progress=False)
    skip = recall_at_k_tokens(QUESTIONS, rankings, PASSAGES, (4,), "skip", tokenizer=split_words, progress=False)
    assert miss.set_index("qid")["hit"].to_dict() == {"q1": 1, "q3": 0, "q4": 0}
    assert skip.set_index("qid")["hit"].to_dict() == {"q1": 1, "q4": 0}


@pytest.mark.parametrize(("rankings", "message"), [
    ({**RANKINGS, "q9": ["p1"]}, "ranking for question 'q9', which is not in the question set"),
    ({**RANKINGS, "q1": []}, "empty ranking for question 'q1'"),
    ({**RANKINGS, "q1": ["p1", "nope"]}, "question 'q1' ranks passage 'nope', which has no text"),
])
def test_bad_rankings_are_errors_naming_the_question(rankings, message):
    with pytest.raises(ValueError, match=message):
        recall_at_k_tokens(QUESTIONS, rankings, PASSAGES, (100,), tokenizer=split_words, progress=False)


def test_language_disagreement_is_an_error():
    with pytest.raises(ValueError, match="question 'q1' has language 'ja'"):
        recall_at_k_tokens(QUESTIONS, RANKINGS, PASSAGES, (4,), tokenizer=split_words,
                           ranking_languages={"q1": "ja"}, progress=False)


def test_summarise_recall_macro_average():
    per_query = pd.DataFrame({
        "qid": ["a", "b", "c", "d", "a", "b", "c", "d"],
        "lang": ["fi", "fi", "fi", "te"] * 2,
        "token_budget": [2000] * 4 + [5000] * 4,
        "hit": [1, 0, 0, 1, 1, 1, 0, 1],
    })
    table = summarise_recall(per_query).set_index(["token_budget", "lang"])
    assert table.loc[(2000, "fi"), "score"] == pytest.approx(100 / 3)
    assert table.loc[(2000, "te"), "score"] == 100.0
    assert table.loc[(2000, "avg"), "score"] == pytest.approx((100 / 3 + 100) / 2)  # macro, not 50.0 micro
    assert table.loc[(5000, "avg"), "score"] == pytest.approx((200 / 3 + 100) / 2)
    assert table.loc[(2000, "avg"), "questions"] == 4 and table.loc[(2000, "avg"), "hits"] == 2
    assert list(summarise_recall(per_query)["lang"]) == ["fi", "te", "avg", "fi", "te", "avg"]


def write_json(path: Path, records) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_read_xor_predictions_round_trip(tmp_path):
    path = write_json(tmp_path / "pred.json", [
        {"id": "q1", "lang": "fi", "ctxs": ["alpha beta gamma", "delta epsilon"], "extra": 1},
        {"id": "q3", "lang": "ja", "ctxs": ["delta epsilon"]},
    ])
    predictions = read_xor_predictions(path)
    rankings, texts, languages = predictions_as_rankings(predictions)
    assert rankings == {"q1": ["t0", "t1"], "q3": ["t1"]}
    assert texts == {"t0": "alpha beta gamma", "t1": "delta epsilon"}
    frame = recall_at_k_tokens([QUESTIONS[0], QUESTIONS[2]], rankings, texts, (4,), tokenizer=split_words,
                               ranking_languages=languages, progress=False)
    assert frame["hit"].tolist() == [1, 0]


@pytest.mark.parametrize(("records", "message"), [
    ([{"id": "q1", "lang": "fi", "ctxs": ["a"]}, {"id": "q1", "lang": "fi", "ctxs": ["b"]}], r"question 'q1'.*duplicate id"),
    ([{"id": "q1", "ctxs": ["a"]}], r"question 'q1'.*missing language"),
    ([{"id": "q1", "lang": "xx", "ctxs": ["a"]}], "unknown language code 'xx'"),
    ([{"id": "q1", "lang": "fi", "ctxs": []}], r"question 'q1'.*empty ranking"),
    ([{"id": "q1", "lang": "fi", "ctxs": [{"text": "a"}]}], "list of passage texts"),
    ({"q1": []}, "expected a JSON list"),
])
def test_read_xor_predictions_errors_name_file_and_id(tmp_path, records, message):
    path = write_json(tmp_path / "pred.json", records)
    with pytest.raises(InputFormatError, match=message) as error:
        read_xor_predictions(path)
    assert str(path) in str(error.value)


def test_read_xor_predictions_rejects_invalid_utf8(tmp_path):
    path = tmp_path / "pred.json"
    path.write_bytes(b'[{"id": "q1", "lang": "fi",\n "ctxs": ["caf\xe9"]}]')
    with pytest.raises(InputFormatError, match=r"pred\.json, line 2: invalid UTF-8"):
        read_xor_predictions(path)


def test_standard_measures_hand_checked():
    run = {"q1": [("a", 3.0), ("b", 2.0), ("c", 1.0)], "q2": [("x", 2.0), ("y", 1.0)], "unjudged": [("a", 1.0)]}
    qrels = {"q1": {"b": 1, "c": 1, "z": 1}, "q2": {"x": 1}}
    frame = standard_measures(run, qrels, ("R@2", "RR@10", "nDCG@10"))
    assert frame["qid"].tolist() == ["q1", "q2"]
    q1 = frame.set_index("qid").loc["q1"]
    assert q1["R@2"] == pytest.approx(1 / 3)          # b of {b, c, z} in the top 2
    assert q1["RR@10"] == pytest.approx(1 / 2)         # first relevant at rank 2
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert q1["nDCG@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    assert frame.set_index("qid").loc["q2"].tolist() == [1.0, 1.0, 1.0]
    assert rankings_from_run(run)["q1"] == ["a", "b", "c"]


def test_standard_measures_missing_query():
    run = {"q1": [("b", 1.0)]}
    qrels = {"q1": {"b": 1}, "q2": {"x": 1}}
    with pytest.raises(ValueError, match="no ranking for query 'q2'"):
        standard_measures(run, qrels, ("R@20",))
    assert standard_measures(run, qrels, ("R@20",), missing="miss")["R@20"].tolist() == [1.0, 0.0]
    assert standard_measures(run, qrels, ("R@20",), missing="skip")["qid"].tolist() == ["q1"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="duplicate question ids: \\['q1'\\]"):
        recall_at_k_tokens([QUESTIONS[0], QUESTIONS[0]], RANKINGS, PASSAGES, (4,), tokenizer=split_words, progress=False)
    with pytest.raises(ValueError, match="missing must be one of"):
        recall_at_k_tokens(QUESTIONS, RANKINGS, PASSAGES, (4,), "ignore", tokenizer=split_words, progress=False)
    with pytest.raises(ValueError, match="positive"):
        recall_at_k_tokens(QUESTIONS, RANKINGS, PASSAGES, (0,), tokenizer=split_words, progress=False)
