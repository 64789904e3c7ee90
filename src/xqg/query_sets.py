"""Query sets searched by every system: the clean dev questions and the attacked versions of them.

A run file holds all query sets of one language; an attacked query's id carries its origin,
``{qid}::{attack}~{budget}::{sample}``, so scoring can pair it with its clean question.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple

SEPARATOR = "::"
BUDGET_SEPARATOR = "~"
# Adversarial query sets are crafted against one system: their label carries it, ATTACK@SOURCE (e.g.
# "greedy@none" against the plain retriever, "greedy@mt5" against + xQG with generator mt5, both of the
# backbone and regime that evaluate them). Evaluated on the source itself the attack is adaptive,
# on any other system it is a transfer.
SOURCE_SEPARATOR = "@"
CLEAN = "clean"
# Query variations: perturbations that may change what the retriever is told (entity_anglicisation
# hands an English-corpus retriever the English name), reported apart from the attacks, never pooled.
QUERY_VARIATIONS = frozenset({"entity_anglicisation"})


@dataclass(frozen=True)
class QuerySet:
    """One query set's identity, used by the rules (file names, output keys) and the scripts alike.

    ``attack`` is "clean" or an attack's name; ``budget`` its edit budget (0 for clean); ``source`` the
    system an adversarial set was crafted against (None otherwise). Spelled three ways, all derived here:
    ``label`` (the outcomes' query_set column: "typo", "greedy@none"), ``name`` (files and outputs:
    "clean", "typo~1", "greedy@none~1") and run query ids (``{qid}::{name}::{sample}``).
    """

    attack: str = CLEAN
    budget: int = 0
    source: str | None = None

    def __post_init__(self) -> None:
        reserved = (SEPARATOR, BUDGET_SEPARATOR, SOURCE_SEPARATOR, "/")
        for part in (self.attack, self.source or ""):
            if any(r in part for r in reserved):
                raise ValueError(f"query set part {part!r} contains a reserved character {reserved}")
        if not self.attack:
            raise ValueError("a query set needs an attack name (or 'clean')")
        if (self.attack == CLEAN) != (self.budget == 0) or (self.attack == CLEAN and self.source):
            raise ValueError(f"invalid query set {self!r}: clean has budget 0 and no source, attacks a budget >= 1")

    @property
    def label(self) -> str:
        return f"{self.attack}{SOURCE_SEPARATOR}{self.source}" if self.source else self.attack

    @property
    def name(self) -> str:
        return CLEAN if self.attack == CLEAN else f"{self.label}{BUDGET_SEPARATOR}{self.budget}"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def parse(cls, name: str) -> QuerySet:
        """The query set NAME (as :attr:`name` spells it) stands for; ValueError if malformed."""
        if name == CLEAN:
            return cls()
        label, separator, budget = name.rpartition(BUDGET_SEPARATOR)
        if not separator or not budget.isdigit():
            raise ValueError(f"malformed query set name {name!r}; expected 'clean', ATTACK~BUDGET or ATTACK@SOURCE~BUDGET")
        return cls.from_label(label, int(budget))

    @classmethod
    def from_label(cls, label: str, budget: int) -> QuerySet:
        attack, separator, source = label.partition(SOURCE_SEPARATOR)
        if separator and not source:
            raise ValueError(f"malformed query set label {label!r}")
        return cls(attack, budget, source or None)

    def run_query_id(self, qid: str, sample: int) -> str:
        """The id of sample SAMPLE of question QID in a run file; a clean query keeps its own id."""
        if SEPARATOR in qid:
            raise ValueError(f"question id {qid!r} contains the reserved separator {SEPARATOR!r}")
        return qid if self.attack == CLEAN else f"{qid}{SEPARATOR}{self.name}{SEPARATOR}{sample}"


class QueryId(NamedTuple):
    qid: str
    query_set: str = CLEAN  # the query set's label: "clean", an attack name, or ATTACK@SOURCE
    budget: int = 0
    sample: int = 0


def attacked_query_id(qid: str, attack: str, budget: int, sample: int) -> str:
    """Run id of an attacked sample; ATTACK is the query set's label (``greedy@none`` for adversarial sets)."""
    return QuerySet.from_label(attack, budget).run_query_id(qid, sample)


def parse_query_id(run_qid: str) -> QueryId:
    parts = run_qid.split(SEPARATOR)
    if len(parts) == 1:
        return QueryId(run_qid)
    try:
        if len(parts) != 3:
            raise ValueError
        query_set = QuerySet.parse(parts[1])
        sample = int(parts[2])
    except ValueError:
        raise ValueError(f"malformed query id {run_qid!r}; expected QID or QID::ATTACK~BUDGET::SAMPLE") from None
    return QueryId(parts[0], query_set.label, query_set.budget, sample)


def attacked_run_queries(path: str | os.PathLike) -> list[tuple[str, str]]:
    """(run query id, text) for every sample of an attack-set file written by the attack stage.

    Samples the attack could not change are kept (their text equals the clean query), so every
    question has all its samples and per-query averages stay paired.
    """
    from xqg.attacks import read_attacked_queries

    return [(attacked_query_id(r.qid, r.attack, r.budget, r.sample), r.text) for r in read_attacked_queries(path)]


def adversarial_query_set(attack: str, source: str) -> str:
    """The label of ATTACK's query set crafted against system SOURCE (``greedy@none``)."""
    return QuerySet(attack, 1, source).label


def adversarial_source(query_set: str) -> tuple[str, str] | None:
    """(attack, source system) of an adversarial query set's label, or None for any other query set."""
    attack, separator, source = query_set.partition(SOURCE_SEPARATOR)
    return (attack, source) if separator and attack and source else None
