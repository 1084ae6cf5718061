"""Interval estimates and tests for rates, vectorised over numpy arrays.

* Wilson score interval for a binomial proportion (Wilson 1927): honest at small counts and
  at rates near 0 or 1, where the normal ("Wald") interval collapses to a point;
* chi-square test of homogeneity across groups (scipy), and each group against the rest
  (two-proportion z-test, Holm-adjusted), to say whether a breakdown's differences are real;
* funnel-plot limits (exact binomial quantiles around the pooled rate) for outlier agents.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson(successes, trials, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper Wilson bounds; NaN where there are no trials."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    empty = n <= 0
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def holm(p_values) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1); NaN kept."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * q[order])
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out


def homogeneity_p(successes, trials) -> float | None:
    """Chi-square test that every group has the same rate (None when it cannot be tested:
    fewer than two groups with trials, or no variation at all)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    if len(n) < 2 or k.sum() == 0 or k.sum() == n.sum():
        return None
    table = np.vstack([k, n - k])
    return float(stats.chi2_contingency(table, correction=False)[1])


def versus_rest(successes, trials) -> tuple[np.ndarray, np.ndarray]:
    """Each group's rate against all other groups pooled: two-proportion z-test (pooled
    variance), p-values Holm-adjusted across groups. Returns (difference, adjusted p)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    k_rest, n_rest = k.sum() - k, n.sum() - n
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k / n, k_rest / n_rest
        pooled = (k + k_rest) / (n + n_rest)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n_rest))
        z = (p1 - p2) / se
        p = 2 * stats.norm.sf(np.abs(z))
    p = np.where((n > 0) & (n_rest > 0) & (se > 0), p, np.nan)
    return p1 - p2, holm(p)


def funnel_limits(rate: float, trials, level: float = 0.998) -> tuple[np.ndarray, np.ndarray]:
    """Control limits of a funnel plot for proportions: the central ``level`` of
    Binomial(n, rate), as rates. 0.998 is the usual "three sigma" (99.8%) limit."""
    n = np.asarray(trials, dtype=float)
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = stats.binom.ppf(tail, n, rate) / n
        hi = stats.binom.ppf(1 - tail, n, rate) / n
    return lo, hi
