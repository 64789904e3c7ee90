"""The greedy black-box attack wired into the workflow: unit edits, the gold-margin objective, the
per-system driver, scoring of adversarial query sets, and the transfer table (hand-checked numbers)."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pandas as pd
import pytest

from xqg.attacks.greedy_systems import CachedEncoder, GreedySettings, Target, attack_systems, exact_targets, pool_targets, select_questions
from xqg.attacks.greedy_search import gold_margin, greedy_attack, greedy_search, unit_editor
from xqg.attacks.bad_characters import homoglyph_candidates
from xqg.attacks.segmentation import words
from xqg.attacks.typo import typo_candidates
from xqg.formats import Question
from xqg.query_sets import adversarial_query_set, adversarial_source, parse_query_id
from xqg.reporting.transfer import adaptive_attack_rows, transfer_display, transfer_scores, write_transfer_table
from xqg.scoring import score_run

QUERIES = {
    "ar": "ما هي عاصمة مصر؟",
    "bn": "বাংলাদেশের রাজধানীর নাম কী ?",
    "fi": "Milloin Jean Sibelius syntyi?",
    "ja": "日本の首都はどこですか？",
    "ko": "대한민국의 수도는 어디입니까?",
    "ru": "Где находится озеро Байкал?",
    "te": "భారతదేశ రాజధాని ఏది?",
}


# --- unit edits ---------------------------------------------------------------------------------------

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


def test_homoglyph_candidates_by_hand():
    candidates = homoglyph_candidates("Где озеро", "ru", 0, random.Random(0), n=5)
    assert candidates == [("Гдe озеро", "homoglyph:substitute 'е' U+0435 -> U+0065 in word 1")]
    assert homoglyph_candidates("বাংলাদেশের নাম", "bn", 0, random.Random(0)) == []  # no Bengali confusables
    korean = homoglyph_candidates("수도", "ko", 0, random.Random(0), n=1)
    assert len(korean) == 1 and len(korean[0][0]) > 2  # a syllable written as conjoining jamo
    assert len(homoglyph_candidates("aaaa", "fi", 0, random.Random(0), n=2)) == 2


def test_unit_editor_refuses_unknown_families():
    with pytest.raises(ValueError, match="unit edit families"):
        unit_editor(["typo", "synonym"], 3, 0)
    with pytest.raises(ValueError, match="positive"):
        unit_editor(["typo"], 0, 0)


# --- greedy search: budget, query allowance, one search for every budget -------------------------------

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


# --- the objective ---------------------------------------------------------------------------------

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


# --- naming and scoring of adversarial query sets --------------------------------------------------------

def test_adversarial_query_set_names_round_trip_through_run_ids():
    name = adversarial_query_set("greedy", "mt5")
    assert name == "greedy@mt5" and adversarial_source(name) == ("greedy", "mt5")
    assert adversarial_source("typo") is None and adversarial_source("clean") is None
    assert parse_query_id(f"q1::{name}~2::0") == ("q1", "greedy@mt5", 2, 0)
    with pytest.raises(ValueError):
        adversarial_query_set("greedy", "a~b")


def test_adversarial_sets_are_scored_on_the_questions_they_hold():
    questions = [Question("q1", "x", ("Helsinki",), "fi"), Question("q2", "y", ("Oslo",), "fi")]
    passages = {"p1": "Helsinki is a city", "p2": "Oslo is a city"}
    run = {"q1": [("p1", 1.0)], "q2": [("p2", 1.0)], "q1::greedy@none~1::0": [("p2", 1.0)]}
    outcomes, _ = score_run(run, questions, passages, {}, token_budgets=[5])
    greedy = outcomes[outcomes["query_set"] == "greedy@none"]
    assert greedy["qid"].tolist() == ["q1"] and greedy["hit"].tolist() == [0]
    with pytest.raises(Exception, match="q2"):  # a rule-based set must still hold every question
        score_run({**run, "q1::typo~1::0": [("p1", 1.0)]}, questions, passages, {}, token_budgets=[5])


# --- reports: adaptive rows and the transfer table (hand-checked) --------------------------------------

SYSTEMS = {"none": (0, 0.0), "mt5": (5, 0.01)}
HITS = {  # (lang, system searched, query set) -> hits of the questions
    ("fi", "none", "clean"): {"q1": 1, "q2": 1, "q5": 0},
    ("fi", "mt5", "clean"): {"q1": 1, "q2": 0, "q5": 0},
    ("fi", "none", "greedy@none"): {"q1": 0, "q2": 1},
    ("fi", "mt5", "greedy@none"): {"q1": 1, "q2": 0},
    ("fi", "none", "greedy@mt5"): {"q1": 1, "q2": 1},
    ("fi", "mt5", "greedy@mt5"): {"q1": 0, "q2": 0},
    ("ru", "none", "clean"): {"q3": 1, "q4": 0},
    ("ru", "mt5", "clean"): {"q3": 1, "q4": 1},
    ("ru", "none", "greedy@none"): {"q3": 0, "q4": 0},
    ("ru", "mt5", "greedy@none"): {"q3": 1, "q4": 1},
    ("ru", "none", "greedy@mt5"): {"q3": 0, "q4": 0},
    ("ru", "mt5", "greedy@mt5"): {"q3": 0, "q4": 1},
}


def _outcomes() -> pd.DataFrame:
    rows = []
    for (lang, system, query_set), hits in HITS.items():
        k, alpha = SYSTEMS[system]
        for qid, hit in hits.items():
            rows.append({"dataset": "d", "backbone": "b", "regime": "zero-shot", "generator": system, "k": k,
                         "alpha": alpha, "lang": lang, "query_set": query_set,
                         "attack_budget": 0 if query_set == "clean" else 1, "sample": 0, "qid": qid,
                         "token_budget": 50, "hit": hit, "top_jaccard": np.nan if query_set == "clean" else 0.5})
    return pd.DataFrame(rows)


def test_transfer_table_by_hand(tmp_path):
    scores = transfer_scores(_outcomes(), k=5, alpha=0.01)
    cell = scores.set_index(["lang", "source", "target"])
    # fi, crafted against none: on none clean 100 (q1, q2; q5 was not attacked) -> 50; on mt5 clean 50 -> 50
    assert cell.loc[("fi", "none", "none"), ["clean", "attacked", "drop"]].tolist() == [100, 50, 50]
    assert cell.loc[("fi", "none", "mt5"), ["clean", "attacked", "drop"]].tolist() == [50, 50, 0]
    assert cell.loc[("ru", "mt5", "none"), ["clean", "attacked", "drop"]].tolist() == [50, 0, 50]
    # macro averages over fi and ru
    assert cell.loc[("avg", "none", "none"), ["clean", "attacked", "drop"]].tolist() == [75, 25, 50]
    assert cell.loc[("avg", "mt5", "none"), ["clean", "attacked", "drop"]].tolist() == [75, 50, 25]
    assert cell.loc[("avg", "mt5", "mt5"), ["clean", "attacked", "drop"]].tolist() == [75, 25, 50]
    assert cell.loc[("avg", "none", "mt5"), "n_queries"] == 4 and cell.loc[("avg", "none", "mt5"), "n_languages"] == 2
    assert scores.loc[scores["adaptive"], ["source"]].eq(scores.loc[scores["adaptive"], ["target"]].to_numpy()).all().all()
    display = transfer_display(scores)
    assert display.columns.tolist()[-3:] == ["crafted against", "standard", "+xQG (mt5)"]
    assert display.set_index("crafted against").loc["+xQG (mt5)", "standard"] == "50.00 (-25.00)"
    assert display.set_index("crafted against").loc["standard", "+xQG (mt5)"] == "75.00 (+0.00)"
    write_transfer_table(_outcomes(), tmp_path / "adversarial_transfer", k=5, alpha=0.01)
    assert "diagonal is the adaptive attack" in (tmp_path / "adversarial_transfer.md").read_text(encoding="utf-8")
    assert (tmp_path / "adversarial_transfer.tex").exists() and (tmp_path / "adversarial_transfer.csv").exists()


def test_transfer_table_needs_adversarial_sets():
    outcomes = _outcomes()
    with pytest.raises(ValueError, match="no adversarial query sets"):
        transfer_scores(outcomes[outcomes["query_set"] == "clean"], k=5, alpha=0.01)


def test_adaptive_rows_keep_each_system_on_its_own_set():
    kept = adaptive_attack_rows(_outcomes())
    attacked = kept[kept["query_set"] != "clean"]
    assert set(attacked["query_set"]) == {"greedy"}
    own = attacked.set_index(["lang", "generator", "qid"])["hit"]
    assert own[("fi", "none", "q1")] == 0 and own[("fi", "mt5", "q2")] == 0 and own[("ru", "mt5", "q4")] == 1
    assert len(attacked) == 8  # 4 attacked questions x 2 systems, transfers left out
    assert adaptive_attack_rows(kept[kept["query_set"] == "clean"]).equals(kept[kept["query_set"] == "clean"])


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


def test_robustness_table_reports_the_adaptive_attack():
    from xqg.reporting.robustness import robustness_table

    table = robustness_table(_outcomes(), k=5, alpha=0.01, n_resamples=100).set_index(["lang", "generator"])
    assert set(table["attack"]) == {"greedy"}
    # each system on the set crafted against it: fi none 100 -> 50, fi mt5 50 -> 0 (hand-checked above)
    assert table.loc[("fi", "none"), ["clean", "attacked"]].tolist() == [100, 50]
    assert table.loc[("fi", "mt5"), ["clean", "attacked"]].tolist() == [50, 0]
