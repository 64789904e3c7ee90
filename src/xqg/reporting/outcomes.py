"""The per-query outcomes table that all reports read, and the helpers that slice it.

One row is one (system, query set, sample, query, token budget) with its hit. A *system* is a backbone
in a regime, optionally with passages augmented by a query generator (``generator != "none"``) fused
with ``k`` generated queries per language at weight ``alpha``.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import pandas as pd

from xqg import statistics
from xqg.formats import InputFormatError

OUTCOME_COLUMNS: tuple[str, ...] = (
    "dataset", "backbone", "regime", "generator", "k", "alpha", "lang", "query_set",
    "attack_budget", "sample", "qid", "token_budget", "hit", "top_jaccard",
)
PLAIN_GENERATOR = "none"
CLEAN_QUERY_SET = "clean"
REGIME_ORDER: tuple[str, ...] = ("zero-shot", "fine-tuned")
SIGNIFICANCE_MARK = "\u2020"  # dagger
TESTS = {"mcnemar": "McNemar's test", "t": "paired t-test", "wilcoxon": "Wilcoxon signed-rank test"}
CORRECTIONS = {"holm": "Holm", "bonferroni": "Bonferroni", "none": "no"}
_DTYPES = {
    "dataset": str, "backbone": str, "regime": str, "generator": str, "lang": str, "query_set": str,
    "qid": str, "k": "int64", "alpha": "float64", "attack_budget": "int64", "sample": "int64",
    "token_budget": "int64", "hit": "int64", "top_jaccard": "float64",
}


def metric_name(token_budget: int) -> str:
    """XOR-TyDi's name for recall within the first ``token_budget`` tokens: R@2kt, R@5kt, else R@{N}t."""
    if token_budget % 1000 == 0 and token_budget // 1000 in (2, 5):
        return f"R@{token_budget // 1000}kt"
    return f"R@{token_budget}t"


def system_label(generator: str) -> str:
    """'standard' for the plain retriever, '+xQG (generator)' for an augmented index."""
    return "standard" if generator == PLAIN_GENERATOR else f"+xQG ({generator})"


def _first_problem(table: pd.DataFrame) -> tuple[int, str | None, str] | None:
    """(row position, field, message) of the first bad row of a typed outcomes table, or None."""
    bad_hits = ~table["hit"].isin((0, 1))
    if bad_hits.any():
        row = int(np.flatnonzero(bad_hits.to_numpy())[0])
        return row, "hit", f"must be 0 or 1, got {table['hit'].iloc[row]!r}"
    key = [c for c in OUTCOME_COLUMNS if c not in ("hit", "top_jaccard")]
    duplicated = table.duplicated(key)
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        return row, None, f"repeats the key of an earlier row: {table.iloc[row][key].to_dict()}"
    return None


def check_outcomes(outcomes: pd.DataFrame, source: str = "outcomes table") -> pd.DataFrame:
    """Validate columns and values; return a copy with canonical dtypes. Raises ValueError naming the problem."""
    missing = [c for c in OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
    table = outcomes.astype(_DTYPES)
    problem = _first_problem(table)
    if problem:
        row, field, message = problem
        raise ValueError(f"{source}: row {row}" + (f", field {field!r}" if field else "") + f": {message}")
    return table


def read_outcomes(path: str | os.PathLike) -> pd.DataFrame:
    """Read an outcomes CSV; raise InputFormatError naming the file, line and field on bad input."""
    table = pd.read_csv(path, dtype={"qid": str, "lang": str})
    missing = [c for c in OUTCOME_COLUMNS if c not in table.columns]
    if missing:
        raise InputFormatError(path, 1, missing[0], f"missing column(s) {', '.join(missing)}")
    for column in ("k", "alpha", "attack_budget", "sample", "token_budget", "hit"):
        bad = pd.to_numeric(table[column], errors="coerce").isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputFormatError(path, row + 2, column, f"not a number: {table[column].iloc[row]!r}")
    table = table.astype(_DTYPES)
    problem = _first_problem(table)
    if problem:  # line numbers count the header as line 1
        raise InputFormatError(path, problem[0] + 2, problem[1], problem[2])
    return table


def select_system(outcomes: pd.DataFrame, generator: str, k: int, alpha: float) -> pd.Series:
    """Boolean mask of one system's rows: the plain retriever for ``generator == 'none'`` (k and alpha
    ignored), else the generator at exactly this k and alpha."""
    if generator == PLAIN_GENERATOR:
        return outcomes["generator"] == PLAIN_GENERATOR
    return ((outcomes["generator"] == generator) & (outcomes["k"] == k)
            & np.isclose(outcomes["alpha"].to_numpy(dtype=float), alpha, rtol=1e-9, atol=1e-12))


def generators(outcomes: pd.DataFrame) -> list[str]:
    """The query generators present, sorted, without the plain retriever."""
    return sorted(set(outcomes["generator"]) - {PLAIN_GENERATOR})


def regimes(outcomes: pd.DataFrame) -> list[str]:
    """Regimes present, zero-shot before fine-tuned (the paper's order), unknown ones after, sorted."""
    present = set(outcomes["regime"])
    return [r for r in REGIME_ORDER if r in present] + sorted(present - set(REGIME_ORDER))


def ordered_languages(codes: Sequence[str]) -> list[str]:
    """Languages in XOR-TyDi order (ar bn fi ja ko ru te), unknown codes after, sorted."""
    from xqg.languages import LANGUAGES

    present = set(codes)
    return [c for c in LANGUAGES if c in present] + sorted(present - set(LANGUAGES))


def aligned(a: pd.Series, b: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Two per-query series indexed by qid, aligned on qid. Different query sets are an error, not a
    silent intersection: a missing query would change the score (see method.md)."""
    if not a.index.is_unique or not b.index.is_unique:
        raise ValueError(f"{what}: a query id occurs twice")
    only_a, only_b = a.index.difference(b.index), b.index.difference(a.index)
    if len(only_a) or len(only_b):
        example = list(only_a[:3]) + list(only_b[:3])
        raise ValueError(f"{what}: the two systems were evaluated on different queries "
                         f"({len(only_a)} only in the first, {len(only_b)} only in the second; e.g. {example})")
    b = b.reindex(a.index)
    return a.to_numpy(dtype=float), b.to_numpy(dtype=float)


def paired_p_value(a: np.ndarray, b: np.ndarray, test: str) -> float:
    """p-value of a paired test between per-query values ``a`` and ``b`` (xqg.statistics; identical
    vectors give p = 1 there)."""
    if test not in TESTS:
        raise ValueError(f"unknown paired test {test!r}; expected one of {', '.join(TESTS)}")
    if test == "mcnemar":
        p = statistics.mcnemar_test(a.astype(int), b.astype(int))
    elif test == "t":
        p = statistics.paired_t_test(a, b)
    else:
        p = statistics.wilcoxon_test(a, b)
    return float(p)


def adjust(pvalues: Sequence[float], correction: str) -> np.ndarray:
    """Multiple-comparison correction over one family of p-values; NaNs (no test) are left out."""
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}; expected one of {', '.join(CORRECTIONS)}")
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full_like(p, np.nan)
    tested = ~np.isnan(p)
    if correction == "none" or not tested.any():
        adjusted[tested] = p[tested]
    elif correction == "holm":
        adjusted[tested] = np.asarray(statistics.holm(list(p[tested])), dtype=float)
    else:
        adjusted[tested] = np.asarray(statistics.bonferroni(list(p[tested])), dtype=float)
    return adjusted
