"""xqg.reporting.tables: Table 1 and the table writers, on outcome tables counted by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.helpers.outcome_tables import PLAIN, XQG, clean_rows, small_outcomes
from xqg.reporting.tables import (
    graded_against_reference, latex_escape, reference_frame, table1, to_latex, verdict, write_table, write_table1,
)


DAGGER = "\u2020"


def test_table1_scores_macro_average_and_marks():
    result = table1(small_outcomes(), k=35, alpha=0.01)
    scores = result.scores.set_index(["metric", "model"])
    assert list(result.display.columns) == ["metric", "regime", "model", "ar", "fi", "avg"]
    assert scores.loc[("R@2kt", "mbert"), ["ar", "fi", "avg"]].tolist() == [50.0, 0.0, 25.0]
    assert scores.loc[("R@5kt", "mbert + xQG (neural)"), ["ar", "fi", "avg"]].tolist() == [75.0, 100.0, 87.5]
    display = result.display.set_index(["metric", "model"])
    assert display.loc[("R@2kt", "mbert"), "ar"] == "50.00"  # the plain row is never marked
    assert display.loc[("R@2kt", "mbert + xQG (neural)"), "ar"] == "75.00"  # p = 1: no mark
    assert display.loc[("R@2kt", "mbert + xQG (neural)"), "fi"] == "100.00" + DAGGER
    assert display.loc[("R@2kt", "mbert + xQG (neural)"), "avg"] == "87.50" + DAGGER  # 21 of 22 pooled pairs
    # 2 metrics x (2 languages + avg) = 6 comparisons, Holm-corrected together
    p = result.pvalues.set_index(["metric", "lang"])
    assert len(result.pvalues) == 6
    assert p.loc[("R@2kt", "fi"), "p_value"] == pytest.approx(2 * 0.5**20)
    assert p.loc[("R@2kt", "ar"), "p_adjusted"] == pytest.approx(1.0)
    # Holm: the two pooled avg tests (p = 2 * 0.5**21) rank first, so fi's p is multiplied by m - 2 = 4
    assert p.loc[("R@2kt", "avg"), "p_value"] == pytest.approx(2 * 0.5**21)
    assert p.loc[("R@2kt", "fi"), "p_adjusted"] == pytest.approx(4 * 2 * 0.5**20)
    assert "McNemar" in result.caption and "Holm" in result.caption and DAGGER in result.caption


def test_table1_paired_t_and_bonferroni_named_in_caption():
    result = table1(small_outcomes(), k=35, alpha=0.01, test="t", correction="bonferroni")
    assert "paired t-test" in result.caption and "Bonferroni" in result.caption
    assert set(result.pvalues["correction"]) == {"bonferroni"}


def test_table1_rejects_different_query_sets():
    rows = clean_rows(PLAIN) + clean_rows({"ar": [1, 1, 0], "fi": [1] * 20}, generator="neural", k=35, alpha=0.01)
    with pytest.raises(ValueError, match="different queries"):
        table1(pd.DataFrame(rows), k=35, alpha=0.01)


def test_table1_orders_regimes_and_requires_plain_rows():
    rows = (clean_rows(PLAIN) + clean_rows(XQG, generator="neural", k=35, alpha=0.01)
            + clean_rows(PLAIN, regime="zero-shot") + clean_rows(XQG, regime="zero-shot", generator="neural",
                                                                  k=35, alpha=0.01))
    result = table1(pd.DataFrame(rows), k=35, alpha=0.01, backbone_labels={"mbert": "mBERT"},
                    generator_labels={"neural": "xQG"})
    assert result.display["regime"].tolist() == ["zero-shot", "zero-shot", "fine-tuned", "fine-tuned"]
    assert result.display["model"].tolist() == ["mBERT", "mBERT + xQG"] * 2
    with pytest.raises(ValueError, match="plain retriever"):
        table1(pd.DataFrame(clean_rows(XQG, generator="neural", k=35, alpha=0.01)), k=35, alpha=0.01)


def test_graded_against_each_reference_source_per_cell():
    result = table1(small_outcomes(), k=35, alpha=0.01, backbone_labels={"mbert": "mBERT"},
                    generator_labels={"neural": "xQG"},
                    reference={"paper": {"fine-tuned": {"R@2kt": {"mBERT": {"avg": 24.6}}}},
                               "public-code": {"fine-tuned": {"R@2kt": {"mBERT": {"ar": 48.5, "fi": 5.0},
                                                                        "mBERT + xQG": {"ar": 42.39}}},
                                               "zero-shot": {"R@2kt": {"XLM-R": {"avg": 30.0}}}}})
    graded = result.reference_delta[result.reference_delta["metric"] == "R@2kt"].set_index(["model", "lang"])
    assert graded.loc[("mBERT", "ar"), "ours"] == 50.0 and graded.loc[("mBERT", "fi"), "ours"] == 0.0
    cell = graded.loc[("mBERT", "avg")]  # ours 25.0: 0.4 from the paper's 24.6
    assert cell["paper \u0394"] == pytest.approx(0.4) and cell["paper verdict"] == "OK"
    assert graded.loc[("mBERT", "ar"), "public-code verdict"] == "OKish"  # +1.5
    assert graded.loc[("mBERT", "fi"), "public-code verdict"] == "FAIL"  # -5
    assert graded.loc[("mBERT + xQG", "ar"), "public-code \u0394"] == pytest.approx(75.0 - 42.39)
    assert graded.loc[("mBERT + xQG", "fi"), "public-code verdict"] == "no reference"
    assert math.isnan(graded.loc[("mBERT + xQG", "fi"), "public-code"])
    assert len(result.reference_delta) == 2 * 2 * 3  # every cell of Table 1 (2 metrics x 2 rows x ar, fi, avg)
    assert "paper: 1 OK, 0 OKish, 0 FAIL" in result.reference_caption
    assert "public-code: R@2kt, zero-shot, XLM-R" in result.reference_caption  # no such row here: named
    with pytest.raises(ValueError, match="no reference number matches"):
        graded_against_reference(result.scores, reference_frame({"paper": {"fine-tuned": {"R@2kt": {"XLM-R": {"ar": 1.0}}}}}))


@pytest.mark.parametrize(("delta", "expected"), [(0.0, "OK"), (-0.5, "OK"), (0.51, "OKish"), (-2.0, "OKish"),
                                                 (2.01, "FAIL"), (float("nan"), "no reference")])
def test_verdict_bounds(delta, expected):
    assert verdict(delta) == expected


def test_write_table_csv_md_tex(tmp_path):
    table = pd.DataFrame({"model": ["mBERT_1 & co"], "ar": ["42.39" + DAGGER], "rate": [0.123456]})
    paths = write_table(table, tmp_path / "t1", "R@2kt in % (50% of x)")
    assert [p.name for p in paths] == ["t1.csv", "t1.md", "t1.tex"]
    assert pd.read_csv(paths[0])["rate"].iloc[0] == pytest.approx(0.123456)  # full precision
    markdown = paths[1].read_text(encoding="utf-8")
    assert markdown.startswith("R@2kt in % (50% of x)\n\n|") and "0.12 " in markdown
    tex = paths[2].read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"{llr}" in tex.replace("{lrr}", "{llr}")
    assert r"mBERT\_1 \& co" in tex and r"42.39$^{\dagger}$" in tex and r"50\% of x" in tex
    assert not list(tmp_path.glob("*.part"))


def test_latex_escape_and_alignment():
    assert latex_escape("a_b%c$d#e{f}g~h^i\\") == (r"a\_b\%c\$d\#e\{f\}g\textasciitilde{}h"
                                                   r"\textasciicircum{}i\textbackslash{}")
    tex = to_latex(pd.DataFrame({"name": ["x"], "score": [1.5]}), "c")
    assert r"\begin{tabular}{lr}" in tex


def test_write_table1_files(tmp_path):
    result = table1(small_outcomes(), k=35, alpha=0.01, reference={"paper": {"fine-tuned": {"R@2kt": {"mbert": {"ar": 40.0}}}}})
    names = sorted(p.name for p in write_table1(result, tmp_path / "table1"))
    assert names == sorted(["table1.csv", "table1.md", "table1.tex", "table1.scores.csv", "table1.pvalues.csv",
                            "table1.reference_delta.csv", "table1.reference_delta.md",
                            "table1.reference_delta.tex"])
    pvalues = pd.read_csv(tmp_path / "table1.pvalues.csv")
    assert {"lang", "p_value", "p_adjusted", "significant"} <= set(pvalues.columns)


def test_mark_follows_the_corrected_not_the_raw_p_value():
    # ar and fi: 6 discordant pairs each, all for xQG: exact McNemar p = 2 * 0.5**6 = 0.03125 < 0.05;
    # Holm over 3 comparisons lifts them to 2 * 0.03125 = 0.0625; the pooled avg (12 pairs) stays < 0.05
    rows = clean_rows({"ar": [0] * 6, "fi": [0] * 6}) + clean_rows({"ar": [1] * 6, "fi": [1] * 6},
                                                                    generator="neural", k=35, alpha=0.01)
    holm = table1(pd.DataFrame(rows), k=35, alpha=0.01).display.iloc[1]
    assert (holm["ar"], holm["fi"], holm["avg"]) == ("100.00", "100.00", "100.00" + DAGGER)
    raw = table1(pd.DataFrame(rows), k=35, alpha=0.01, correction="none").display.iloc[1]
    assert (raw["ar"], raw["fi"]) == ("100.00" + DAGGER, "100.00" + DAGGER)
