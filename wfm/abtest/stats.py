"""The statistics of a controlled test, vectorised over variants.

Frequentist: two-proportion z-test (pooled variance under H0, as statsmodels'
``proportions_ztest``), Welch's t-test for means; absolute effect with a Wald interval
(unpooled), relative effect (variant ÷ control − 1) with a delta-method interval. Sample sizes
solve the same power equations as statsmodels (``NormalIndPower`` with Cohen's h for
proportions, ``TTestIndPower`` with the noncentral t for means). Bayesian: Beta(1, 1) priors
for proportions, chance to win by quadrature and expected loss from seeded draws; a normal
approximation for means. Sample-ratio mismatch: chi-square against the planned allocation.
Sequential: the mixture SPRT (Johari et al. 2017, normal approximation) gives always-valid
p-values, so a team may look every day without inflating false positives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats


@dataclass(frozen=True)
class Comparison:
    abs_effect: float
    abs_ci: tuple[float, float]
    rel_effect: float
    rel_ci: tuple[float, float]
    p_value: float
    chance_to_win: float
    expected_loss: float


def z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def proportions(n_a: float, k_a: float, n_b: float, k_b: float, alpha: float = 0.05,
                draws: int = 100_000, seed: int = 0) -> Comparison:
    """Variant B against control A on conversions ``k`` of ``n``."""
    pa, pb = k_a / n_a, k_b / n_b
    diff = pb - pa
    se = np.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    q = z(alpha)
    pooled = (k_a + k_b) / (n_a + n_b)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    p = float(2 * stats.norm.sf(abs(diff) / se0)) if se0 > 0 else 1.0
    rel, rel_se = _relative(pa, pb, pa * (1 - pa) / n_a, pb * (1 - pb) / n_b)
    win, loss = beta_chance_to_win(k_a, n_a, k_b, n_b, draws, seed)
    return Comparison(diff, (diff - q * se, diff + q * se), rel,
                      (rel - q * rel_se, rel + q * rel_se), p, win, loss)


def means(n_a: float, mean_a: float, sd_a: float, n_b: float, mean_b: float, sd_b: float,
          alpha: float = 0.05) -> Comparison:
    """Welch's t-test and intervals for the difference of two means."""
    va, vb = sd_a ** 2 / n_a, sd_b ** 2 / n_b
    diff = mean_b - mean_a
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1)) if se > 0 else 1.0
    t_crit = float(stats.t.ppf(1 - alpha / 2, df))
    p = float(2 * stats.t.sf(abs(diff) / se, df)) if se > 0 else 1.0
    rel, rel_se = _relative(mean_a, mean_b, va, vb)
    q = z(alpha)
    win = float(stats.norm.sf(0, loc=diff, scale=se)) if se > 0 else float(diff > 0)
    # E[max(A − B, 0)] for a normal difference: the loss of shipping B if A is better
    loss = float(se * stats.norm.pdf(diff / se) - diff * stats.norm.sf(diff / se)) \
        if se > 0 else max(-diff, 0.0)
    return Comparison(diff, (diff - t_crit * se, diff + t_crit * se), rel,
                      (rel - q * rel_se, rel + q * rel_se), p, win, loss)


def _relative(a: float, b: float, var_a: float, var_b: float) -> tuple[float, float]:
    """b / a − 1 and its delta-method standard error."""
    if a == 0:
        return float("nan"), float("nan")
    rel = b / a - 1
    se = np.sqrt(var_b / a ** 2 + b ** 2 * var_a / a ** 4)
    return float(rel), float(se)


def beta_chance_to_win(k_a: float, n_a: float, k_b: float, n_b: float, draws: int = 100_000,
                       seed: int = 0) -> tuple[float, float]:
    """P(p_B > p_A) under Beta(1 + k, 1 + n − k) posteriors, by quadrature, and the expected
    loss of choosing B, E[max(p_A − p_B, 0)], from seeded posterior draws."""
    a = stats.beta(1 + k_a, 1 + n_a - k_a)
    b = stats.beta(1 + k_b, 1 + n_b - k_b)
    lo = min(a.ppf(1e-12), b.ppf(1e-12))
    hi = max(a.isf(1e-12), b.isf(1e-12))
    win, _ = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), lo, hi, limit=200,
                            points=[a.mean(), b.mean()])
    rng = np.random.default_rng(seed)
    loss = float(np.maximum(a.rvs(draws, random_state=rng) - b.rvs(draws, random_state=rng),
                            0).mean())
    return float(np.clip(win, 0, 1)), loss


def srm_p(observed, allocation) -> float:
    """Chi-square goodness of fit of the units per arm against the planned allocation."""
    obs = np.asarray(observed, dtype=float)
    share = np.asarray(allocation, dtype=float)
    expected = obs.sum() * share / share.sum()
    return float(stats.chisquare(obs, expected).pvalue)


def holm(p_values) -> np.ndarray:
    from wfm.kpi.stats import holm as _holm

    return _holm(p_values)


# ---------------------------------------------------------------------------- sample size
def n_proportions(p_control: float, p_variant: float, alpha: float = 0.05, power: float = 0.8,
                  ratio: float = 1.0) -> float:
    """Units in the control arm (the variant gets ``ratio`` ×) to detect ``p_variant`` against
    ``p_control``: statsmodels' NormalIndPower on Cohen's h, two-sided, both tails counted."""
    h = abs(2 * np.arcsin(np.sqrt(p_variant)) - 2 * np.arcsin(np.sqrt(p_control)))
    return _solve_normal(h, alpha, power, ratio)


def _solve_normal(effect: float, alpha: float, power: float, ratio: float) -> float:
    crit = z(alpha)

    def achieved(n: float) -> float:
        nc = effect * np.sqrt(n / (1 + 1 / ratio))
        return stats.norm.sf(crit - nc) + stats.norm.cdf(-crit - nc) - power

    start = ((crit + stats.norm.ppf(power)) / effect) ** 2 * (1 + 1 / ratio)
    return float(optimize.brentq(achieved, 1e-6, 10 * start + 10, xtol=1e-12))


def n_means(delta: float, sd: float, alpha: float = 0.05, power: float = 0.8,
            ratio: float = 1.0) -> float:
    """Units in the control arm to detect a difference ``delta`` in means with standard
    deviation ``sd``: statsmodels' TTestIndPower (noncentral t), two-sided."""
    d = abs(delta) / sd

    def achieved(n: float) -> float:
        df = n * (1 + ratio) - 2
        nc = d * np.sqrt(n / (1 + 1 / ratio))
        crit = stats.t.isf(alpha / 2, df)
        return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc) - power

    start = _solve_normal(d, alpha, power, ratio)  # the t answer is a little above this
    return float(optimize.brentq(achieved, max(start - 1, 2.0), 1.5 * start + 10, xtol=1e-12))


# ---------------------------------------------------------------------------- sequential
def msprt_p(diffs, variances, tau2: float) -> np.ndarray:
    """Always-valid p-values after each look: p_n = min(p_{n−1}, 1 / Λ_n), where Λ_n is the
    mixture likelihood ratio of a normal estimate ``diff`` with variance ``V`` under a
    N(0, τ²) mixing prior on the effect (Johari, Pekelis & Walsh 2017)."""
    d = np.asarray(diffs, dtype=float)
    v = np.asarray(variances, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_lr = 0.5 * np.log(v / (v + tau2)) + tau2 * d ** 2 / (2 * v * (v + tau2))
        p = np.minimum(1.0, np.exp(-log_lr))
    p = np.where(np.isfinite(p), p, 1.0)
    return np.minimum.accumulate(p)
