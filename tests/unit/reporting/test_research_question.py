"""xqg.reporting.research_question: the three paired comparisons, hand-counted, by resource class; the
minimum detectable effect; the headline rows and the figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.helpers.outcome_tables import ALPHA, K, system_rows
from xqg.reporting.research_question import (
    ALL_RULE_ATTACKS, headline, minimum_detectable_effect, plot_research_question, research_question_table,
)

# per (regime, generator): clean hits and the typo attack's hits of queries 0..3 (the same in ar and te)
SYSTEMS = {
    ("fine-tuned", "none"): ([1, 1, 1, 0], [0, 1, 1, 0]),  # drops [1, 0, 0, 0]
    ("fine-tuned", "neural"): ([1, 1, 1, 1], [1, 1, 0, 1]),  # drops [0, 0, 1, 0]
    ("zero-shot", "none"): ([1, 0, 0, 0], [0, 0, 0, 0]),  # drops [1, 0, 0, 0]
    ("zero-shot", "neural"): ([1, 1, 0, 0], [1, 0, 0, 0]),  # drops [0, 1, 0, 0]
}


def _outcomes(systems=SYSTEMS) -> pd.DataFrame:
    rows = []
    for (regime, generator), (clean, attacked) in systems.items():
        for lang in ("ar", "te"):
            rows += [dict(row, regime=regime) for row in system_rows(lang, generator, clean, [attacked])]
    return pd.DataFrame(rows)


def _row(table, comparison, attack, group):
    match = table[(table["comparison"] == comparison) & (table["attack"] == attack) & (table["group"] == group)]
    assert len(match) == 1, (comparison, attack, group)
    return match.iloc[0]


def test_the_three_comparisons_hand_counted():
    table = research_question_table(_outcomes(), k=K, alpha=ALPHA, n_resamples=200)
    assert len(table) == 3 * 3 * 3  # comparisons x (clean, all rule attacks, typo) x (class 5, class 1, all)
    instead = _row(table, "xQG instead of fine-tuning", "clean", "all")  # zero-shot + xQG 50 vs fine-tuned 75
    assert (instead["a_system"], instead["b_system"]) == ("zero-shot + xQG", "fine-tuned")
    assert (instead["a_value"], instead["b_value"], instead["difference"]) == (50.0, 75.0, -25.0)
    assert instead["n_queries"] == 8 and instead["test"] == "mcnemar"
    on_top = _row(table, "xQG on top of fine-tuning", "clean", "Joshi class 1")  # te only
    assert (on_top["a_value"], on_top["b_value"], on_top["languages"]) == (100.0, 75.0, "te")
    without = _row(table, "xQG without fine-tuning", "typo", "Joshi class 5")  # drops [0,1,0,0] vs [1,0,0,0]
    assert (without["a_value"], without["b_value"], without["difference"]) == (25.0, 25.0, 0.0)
    assert without["test"] == "wilcoxon" and without["ci_low"] <= 0.0 <= without["ci_high"]
    pooled = _row(table, "xQG on top of fine-tuning", ALL_RULE_ATTACKS, "all")  # typo is the only rule attack
    typo = _row(table, "xQG on top of fine-tuning", "typo", "all")
    assert pooled[["a_value", "b_value", "difference"]].tolist() == typo[["a_value", "b_value", "difference"]].tolist()
    assert (table["p_adjusted"] >= table["p_value"]).all() and not table["significant"].any()
    # high resource first, then all languages; clean before the attacks
    first = table[table["comparison"] == "xQG instead of fine-tuning"]
    assert first["group"].tolist()[:3] == ["Joshi class 5", "Joshi class 1", "all"]
    assert first["attack"].tolist()[::3] == ["clean", ALL_RULE_ATTACKS, "typo"]


def test_the_mde_follows_the_spread_and_the_table_level():
    # (z_.975 + z_.8) * sd / sqrt(n) = (1.95996 + 0.84162) / 10 for sd 1 and n 100
    differences = np.tile([1.0, -1.0], 50) * math.sqrt(99 / 100)  # sample sd exactly 1
    assert minimum_detectable_effect(differences, 0.05) == pytest.approx(0.280158, abs=1e-5)
    assert math.isnan(minimum_detectable_effect(np.zeros(10), 0.05))  # no spread: no statement
    table = research_question_table(_outcomes(), k=K, alpha=ALPHA, n_resamples=200)
    row = _row(table, "xQG on top of fine-tuning", "clean", "all")  # differences [0, 0, 0, 1] in ar and te
    spread = np.std([0, 0, 0, 1] * 2, ddof=1)
    from scipy.stats import norm
    headline_tests = 3 * 2 * 3  # comparisons x (clean, all rule attacks) x groups: the row's family
    assert (table["family"] == "headline").sum() == headline_tests
    expected = 100 * (norm.ppf(1 - 0.05 / headline_tests / 2) + norm.ppf(0.8)) * spread / math.sqrt(8)
    assert row["mde"] == pytest.approx(expected)


def test_without_both_regimes_it_says_what_is_missing():
    only_fine_tuned = {key: value for key, value in SYSTEMS.items() if key[0] == "fine-tuned"}
    table = research_question_table(_outcomes(only_fine_tuned), k=K, alpha=ALPHA, n_resamples=200)
    assert set(table["comparison"]) == {"xQG on top of fine-tuning"}
    only_plain = {key: value for key, value in SYSTEMS.items() if key[1] == "none"}
    with pytest.raises(ValueError, match="both regimes .* and an xQG system"):
        research_question_table(_outcomes(only_plain), k=K, alpha=ALPHA, n_resamples=200)


def test_headline_and_figure(tmp_path):
    table = research_question_table(_outcomes(), k=K, alpha=ALPHA, n_resamples=200)
    rows = headline(table)
    assert set(rows["attack"]) == {"clean", ALL_RULE_ATTACKS} and len(rows) == 3 * 2 * 3
    plot_research_question(table, tmp_path / "rq.png", tmp_path / "rq.pdf")
    assert (tmp_path / "rq.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "rq.pdf").read_bytes()[:4] == b"%PDF"


def test_query_variations_are_not_pooled_with_the_attacks():
    """entity_anglicisation may hand the retriever the key term: it is reported, never averaged in."""
    rows = []
    for (regime, generator), (clean, attacked) in SYSTEMS.items():
        for lang in ("ar", "te"):
            rows += [dict(row, regime=regime) for row in system_rows(lang, generator, clean, [attacked])]
            rows += [dict(row, regime=regime) for row in system_rows(lang, generator, clean, [[1, 1, 1, 1]],
                                                                     attack="entity_anglicisation")
                     if row["query_set"] != "clean"]
    table = research_question_table(pd.DataFrame(rows), k=K, alpha=ALPHA, n_resamples=200)
    pooled = _row(table, "xQG on top of fine-tuning", ALL_RULE_ATTACKS, "all")
    typo = _row(table, "xQG on top of fine-tuning", "typo", "all")
    assert pooled[["a_value", "b_value"]].tolist() == typo[["a_value", "b_value"]].tolist()
    assert "entity_anglicisation" in set(table["attack"])


# the defences: a perturbation-tuned regime and a noisy generator (source: neural)
DEFENDED = {
    **SYSTEMS,
    ("perturbation-tuned", "none"): ([1, 1, 1, 0], [1, 1, 1, 0]),  # drops [0, 0, 0, 0]
    ("perturbation-tuned", "neural-noisy"): ([1, 1, 0, 0], [1, 1, 0, 0]),  # drops [0, 0, 0, 0]
    ("zero-shot", "neural-noisy"): ([1, 1, 0, 0], [1, 1, 0, 0]),  # drops [0, 0, 0, 0]
    ("fine-tuned", "neural-noisy"): ([1, 1, 1, 1], [1, 1, 1, 1]),
}


def _defended_table():
    return research_question_table(_outcomes(DEFENDED), k=K, alpha=ALPHA, n_resamples=200,
                                   defence_regimes=["perturbation-tuned"], noisy_sources={"neural-noisy": "neural"})


def test_the_defences_are_compared_with_the_systems_they_defend():
    table = _defended_table()
    tuning = _row(table, "perturbation-augmented fine-tuning", ALL_RULE_ATTACKS, "all")
    assert (tuning["a_system"], tuning["b_system"], tuning["generator"]) == ("perturbation-tuned", "fine-tuned", "none")
    assert (tuning["a_value"], tuning["b_value"], tuning["difference"]) == (0.0, 25.0, -25.0)  # it lost less
    noisy = _row(table, "noisy xQG against xQG", ALL_RULE_ATTACKS, "all")
    assert (noisy["a_system"], noisy["b_system"], noisy["generator"]) == ("zero-shot + noisy xQG", "zero-shot + xQG",
                                                                          "neural-noisy")
    assert (noisy["a_value"], noisy["b_value"]) == (0.0, 25.0)
    both = _row(table, "both defences", "clean", "all")  # clean 50 vs 75: the defences' clean cost
    assert (both["a_system"], both["b_system"], both["difference"]) == ("perturbation-tuned + noisy xQG", "fine-tuned",
                                                                        -25.0)
    # a noisy generator also enters the question's comparisons, as a defence row
    instead = table[(table["comparison"] == "xQG instead of fine-tuning") & (table["generator"] == "neural-noisy")]
    assert set(instead["a_system"]) == {"zero-shot + noisy xQG"} and set(instead["family"]) <= {"defences",
                                                                                               "defences per attack"}


def test_adding_the_defences_leaves_the_questions_rows_and_tests_alone():
    plain = research_question_table(_outcomes(), k=K, alpha=ALPHA, n_resamples=200)
    defended = _defended_table()
    question = defended[defended["family"].isin(["headline", "per attack"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(question, plain)
    assert (defended["family"] == "defences").sum() == (3 + 3) * 2 * 3  # (noisy in 3 + 3 defence) x 2 x groups
    assert len(headline(defended, ("headline", "defences"))) == len(headline(plain)) + 36


def test_the_figure_and_the_answer_show_the_defences(tmp_path):
    from xqg.reporting.answer import answer
    from xqg.reporting.interaction import interaction_table
    from xqg.reporting.research_question import paired_values

    pairs = paired_values(_outcomes(DEFENDED), k=K, alpha=ALPHA, defence_regimes=["perturbation-tuned"],
                          noisy_sources={"neural-noisy": "neural"})
    table = _defended_table()
    text = answer(table, interaction_table(pairs[~pairs["defence"]], n_resamples=200))
    defences = text[text.index("# The defences"):]
    assert "**perturbation-augmented fine-tuning** (perturbation-tuned vs fine-tuned)" in defences
    assert "**noisy xQG against xQG** (zero-shot + noisy xQG vs zero-shot + xQG, neural-noisy)" in defences
    assert "drop 0.0 vs 25.0, difference -25.0" in defences
    plot_research_question(table, str(tmp_path / "rq.png"), str(tmp_path / "rq.pdf"))
    assert (tmp_path / "rq.png").stat().st_size > 0


def test_the_defences_answer_lists_the_defences_first():
    from xqg.reporting.answer import answer
    from xqg.reporting.interaction import interaction_table
    from xqg.reporting.research_question import paired_values

    pairs = paired_values(_outcomes(DEFENDED), k=K, alpha=ALPHA, defence_regimes=["perturbation-tuned"],
                          noisy_sources={"neural-noisy": "neural"})
    text = answer(_defended_table(), interaction_table(pairs[~pairs["defence"]], n_resamples=200))
    defences = text[text.index("# The defences"):]
    order = [defences.index(f"**{name}**") for name in ("perturbation-augmented fine-tuning", "noisy xQG against xQG",
                                                         "both defences", "xQG instead of fine-tuning")]
    assert order == sorted(order)
