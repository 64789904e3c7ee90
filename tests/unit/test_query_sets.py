"""The query-set identity: one type spells names, labels and run ids, and parses them back."""

import pytest

from xqg.query_sets import QuerySet, adversarial_query_set, adversarial_source, attacked_query_id, parse_query_id


@pytest.mark.parametrize(
    "query_set, name, label",
    [
        (QuerySet(), "clean", "clean"),
        (QuerySet("typo", 2), "typo~2", "typo"),
        (QuerySet("greedy", 1, source="none"), "greedy@none~1", "greedy@none"),
        (QuerySet("back_translation", 3), "back_translation~3", "back_translation"),
    ],
)
def test_names_round_trip(query_set, name, label):
    assert query_set.name == str(query_set) == name
    assert query_set.label == label
    assert QuerySet.parse(name) == query_set


def test_run_query_ids_round_trip():
    assert QuerySet().run_query_id("q1", 0) == "q1"
    run_id = QuerySet("greedy", 2, source="template").run_query_id("q1", 0)
    assert run_id == "q1::greedy@template~2::0" == attacked_query_id("q1", "greedy@template", 2, 0)
    assert tuple(parse_query_id(run_id)) == ("q1", "greedy@template", 2, 0)
    assert tuple(parse_query_id("q1")) == ("q1", "clean", 0, 0)


@pytest.mark.parametrize("name", ["typo", "typo~x", "~1", "greedy@~1", "clean~1"])
def test_malformed_names_are_refused(name):
    with pytest.raises(ValueError):
        QuerySet.parse(name)


@pytest.mark.parametrize(
    "args", [("typo", 0), ("clean", 1), ("ty~po", 1), ("typo", 1, "a@b"), ("typo", 1, "x/y"), ("", 1)]
)
def test_invalid_query_sets_are_refused(args):
    with pytest.raises(ValueError):
        QuerySet(*args)


def test_reserved_separator_in_question_id():
    with pytest.raises(ValueError, match="reserved separator"):
        QuerySet("typo", 1).run_query_id("a::b", 0)
    with pytest.raises(ValueError, match="malformed query id"):
        parse_query_id("q1::typo::0")


def test_adversarial_query_set_names_round_trip_through_run_ids():
    name = adversarial_query_set("greedy", "mt5")
    assert name == "greedy@mt5" and adversarial_source(name) == ("greedy", "mt5")
    assert adversarial_source("typo") is None and adversarial_source("clean") is None
    assert parse_query_id(f"q1::{name}~2::0") == ("q1", "greedy@mt5", 2, 0)
    with pytest.raises(ValueError):
        adversarial_query_set("greedy", "a~b")
