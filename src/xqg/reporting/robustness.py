"""Robustness of the plain retriever and of + xQG to query attacks, per language, attack, attack budget,
system and regime, with paired tests; grouped by family and Joshi class (descriptively); a figure and a
Markdown summary generated from the numbers.

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
import os
from itertools import cycle
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from xqg import statistics
from xqg.files import atomic_open
from xqg.languages import LANGUAGE_INFO
from xqg.reporting.transfer import adaptive_attack_rows
from xqg.reporting.k_sweep import _STYLE, _panel_grid, legend_title, save_figure
from xqg.reporting.outcomes import (
    CLEAN_QUERY_SET, CORRECTIONS, PLAIN_GENERATOR, SIGNIFICANCE_MARK, TESTS, adjust, check_outcomes,
    metric_name, paired_p_value, regimes, select_system, system_label,
)
from xqg.reporting.tables import to_latex, to_markdown

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


def _comparison_cell(plain: pd.DataFrame, xqg: pd.DataFrame, what: str, test: str, n_resamples: int,
                     seed: int) -> dict:
    """+ xQG vs the plain retriever on each query's drop (positive difference: xQG dropped more)."""
    pair = plain[["qid", "drop"]].merge(xqg[["qid", "drop"]], on="qid", how="outer", suffixes=("_plain", "_xqg"),
                                        indicator=True)
    if (pair["_merge"] != "both").any():
        raise ValueError(f"{what}: the plain and + xQG systems were attacked on different queries")
    plain_drop, xqg_drop = pair["drop_plain"].to_numpy(), pair["drop_xqg"].to_numpy()
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
    table["_regime"] = [regimes(table).index(r) for r in table["regime"]]
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


# --- figure ------------------------------------------------------------------------------------------

def _default_token_budget(table: pd.DataFrame, token_budget: int | None) -> int:
    budgets = sorted(table["token_budget"].unique())
    if token_budget is None:
        return int(budgets[0])
    if token_budget not in budgets:
        raise ValueError(f"token budget {token_budget} not in the table ({budgets})")
    return int(token_budget)


def _smallest_attack_budgets(table: pd.DataFrame) -> pd.DataFrame:
    smallest = table.groupby("attack")["attack_budget"].transform("min")
    return table[table["attack_budget"] == smallest]


def robustness_figure(table: pd.DataFrame, *, out_png: str | os.PathLike, out_pdf: str | os.PathLike,
                      token_budget: int | None = None) -> None:
    """Robustness ratio (attacked / clean) by language, high- to low-resource (Joshi class 5 -> 1), one
    bar per system with its bootstrap 95% CI; one panel per attack (its smallest budget, samples
    averaged per query) x regime x backbone. ``token_budget`` defaults to the smallest in the table (R@2kt)."""
    token_budget = _default_token_budget(table, token_budget)
    shown = _smallest_attack_budgets(table[(table["token_budget"] == token_budget) & (table["selection"] == MEAN)
                                           & (table["lang"] != ALL_LANGUAGES)])
    panels = [(r, b, a) for r in regimes(shown) for b in sorted(shown["backbone"].unique())
              for a in sorted(shown["attack"].unique())
              if ((shown["regime"] == r) & (shown["backbone"] == b) & (shown["attack"] == a)).any()]
    systems = sorted(shown["system"].unique(), key=lambda s: (s != "standard", s))
    colours = dict(zip(systems, cycle(matplotlib.colormaps["tab10"].colors)))
    width = 0.8 / len(systems)
    with matplotlib.rc_context(_STYLE):
        figure, axes = _panel_grid(len(panels), width=4.6, height=3.0)
        for ax, (regime, backbone, attack) in zip(axes, panels):
            rows = shown[(shown["regime"] == regime) & (shown["backbone"] == backbone) & (shown["attack"] == attack)]
            languages = sorted(rows["lang"].unique(), key=_joshi_order)
            for i, system in enumerate(systems):
                by_lang = rows[rows["system"] == system].set_index("lang").reindex(languages)
                x = np.arange(len(languages)) + (i - (len(systems) - 1) / 2) * width
                ratio = by_lang["ratio"].to_numpy(dtype=float)
                error = np.vstack([ratio - by_lang["ratio_ci_low"].to_numpy(dtype=float),
                                   by_lang["ratio_ci_high"].to_numpy(dtype=float) - ratio])
                ax.bar(x, ratio, width, color=colours[system], label=system,
                       yerr=np.nan_to_num(np.clip(error, 0, None)), capsize=2, error_kw={"linewidth": 0.8})
            ax.axhline(1.0, color="0.4", linewidth=0.8)
            ax.set_xticks(np.arange(len(languages)))
            ax.set_xticklabels([f"{lang}\n({LANGUAGE_INFO[lang].joshi_class})" if lang in LANGUAGE_INFO else lang
                                for lang in languages])
            budget = int(rows["attack_budget"].iloc[0])
            ax.set_title(f"{attack} (budget {budget}): {backbone}, {regime}")
        axes[0].set_ylabel(f"robustness ratio, {metric_name(token_budget)} (attacked / clean)")
        handles, labels = axes[0].get_legend_handles_labels()
        title = ("Languages from high to low resource (Joshi class in brackets). Error bars: bootstrap 95% CI "
                 "over queries; attacked samples averaged per query first.")
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(systems), 4), frameon=False,
                      title=legend_title(title, figure), title_fontsize=8)
        save_figure(figure, out_png, out_pdf)


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
        lines.append(f"## {backbone}, {regime}, xQG ({generator}) vs standard: attack `{attack}`, budget {budget}, "
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
                            seed: int = 0, token_budget: int | None = None) -> pd.DataFrame:
    """All robustness outputs in ``out_dir``: robustness.{csv,md,tex}, robustness_by_group.{csv,md,tex},
    robustness.{png,pdf} and robustness_summary.md. Returns the per-language table."""
    out_dir = Path(out_dir)
    table = robustness_table(outcomes, k=k, alpha=alpha, test=test, correction=correction,
                             n_resamples=n_resamples, seed=seed)
    write_robustness_tables(table, robustness_by_group(table), out_dir)
    robustness_figure(table, out_png=out_dir / "robustness.png", out_pdf=out_dir / "robustness.pdf",
                      token_budget=token_budget)
    with atomic_open(out_dir / "robustness_summary.md") as handle:
        handle.write(robustness_summary(table, token_budget=token_budget))
    return table
