"""The headline answer to the study's question, in words and numbers, generated from the research
question's tables: it opens robustness_summary.md, before the per-language detail."""

from __future__ import annotations

import pandas as pd

from xqg.reporting.interaction import TREND
from xqg.reporting.outcomes import CLEAN_QUERY_SET, CORRECTIONS
from xqg.reporting.research_question import (
    ALL_LANGUAGES, ALL_RULE_ATTACKS, BOTH_DEFENCES, DEFENCES, NOISY_XQG, PERTURBED_TUNING, headline,
)

QUESTION = ("Does cross-lingual query-generation augmentation (xQG) change a dense retriever's robustness to "
            "query attacks, compared with multilingual fine-tuning, and does that depend on the resource level?")


def _interval(row) -> str:
    return f"{row.difference:+.1f} [95% CI {row.ci_low:+.1f}, {row.ci_high:+.1f}]"


def _p(value: float) -> str:
    return "no test" if pd.isna(value) else f"p = {value:.3g}"


def _mde(value: float) -> str:
    return "no spread to size it" if pd.isna(value) else f"{value:.1f} points"


def _robustness_verdict(row) -> str:
    """A is the first system: a positive drop difference means A lost more under attack."""
    if row.significant:
        return f"**{row.a_system} is {'less' if row.difference > 0 else 'more'} robust**"
    return f"no significant difference (detectable: {_mde(row.mde)})"


def _trend_sentence(trend: pd.DataFrame, correction: str) -> str:
    if trend.empty:
        return "fewer than three resource classes: no trend estimated"
    row = trend.iloc[0]
    direction = ("grows with" if row.estimate > 0 else "shrinks with") if row.significant else "does not detectably change with"
    return (f"per Joshi class step the difference changes by {row.estimate:+.2f} points "
            f"[95% CI {row.ci_low:+.2f}, {row.ci_high:+.2f}], {correction} {_p(row.p_adjusted)}, MDE {_mde(row.mde)}: "
            f"the difference {direction} the resource level")


def answer(table: pd.DataFrame, interactions: pd.DataFrame) -> str:
    """Markdown: per backbone, generator and metric, each comparison overall (under all rule attacks, and
    clean), by resource class, and the resource-level trend, from ``research_question_table`` and
    ``interaction_table``."""
    rows = headline(table)
    correction = CORRECTIONS[str(table["correction"].iloc[0])]
    lines = ["# The answer", "", f"*{QUESTION}*", "",
             "drop = clean minus attacked recall (points, a query's attacked samples averaged); difference = "
             "drop A - drop B (positive: A lost more, i.e. is less robust); CIs: bootstrap over queries; p-values "
             f"{correction}-corrected; MDE: the smallest true difference the sample detects with power 0.8. Full "
             "tables: research_question.md (by class), research_question_interaction.md (does it depend on the "
             "resource level), research_question.full.csv (every attack).", ""]
    for (backbone, generator, metric), block in rows.groupby(["backbone", "generator", "metric"], sort=False):
        attacked = block[block["attack"] == ALL_RULE_ATTACKS]
        budget = int(attacked["attack_budget"].iloc[0]) if len(attacked) else 0
        lines += [f"## {backbone}, xQG ({generator}), {metric}: all rule attacks at budget {budget}", ""]
        for comparison, members in block.groupby("comparison", sort=False):
            under_attack = members[members["attack"] == ALL_RULE_ATTACKS]
            clean = members[(members["attack"] == CLEAN_QUERY_SET) & (members["group"] == ALL_LANGUAGES)]
            if under_attack.empty:
                continue
            overall = under_attack[under_attack["group"] == ALL_LANGUAGES].iloc[0]
            lines.append(
                f"- **{comparison}** ({overall.a_system} vs {overall.b_system}), {int(overall.n_queries)} queries: "
                f"drop {overall.a_value:.1f} vs {overall.b_value:.1f}, difference {_interval(overall)}, "
                f"{_p(overall.p_adjusted)}: {_robustness_verdict(overall)}.")
            for row in under_attack[under_attack["group"] != ALL_LANGUAGES].itertuples():
                lines.append(f"  - {row.group} ({row.languages}), n = {int(row.n_queries)}: difference "
                             f"{_interval(row)}, {_p(row.p_adjusted)}: {_robustness_verdict(row)}.")
            trend = interactions[(interactions["comparison"] == comparison) & (interactions["backbone"] == backbone)
                                 & (interactions["generator"] == generator) & (interactions["metric"] == metric)
                                 & (interactions["attack"] == ALL_RULE_ATTACKS) & (interactions["contrast"] == TREND)]
            lines.append(f"  - Resource level: {_trend_sentence(trend, correction)}.")
            if len(clean):
                row = clean.iloc[0]
                lines.append(f"  - Clean {metric} for context: {row.a_value:.1f} vs {row.b_value:.1f}, "
                             f"{_interval(row)}, {_p(row.p_adjusted)}.")
        lines.append("")
    return "\n".join(lines + _defences(table)) + "\n"


def _defences(table: pd.DataFrame) -> list[str]:
    """The defences' headline rows over all languages: does each defence make its system more robust than
    the system it defends, and at what clean cost (per class: research_question.md)."""
    rows = headline(table, (DEFENCES,))
    rows = rows[rows["group"] == ALL_LANGUAGES]
    if rows.empty:
        return []
    # the defences against what they defend first, then a noisy generator in the question's comparisons
    first = [PERTURBED_TUNING, NOISY_XQG, BOTH_DEFENCES]
    rows = rows.sort_values("comparison", key=lambda names: names.map(lambda n: first.index(n) if n in first else 3),
                            kind="stable")
    lines = ["# The defences", "",
             "Perturbation-augmented fine-tuning (training queries attacked), noisy xQG (a share of the generated "
             "queries attacked before fusion) and both, each against the system it defends; a negative drop "
             "difference means the defended system A lost less under attack (tests corrected within the "
             "defences' own family).", ""]
    for (backbone, metric), block in rows.groupby(["backbone", "metric"], sort=False):
        lines += [f"## {backbone}, {metric}", ""]
        for (comparison, generator), members in block.groupby(["comparison", "generator"], sort=False):
            attacked = members[members["attack"] == ALL_RULE_ATTACKS]
            clean = members[members["attack"] == CLEAN_QUERY_SET]
            if attacked.empty:
                continue
            row = attacked.iloc[0]
            line = (f"- **{comparison}** ({row.a_system} vs {row.b_system}{'' if generator == 'none' else f', {generator}'}), "
                    f"{int(row.n_queries)} queries, all rule attacks at budget {int(row.attack_budget)}: drop "
                    f"{row.a_value:.1f} vs {row.b_value:.1f}, difference {_interval(row)}, {_p(row.p_adjusted)}: "
                    f"{_robustness_verdict(row)}.")
            if len(clean):
                cost = clean.iloc[0]
                line += (f" Clean {metric}: {cost.a_value:.1f} vs {cost.b_value:.1f}, {_interval(cost)}, "
                         f"{_p(cost.p_adjusted)}.")
            lines.append(line)
        lines.append("")
    return lines

