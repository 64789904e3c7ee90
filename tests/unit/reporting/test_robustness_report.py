"""xqg.reporting.robustness_report: the robustness summary, tables and reproducible figure."""

from __future__ import annotations

import pandas as pd

from tests.helpers.outcome_tables import ALPHA, K, outcomes
from xqg.reporting.robustness import robustness_table
from xqg.reporting.robustness_report import robustness_summary, write_robustness_report


def test_summary_states_direction_per_language(table):
    summary = robustness_summary(table)
    lines = {line.split(" ")[1]: line for line in summary.splitlines() if line.startswith("- ")}
    assert "**helped**" in lines["te"] and "significant" in lines["te"]
    assert "**hurt**" in lines["bn"]
    assert "helped robustness, not significantly" in lines["ar"]
    assert "helped robustness, not significantly" in lines["ru"]
    assert "Holm" in summary and "Overall" in summary
    assert "helped in te; hurt in bn" in summary


def test_summary_follows_the_data_when_the_systems_swap():
    swapped = outcomes().replace({"generator": {"none": "tmp"}})
    swapped["generator"] = swapped["generator"].replace({"neural": "none", "tmp": "neural"})
    swapped.loc[swapped["generator"] == "none", ["k", "alpha"]] = (0, 0.0)
    swapped.loc[swapped["generator"] == "neural", ["k", "alpha"]] = (K, ALPHA)
    swapped = swapped.drop_duplicates(subset=[c for c in swapped.columns if c not in ("hit", "top_jaccard")])
    summary = robustness_summary(robustness_table(swapped, k=K, alpha=ALPHA, n_resamples=200))
    assert "helped in bn; hurt in te" in summary


def test_report_files_and_reproducible_figure(tmp_path):
    data = outcomes()
    for run in ("a", "b"):
        write_robustness_report(data, tmp_path / run, k=K, alpha=ALPHA, n_resamples=200)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(["robustness.csv", "robustness.md", "robustness.tex", "robustness_by_group.csv",
                            "robustness_by_group.md", "robustness_by_group.tex", "robustness.png",
                            "robustness.pdf", "robustness_summary.md"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert "Holm" in (tmp_path / "a" / "robustness.md").read_text(encoding="utf-8")
    assert r"\toprule" in (tmp_path / "a" / "robustness.tex").read_text(encoding="utf-8")


def test_the_summary_reads_the_same_from_the_written_csv(tmp_path):
    """With both regimes, rule research_question writes the summary from robustness.csv: same text."""
    table = write_robustness_report(outcomes(), tmp_path, k=K, alpha=ALPHA, n_resamples=200, summary=False)
    assert not (tmp_path / "robustness_summary.md").exists()
    assert robustness_summary(pd.read_csv(tmp_path / "robustness.csv")) == robustness_summary(table)
