"""Does xQG's effect on robustness depend on the resource level? The interaction, estimated with CIs.

For each comparison of the research question (xqg.reporting.research_question) and each headline cell
(clean, and all rule attacks at the smallest budgets), every query has one paired difference d: on clean
queries hit A - hit B (the system effect), under attack drop A - drop B (system x attacked). How the
mean of d changes with a language's group is the three-way interaction system x attacked x group that a
model hit ~ system * attacked * group would estimate; with one d per question it is a contrast of group
means, so no distributional model is needed:

- ``Joshi class c - Joshi class 5``: the mean d in class c minus that in the highest class present;
- ``per Joshi class step``: the least-squares slope of d on the Joshi class number (a linear trend);
- ``<family> - <reference family>``: the same by language family (reference: the family with the most
  queries). Only Indo-European has two languages here, so family, like class, is confounded with the
  language itself: a contrast says which languages differ, not why.

CIs: percentile bootstrap over questions, each group resampled on its own (its size fixed), so every
contrast is a linear function of bootstrapped group means. Tests: Welch's t-test for a contrast, the
t-test of the OLS slope for the trend. p-values are Holm (or the configured correction) corrected within
two families: the trends (the direct answer, one per comparison and cell) and the group contrasts; MDE:
the smallest true contrast detectable with power 0.8 at the Bonferroni level of its family, from the
observed spread (two independent groups; the slope's standard error).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import norm

from xqg import statistics
from xqg.languages import LANGUAGE_INFO
from xqg.reporting.research_question import PAIR_CELL, POWER, cell_columns, correct_within_families, is_headline

JOSHI, FAMILY = "Joshi class", "language family"
TREND = "per Joshi class step"
TRENDS, CONTRASTS = "trend", "contrasts"  # the two families of tests


def _level(factor: str, lang: str):
    info = LANGUAGE_INFO[lang]
    return info.joshi_class if factor == JOSHI else info.family


def _label(factor: str, level) -> str:
    return f"{JOSHI} {level}" if factor == JOSHI else str(level)


def _reference(factor: str, d: pd.DataFrame):
    """The highest Joshi class present; the family with the most queries (ties by name)."""
    if factor == JOSHI:
        return int(d["level"].max())
    sizes = d.groupby("level").size()
    return sorted(sizes.index, key=lambda level: (-sizes[level], level))[0]


def _two_sample_mde(a: np.ndarray, b: np.ndarray, level: float) -> float:
    standard_error = math.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)) if min(len(a), len(b)) > 1 else 0.0
    if standard_error == 0:
        return math.nan  # no spread observed: the sample says nothing about power
    return float((norm.ppf(1 - level / 2) + norm.ppf(POWER)) * standard_error)


def _mde(row, level: float) -> float:
    """A contrast's two-sample MDE, or the trend's from the slope's standard error."""
    if row["contrast"] != TREND:
        return _two_sample_mde(row["_a"], row["_b"], level)
    return (norm.ppf(1 - level / 2) + norm.ppf(POWER)) * row["_se"] if row["_se"] > 0 else math.nan


