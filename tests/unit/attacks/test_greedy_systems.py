"""xqg.attacks.greedy_systems: the greedy attack against each system (gold-margin targets, the cached
encoder, question selection, settings) and the query sets it writes."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from tests.helpers.attack_examples import QUERIES
from xqg.attacks.greedy_search import gold_margin
from xqg.attacks.greedy_systems import CachedEncoder, GreedySettings, Target, attack_systems, exact_targets, pool_targets, select_questions
from xqg.formats import Question


def _embed(text: str, dim: int = 32) -> np.ndarray:
    """Hashed character bigrams, L2-normalised: a deterministic stand-in for a query encoder."""
    vector = np.zeros(dim, dtype=np.float32)
    padded = f" {text} "
    for i in range(len(padded) - 1):
        vector[zlib.crc32(padded[i : i + 2].encode()) % dim] += 1
    return vector / np.linalg.norm(vector)


def _encode(texts):
    return np.stack([_embed(t) for t in texts])


PASSAGE_TEXTS = ["Jean Sibelius syntyi 1865", "Sibelius oli säveltäjä", "Milloin Helsinki perustettiin", "Jean Paul Sartre"]
PASSAGE_IDS = ["p0", "p1", "p2", "p3"]


def test_targets_exact_and_pool_agree_when_the_pool_holds_everything():
    questions = [Question("q1", QUERIES["fi"], ("1865",), "fi"), Question("q2", "Kuka oli Sibelius?", ("säveltäjä",), "fi")]
    qrels = {"q1": {"p0": 1}, "q2": {"p1": 1, "p3": 0}}  # relevance 0 is not gold
    vectors = _encode(PASSAGE_TEXTS)
    shards = [(PASSAGE_IDS[:2], vectors[:2]), (PASSAGE_IDS[2:], vectors[2:])]
    exact = exact_targets(shards, questions, qrels, "none")
    assert exact[0].gold.tolist() == [True, False, False, False] and exact[1].gold.tolist() == [False, True, False, False]
    clean = _encode([q.text for q in questions])
    pooled = pool_targets(shards, questions, qrels, clean, 4, {"depth": 100}, "none")
    for e, p, q in zip(exact, pooled, clean):
        assert p.gold.sum() == 1 and p.gold[0] and len(p.passages) == 4  # gold first, then the rest of the top 4
        assert gold_margin(q[None], e.passages, e.gold)[0] == pytest.approx(gold_margin(q[None], p.passages, p.gold)[0])
    small = pool_targets(shards, questions, qrels, clean, 1, {"depth": 100}, "none")
    assert all(len(t.passages) in (1, 2) for t in small)  # gold + the top 1 (which may be the gold itself)
    with pytest.raises(ValueError, match="not in its index"):
        exact_targets(shards, questions, {"q1": {"p9": 1}, "q2": {"p1": 1}}, "none")


def test_score_callback_is_the_gold_margin_of_each_system():
    questions = [Question("q1", QUERIES["fi"], ("1865",), "fi")]
    vectors = _encode(PASSAGE_TEXTS)
    plain = [Target(vectors, np.array([True, False, False, False]))]
    other = [Target(vectors * np.array([[1.0], [1.0], [3.0], [1.0]], dtype=np.float32), plain[0].gold)]  # p2 boosted
    settings = GreedySettings(edits=("typo",), candidates_per_unit=3, query_budget=9, objective_rank=1, seed=2)
    records, per_question = attack_systems(questions, {"none": plain, "mt5": other}, _encode, settings, [1, 2],
                                           progress=False)
    clean = _encode([QUERIES["fi"]])
    by_system = per_question.set_index(["system", "budget"])
    assert by_system.loc[("none", 1), "clean_margin"] == pytest.approx(gold_margin(clean, vectors, plain[0].gold)[0], abs=1e-5)
    assert by_system.loc[("mt5", 1), "clean_margin"] == pytest.approx(
        gold_margin(clean, other[0].passages, other[0].gold)[0], abs=1e-5)
    for (system, budget), attacked in records.items():
        (record,) = attacked
        assert record.attack == f"greedy@{system}" and record.budget == budget and record.sample == 0
        assert record.units_changed <= budget
        row = by_system.loc[(system, budget)]
        text_margin = gold_margin(_encode([record.text]), (plain if system == "none" else other)[0].passages, plain[0].gold)[0]
        assert row["margin"] == pytest.approx(text_margin, abs=1e-5) and row["margin"] <= row["clean_margin"]
        assert row["queries"] <= 1 + 4 + settings.query_budget


def test_cached_encoder_encodes_each_text_once_and_rounds_to_float16(monkeypatch):
    calls = []

    def fake_encode_texts(texts, spec, **options):
        calls.append(list(texts))
        return np.array([[len(t) + 1 / 3, 1.0] for t in texts], dtype=np.float32)

    monkeypatch.setattr("xqg.encoding.encode_texts", fake_encode_texts)
    encode = CachedEncoder(spec=None)
    first = encode(["ab", "abc", "ab"])
    assert calls == [["ab", "abc"]] and first.shape == (3, 2)
    assert first[0, 0] == np.float32(np.float16(2 + 1 / 3)) != np.float32(2 + 1 / 3)  # as stored for search
    encode(["abc", "abcd"])
    assert calls[-1] == ["abcd"] and encode.encoded == 3
    encode.clear()
    encode(["ab"])
    assert calls[-1] == ["ab"]


def test_select_questions_keeps_answerable_questions_with_gold_in_file_order():
    questions = [Question(f"q{i}", "x", ("yes",) if i == 3 else ("a",), "fi") for i in range(8)]
    qrels = {f"q{i}": {"p": 1} for i in range(8) if i != 5}
    eligible = select_questions(questions, qrels, None, seed=0)
    assert [q.id for q in eligible] == ["q0", "q1", "q2", "q4", "q6", "q7"]
    some = select_questions(questions, qrels, 3, seed=0)
    assert len(some) == 3 and [q.id for q in some] == sorted(q.id for q in some)
    assert some == select_questions(questions, qrels, 3, seed=0)


def test_settings_from_config_name_unknown_keys():
    settings = GreedySettings.from_config({"edits": ["typo"], "query_budget": 5, "pool_depth": None, "seed": 1})
    assert settings.edits == ("typo",) and settings.query_budget == 5
    with pytest.raises(ValueError, match="unknown key"):
        GreedySettings.from_config({"budget": 3})


@pytest.mark.parametrize("pool_depth", [None, 3])
def test_run_greedy_attack_writes_one_query_set_per_system_and_budget(tmp_path, pool_depth):
    from xqg.attacks.greedy_systems import run_greedy_attack
    from xqg.attacks import read_attacked_queries
    from xqg.query_sets import attacked_run_queries
    from xqg.vectors import write_vectors

    vectors = _encode(PASSAGE_TEXTS)
    write_vectors(tmp_path / "plain.npy", PASSAGE_IDS, vectors)
    write_vectors(tmp_path / "fused~0.npy", PASSAGE_IDS[:2], vectors[:2] + 0.01)
    write_vectors(tmp_path / "fused~1.npy", PASSAGE_IDS[2:], vectors[2:])
    questions = [Question("q1", QUERIES["fi"], ("1865",), "fi"), Question("q2", "Kuka oli Sibelius?", ("säveltäjä",), "fi"),
                 Question("q3", "Mikä on Suomen pääkaupunki?", ("Helsinki",), "fi")]  # q3: no gold, not attacked
    qrels = {"q1": {"p0": 1}, "q2": {"p1": 1}}
    outputs = {f"greedy@{s}~{b}": tmp_path / f"greedy@{s}~{b}.jsonl" for s in ("none", "mt5") for b in (1, 2)}
    settings = GreedySettings(edits=("typo", "homoglyph"), candidates_per_unit=2, query_budget=6, pool_depth=pool_depth, seed=4)
    summary = run_greedy_attack(
        questions=questions, qrels=qrels, systems={"none": [tmp_path / "plain.npy"], "mt5": [tmp_path / "fused~0.npy", tmp_path / "fused~1.npy"]},
        encode=_encode, settings=settings, budgets=[1, 2], search_settings={"depth": 100}, outputs=outputs,
        summary_path=tmp_path / "summary.csv", context={"backbone": "b", "regime": "zero-shot", "lang": "fi"}, progress=False)
    for name, path in outputs.items():
        records = read_attacked_queries(path)
        assert [r.qid for r in records] == ["q1", "q2"] and {r.attack for r in records} == {name.split("~")[0]}
        ids = [qid for qid, _ in attacked_run_queries(path)]
        assert ids == [f"q1::{name}::0", f"q2::{name}::0"]
    written = pd.read_csv(tmp_path / "summary.csv")
    assert written[["backbone", "regime", "lang", "attack", "budget"]].values.tolist() == [
        ["b", "zero-shot", "fi", "greedy@mt5", 1], ["b", "zero-shot", "fi", "greedy@mt5", 2],
        ["b", "zero-shot", "fi", "greedy@none", 1], ["b", "zero-shot", "fi", "greedy@none", 2]]
    assert (written["questions"] == 2).all() and (written["max_queries"] <= 1 + 5 + 6).all()
    assert (written["attacked_margin"] <= written["clean_margin"]).all() and len(summary) == 4
