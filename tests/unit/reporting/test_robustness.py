"""xqg.reporting.robustness: per-query robustness, the robustness table and groups, on hand-counted
outcome tables (tests/helpers/outcome_tables.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from tests.helpers.outcome_tables import ALPHA, K, cell, outcomes, transfer_outcomes
from xqg.reporting.robustness import _paired_by_query, per_query_robustness, robustness_by_group, robustness_table


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


def test_attacked_query_without_clean_outcome_is_an_error():
    data = outcomes()
    data = data[~((data["query_set"] == "clean") & (data["qid"] == "ar0"))]
    with pytest.raises(ValueError, match="no clean outcome"):
        per_query_robustness(data, k=K, alpha=ALPHA)


def test_robustness_table_reports_the_adaptive_attack():
    from xqg.reporting.robustness import robustness_table

    table = robustness_table(transfer_outcomes(), k=5, alpha=0.01, n_resamples=100).set_index(["lang", "generator"])
    assert set(table["attack"]) == {"greedy"}
    # each system on the set crafted against it: fi none 100 -> 50, fi mt5 50 -> 0 (hand-checked above)
    assert table.loc[("fi", "none"), ["clean", "attacked"]].tolist() == [100, 50]
    assert table.loc[("fi", "mt5"), ["clean", "attacked"]].tolist() == [50, 0]


def test_comparison_pairs_queries_in_an_outer_merges_order():
    """The bootstrap resamples positions, so the pairing keeps the order the former per-cell merge had."""
    rng = np.random.default_rng(0)
    ids = [f"{lang}-{n}" for lang in ("te", "ar", "ja") for n in rng.permutation(40)]
    plain = pd.DataFrame({"qid": ids, "drop": rng.random(len(ids))})
    xqg = plain.sample(frac=1, random_state=1).assign(drop=rng.random(len(ids)))
    merged = plain.merge(xqg, on="qid", how="outer", suffixes=("_plain", "_xqg"))
    plain_drop, xqg_drop = _paired_by_query(plain, xqg, "drop", "cell")
    assert plain_drop.tolist() == merged["drop_plain"].tolist() and xqg_drop.tolist() == merged["drop_xqg"].tolist()
    with pytest.raises(ValueError, match="cell: the plain and \\+ xQG systems were attacked on different queries"):
        _paired_by_query(plain, xqg.iloc[1:], "drop", "cell")
    with pytest.raises(ValueError, match="different queries"):
        _paired_by_query(plain, xqg.assign(qid=xqg["qid"].str.upper()), "drop", "cell")
