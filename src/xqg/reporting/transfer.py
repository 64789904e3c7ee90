"""Adversarial query sets in the reports: the transfer table, and the adaptive rows of the robustness table.

A greedy query set ``greedy@SOURCE`` was crafted with the scores of one main system (SOURCE: its
generator, ``none`` for the plain retriever) and searched by every main system of the same backbone and
regime. On SOURCE itself it measures the adaptive attack, the one that matters for "is xQG more robust";
on another system it measures transfer.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from xqg.files import atomic_open
from xqg.query_sets import adversarial_source
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, PLAIN_GENERATOR, check_outcomes, metric_name, ordered_languages, regimes, select_system,
    system_label,
)
from xqg.reporting.tables import to_latex, to_markdown

AVERAGE = "avg"
SYSTEM = ["dataset", "backbone", "regime", "generator", "k", "alpha"]


def adaptive_attack_rows(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcomes with each adversarial query set kept only on the system it was crafted against and
    renamed to its attack (``greedy@mt5`` on the mt5 system -> ``greedy``); the transfer rows go to the
    transfer table. Other query sets are untouched."""
    sources = outcomes["query_set"].map(adversarial_source)
    adversarial = sources.notna()
    if not adversarial.any():
        return outcomes
    attack = sources[adversarial].map(lambda s: s[0])
    own = sources[adversarial].map(lambda s: s[1]) == outcomes.loc[adversarial, "generator"]
    kept = outcomes[~adversarial | own.reindex(outcomes.index, fill_value=False)].copy()
    kept.loc[attack[own].index, "query_set"] = attack[own]
    return kept


def _main_rows(outcomes: pd.DataFrame, k: int, alpha: float) -> pd.DataFrame:
    mask = select_system(outcomes, PLAIN_GENERATOR, k, alpha)
    for generator in sorted(set(outcomes["generator"]) - {PLAIN_GENERATOR}):
        mask |= select_system(outcomes, generator, k, alpha)
    return outcomes[mask]


def transfer_scores(outcomes: pd.DataFrame, *, k: int, alpha: float) -> pd.DataFrame:
    """Per backbone, regime, attack, attack budget, token budget, source system (attacked), target
    system (searched) and language: ``n_queries``, ``clean`` (the target's clean R@kt on the attacked
    questions), ``attacked`` and ``drop`` (points), ``adaptive`` (source == target); plus ``lang = "avg"``
    rows, the macro means over languages. Main systems only (each generator at ``k`` and ``alpha``)."""
    rows = _main_rows(check_outcomes(outcomes), k, alpha)
    sources = rows["query_set"].map(adversarial_source)
    attacked = rows[sources.notna()].copy()
    if attacked.empty:
        raise ValueError("the outcomes hold no adversarial query sets (attacks.adversarial.greedy off?)")
    attacked["attack"] = [s[0] for s in sources[sources.notna()]]
    attacked["source"] = [s[1] for s in sources[sources.notna()]]
    key = [*SYSTEM, "lang", "token_budget", "qid"]
    cell = ["attack", "attack_budget", "source"]
    per_query = attacked.groupby([*key, *cell], sort=False).agg(attacked_hit=("hit", "mean")).reset_index()
    clean = rows[rows["query_set"] == CLEAN_QUERY_SET][key + ["hit"]].rename(columns={"hit": "clean_hit"})
    per_query = per_query.merge(clean, on=key, how="left", validate="many_to_one")
    if per_query["clean_hit"].isna().any():
        example = per_query.loc[per_query["clean_hit"].isna(), key].iloc[0].to_dict()
        raise ValueError(f"an adversarial query has no clean outcome on its target system, e.g. {example}")
    group = ["dataset", "backbone", "regime", "attack", "attack_budget", "token_budget", "source", "generator", "lang"]
    table = (per_query.groupby(group, sort=True)
             .agg(n_queries=("qid", "size"), clean=("clean_hit", "mean"), attacked=("attacked_hit", "mean"))
             .reset_index().rename(columns={"generator": "target"}))
    table[["clean", "attacked"]] *= 100
    table["drop"] = table["clean"] - table["attacked"]
    by_cell = [c if c != "generator" else "target" for c in group[:-1]]
    average = (table.groupby(by_cell, sort=True)
               .agg(n_queries=("n_queries", "sum"), n_languages=("lang", "nunique"),
                    clean=("clean", "mean"), attacked=("attacked", "mean"), drop=("drop", "mean"))
               .reset_index().assign(lang=AVERAGE))
    table["n_languages"] = 1
    table = pd.concat([table, average], ignore_index=True)
    table["adaptive"] = table["source"] == table["target"]
    table["metric"] = [metric_name(int(n)) for n in table["token_budget"]]
    languages = ordered_languages(sorted(set(table["lang"]) - {AVERAGE})) + [AVERAGE]
    order = {
        "_regime": table["regime"].map({r: i for i, r in enumerate(regimes(table))}),
        "_lang": table["lang"].map({lang: i for i, lang in enumerate(languages)}),
        "_source": [(s != PLAIN_GENERATOR, s) for s in table["source"]],
        "_target": [(t != PLAIN_GENERATOR, t) for t in table["target"]],
    }
    table = table.assign(**order).sort_values(
        ["dataset", "backbone", "_regime", "attack", "attack_budget", "token_budget", "_lang", "_source", "_target"])
    columns = ["dataset", "backbone", "regime", "attack", "attack_budget", "metric", "token_budget", "lang",
               "source", "target", "adaptive", "n_languages", "n_queries", "clean", "attacked", "drop"]
    return table[columns].reset_index(drop=True)


