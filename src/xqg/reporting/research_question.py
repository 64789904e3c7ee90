"""The study's question, answered by paired comparisons: does xQG change a dense retriever's robustness
to query attacks, compared with multilingual fine-tuning, and does that depend on the resource level?

Three comparisons of two systems of the same backbone, per query (the same questions, the same
attacked queries: an attack changes the query, xQG and fine-tuning the index and the encoder):

- ``xQG instead of fine-tuning``: zero-shot + xQG against fine-tuned (no xQG);
- ``xQG on top of fine-tuning``: fine-tuned + xQG against fine-tuned;
- ``xQG without fine-tuning``: zero-shot + xQG against zero-shot.

For the clean queries the value is the R@kt score and the difference is A - B (positive: A retrieves
better). Under an attack the value is the drop (clean hit - attacked hit, samples averaged per query,
in points) and the difference is drop A - drop B (positive: A loses more, i.e. is less robust);
``all rule attacks`` averages each query's drop over the rule-based attacks at that budget (query
variations such as ``entity_anglicisation`` and the adaptive ``greedy`` are not among them). Rows by
resource class (Joshi et al. 2020: 5 = ar, ja; 4 = fi, ko, ru; 3 = bn; 1 = te) and over all languages.

The study's defences (issue 14) are compared the same way, with their own family of headline tests so
that the question's answer keeps its power: a regime with ``perturb`` (perturbation-augmented
fine-tuning) and a generator of type ``noisy`` (noisy xQG, from a source generator) give

- ``perturbation-augmented fine-tuning``: that regime against fine-tuned (no xQG on either side);
- ``noisy xQG against xQG``: zero-shot + noisy xQG against zero-shot + the source generator's xQG;
- ``both defences``: that regime + noisy xQG against fine-tuned;

and a noisy generator also enters the three comparisons above like any xQG generator (as a defence row).

Each row: the mean paired difference, its percentile bootstrap CI over queries, a paired test
(McNemar on clean hits, Wilcoxon signed-rank on drops), the p-value corrected within its family (the
headline rows: clean and all rule attacks at the smallest budgets; and the per-attack rows), and the
minimum detectable effect (MDE): the smallest true mean difference this many queries would detect with
power 0.8 in a two-sided paired z-test at the Bonferroni level alpha / m (m = tests in the family, the
strictest level Holm can require), from the observed standard deviation of the differences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import norm

from xqg import statistics
from xqg.languages import LANGUAGE_INFO
from xqg.query_sets import QUERY_VARIATIONS
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, PLAIN_GENERATOR, adjust, check_outcomes, metric_name, paired_p_value, select_system,
)
from xqg.reporting.robustness import MEAN, per_query_robustness

ALL_RULE_ATTACKS = "all rule attacks"
ALL_LANGUAGES = "all"
# the families of tests (each corrected on its own): the question's headline rows and its per-attack
# detail; the same two for the defences, so that adding a defence leaves the question's p-values alone
HEADLINE, DETAIL = "headline", "per attack"
DEFENCES, DEFENCE_DETAIL = "defences", "defences per attack"
POWER = 0.8
ZERO_SHOT, FINE_TUNED = "zero-shot", "fine-tuned"
# (name, system A as (regime, uses xQG), system B): the comparisons the question names
COMPARISONS = (
    ("xQG instead of fine-tuning", (ZERO_SHOT, True), (FINE_TUNED, False)),
    ("xQG on top of fine-tuning", (FINE_TUNED, True), (FINE_TUNED, False)),
    ("xQG without fine-tuning", (ZERO_SHOT, True), (ZERO_SHOT, False)),
)
PERTURBED_TUNING, NOISY_XQG, BOTH_DEFENCES = (
    "perturbation-augmented fine-tuning", "noisy xQG against xQG", "both defences")
COMPARISON_ORDER = [name for name, _, _ in COMPARISONS] + [PERTURBED_TUNING, NOISY_XQG, BOTH_DEFENCES]


class Comparison(NamedTuple):
    name: str
    a: tuple[str, str]  # system A: (regime, generator); generator "none" is the plain retriever
    b: tuple[str, str]
    generator: str  # the row's generator column: A's xQG generator, else "none"
    defence: bool  # a row about a defence: its own family of tests


def comparisons(generators: Sequence[str], *, defence_regimes: Sequence[str] = (),
                noisy_sources: Mapping[str, str] | None = None) -> list[Comparison]:
    """The question's comparisons for each xQG generator, then those of the defences: ``defence_regimes``
    (regimes with perturb) and ``noisy_sources`` (noisy generator -> the generator it perturbs)."""
    noisy_sources = dict(noisy_sources or {})
    out = [Comparison(name, (regime_a, generator if xqg_a else PLAIN_GENERATOR),
                      (regime_b, generator if xqg_b else PLAIN_GENERATOR), generator, generator in noisy_sources)
           for name, (regime_a, xqg_a), (regime_b, xqg_b) in COMPARISONS for generator in generators]
    out += [Comparison(PERTURBED_TUNING, (regime, PLAIN_GENERATOR), (FINE_TUNED, PLAIN_GENERATOR), PLAIN_GENERATOR, True)
            for regime in defence_regimes]
    out += [Comparison(NOISY_XQG, (ZERO_SHOT, noisy), (ZERO_SHOT, source), noisy, True)
            for noisy, source in noisy_sources.items()]
    out += [Comparison(BOTH_DEFENCES, (regime, noisy), (FINE_TUNED, PLAIN_GENERATOR), noisy, True)
            for noisy in noisy_sources for regime in defence_regimes]
    return out


ADAPTIVE = ("greedy",)  # crafted against one system: not averaged into ALL_RULE_ATTACKS


def resource_group(lang: str) -> str:
    return f"Joshi class {LANGUAGE_INFO[lang].joshi_class}"


def minimum_detectable_effect(differences: np.ndarray, level: float, power: float = POWER) -> float:
    """(z_{1 - level/2} + z_power) * sd / sqrt(n): the true mean difference a two-sided paired z-test at
    ``level`` detects with probability ``power``, from the observed spread of the differences."""
    n = len(differences)
    spread = np.std(differences, ddof=1) if n >= 2 else 0.0
    if spread == 0:
        return math.nan  # no spread observed (e.g. every pair equal): the sample says nothing about power
    return float((norm.ppf(1 - level / 2) + norm.ppf(power)) * spread / math.sqrt(n))


def _clean_hits(outcomes: pd.DataFrame, k: int, alpha: float) -> pd.DataFrame:
    """Per-query clean hits of every system at ``k`` and ``alpha`` (the plain retriever at 0)."""
    mask = select_system(outcomes, PLAIN_GENERATOR, k, alpha)
    for generator in sorted(set(outcomes["generator"]) - {PLAIN_GENERATOR}):
        mask |= select_system(outcomes, generator, k, alpha)
    clean = outcomes[mask & (outcomes["query_set"] == CLEAN_QUERY_SET)]
    return clean.assign(value=clean["hit"].astype(float), attack=CLEAN_QUERY_SET, attack_budget=0)


def _attacked_drops(outcomes: pd.DataFrame, k: int, alpha: float) -> pd.DataFrame:
    """Per-query drops (samples averaged), each attack on its own and the mean over the rule attacks."""
    drops = per_query_robustness(outcomes, k=k, alpha=alpha)
    drops = drops[drops["selection"] == MEAN].assign(value=lambda d: d["drop"])
    key = ["dataset", "backbone", "regime", "generator", "k", "alpha", "lang", "token_budget", "qid", "attack_budget"]
    rule = drops[~drops["attack"].isin(ADAPTIVE) & ~drops["attack"].isin(sorted(QUERY_VARIATIONS))]
    pooled = rule.groupby(key, sort=False)["value"].mean().reset_index().assign(attack=ALL_RULE_ATTACKS)
    return pd.concat([drops, pooled], ignore_index=True)


def _row(values_a: pd.Series, values_b: pd.Series, test: str, n_resamples: int, seed: int) -> dict:
    a, b = values_a.to_numpy(dtype=float), values_b.to_numpy(dtype=float)
    differences = a - b
    low, high = statistics.bootstrap_ci(differences, n_resamples=n_resamples, seed=seed) if len(a) else (math.nan,) * 2
    return {"n_queries": len(a), "a_value": 100 * a.mean(), "b_value": 100 * b.mean(),
            "difference": 100 * differences.mean(), "ci_low": 100 * low, "ci_high": 100 * high, "test": test,
            "p_value": paired_p_value(a, b, test), "_differences": differences}


def _system(regime: str, generator: str, noisy: Mapping[str, str]) -> str:
    if generator == PLAIN_GENERATOR:
        return regime
    return f"{regime} + {'noisy ' if generator in noisy else ''}xQG"


def paired_values(outcomes: pd.DataFrame, *, k: int, alpha: float, defence_regimes: Sequence[str] = (),
                  noisy_sources: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per query, the two systems' values of every comparison (:func:`comparisons`): one row per
    comparison, backbone, generator, token budget, attack (clean first), attack budget and query, with
    ``value_a`` and ``value_b`` (clean: hits; attacks: drops), the query's language and resource
    ``group``, and ``defence`` (a row about a defence)."""
    outcomes = check_outcomes(outcomes)
    noisy_sources = dict(noisy_sources or {})
    values = pd.concat([_clean_hits(outcomes, k, alpha), _attacked_drops(outcomes, k, alpha)], ignore_index=True)
    values["group"] = [resource_group(lang) for lang in values["lang"]]
    available = set(zip(values["regime"], values["generator"]))
    generators = sorted(set(values["generator"]) - {PLAIN_GENERATOR})
    frames = []
    keys = ["backbone", "token_budget", "attack", "attack_budget", "lang", "group", "qid"]
    for comparison in comparisons(generators, defence_regimes=defence_regimes, noisy_sources=noisy_sources):
        if comparison.a not in available or comparison.b not in available:
            continue  # a regime (or generator) left out of this run
        side_a, side_b = ((values[(values["regime"] == regime) & (values["generator"] == generator)])
                          for regime, generator in (comparison.a, comparison.b))
        pairs = side_a[[*keys, "value"]].merge(side_b[[*keys, "value"]], on=keys, suffixes=("_a", "_b"),
                                               validate="one_to_one")
        frames.append(pairs.assign(comparison=comparison.name, generator=comparison.generator,
                                   a_system=_system(*comparison.a, noisy_sources),
                                   b_system=_system(*comparison.b, noisy_sources), defence=comparison.defence))
    if not frames:
        raise ValueError("the research question needs both regimes (zero-shot and fine-tuned) and an xQG system; "
                         f"the outcomes hold {sorted(available)} as (regime, generator)")
    return pd.concat(frames, ignore_index=True)


