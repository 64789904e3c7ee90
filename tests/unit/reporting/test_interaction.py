"""xqg.reporting.interaction: contrasts of xQG's paired effect across resource classes and families,
counted by hand; and xqg.reporting.answer, the headline answer built on them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import norm

from tests.helpers.outcome_tables import ALPHA, K, system_rows
from xqg.reporting.answer import answer
from xqg.reporting.interaction import TREND, interaction_table
from xqg.reporting.research_question import ALL_RULE_ATTACKS, paired_values, research_question_table

# per language, the paired differences d = value_a - value_b of four queries
D = {"ar": [0, 0, 0, 0], "fi": [1, 0, 1, 0], "te": [1, 1, 1, 1]}  # Joshi 5, 4, 1; Afro-Asiatic, Uralic, Dravidian


def _pairs(attack: str = "clean", attack_budget: int = 0, d=D) -> pd.DataFrame:
    return pd.DataFrame([dict(comparison="xQG on top of fine-tuning", backbone="mbert", generator="neural",
                              a_system="fine-tuned + xQG", b_system="fine-tuned", token_budget=2000, attack=attack,
                              attack_budget=attack_budget, lang=lang, qid=f"{lang}{i}", value_a=float(value),
                              value_b=0.0) for lang, values in d.items() for i, value in enumerate(values)])


def _contrast(table, contrast, attack="clean"):
    row = table[(table["contrast"] == contrast) & (table["attack"] == attack)]
    assert len(row) == 1, contrast
    return row.iloc[0]


def test_contrasts_and_trend_by_hand():
    pairs = pd.concat([_pairs(), _pairs(ALL_RULE_ATTACKS, 1), _pairs(ALL_RULE_ATTACKS, 2), _pairs("typo", 1)])
    table = interaction_table(pairs, n_resamples=300)
    assert set(zip(table["attack"], table["attack_budget"])) == {("clean", 0), (ALL_RULE_ATTACKS, 1)}  # headline cells
    low = _contrast(table, "Joshi class 1 - Joshi class 5")
    assert (low["estimate"], low["ci_low"], low["ci_high"]) == (100.0, 100.0, 100.0)  # constant groups
    assert math.isnan(low["p_value"])  # no spread in either group: no t-test
    middle = _contrast(table, "Joshi class 4 - Joshi class 5")
    assert middle["estimate"] == 50.0 and middle["languages"] == "fi vs ar"
    assert middle["p_value"] == pytest.approx(stats.ttest_ind([1, 0, 1, 0], [0] * 4, equal_var=False).pvalue)
    # OLS slope of d on the class: Sxy / Sxx = -8 / (312 / 9) per class step
    trend = _contrast(table, TREND)
    assert trend["estimate"] == pytest.approx(100 * -72 / 312)
    assert trend["ci_low"] <= trend["estimate"] <= trend["ci_high"] and trend["family"] == "trend"
    # families tie at four queries: the reference is the first by name
    assert _contrast(table, "Dravidian - Afro-Asiatic")["estimate"] == 100.0
    uralic = _contrast(table, "Uralic - Afro-Asiatic")
    assert uralic["estimate"] == 50.0 and uralic["factor"] == "language family"
    detail = table[table["family"] == "contrasts"]
    m = int(detail["p_value"].notna().sum())
    expected = 100 * (norm.ppf(1 - 0.05 / m / 2) + norm.ppf(0.8)) * math.sqrt(np.var([1, 0, 1, 0], ddof=1) / 4)
    assert uralic["mde"] == pytest.approx(expected)
    assert (table["p_adjusted"].dropna() >= table["p_value"].dropna()).all()


def test_one_group_has_nothing_to_contrast_and_two_classes_no_trend():
    assert interaction_table(_pairs(d={"ar": [1, 0]}), n_resamples=50).empty
    two = interaction_table(_pairs(d={"ar": [1, 0], "ja": [0, 0], "te": [1, 1]}), n_resamples=50)
    assert TREND not in set(two["contrast"]) and "Joshi class 1 - Joshi class 5" in set(two["contrast"])
    assert {"Dravidian - Afro-Asiatic", "Japonic - Afro-Asiatic"} <= set(two["contrast"])


def _outcomes(drops: dict[tuple[str, str], int], n: int = 30) -> pd.DataFrame:
    """Every system retrieves every clean query; under the typo attack it keeps (drop 0) or loses (1) all."""
    rows = []
    for (regime, generator), drop in drops.items():
        for lang in ("ar", "fi", "te"):
            rows += [dict(row, regime=regime)
                     for row in system_rows(lang, generator, [1] * n, [[1 - drop] * n])]
    return pd.DataFrame(rows)


def test_the_answer_names_the_robust_system_with_its_numbers():
    outcomes = _outcomes({("fine-tuned", "none"): 1, ("fine-tuned", "neural"): 0,
                          ("zero-shot", "none"): 1, ("zero-shot", "neural"): 1})
    table = research_question_table(outcomes, k=K, alpha=ALPHA, n_resamples=200)
    interactions = interaction_table(paired_values(outcomes, k=K, alpha=ALPHA), n_resamples=200)
    text = answer(table, interactions)
    assert text.startswith("# The answer")
    on_top = next(line for line in text.splitlines() if line.startswith("- **xQG on top of fine-tuning**"))
    assert "90 queries: drop 0.0 vs 100.0, difference -100.0" in on_top
    assert "**fine-tuned + xQG is more robust**" in on_top
    without = next(line for line in text.splitlines() if line.startswith("- **xQG without fine-tuning**"))
    assert "no significant difference (detectable: no spread to size it)" in without
    assert "  - Joshi class 1 (te), n = 30: difference -100.0" in text
    assert "Resource level: per Joshi class step the difference changes by +0.00 points" in text
