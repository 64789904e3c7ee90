"""Hand-checked tests of the paired tests, the bootstrap interval and the p-value adjustments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xqg.statistics import (
    bonferroni, bootstrap_ci, compare_paired, holm, mcnemar_test, paired_t_test, stratified_bootstrap_means, wilcoxon_test,
)


def pairs(both: int, only_a: int, only_b: int, neither: int) -> tuple[list[int], list[int]]:
    """Paired hits from the four cells of McNemar's 2x2 table."""
    a = [1] * both + [1] * only_a + [0] * only_b + [0] * neither
    b = [1] * both + [0] * only_a + [1] * only_b + [0] * neither
    return a, b


def test_mcnemar_exact_below_25_discordant_pairs():
    a, b = pairs(both=7, only_a=1, only_b=5, neither=3)
    # 6 discordant pairs, 1 of them A's: two-sided binomial p = 2 * P(X <= 1) = 2 * (1 + 6) / 64.
    assert mcnemar_test(a, b) == pytest.approx(14 / 64)
    assert mcnemar_test(b, a) == pytest.approx(14 / 64)


def test_mcnemar_chi_squared_with_continuity_correction():
    a, b = pairs(both=50, only_a=10, only_b=30, neither=20)
    statistic = (abs(10 - 30) - 1) ** 2 / 40  # 9.025
    expected = math.erfc(math.sqrt(statistic / 2))  # chi-squared survival function with 1 degree of freedom
    assert mcnemar_test(a, b) == pytest.approx(expected)
    assert expected == pytest.approx(0.00266, abs=1e-5)


def test_mcnemar_edge_cases():
    assert mcnemar_test([1, 0, 1], [1, 0, 1]) == 1.0
    with pytest.raises(ValueError, match="binary"):
        mcnemar_test([2, 0], [1, 0])
    with pytest.raises(ValueError, match="equal length"):
        mcnemar_test([1, 0], [1])


def test_paired_t_test_against_the_closed_form_for_3_degrees_of_freedom():
    a, b = [1, 2, 3, 4], [2, 4, 6, 8]  # differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3)
    t = 2.5 / (math.sqrt(5 / 3) / 2)
    cdf = 0.5 + (t / (math.sqrt(3) * (1 + t * t / 3)) + math.atan(t / math.sqrt(3))) / math.pi
    assert paired_t_test(a, b) == pytest.approx(2 * (1 - cdf))
    assert paired_t_test(a, a) == 1.0


def test_wilcoxon_exact_all_differences_positive():
    # n = 4, all signed ranks positive: W = 0 is the most extreme of 2^4 sign patterns, p = 2/16.
    assert wilcoxon_test([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(2 / 16)
    assert wilcoxon_test([1, 2], [1, 2]) == 1.0


def test_holm_by_hand():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_bonferroni_by_hand():
    assert bonferroni([0.01, 0.3]) == pytest.approx([0.02, 0.6])
    assert bonferroni([0.6, 0.2]) == pytest.approx([1.0, 0.4])


def test_bootstrap_ci_is_seeded_and_near_the_normal_interval():
    d = np.array([0.0, 1.0] * 200)  # mean 0.5, standard error 0.025
    low, high = bootstrap_ci(d, n_resamples=2000, seed=1)
    assert (low, high) == bootstrap_ci(d, n_resamples=2000, seed=1)
    assert low == pytest.approx(0.5 - 1.96 * 0.025, abs=0.008)
    assert high == pytest.approx(0.5 + 1.96 * 0.025, abs=0.008)
    assert bootstrap_ci([0.25] * 10) == (0.25, 0.25)


def test_compare_paired():
    a, b = pairs(both=7, only_a=1, only_b=5, neither=3)
    result = compare_paired(a, b, test="mcnemar")
    assert result["mean_a"] == pytest.approx(8 / 16) and result["mean_b"] == pytest.approx(12 / 16)
    assert result["diff"] == pytest.approx(4 / 16)
    assert result["ci_low"] < result["diff"] < result["ci_high"]
    assert result["p"] == pytest.approx(14 / 64)
    assert compare_paired([1.0, 2, 3, 4], [2.0, 4, 6, 8], test="t")["diff"] == 2.5
    with pytest.raises(ValueError, match="test must be one of"):
        compare_paired(a, b, test="z")


def test_paired_t_test_with_constant_differences():
    from xqg.statistics import paired_t_test

    assert paired_t_test([0.0] * 20, [1.0] * 20) == 0.0
    assert paired_t_test([0.5] * 5, [0.5] * 5) == 1.0


def test_stratified_bootstrap_keeps_each_stratum_and_is_seeded():
    values = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    strata = ["b", "b", "b", "a", "a", "a", "a"]
    levels, means = stratified_bootstrap_means(values, strata, n_resamples=500, seed=3)
    assert levels == ["a", "b"] and means.shape == (500, 2)
    assert (means[:, 1] == 0).all()  # a constant stratum never mixes with another
    assert set(np.round(means[:, 0] * 4).astype(int)) <= {0, 1, 2, 3, 4}  # means of 4 draws from stratum a
    assert abs(means[:, 0].mean() - 0.5) < 0.05
    again = stratified_bootstrap_means(values, strata, n_resamples=500, seed=3)[1]
    assert (again == means).all()
    with pytest.raises(ValueError, match="equal length"):
        stratified_bootstrap_means([1.0, 2.0], ["a"])