def _welch_p(a: np.ndarray, b: np.ndarray) -> float:
    if min(len(a), len(b)) < 2 or (np.var(a) == 0 and np.var(b) == 0):
        return 1.0 if np.mean(a) == np.mean(b) else math.nan  # no spread: equal means or no test
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def _contrast_rows(d: pd.DataFrame, factor: str, n_resamples: int, seed: int) -> list[dict]:
    """Each level against the reference, and for the Joshi class the linear trend."""
    levels, means = statistics.stratified_bootstrap_means(d["d"].to_numpy(), d["level"].to_numpy(),
                                                          n_resamples=n_resamples, seed=seed)
    reference = _reference(factor, d)
    values = {level: d.loc[d["level"] == level, "d"].to_numpy(dtype=float) for level in levels}
    languages = {level: " ".join(sorted(d.loc[d["level"] == level, "lang"].unique())) for level in levels}
    rows = []
    for level in levels:
        if level == reference:
            continue
        boot = means[:, levels.index(level)] - means[:, levels.index(reference)]
        a, b = values[level], values[reference]
        rows.append({"factor": factor, "contrast": f"{_label(factor, level)} - {_label(factor, reference)}",
                     "languages": f"{languages[level]} vs {languages[reference]}", "n_queries": len(a),
                     "n_reference": len(b), "effect": 100 * a.mean(), "effect_reference": 100 * b.mean(),
                     "estimate": 100 * (a.mean() - b.mean()), "boot": boot, "test": "welch t",
                     "p_value": _welch_p(a, b), "_a": a, "_b": b, "_se": math.nan})
    if factor == JOSHI and len(levels) > 2:  # a trend needs three classes to say more than the one contrast
        x = np.asarray(levels, dtype=float)
        sizes = np.array([len(values[level]) for level in levels], dtype=float)
        centred = x - np.average(x, weights=sizes)
        # the OLS slope of d on the class, from group means: sum n_g (x_g - x̄) ȳ_g / sum n_g (x_g - x̄)²
        weights = sizes * centred / np.sum(sizes * centred ** 2)
        fit = stats.linregress(d["level"].to_numpy(dtype=float), d["d"].to_numpy(dtype=float))
        rows.append({"factor": factor, "contrast": TREND, "languages": " ".join(sorted(d["lang"].unique())),
                     "n_queries": len(d), "n_reference": None, "effect": math.nan, "effect_reference": math.nan,
                     "estimate": 100 * float(fit.slope), "boot": means @ weights, "test": "ols slope t",
                     "p_value": float(fit.pvalue) if fit.stderr > 0 else math.nan, "_a": None, "_b": None, "_se": float(fit.stderr)})
    return rows


def interaction_table(pairs: pd.DataFrame, *, correction: str = "holm", level: float = 0.05,
                      n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Contrasts of the per-query paired differences across resource classes and families, for each
    comparison and headline cell of ``pairs`` (xqg.reporting.research_question.paired_values)."""
    pairs = pairs.assign(d=pairs["value_a"] - pairs["value_b"])
    pairs = pairs[is_headline(pairs)]
    rows = []
    for cell, members in pairs.groupby(PAIR_CELL, sort=False):
        for factor in (JOSHI, FAMILY):
            grouped = members.assign(level=[_level(factor, lang) for lang in members["lang"]])
            if grouped["level"].nunique() < 2:
                continue  # one group: nothing to contrast
            rows += [{**cell_columns(cell), **row} for row in _contrast_rows(grouped, factor, n_resamples, seed)]
    columns = [*PAIR_CELL[:5], "metric", *PAIR_CELL[5:], "factor", "contrast", "languages", "n_queries",
               "n_reference", "effect", "effect_reference", "estimate", "ci_low", "ci_high", "test", "p_value",
               "family", "p_adjusted", "mde", "correction", "significant"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows)
    tail = (1 - 0.95) / 2
    table["ci_low"] = [100 * float(np.quantile(boot, tail)) for boot in table["boot"]]
    table["ci_high"] = [100 * float(np.quantile(boot, 1 - tail)) for boot in table["boot"]]
    # two families of tests, each corrected on its own: the trend (one test per comparison and cell, the
    # direct answer to "does it depend on the resource level") and the group-by-group contrasts
    table["family"] = np.where(table["contrast"] == TREND, TRENDS, CONTRASTS)
    correct_within_families(table, correction, level, _mde)
    table["n_reference"] = table["n_reference"].astype("Int64")
    table["correction"] = correction
    table["significant"] = table["p_adjusted"] < level
    return table[columns]


def caption(table: pd.DataFrame, level: float = 0.05) -> str:
    corrections = ", ".join(sorted(table["correction"].unique())) or "none"
    return (
        "Does xQG's effect depend on the resource level? For each comparison (A vs B) and headline cell "
        "(clean; all rule attacks at the smallest budgets) every question has one paired difference d: clean, "
        "hit A - hit B; under attack, drop A - drop B (positive: A less robust). effect: mean d (points) in the "
        "group, effect_reference: in the reference group; estimate: their difference, i.e. the interaction "
        "system x attacked x group of a model hit ~ system * attacked * group; 'per Joshi class step': the OLS "
        "slope of d on the class number (points per class). CI: 95% percentile bootstrap over questions, each "
        "group resampled on its own. Tests: Welch t (contrasts), OLS slope t (trend); p corrected "
        f"({corrections}) within two families, the trends and the contrasts; significant at {level:g}. MDE: smallest true contrast detectable "
        f"with power {POWER:g} at the Bonferroni level of the row's family. Group and language are confounded "
        "(7 languages; only Indo-European has two): a contrast says which languages differ, not why.")