PAIR_CELL = ["comparison", "backbone", "generator", "a_system", "b_system", "token_budget", "attack", "attack_budget"]


def cell_columns(cell) -> dict:
    """The columns naming a PAIR_CELL group, with the metric after the systems (the tables' order)."""
    named = dict(zip(PAIR_CELL, cell))
    return {**{key: named[key] for key in PAIR_CELL[:5]}, "metric": metric_name(int(named["token_budget"])),
            **{key: named[key] for key in PAIR_CELL[5:]}}


def correct_within_families(table: pd.DataFrame, correction: str, level: float, mde) -> None:
    """Fill ``p_adjusted`` (``correction`` within each ``family`` of tests) and ``mde`` (points): ``mde(row,
    bonferroni_level)`` at the strictest level Holm can require in the row's family."""
    table["p_adjusted"] = np.nan
    table["mde"] = np.nan
    for _, members in table.groupby("family"):
        tested = members.index[members["p_value"].notna()]
        table.loc[tested, "p_adjusted"] = adjust(table.loc[tested, "p_value"].to_numpy(), correction)
        bonferroni_level = level / max(len(tested), 1)
        table.loc[members.index, "mde"] = [100 * mde(row, bonferroni_level) for _, row in members.iterrows()]


def _by_resource_group(members: pd.DataFrame):
    """(group, rows) for each Joshi class present, high resource first, then all languages pooled."""
    classes = sorted(members["group"].unique(), key=lambda g: -int(g.split()[-1]))
    return [*((group, members[members["group"] == group]) for group in classes), (ALL_LANGUAGES, members)]


