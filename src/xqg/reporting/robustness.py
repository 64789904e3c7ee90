"""Robustness of the plain retriever and of + xQG to query attacks, per language, attack, attack budget,
system and regime, with paired tests; grouped by family and Joshi class (descriptively). The display
tables, the Markdown summary generated from the numbers and the writers are in ``robustness_report``;
the figure is in ``robustness_figure``.

Per query, the n attacked samples are averaged first (so each query weighs the same whatever n is):
selection "mean". Selection "worst" is the adversarial worst of n: per query and system, the sample
that hurts that system most (its minimum hit), i.e. an attacker who queries the system n times and keeps
the sample that succeeds; each system gets its own worst sample under the same budget of n queries.
For one query: drop = clean hit - attacked hit; success = 1 - attacked hit when the clean query was a
hit (undefined otherwise). xQG changes only passage vectors, so the attacked query vectors
are the same for both systems of a backbone: a difference in drop comes from the passage index.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from xqg import statistics
from xqg.languages import LANGUAGE_INFO
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, PLAIN_GENERATOR, adjust, check_outcomes, metric_name, paired_p_value, regimes, select_system,
    system_label,
)
from xqg.reporting.transfer import adaptive_attack_rows

ALL_LANGUAGES = "all"  # the row that pools the queries of every language
CONTEXT = ["dataset", "backbone", "regime"]
CELL = ["attack", "attack_budget", "selection", "metric", "token_budget"]
MEAN, WORST = "mean", "worst"  # how the n attacked samples of a query are combined
TIE_TOLERANCE = 1e-9


def _joshi_order(lang: str) -> tuple[int, str]:
    """High-resource first (Joshi class 5 -> 1), then by code."""
    info = LANGUAGE_INFO.get(lang)
    return (-(info.joshi_class if info else -1), lang)


def per_query_robustness(outcomes: pd.DataFrame, *, k: int, alpha: float) -> pd.DataFrame:
    """One row per system, language, attack, attack budget, selection, token budget and query:
    ``clean_hit``, ``attacked_hit``, ``n_samples``, ``drop``, ``success`` (NaN for clean misses) and
    ``top_jaccard``. Selection "mean": hit and Jaccard averaged over the samples; "worst" (only for query
    sets with several samples): the minimum hit and the minimum Jaccard over the samples. Systems: the
    plain retriever and each generator at ``k`` and ``alpha``. Attacked queries must be a subset of the
    clean ones. An adversarial query set counts on the system it was crafted against only, under its
    attack's name (the adaptive ``greedy``); its transfer to other systems is xqg.reporting.transfer's."""
    outcomes = adaptive_attack_rows(check_outcomes(outcomes))
    mask = select_system(outcomes, PLAIN_GENERATOR, k, alpha)
    for generator in sorted(set(outcomes["generator"]) - {PLAIN_GENERATOR}):
        mask |= select_system(outcomes, generator, k, alpha)
    rows = outcomes[mask]
    key = [*CONTEXT, "generator", "k", "alpha", "lang", "token_budget", "qid"]
    clean = rows[rows["query_set"] == CLEAN_QUERY_SET]
    if clean.duplicated(key).any():
        raise ValueError("the clean query set has several samples of one query; expected sample 0 only")
    attacked = (rows[rows["query_set"] != CLEAN_QUERY_SET]
                .groupby([*key, "query_set", "attack_budget"], sort=False)
                .agg(attacked_hit=("hit", "mean"), n_samples=("sample", "nunique"),
                     top_jaccard=("top_jaccard", "mean"), worst_hit=("hit", "min"),
                     worst_jaccard=("top_jaccard", "min"))
                .reset_index())
    if attacked.empty:
        raise ValueError("the outcomes hold no attacked query sets")
    sampled = attacked.groupby("query_set")["n_samples"].transform("max") > 1
    worst = (attacked[sampled].drop(columns=["attacked_hit", "top_jaccard"])
             .rename(columns={"worst_hit": "attacked_hit", "worst_jaccard": "top_jaccard"}).assign(selection=WORST))
    attacked = pd.concat([attacked.drop(columns=["worst_hit", "worst_jaccard"]).assign(selection=MEAN), worst],
                         ignore_index=True)
    merged = attacked.merge(clean[key + ["hit"]].rename(columns={"hit": "clean_hit"}), on=key, how="left",
                            validate="many_to_one")
    orphans = merged["clean_hit"].isna()
    if orphans.any():
        example = merged.loc[orphans, key + ["query_set"]].iloc[0].to_dict()
        raise ValueError(f"{int(orphans.sum())} attacked queries have no clean outcome, e.g. {example}")
    merged = merged.rename(columns={"query_set": "attack"})
    merged["clean_hit"] = merged["clean_hit"].astype(float)
    merged["drop"] = merged["clean_hit"] - merged["attacked_hit"]
    merged["success"] = np.where(merged["clean_hit"] == 1, 1.0 - merged["attacked_hit"], np.nan)
    merged["system"] = [system_label(g) for g in merged["generator"]]
    merged["metric"] = [metric_name(int(n)) for n in merged["token_budget"]]
    return merged


def _ratio_ci(clean: np.ndarray, attacked: np.ndarray, n_resamples: int, confidence: float,
              seed: int) -> tuple[float, float]:
    """Percentile bootstrap CI (resampling queries) of the ratio of means attacked / clean.

    xqg.statistics bootstraps a mean of differences; a ratio of means needs its own resampling."""
    if len(clean) == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(clean), size=(n_resamples, len(clean)))
    numerator, denominator = attacked[index].mean(axis=1), clean[index].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = numerator / denominator
    ratios = ratios[np.isfinite(ratios)]
    if len(ratios) == 0:
        return math.nan, math.nan
    tail = (1 - confidence) / 2
    return float(np.quantile(ratios, tail)), float(np.quantile(ratios, 1 - tail))


def _system_cell(queries: pd.DataFrame, test: str, n_resamples: int, seed: int) -> dict:
    """Metrics of one system in one cell (language or pooled languages)."""
    clean, attacked = queries["clean_hit"].to_numpy(), queries["attacked_hit"].to_numpy()
    clean_score, attacked_score = 100 * clean.mean(), 100 * attacked.mean()
    binary = int(queries["n_samples"].max()) == 1 or (queries["selection"] == WORST).all()
    # McNemar for 0/1 hits (one sample, or the worst of n); a mean over samples is not binary
    attack_test = "mcnemar" if binary else test
    ratio_low, ratio_high = _ratio_ci(clean, attacked, n_resamples, 0.95, seed)
    return {
        "n_queries": len(queries), "n_samples": int(queries["n_samples"].max()),
        "clean": clean_score, "attacked": attacked_score, "drop": clean_score - attacked_score,
        "relative_drop": 100 * (clean_score - attacked_score) / clean_score if clean_score else math.nan,
        "ratio": attacked_score / clean_score if clean_score else math.nan,
        "ratio_ci_low": ratio_low, "ratio_ci_high": ratio_high,
        "n_clean_hits": int(clean.sum()),
        "success_rate": 100 * queries["success"].mean() if clean.sum() else math.nan,
        "top_jaccard": queries["top_jaccard"].mean(),
        "attack_test": attack_test, "p_attack": paired_p_value(clean, attacked, attack_test),
    }


def _paired_by_query(plain: pd.DataFrame, xqg: pd.DataFrame, column: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """COLUMN of both systems for the same queries, in qid order (an outer merge's order, which the
    bootstrap's resampling depends on). Sorting arrays instead of a pandas merge per cell: this rule runs
    thousands of cells (8,064 in the full study's rehearsal), where the merge was half of its time."""
    plain_ids, xqg_ids = plain["qid"].to_numpy(), xqg["qid"].to_numpy()
    plain_order, xqg_order = np.argsort(plain_ids, kind="stable"), np.argsort(xqg_ids, kind="stable")
    plain_ids, xqg_ids = plain_ids[plain_order], xqg_ids[xqg_order]
    if len(plain_ids) != len(xqg_ids) or (plain_ids != xqg_ids).any():
        raise ValueError(f"{what}: the plain and + xQG systems were attacked on different queries")
    if (plain_ids[1:] == plain_ids[:-1]).any():
        raise ValueError(f"{what}: a query is listed twice")
    return plain[column].to_numpy()[plain_order], xqg[column].to_numpy()[xqg_order]


def _comparison_cell(plain: pd.DataFrame, xqg: pd.DataFrame, what: str, test: str, n_resamples: int,
                     seed: int) -> dict:
    """+ xQG vs the plain retriever on each query's drop (positive difference: xQG dropped more)."""
    plain_drop, xqg_drop = _paired_by_query(plain, xqg, "drop", what)
    difference = xqg_drop - plain_drop
    low, high = statistics.bootstrap_ci(difference, n_resamples=n_resamples, confidence=0.95, seed=seed)
    return {
        "wins": int((difference < -TIE_TOLERANCE).sum()), "ties": int((abs(difference) <= TIE_TOLERANCE).sum()),
        "losses": int((difference > TIE_TOLERANCE).sum()),
        "drop_difference": 100 * difference.mean(),
        "drop_difference_ci_low": 100 * low, "drop_difference_ci_high": 100 * high,
        "difference_test": test, "p_difference": paired_p_value(plain_drop, xqg_drop, test),
    }


def robustness_table(outcomes: pd.DataFrame, *, k: int, alpha: float, test: str = "wilcoxon",
                     correction: str = "holm", n_resamples: int = 2000, seed: int = 0,
                     level: float = 0.05) -> pd.DataFrame:
    """The per-language robustness table: one row per dataset, backbone, regime, attack, attack budget,
    token budget, language (plus ``"all"``: queries of all languages pooled) and system.

    Clean vs attacked: McNemar's test when each query has one attacked sample, else ``test``
    (``"wilcoxon"`` or ``"t"``) on per-query means. + xQG vs plain: ``test`` on per-query drops, with a
    bootstrap 95% CI of the mean difference in drop. ``correction`` runs over languages x attacks x
    attack budgets x selections within each dataset, backbone, regime, system and token budget; the pooled
    rows form their own family (over attacks x budgets x selections). Scores and drops are in percent / percentage points."""
    if test not in ("wilcoxon", "t"):
        raise ValueError(f"robustness compares per-query means with 'wilcoxon' or 't', not {test!r}")
    queries = per_query_robustness(outcomes, k=k, alpha=alpha)
    pooled = queries.assign(lang=ALL_LANGUAGES)
    rows = []
    for (context, cell, lang), by_system in _cells(queries, pooled):
        plain = by_system.get(PLAIN_GENERATOR)
        for generator, system_queries in sorted(by_system.items()):
            row = {**context, **cell, "lang": lang, "generator": generator, "system": system_label(generator)}
            row.update(_system_cell(system_queries, test, n_resamples, seed))
            if generator != PLAIN_GENERATOR and plain is not None:
                what = ", ".join(str(v) for v in (*context.values(), *cell.values(), lang, generator))
                row.update(_comparison_cell(plain, system_queries, what, test, n_resamples, seed))
            rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("wins", "ties", "losses", "drop_difference", "drop_difference_ci_low",
                   "drop_difference_ci_high", "difference_test", "p_difference"):
        if column not in table.columns:
            table[column] = np.nan
    family = [*CONTEXT, "generator", "token_budget", table["lang"] == ALL_LANGUAGES]
    for p_column, significant in (("p_attack", "attack_significant"), ("p_difference", "difference_significant")):
        adjusted = table.groupby(family, sort=False)[p_column].transform(
            lambda p: pd.Series(adjust(p.to_numpy(), correction), index=p.index))
        table[f"{p_column}_adjusted"] = adjusted
        table[significant] = np.where(adjusted.isna(), None, adjusted < level)
    table["correction"] = correction
    table["_order"] = [_joshi_order(lang) if lang != ALL_LANGUAGES else (1, "") for lang in table["lang"]]
    regime_order = regimes(table)  # once: per row it made this sort quadratic (half of the rule's time)
    table["_regime"] = [regime_order.index(r) for r in table["regime"]]
    table["_system"] = [(g != PLAIN_GENERATOR, g) for g in table["generator"]]  # standard first
    table = table.sort_values([*CONTEXT[:2], "_regime", "attack", "attack_budget", "selection", "token_budget",
                               "_order", "_system"]).drop(columns=["_order", "_regime", "_system"])
    return table.reset_index(drop=True)


def _cells(queries: pd.DataFrame, pooled: pd.DataFrame):
    """(context, cell, lang, {generator: per-query rows}) for every language and the pooled rows."""
    for frame in (queries, pooled):
        for keys, group in frame.groupby([*CONTEXT, *CELL, "lang"], sort=True):
            context = dict(zip(CONTEXT, keys[: len(CONTEXT)]))
            cell = dict(zip(CELL, keys[len(CONTEXT) : -1]))
            by_system = {str(g): rows for g, rows in group.groupby("generator", sort=True)}
            yield (context, cell, keys[-1]), by_system


# --- grouping by family and resource class (descriptive) ----------------------------------------------

GROUP_METRICS = ["clean", "attacked", "drop", "relative_drop", "ratio", "success_rate", "top_jaccard",
                 "drop_difference"]


def robustness_by_group(table: pd.DataFrame) -> pd.DataFrame:
    """Macro means over the languages of each family and each Joshi class, next to the per-language rows
    (``group_type`` = language, family, joshi_class). Descriptive only: only Indo-European has two
    languages, so a family is mostly one language; no test is run on groups."""
    per_language = table[table["lang"] != ALL_LANGUAGES].copy()
    unknown = sorted(set(per_language["lang"]) - set(LANGUAGE_INFO))
    if unknown:
        raise ValueError(f"no family / Joshi class known for language(s) {unknown}")
    per_language["family"] = [LANGUAGE_INFO[lang].family for lang in per_language["lang"]]
    per_language["joshi_class"] = [str(LANGUAGE_INFO[lang].joshi_class) for lang in per_language["lang"]]
    keys = [*CONTEXT, *CELL, "generator", "system"]
    frames = []
    for group_type, column in (("language", "lang"), ("family", "family"), ("joshi_class", "joshi_class")):
        grouped = per_language.groupby([*keys, column], sort=True, dropna=False)
        frame = grouped[GROUP_METRICS].mean()
        frame["languages"] = grouped["lang"].agg(lambda langs: " ".join(sorted(set(langs), key=_joshi_order)))
        frame["n_languages"] = grouped["lang"].nunique()
        frame["n_queries"] = grouped["n_queries"].sum()
        for count in ("wins", "ties", "losses"):
            frame[count] = grouped[count].sum(min_count=1).astype("Int64")
        frame = frame.reset_index().rename(columns={column: "group"})
        frame.insert(0, "group_type", group_type)
        frames.append(frame)
    grouped = pd.concat(frames, ignore_index=True)
    types = {"language": 0, "family": 1, "joshi_class": 2}
    grouped["_order"] = [(types[t], _joshi_order(g) if t == "language" else (-int(g), "") if t == "joshi_class"
                          else (0, g)) for t, g in zip(grouped["group_type"], grouped["group"])]
    grouped["_system"] = [(g != PLAIN_GENERATOR, g) for g in grouped["generator"]]
    grouped = grouped.sort_values([*CONTEXT, *CELL, "_order", "_system"], ignore_index=True)
    return grouped[["group_type", "group", "languages", "n_languages", *keys, "n_queries", *GROUP_METRICS,
                    "wins", "ties", "losses"]]