def transfer_display(scores: pd.DataFrame) -> pd.DataFrame:
    """The macro averages as a matrix per backbone, regime, attack budget and metric: rows the attacked
    (source) system, one column per target system, cells ``attacked (-drop)``."""
    average = scores[scores["lang"] == AVERAGE]
    targets = sorted(set(average["target"]), key=lambda t: (t != PLAIN_GENERATOR, t))
    rows = []
    keys = ["regime", "backbone", "attack", "attack_budget", "metric", "source"]
    for values, group in average.groupby(keys, sort=False):
        row = dict(zip(["regime", "backbone", "attack", "budget", "metric", "crafted against"], values))
        row["crafted against"] = system_label(row["crafted against"])
        cells = group.set_index("target")
        for target in targets:
            change = cells.at[target, "attacked"] - cells.at[target, "clean"] if target in cells.index else None
            row[system_label(target)] = "" if change is None else f"{cells.at[target, 'attacked']:.2f} ({change:+.2f})"
        rows.append(row)
    return pd.DataFrame(rows)


def transfer_caption(scores: pd.DataFrame) -> str:
    languages = " ".join(ordered_languages(sorted(set(scores["lang"]) - {AVERAGE})))
    return ("Greedy black-box attack and transfer. Rows: the system whose scores crafted the queries; columns: "
            "the system that searched them. Cells: attacked R@kt in % (change from that system's clean R@kt on "
            f"the same questions, points), macro mean over {languages}. The diagonal is the adaptive attack; "
            "off the diagonal, transfer. All systems of a row share the attacked query vectors (one encoder).")


def write_transfer_table(outcomes: pd.DataFrame, stem: str | os.PathLike, *, k: int, alpha: float) -> pd.DataFrame:
    """``stem.csv`` (every language and the averages, full precision) and ``stem.{md,tex}`` (the matrix)."""
    stem = Path(stem)
    scores = transfer_scores(outcomes, k=k, alpha=alpha)
    display, caption = transfer_display(scores), transfer_caption(scores)
    with atomic_open(stem.with_name(stem.name + ".csv")) as handle:
        scores.to_csv(handle, index=False)
    with atomic_open(stem.with_name(stem.name + ".md")) as handle:
        handle.write(to_markdown(display, caption))
    with atomic_open(stem.with_name(stem.name + ".tex")) as handle:
        handle.write(to_latex(display, caption, label="tab:adversarial-transfer"))
    return scores


__all__ = ["adaptive_attack_rows", "transfer_display", "transfer_scores", "write_transfer_table"]
