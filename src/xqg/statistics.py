"""Paired significance tests and confidence intervals for comparing two systems on the same queries.

Per-query outcomes are paired by query: binary hits (R@kt) go to :func:`mcnemar_test`, real-valued
scores (nDCG, RR) to :func:`paired_t_test` or :func:`wilcoxon_test`. :func:`holm` and
:func:`bonferroni` adjust a family of p-values (e.g. one per language) for multiple comparisons.
All p-values are two-sided.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["mcnemar_test", "paired_t_test", "wilcoxon_test", "bootstrap_ci", "stratified_bootstrap_means", "holm",
           "bonferroni", "compare_paired"]

EXACT_MCNEMAR_BELOW = 25  # discordant pairs; the usual rule for when the chi-squared approximation is poor


def _paired(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"paired samples must be 1-D and of equal length, got {x.shape} and {y.shape}")
    if x.size == 0:
        raise ValueError("paired samples are empty")
    return x, y


def mcnemar_test(a_hits: Sequence[int], b_hits: Sequence[int]) -> float:
    """Two-sided McNemar test on paired binary outcomes (1 = hit) of systems A and B.

    Only discordant pairs count: b = A hit and B missed, c = A missed and B hit. With b + c < 25 the
    exact test is used (binomial test of b against Binomial(b + c, 1/2)); otherwise the chi-squared
    statistic with continuity correction, (|b - c| - 1)^2 / (b + c), on 1 degree of freedom.
    With no discordant pair the systems are indistinguishable: p = 1.
    """
    x, y = _paired(a_hits, b_hits)
    if not np.isin(x, (0, 1)).all() or not np.isin(y, (0, 1)).all():
        raise ValueError("McNemar's test needs binary outcomes (0/1)")
    only_a = int(np.sum((x == 1) & (y == 0)))
    only_b = int(np.sum((x == 0) & (y == 1)))
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    if discordant < EXACT_MCNEMAR_BELOW:
        return float(stats.binomtest(only_a, discordant, 0.5, alternative="two-sided").pvalue)
    statistic = (abs(only_a - only_b) - 1) ** 2 / discordant
    return float(stats.chi2.sf(statistic, df=1))


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided paired t-test of mean(a - b) = 0. Identical samples give p = 1 (scipy would give NaN).

    Differences that are all the same non-zero value have no variance: the t statistic is infinite
    and p is 0 (the limit), returned without scipy's precision warning.
    """
    x, y = _paired(a, b)
    differences = x - y
    if np.all(differences == 0):
        return 1.0
    if np.all(differences == differences[0]):
        return 0.0
    return float(stats.ttest_rel(x, y).pvalue)


def wilcoxon_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Wilcoxon signed-rank test of the paired differences (zero differences dropped, scipy's
    default "wilcox" handling). Identical samples give p = 1."""
    x, y = _paired(a, b)
    if np.all(x == y):
        return 1.0
    # Per-query outcomes (hits, sample means) are full of ties, where scipy's "auto" falls back to a
    # permutation test that takes minutes per cell; the normal approximation with tie correction is the
    # standard choice there. Exact only for small samples without ties.
    nonzero = (x - y)[x != y]
    untied = len(np.unique(np.abs(nonzero))) == len(nonzero)
    method = "exact" if untied and len(nonzero) <= 25 else "approx"
    return float(stats.wilcoxon(x, y, method=method).pvalue)


def bootstrap_ci(differences: Sequence[float], n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of per-query differences (resampling queries).

    Seeded, so the same input gives the same interval. A constant sample gives (value, value).
    """
    d = np.asarray(differences, dtype=float)
    if d.ndim != 1 or d.size == 0:
        raise ValueError("differences must be a non-empty 1-D sequence")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, 256):  # chunks bound memory for many queries
        stop = min(start + 256, n_resamples)
        means[start:stop] = d[rng.integers(0, d.size, size=(stop - start, d.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def stratified_bootstrap_means(values: Sequence[float], strata: Sequence, n_resamples: int = 1000,
                               seed: int = 0) -> tuple[list, np.ndarray]:
    """Bootstrap the mean of ``values`` within each stratum, resampling each stratum on its own (its size
    fixed): a cluster bootstrap over queries when every query is one value. Returns the strata (sorted)
    and an (n_resamples, n_strata) matrix of resampled means, from which any contrast of stratum means
    (a difference, a trend) gets its percentile interval. Seeded."""
    x = np.asarray(values, dtype=float)
    labels = np.asarray(strata)
    if x.ndim != 1 or x.size == 0 or labels.shape != x.shape:
        raise ValueError(f"values and strata must be non-empty 1-D and of equal length, got {x.shape} and {labels.shape}")
    rng = np.random.default_rng(seed)
    levels = sorted(set(labels.tolist()))
    means = np.empty((n_resamples, len(levels)))
    for column, level in enumerate(levels):
        members = x[labels == level]
        for start in range(0, n_resamples, 256):  # chunks bound memory for many queries
            stop = min(start + 256, n_resamples)
            means[start:stop, column] = members[rng.integers(0, members.size, size=(stop - start, members.size))].mean(axis=1)
    return levels, means


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th smallest (i from 0) is multiplied by (m - i), made non-decreasing by a
    running maximum, and capped at 1.
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted_sorted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return adjusted.tolist()


def bonferroni(pvalues: Sequence[float]) -> list[float]:
    """Bonferroni-adjusted p-values: each multiplied by the number of tests, capped at 1."""
    p = np.asarray(pvalues, dtype=float)
    return np.minimum(1.0, p * p.size).tolist()


def compare_paired(a: Sequence[float], b: Sequence[float], test: str = "mcnemar", n_resamples: int = 1000, seed: int = 0) -> dict[str, float]:
    """Compare system B with system A on the same queries.

    Returns mean_a, mean_b, diff (mean_b - mean_a), ci_low/ci_high (bootstrap CI of the mean
    difference) and p from ``test``: "mcnemar" (binary hits), "t" (paired t) or "wilcoxon".
    """
    tests = {"mcnemar": mcnemar_test, "t": paired_t_test, "wilcoxon": wilcoxon_test}
    if test not in tests:
        raise ValueError(f"test must be one of {sorted(tests)}, got {test!r}")
    x, y = _paired(a, b)
    low, high = bootstrap_ci(y - x, n_resamples=n_resamples, seed=seed)
    return {"mean_a": float(x.mean()), "mean_b": float(y.mean()), "diff": float(y.mean() - x.mean()),
            "ci_low": low, "ci_high": high, "p": tests[test](x, y)}
