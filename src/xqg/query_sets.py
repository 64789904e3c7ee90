"""Query sets searched by every system: the clean dev questions and the attacked versions of them.

A run file holds all query sets of one language; an attacked query's id carries its origin,
``{qid}::{attack}~{budget}::{sample}``, so scoring can pair it with its clean question.
"""

from __future__ import annotations

import os
from typing import NamedTuple

SEPARATOR = "::"


class QueryId(NamedTuple):
    qid: str
    query_set: str = "clean"  # "clean" or an attack name
    budget: int = 0
    sample: int = 0


def attacked_query_id(qid: str, attack: str, budget: int, sample: int) -> str:
    if SEPARATOR in qid:
        raise ValueError(f"question id {qid!r} contains the reserved separator {SEPARATOR!r}")
    return f"{qid}{SEPARATOR}{attack}~{budget}{SEPARATOR}{sample}"


def parse_query_id(run_qid: str) -> QueryId:
    parts = run_qid.split(SEPARATOR)
    if len(parts) == 1:
        return QueryId(run_qid)
    if len(parts) != 3 or "~" not in parts[1]:
        raise ValueError(f"malformed query id {run_qid!r}; expected QID or QID::ATTACK~BUDGET::SAMPLE")
    attack, budget = parts[1].rsplit("~", 1)
    return QueryId(parts[0], attack, int(budget), int(parts[2]))


def attacked_run_queries(path: str | os.PathLike) -> list[tuple[str, str]]:
    """(run query id, text) for every sample of an attack-set file written by the attack stage.

    Samples the attack could not change are kept (their text equals the clean query), so every
    question has all its samples and per-query averages stay paired.
    """
    from xqg.attacks import read_attacked_queries

    return [(attacked_query_id(r.qid, r.attack, r.budget, r.sample), r.text) for r in read_attacked_queries(path)]


# Adversarial query sets are crafted against one system: their name carries it, ATTACK@SOURCE (e.g.
# "greedy@none" against the plain retriever, "greedy@mt5" against + xQG with generator mt5, both of the
# backbone and regime that evaluate them). Evaluated on the source itself the attack is adaptive,
# on any other system it is a transfer.
SOURCE_SEPARATOR = "@"


def adversarial_query_set(attack: str, source: str) -> str:
    if SOURCE_SEPARATOR in attack or SOURCE_SEPARATOR in source or "~" in source or SEPARATOR in source:
        raise ValueError(f"cannot name the adversarial query set {attack!r} against {source!r}")
    return f"{attack}{SOURCE_SEPARATOR}{source}"


def adversarial_source(query_set: str) -> tuple[str, str] | None:
    """(attack, source system) of an adversarial query set's name, or None for any other query set."""
    attack, separator, source = query_set.partition(SOURCE_SEPARATOR)
    return (attack, source) if separator and attack and source else None
