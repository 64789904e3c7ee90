"""The robustness report: the display tables (CSV, Markdown, LaTeX), the Markdown summary generated from
the numbers, and :func:`write_robustness_report`, which writes every robustness output."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from xqg.files import atomic_open
from xqg.languages import LANGUAGE_INFO
from xqg.query_sets import QUERY_VARIATIONS
from xqg.reporting.outcomes import CORRECTIONS, PLAIN_GENERATOR, SIGNIFICANCE_MARK, TESTS, metric_name, regimes
from xqg.reporting.robustness import (
    ALL_LANGUAGES, CELL, CONTEXT, _joshi_order, robustness_by_group, robustness_table,
)
from xqg.reporting.robustness_figure import _default_token_budget, robustness_figure
from xqg.reporting.tables import to_latex, to_markdown


# --- display tables and writers ------------------------------------------------------------------------

def _format(value: float, digits: int = 2) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _difference_cell(row) -> str:
    if pd.isna(row.drop_difference):
        return ""
    mark = SIGNIFICANCE_MARK if row.difference_significant is True else ""
    return (f"{row.drop_difference:+.2f}{mark} [{row.drop_difference_ci_low:+.2f}, "
            f"{row.drop_difference_ci_high:+.2f}]")


def robustness_display(table: pd.DataFrame) -> pd.DataFrame:
    """The per-language table as text for Markdown/LaTeX (the CSV keeps every column)."""
    display = table[["regime", "backbone", "attack", "attack_budget", "metric", "lang", "system"]].copy()
    display.columns = ["regime", "backbone", "attack", "budget", "metric", "lang", "system"]
    display.insert(4, "samples", [f"{selection} of {int(n)}" for selection, n in zip(table["selection"],
                                                                                     table["n_samples"])])
    display["n"] = table["n_queries"].astype(int).astype(str)
    display["clean"] = [_format(v) for v in table["clean"]]
    display["attacked"] = [
        _format(v) + (SIGNIFICANCE_MARK if s is True else "") for v, s in zip(table["attacked"],
                                                                             table["attack_significant"])]
    display["drop"] = [_format(v) for v in table["drop"]]
    display["ratio"] = [_format(v, 3) for v in table["ratio"]]
    display["ASR"] = [_format(v) for v in table["success_rate"]]
    display["Jaccard"] = [_format(v, 3) for v in table["top_jaccard"]]
    display["W/T/L"] = ["" if pd.isna(w) else f"{int(w)}/{int(t)}/{int(l)}"
                        for w, t, l in zip(table["wins"], table["ties"], table["losses"])]
    display["\u0394drop [95% CI]"] = [_difference_cell(row) for row in table.itertuples()]
    display["p (adj.)"] = [_format(p, 4) for p in table["p_difference_adjusted"]]
    return display


def _caption(table: pd.DataFrame) -> str:
    correction = CORRECTIONS[str(table["correction"].iloc[0])]
    difference_tests = sorted({TESTS[t] for t in table["difference_test"].dropna()})
    attack_tests = sorted({TESTS[t] for t in table["attack_test"].dropna()})
    return (
        "Robustness to query attacks (R@Nkt in %, samples averaged per query first). drop = clean - attacked "
        "(points); samples: 'mean of n' averages a query's n attacked samples, 'worst of n' keeps, per "
        "query and system, the sample that hurts that system most (an adversary with n tries); "
        "ratio = attacked / clean; ASR = attack success rate, the share of clean hits that become "
        "misses; Jaccard = overlap of the top-10 passages of clean and attacked query; lang 'all' pools the "
        f"queries of all languages. {SIGNIFICANCE_MARK} on attacked: differs from clean "
        f"({' / '.join(attack_tests)}); \u0394drop = mean per-query drop of + xQG minus that of the standard "
        f"retriever (negative: xQG more robust), bootstrap 95% CI, {SIGNIFICANCE_MARK}: "
        f"{' / '.join(difference_tests) or 'no test'}; W/T/L: queries where xQG dropped less / the same / more. "
        f"p-values adjusted with the {correction} correction over languages x attacks x budgets x selections."
    )


def write_robustness_tables(table: pd.DataFrame, by_group: pd.DataFrame, out_dir: str | os.PathLike) -> list[Path]:
    """robustness.{csv,md,tex} (per language) and robustness_by_group.{csv,md,tex} in ``out_dir``."""
    out_dir = Path(out_dir)
    caption = _caption(table)
    group_caption = ("Robustness by language, family and Joshi class (macro means over the languages of a group; "
                     "descriptive only: family is confounded with language). drop and \u0394drop in points; "
                     "\u0394drop < 0: + xQG dropped less than the standard retriever.")
    display_group = by_group.drop(columns=["dataset", "token_budget", "generator"])
    paths = []
    for stem, full, shown, text in (("robustness", table, robustness_display(table), caption),
                                    ("robustness_by_group", by_group, display_group, group_caption)):
        with atomic_open(out_dir / f"{stem}.csv") as handle:
            full.to_csv(handle, index=False)
        with atomic_open(out_dir / f"{stem}.md") as handle:
            handle.write(to_markdown(shown, text))
        with atomic_open(out_dir / f"{stem}.tex") as handle:
            handle.write(to_latex(shown, text, label=f"tab:{stem.replace('_', '-')}"))
        paths += [out_dir / f"{stem}.{suffix}" for suffix in ("csv", "md", "tex")]
    return paths


# --- summary -----------------------------------------------------------------------------------------

def _verdict(row, level: float) -> str:
    direction = ("helped" if row.drop_difference < 0 else "hurt" if row.drop_difference > 0
                 else "made no difference to")
    if row.difference_significant is True:
        return f"xQG **{direction}** robustness (significant, adjusted p < {level:g})"
    if direction == "made no difference to":
        return "xQG made no difference to robustness"
    return f"xQG {direction} robustness, not significantly"


def _summary_line(row, level: float) -> str:
    name = ("Overall (all languages pooled)" if row.lang == ALL_LANGUAGES
            else f"{row.lang} ({LANGUAGE_INFO[row.lang].name}, Joshi class {LANGUAGE_INFO[row.lang].joshi_class})"
            if row.lang in LANGUAGE_INFO else row.lang)
    return (f"- {name}, n = {int(row.n_queries)}: drop {row.drop_standard:.2f} -> {row.drop:.2f} points with xQG; "
            f"difference {row.drop_difference:+.2f} [95% CI {row.drop_difference_ci_low:+.2f}, "
            f"{row.drop_difference_ci_high:+.2f}], adjusted p = {row.p_difference_adjusted:.3g}: "
            f"{_verdict(row, level)}.")


def robustness_summary(table: pd.DataFrame, *, token_budget: int | None = None, level: float = 0.05) -> str:
    """A Markdown summary, generated from ``robustness_table``'s numbers: for each backbone, regime,
    generator, attack and budget, per language and overall, whether + xQG changed the drop in
    ``token_budget`` recall (default: the smallest, R@2kt) and whether that is significant."""
    token_budget = _default_token_budget(table, token_budget)
    rows = table[table["token_budget"] == token_budget]
    standard = rows[rows["generator"] == PLAIN_GENERATOR]
    keys = [*CONTEXT, *CELL, "lang"]
    compared = rows[rows["generator"] != PLAIN_GENERATOR].merge(
        standard[keys + ["drop"]].rename(columns={"drop": "drop_standard"}), on=keys, how="inner")
    if compared.empty:
        return "No + xQG system was attacked, so there is no robustness comparison to summarise.\n"
    correction = CORRECTIONS[str(table["correction"].iloc[0])]
    test = TESTS[str(compared["difference_test"].dropna().iloc[0])]
    lines = [
        f"# Robustness summary ({metric_name(token_budget)})", "",
        "drop = clean minus attacked recall, in points, with a query's attacked samples averaged ('mean of "
        "n') or, adversarially, the sample that hurts each system most ('worst of n'); the "
        "difference is xQG's drop minus the standard retriever's (negative: xQG lost less, i.e. helped). "
        f"Tests: {test} on per-query drops; bootstrap 95% CIs; p-values adjusted with the {correction} "
        "correction over languages x attacks x budgets x selections. Both systems share the query encoder, so for "
        "the same attacked queries any difference comes from the augmented passage index; the adaptive "
        "attack `greedy` is the exception: each system is scored on the queries crafted against it "
        "(transfer between systems: adversarial_transfer.md).", "",
    ]
    order = {r: i for i, r in enumerate(regimes(compared))}
    pooled_first = [(0, 0, "") if lang == ALL_LANGUAGES else (1, *_joshi_order(lang)) for lang in compared["lang"]]
    compared = compared.assign(_regime=compared["regime"].map(order), _lang=pooled_first)
    for keys_, block in compared.groupby(["dataset", "backbone", "_regime", "generator", "attack", "attack_budget",
                                          "selection"], sort=True):
        dataset, backbone, _, generator, attack, budget, selection = keys_
        regime = block["regime"].iloc[0]
        samples = f"{selection} of {int(block['n_samples'].max())} samples"
        kind = "query variation (not an attack)" if attack in QUERY_VARIATIONS else "attack"
        lines.append(f"## {backbone}, {regime}, xQG ({generator}) vs standard: {kind} `{attack}`, budget {budget}, "
                     f"{samples}"
                     + (f" ({dataset})" if table["dataset"].nunique() > 1 else ""))
        lines.append("")
        block = block.sort_values("_lang")
        lines += [_summary_line(row, level) for row in block.itertuples()]
        helped = block[(block["lang"] != ALL_LANGUAGES) & (block["difference_significant"] == True)]  # noqa: E712
        better = sorted(helped.loc[helped["drop_difference"] < 0, "lang"], key=_joshi_order)
        worse = sorted(helped.loc[helped["drop_difference"] > 0, "lang"], key=_joshi_order)
        lines.append(f"- Significant per language: xQG helped in {', '.join(better) or 'none'}; "
                     f"hurt in {', '.join(worse) or 'none'}.")
        lines.append("")
    return "\n".join(lines)


def write_robustness_report(outcomes: pd.DataFrame, out_dir: str | os.PathLike, *, k: int, alpha: float,
                            test: str = "wilcoxon", correction: str = "holm", n_resamples: int = 2000,
                            seed: int = 0, token_budget: int | None = None, summary: bool = True) -> pd.DataFrame:
    """All robustness outputs in ``out_dir``: robustness.{csv,md,tex}, robustness_by_group.{csv,md,tex},
    robustness.{png,pdf} and, with ``summary``, robustness_summary.md (without it, the research question's
    rule writes the summary, opening with the answer). Returns the per-language table."""
    out_dir = Path(out_dir)
    table = robustness_table(outcomes, k=k, alpha=alpha, test=test, correction=correction,
                             n_resamples=n_resamples, seed=seed)
    write_robustness_tables(table, robustness_by_group(table), out_dir)
    robustness_figure(table, out_png=out_dir / "robustness.png", out_pdf=out_dir / "robustness.pdf",
                      token_budget=token_budget)
    if summary:
        with atomic_open(out_dir / "robustness_summary.md") as handle:
            handle.write(robustness_summary(table, token_budget=token_budget))
    return table
