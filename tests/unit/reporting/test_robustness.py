"""Robustness analysis, tables, figure and summary on a hand-counted outcome table."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import chi2

from xqg.reporting.robustness import per_query_robustness, robustness_by_group, robustness_table
from xqg.reporting.robustness_report import robustness_summary, write_robustness_report

K, ALPHA = 35, 0.01


def system_rows(lang: str, generator: str, clean: list[int], samples: list[list[int]],
                jaccard: float = 0.5, attack: str = "typo", token_budget: int = 2000) -> list[dict]:
    """Clean hits per query, and ``samples[s][i]``: the hit of query i under attacked sample s."""
    k, alpha = (0, 0.0) if generator == "none" else (K, ALPHA)
    base = dict(dataset="xor", backbone="mbert", regime="fine-tuned", generator=generator, k=k, alpha=alpha,
                lang=lang, token_budget=token_budget)
    rows = [dict(base, query_set="clean", attack_budget=0, sample=0, qid=f"{lang}{i}", hit=hit,
                 top_jaccard=math.nan) for i, hit in enumerate(clean)]
    rows += [dict(base, query_set=attack, attack_budget=1, sample=s, qid=f"{lang}{i}", hit=hit, top_jaccard=jaccard)
             for s, hits in enumerate(samples) for i, hit in enumerate(hits)]
    return rows


def outcomes(n_samples: int = 2) -> pd.DataFrame:
    """ar (4 queries, counted in the tests), ru (2), bn (30: xQG hurts), te (30: xQG helps)."""
    rows = []
    # ar plain: clean 3/4; samples [1,0,0,0] and [1,1,0,0] -> per-query means [1, .5, 0, 0]
    rows += system_rows("ar", "none", [1, 1, 1, 0], [[1, 0, 0, 0], [1, 1, 0, 0]][:n_samples], jaccard=0.5)
    # ar xQG: clean 3/4; samples [1,1,1,0] and [1,1,0,0] -> means [1, 1, .5, 0]
    rows += system_rows("ar", "neural", [1, 1, 1, 0], [[1, 1, 1, 0], [1, 1, 0, 0]][:n_samples], jaccard=0.75)
    rows += system_rows("ru", "none", [1, 1], [[0, 1]] * n_samples)
    rows += system_rows("ru", "neural", [1, 1], [[1, 1]] * n_samples)
    rows += system_rows("bn", "none", [1] * 30, [[1] * 30] * n_samples)
    rows += system_rows("bn", "neural", [1] * 30, [[0] * 30] * n_samples)
    rows += system_rows("te", "none", [1] * 30, [[0] * 30] * n_samples)
    rows += system_rows("te", "neural", [1] * 30, [[1] * 30] * n_samples)
    # another generator at another k is not a system of the report
    rows += [dict(r, generator="neural", k=5) for r in system_rows("ar", "none", [0] * 4, [[0] * 4])]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return robustness_table(outcomes(), k=K, alpha=ALPHA, n_resamples=500)


def cell(table: pd.DataFrame, lang: str, generator: str, selection: str = "mean") -> pd.Series:
    rows = table[(table["lang"] == lang) & (table["generator"] == generator) & (table["selection"] == selection)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_per_query_averages_samples_first():
    queries = per_query_robustness(outcomes(), k=K, alpha=ALPHA)
    queries = queries[queries["selection"] == "mean"]
    ar = queries[(queries["lang"] == "ar") & (queries["generator"] == "none")].sort_values("qid")
    assert ar["attacked_hit"].tolist() == [1.0, 0.5, 0.0, 0.0]
    assert ar["drop"].tolist() == [0.0, 0.5, 1.0, 0.0]
    assert ar["success"].tolist()[:3] == [0.0, 0.5, 1.0] and math.isnan(ar["success"].iloc[3])
    assert set(queries["generator"]) == {"none", "neural"}
    assert (queries.loc[queries["generator"] == "neural", "k"] == K).all()


def test_hand_counted_metrics(table):
    plain, xqg = cell(table, "ar", "none"), cell(table, "ar", "neural")
    assert (plain["clean"], plain["attacked"], plain["drop"]) == (75.0, 37.5, 37.5)
    assert plain["relative_drop"] == pytest.approx(50.0) and plain["ratio"] == pytest.approx(0.5)
    assert plain["success_rate"] == pytest.approx(50.0)  # (0 + .5 + 1) / 3 clean hits
    assert plain["top_jaccard"] == pytest.approx(0.5) and plain["n_samples"] == 2
    assert (xqg["attacked"], xqg["drop"]) == (62.5, 12.5)
    assert xqg["ratio"] == pytest.approx(62.5 / 75) and xqg["success_rate"] == pytest.approx(100 / 6)
    # per-query drop differences xQG - plain: [0, -.5, -.5, 0]
    assert xqg["drop_difference"] == pytest.approx(-25.0)
    assert (xqg["wins"], xqg["ties"], xqg["losses"]) == (2, 2, 0)
    assert xqg["drop_difference_ci_low"] <= -25.0 <= xqg["drop_difference_ci_high"] <= 0.0
    assert plain["ratio_ci_low"] <= 0.5 <= plain["ratio_ci_high"]
    assert math.isnan(plain["drop_difference"])  # the standard rows carry no comparison


def test_significance_only_when_adjusted_p_small(table):
    te, bn, ar = cell(table, "te", "neural"), cell(table, "bn", "neural"), cell(table, "ar", "neural")
    assert te["drop_difference"] == pytest.approx(-100.0) and te["difference_significant"] is True
    assert bn["drop_difference"] == pytest.approx(100.0) and bn["difference_significant"] is True
    assert ar["difference_significant"] is False and ar["p_difference_adjusted"] >= 0.05
    # Holm over the 4 languages of this system: adjusted p is never below the raw p
    languages = table[(table["generator"] == "neural") & (table["lang"] != "all")]
    assert (languages["p_difference_adjusted"] >= languages["p_difference"] - 1e-15).all()
    assert cell(table, "te", "none")["attack_significant"] is True  # 30 of 30 hits lost
    assert cell(table, "bn", "none")["attack_significant"] is False  # nothing lost: p = 1
    assert set(table.loc[table["selection"] == "mean", "attack_test"]) == {"wilcoxon"}


def test_worst_of_n_keeps_each_systems_most_harmful_sample(table):
    """ar plain: samples [1,0,0,0] and [1,1,0,0] -> worst [1,0,0,0]; xQG: [1,1,1,0], [1,1,0,0] -> [1,1,0,0]."""
    queries = per_query_robustness(outcomes(), k=K, alpha=ALPHA)
    worst = queries[(queries["selection"] == "worst") & (queries["lang"] == "ar")].sort_values(["generator", "qid"])
    assert worst.loc[worst["generator"] == "none", "attacked_hit"].tolist() == [1, 0, 0, 0]
    assert worst.loc[worst["generator"] == "neural", "attacked_hit"].tolist() == [1, 1, 0, 0]
    plain, xqg = cell(table, "ar", "none", "worst"), cell(table, "ar", "neural", "worst")
    assert (plain["attacked"], plain["drop"], plain["success_rate"]) == (25.0, 50.0, pytest.approx(200 / 3))
    assert (xqg["attacked"], xqg["drop"]) == (50.0, 25.0)
    assert xqg["drop_difference"] == pytest.approx(-25.0)  # per query: [0, -1, 0, 0]
    assert plain["attack_test"] == "mcnemar"  # the worst of n is a 0/1 hit again
    assert plain["n_samples"] == 2
    # the worst of n never scores above the mean of n
    mean = table[table["selection"] == "mean"].set_index(["lang", "generator", "token_budget"])["attacked"]
    worst_all = table[table["selection"] == "worst"].set_index(["lang", "generator", "token_budget"])["attacked"]
    assert (worst_all <= mean.loc[worst_all.index] + 1e-12).all()


def test_single_sample_uses_mcnemar_for_clean_vs_attacked():
    single = robustness_table(outcomes(n_samples=1), k=K, alpha=ALPHA, n_resamples=200)
    assert set(single["selection"]) == {"mean"}  # one sample: no worst-of-n rows
    assert set(single["attack_test"]) == {"mcnemar"}
    # 30 discordant pairs: xqg.statistics uses the chi-squared form, (|30 - 0| - 1)^2 / 30 on 1 df
    assert cell(single, "te", "none")["p_attack"] == pytest.approx(chi2.sf(29**2 / 30, df=1))


def test_pooled_row(table):
    pooled = cell(table, "all", "none")
    assert pooled["n_queries"] == 66
    assert pooled["clean"] == pytest.approx(100 * 65 / 66)


def test_groups_are_macro_means_next_to_languages(table):
    groups = robustness_by_group(table)
    plain = groups[(groups["generator"] == "none") & (groups["selection"] == "mean")].set_index(["group_type", "group"])
    assert plain.loc[("family", "Indo-European"), "drop"] == pytest.approx((0.0 + 50.0) / 2)
    assert plain.loc[("family", "Indo-European"), "languages"] == "ru bn"  # Joshi class 4 before 3
    assert plain.loc[("language", "ar"), "drop"] == pytest.approx(37.5)
    assert plain.loc[("joshi_class", "1"), "languages"] == "te"
    assert set(groups["group_type"]) == {"language", "family", "joshi_class"}


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


def test_attacked_query_without_clean_outcome_is_an_error():
    data = outcomes()
    data = data[~((data["query_set"] == "clean") & (data["qid"] == "ar0"))]
    with pytest.raises(ValueError, match="no clean outcome"):
        per_query_robustness(data, k=K, alpha=ALPHA)