def research_question_table(outcomes: pd.DataFrame, *, k: int, alpha: float, correction: str = "holm",
                            level: float = 0.05, n_resamples: int = 2000, seed: int = 0,
                            defence_regimes: Sequence[str] = (),
                            noisy_sources: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per comparison, backbone, generator, metric, attack (clean first), attack budget and
    resource group (each Joshi class, then all languages); see the module docstring for the columns."""
    pairs = paired_values(outcomes, k=k, alpha=alpha, defence_regimes=defence_regimes, noisy_sources=noisy_sources)
    return comparison_table(pairs, correction=correction, level=level, n_resamples=n_resamples, seed=seed)


def comparison_table(pairs: pd.DataFrame, *, correction: str = "holm", level: float = 0.05,
                     n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """:func:`research_question_table` from the :func:`paired_values` already computed."""
    rows = []
    for cell, cell_pairs in pairs.groupby(PAIR_CELL, sort=False):
        columns = cell_columns(cell)
        test = "mcnemar" if columns["attack"] == CLEAN_QUERY_SET else "wilcoxon"
        defence = bool(cell_pairs["defence"].iloc[0]) if "defence" in cell_pairs else False
        for group, members in _by_resource_group(cell_pairs):
            rows.append({**columns, "group": group, "languages": " ".join(sorted(members["lang"].unique())),
                         **_row(members["value_a"], members["value_b"], test, n_resamples, seed), "_defence": defence})
    table = pd.DataFrame(rows)
    table["family"] = np.where(is_headline(table), np.where(table["_defence"], DEFENCES, HEADLINE),
                               np.where(table["_defence"], DEFENCE_DETAIL, DETAIL))
    table = table.drop(columns="_defence")
    correct_within_families(table, correction, level,
                            lambda row, at: minimum_detectable_effect(row["_differences"], at))
    table["correction"] = correction
    table["significant"] = table["p_adjusted"] < level
    keys = {  # the question's order: comparisons as listed, clean then the pooled attacks, high resource first
        "comparison": COMPARISON_ORDER.index,
        "attack": lambda v: (0, "") if v == CLEAN_QUERY_SET else (1, "") if v == ALL_RULE_ATTACKS else (2, v),
        "group": lambda v: (1, 0) if v == ALL_LANGUAGES else (0, -int(v.split()[-1])),
    }
    table = table.drop(columns="_differences").sort_values(
        ["comparison", "backbone", "generator", "token_budget", "attack_budget", "attack", "group"],
        key=lambda column: column.map(keys[column.name]) if column.name in keys else column, kind="stable")
    return table.reset_index(drop=True)


def is_headline(table: pd.DataFrame) -> pd.Series:
    """Clean and all rule attacks, at the smallest token and attack budgets."""
    budget = table["token_budget"].min()
    attack_budget = table.loc[table["attack"] == ALL_RULE_ATTACKS, "attack_budget"].min()
    return (table["token_budget"] == budget) & (
        (table["attack"] == CLEAN_QUERY_SET) | ((table["attack"] == ALL_RULE_ATTACKS) & (table["attack_budget"] == attack_budget)))


def headline(table: pd.DataFrame, families: Sequence[str] = (HEADLINE,)) -> pd.DataFrame:
    """The rows that answer the question first (family "headline"), per comparison and resource group;
    ``families=(HEADLINE, DEFENCES)`` adds the defences' headline rows."""
    return table[table["family"].isin(families)].reset_index(drop=True)


def _defence_families(table: pd.DataFrame) -> str:
    if not (table["family"] == DEFENCES).any():
        return ""
    return (f"; the defences (rows about perturbation-augmented fine-tuning or noisy xQG) in two families of their "
            f"own: their {int((table['family'] == DEFENCES).sum())} headline rows and their per-attack rows")


def caption(table: pd.DataFrame, level: float = 0.05) -> str:
    corrections = ", ".join(sorted(table["correction"].unique()))
    return (
        "The research question: paired per-query comparisons of two systems of one backbone. Clean rows: R@kt "
        "of A and B and A - B (points; McNemar). Attack rows: the drop under attack (clean - attacked, points) of "
        "A and B and drop A - drop B (positive: A is less robust; Wilcoxon signed-rank); 'all rule attacks' "
        "averages each query's drop over the rule-based attacks. CI: 95% percentile bootstrap over queries. "
        f"p corrected ({corrections}) within each family: the {int((table['family'] == HEADLINE).sum())} headline "
        "rows (clean and all rule attacks at the smallest budgets), and the per-attack rows"
        f"{_defence_families(table)}; significant at {level:g}. MDE: the smallest true difference (points) detectable with power {POWER:g} at the Bonferroni "
        "level of the row's family, from the observed spread. Groups: Joshi resource classes "
        "(5 = ar, ja; 4 = fi, ko, ru; 3 = bn; 1 = te) and all languages.")


def plot_research_question(table: pd.DataFrame, out_png: str, out_pdf: str) -> None:
    """Drop A - drop B under all rule attacks by resource group, one marker per comparison, with CIs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xqg.reporting.k_sweep import _STYLE, save_figure

    rows = headline(table, (HEADLINE, DEFENCES))
    rows = rows[rows["attack"] == ALL_RULE_ATTACKS]
    groups = list(dict.fromkeys(rows["group"]))
    panels = list(dict.fromkeys(zip(rows["backbone"], rows["generator"], rows["metric"])))
    names = [name for name in COMPARISON_ORDER if name in set(rows["comparison"])]
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(1, max(len(panels), 1), figsize=(5.0 * max(len(panels), 1), 3.4), squeeze=False)
        for axis, (backbone, generator, metric) in zip(axes[0], panels):
            panel = rows[(rows["backbone"] == backbone) & (rows["generator"] == generator) & (rows["metric"] == metric)]
            for offset, name in enumerate(names):
                line = panel[panel["comparison"] == name].set_index("group").reindex(groups)
                if line["difference"].isna().all():
                    continue  # a comparison of another panel's generator
                x = np.arange(len(groups)) + (offset - (len(names) - 1) / 2) * 0.2
                error = np.vstack([line["difference"] - line["ci_low"], line["ci_high"] - line["difference"]])
                axis.errorbar(x, line["difference"], yerr=error, fmt="o", capsize=3, label=name)
            axis.axhline(0, color="grey", linewidth=0.8)
            axis.set_xticks(np.arange(len(groups)), groups, rotation=20)
            axis.set_ylabel(f"drop A - drop B ({metric}, points)")
            system = "no xQG" if generator == PLAIN_GENERATOR else f"xQG ({generator})"
            axis.set_title(f"{backbone}, {system}: all rule attacks")
        axes[0][0].legend(fontsize=7)
        figure.tight_layout()
        save_figure(figure, out_png, out_pdf)
    plt.close(figure)
