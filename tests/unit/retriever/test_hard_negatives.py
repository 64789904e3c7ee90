"""xqg.retriever.hard_negatives: BM25 hard-negative mining."""

from __future__ import annotations

import pytest

from xqg.formats import InputFormatError, Passage
from xqg.retriever.hard_negatives import first_sentence, mine_bm25_negatives


PASSAGES = [
    Passage("p1", "Helsinki", "Helsinki is the capital of Finland. It lies on the Gulf of Finland."),
    Passage("p2", "Espoo", "Espoo is a city in Finland next to Helsinki, the capital."),
    Passage("p3", "Tampere", "Tampere is a city in Finland. Helsinki is far away."),
    Passage("p4", "Oslo", "Oslo is the capital of Norway."),
    Passage("p5", "Cooking", "Bread needs flour, water and yeast."),
]


def test_mining_excludes_positives_and_zero_score_passages():
    negatives = mine_bm25_negatives(
        [("q1", "capital of Finland Helsinki"), ("q2", "東京")], PASSAGES, {"q1": {"p1"}, "q2": {"p4"}}, depth=5,
        progress=False,
    )
    assert negatives["q1"][0] == "p2" and set(negatives["q1"]) == {"p2", "p3", "p4"}
    assert "p1" not in negatives["q1"] and "p5" not in negatives["q1"]  # positive; no shared term
    assert negatives["q2"] == []  # no term in common with the collection


def test_mining_excludes_answer_bearing_passages_and_caps_n():
    negatives = mine_bm25_negatives(
        [("q1", "capital of Finland Helsinki")], PASSAGES, {"q1": {"p1"}}, depth=5, n=1,
        answers={"q1": ["espoo", "yes"]}, progress=False,
    )
    assert negatives == {"q1": ["p3"]}  # p2 contains "Espoo" (case-insensitive), "yes" is ignored


def test_mining_from_the_positive_passage():
    # The native question shares no term with the English collection; the gold passage's title and
    # first sentence does.
    negatives = mine_bm25_negatives(
        [("q1", "ヘルシンキはどこの首都ですか")], PASSAGES, {"q1": {"p1"}}, depth=5, mode="positive_passage",
        progress=False,
    )
    assert negatives["q1"] and "p1" not in negatives["q1"] and negatives["q1"][0] in {"p2", "p4"}
    assert first_sentence("Dr. No is a film. It was made in 1962.") == "Dr. No is a film."
    with pytest.raises(ValueError, match="mode"):
        mine_bm25_negatives([("q1", "x")], PASSAGES, {}, mode="translation", progress=False)


def test_mining_from_an_empty_collection_names_its_file():
    with pytest.raises(InputFormatError, match=r"^corpus\.tsv: no passages to mine hard negatives from"):
        mine_bm25_negatives([("q1", "text")], [], {"q1": {"p1"}}, source="corpus.tsv")
    with pytest.raises(ValueError, match="no passages to mine from"):
        mine_bm25_negatives([("q1", "text")], [], {"q1": {"p1"}})
    assert mine_bm25_negatives([("q1", "capital city")], [Passage("p1", "t", "the capital city")], {"q1": set()},
                               progress=False, source="corpus.tsv") == {"q1": ["p1"]}
