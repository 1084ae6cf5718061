"""Queueing kernels, vectorised over intervals: Erlang B, Erlang C and Erlang A (M/M/n+M).

Everything is computed in closed form through the regularised incomplete gamma function, in
log space, so a load of 20,000+ Erlangs neither overflows nor needs a recursion over n:

* Erlang B: ``B(n, A) = P(Pois(A) = n) / P(Pois(A) ≤ n)``.
* Erlang C: ``C = n B / (n − A (1 − B))`` for n > A; ``SL(T) = 1 − C e^{−(n−A) T / AHT}``;
  ``ASA = C · AHT / (n − A)``; occupancy ``A / n``.
* Erlang A (Palm; Mandelbaum & Zeltyn 2007), arrival rate λ, service rate μ = 1/AHT, patience
  rate θ = 1/patience, ``a = nμ/θ``, ``y = λ/θ``. A caller who finds j others waiting is served
  after V = Σ_{m=0..j} Exp(nμ + mθ), and ``e^{−θV} ~ Beta(a, j + 1)``. Summing over j with the
  stationary probabilities gives, with ``𝒜 = a e^y y^{−a} γ(a, y)`` and
  ``Z = 1/B(n, A) − 1 + 𝒜``:
    P(wait) = 𝒜 / Z;  P(served after waiting) = (a (𝒜 − 1) / y) / Z;
    P(abandon) = P(wait) − P(served after waiting);
    SL(T) = [1/B − 1 + a (𝒜 − 1)/y · (1 − P(a+1, y e^{−θT}) / P(a+1, y))] / Z.
  These are exact (no truncated birth–death chain). The mean wait of *answered* calls has no
  such closed form; it is summed over queue positions j up to where the remaining probability
  mass is below 1e-15.

Units are in the names: ``aht_seconds``, ``patience_seconds``, ``sl_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

_TINY = 1e-290


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def log_erlang_b(n, load) -> np.ndarray:
    """log B(n, A) for real n ≥ 0 and load A ≥ 0 (vectorised)."""
    n, load = np.broadcast_arrays(_arr(n), _arr(load))
    out = np.zeros(n.shape)
    pos = load > 0
    nn, aa = n[pos], load[pos]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pmf = nn * np.log(aa) - aa - special.gammaln(nn + 1)
        cdf = special.gammaincc(nn + 1, aa)  # P(Pois(A) ≤ n)
        log_b = log_pmf - np.log(cdf)
        # Deep overload (n ≪ A): the Poisson cdf underflows; there B = 1 − n/A + O(n/(A−n)²).
        deep = cdf < _TINY
        log_b[deep] = np.log1p(-np.minimum(nn[deep] / aa[deep], 1.0))
    out[pos] = np.minimum(log_b, 0.0)
    out[~pos] = np.where(n[~pos] > 0, -np.inf, 0.0)  # no load: nobody is ever blocked
    return out


def erlang_b(n, load) -> np.ndarray:
    """Blocking probability of M/M/n/n (Erlang B)."""
    return np.exp(log_erlang_b(n, load))


@dataclass(frozen=True)
class QueueMetrics:
    """Per-interval results; arrays of the broadcast shape of the inputs."""

    agents: np.ndarray
    p_wait: np.ndarray
    service_level: np.ndarray  # share of all offered calls answered within sl_seconds
    asa_seconds: np.ndarray  # mean wait of answered calls
    occupancy: np.ndarray
    p_abandon: np.ndarray


def erlang_c(agents, load, aht_seconds, sl_seconds=20.0) -> QueueMetrics:
    """M/M/n without abandonment. Where n ≤ load the queue grows without bound: P(wait) = 1,
    service level 0, ASA infinite, occupancy 1."""
    n, load, aht, t = np.broadcast_arrays(_arr(agents), _arr(load), _arr(aht_seconds),
                                          _arr(sl_seconds))
    b = erlang_b(n, load)
    stable = n > load
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(stable, n * b / (n - load * (1 - b)), 1.0)
        c = np.where(load <= 0, 0.0, np.clip(c, 0.0, 1.0))
        sl = np.where(stable, 1 - c * np.exp(-(n - load) * t / aht), 0.0)
        asa = np.where(stable, c * aht / (n - load), np.inf)
        occ = np.where(n > 0, np.minimum(load / n, 1.0), np.where(load > 0, 1.0, 0.0))
    sl = np.where(load <= 0, 1.0, sl)
    asa = np.where(load <= 0, 0.0, asa)
    return QueueMetrics(n, c, sl, asa, occ, np.zeros(n.shape))


def _log_lower_gamma_p(s, z) -> np.ndarray:
    """log P(s, z), the regularised lower incomplete gamma; −inf where it underflows."""
    with np.errstate(divide="ignore"):
        return np.log(special.gammainc(s, z))


def _log_expm1(x: np.ndarray) -> np.ndarray:
    """log(e^x − 1) without overflow."""
    with np.errstate(divide="ignore"):
        return np.where(x > 30, x + np.log1p(-np.exp(-np.minimum(x, 700))),
                        np.log(np.expm1(np.minimum(x, 30))))


def _erlang_a_core(n, load, aht, patience, t):
    """Closed-form Erlang A in ratio form: with r = (1/B − 1)/𝒜 and q = 1/𝒜 (both computed
    from logs), P(wait) = 1/(1 + r), P(served after waiting) = (a/y)(1 − q)/(1 + r) and
    SL = [r + (a/y)(1 − q)(1 − ratio)]/(1 + r): finite from deep overload (𝒜 huge) to
    heavy overstaffing (1/B huge)."""
    theta, mu = 1.0 / patience, 1.0 / aht
    a = n * mu / theta
    y = load * mu / theta  # λ/θ with λ = load · μ
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_p = _log_lower_gamma_p(a, y)
        # Far below the load (y ≪ a) P(a, y) underflows: there 𝒜 = a Σ_j y^j/(a)_{j+1}
        # ≈ a / (a − y), to a relative error below 0.1% whenever the underflow happens.
        log_cal_a = np.where(np.isfinite(log_p),
                             np.log(a) + y - a * np.log(y) + special.gammaln(a) + log_p,
                             np.log(a) - np.log(np.maximum(a - y, 1e-12)))
        log_inv_b = _log_expm1(-log_erlang_b(n, load))
        r = np.exp(log_inv_b - log_cal_a)
        q = np.exp(-log_cal_a)
        x = np.exp(-theta * t)
        log_ratio = _log_lower_gamma_p(a + 1, x * y) - _log_lower_gamma_p(a + 1, y)
        approx = (a + 1) * np.log(x) + y * (1 - x)  # leading term where both underflow
        log_ratio = np.where(np.isfinite(log_ratio), log_ratio, approx)
        ratio = np.clip(np.exp(log_ratio), 0.0, 1.0)
        served = (a / y) * (1 - q)
        nobody_waits = np.isinf(r)
        p_wait = np.where(nobody_waits, 0.0, 1 / (1 + r))
        p_served_q = np.where(nobody_waits, 0.0, served / (1 + r))
        sl = np.where(nobody_waits, 1.0, (r + served * (1 - ratio)) / (1 + r))
    return p_wait, p_served_q, sl


def _erlang_a_asa(n, load, aht, patience, p_wait_z) -> np.ndarray:
    """Mean wait of answered calls: Σ_j π_{n+j} · E[V e^{−θV} | j] / P(answered), with
    E[V e^{−θV} | j] = a/(a+j+1) · (ψ(a+j+2) − ψ(a+1)) / θ (Beta representation)."""
    theta, mu = 1.0 / patience, 1.0 / aht
    a = n * mu / theta
    y = load * mu / theta
    out = np.zeros(np.shape(n))
    for i in range(len(out)):
        ai, yi = float(a[i]), float(y[i])
        p_wait, p_answered = p_wait_z[i]
        if p_wait <= 0 or yi <= 0 or p_answered <= 0:
            continue
        j_max = int(max(0.0, yi - ai) + 12 * np.sqrt(yi + 1) + 40)
        j = np.arange(j_max)
        # log of y^j Γ(a+1)/Γ(a+j+1): weights of queue states relative to all servers busy
        log_w = j * np.log(yi) + special.gammaln(ai + 1) - special.gammaln(ai + j + 1)
        w = np.exp(log_w - log_w.max())
        served = ai / (ai + j + 1)
        wait = (special.digamma(ai + j + 2) - special.digamma(ai + 1)) / theta[i]
        per_waiting_caller = (w * served * wait).sum() / w.sum()
        out[i] = per_waiting_caller * p_wait / p_answered
    return out


def erlang_a(agents, load, aht_seconds, patience_seconds, sl_seconds=20.0, *,
             with_asa: bool = True) -> QueueMetrics:
    """M/M/n+M (Erlang A): exponential patience with mean ``patience_seconds``."""
    n, load, aht, pat, t = np.broadcast_arrays(_arr(agents), _arr(load), _arr(aht_seconds),
                                               _arr(patience_seconds), _arr(sl_seconds))
    n, load, aht, pat, t = (v.astype(float).copy() for v in (n, load, aht, pat, t))
    idle = (load <= 0) | (n <= 0)
    safe_n = np.where(n > 0, n, 1.0)
    safe_load = np.where(load > 0, load, 1.0)
    p_wait, p_served_q, sl = _erlang_a_core(safe_n, safe_load, aht, pat, t)
    p_ab = np.clip(p_wait - p_served_q, 0.0, 1.0)
    # n = 0 with calls: everybody waits and abandons.
    p_wait = np.where(load <= 0, 0.0, np.where(n <= 0, 1.0, p_wait))
    p_ab = np.where(load <= 0, 0.0, np.where(n <= 0, 1.0, p_ab))
    sl = np.where(load <= 0, 1.0, np.where(n <= 0, 0.0, sl))
    occ = np.where(idle, 0.0, np.minimum(load * (1 - p_ab) / safe_n, 1.0))
    asa = np.zeros(n.shape)
    if with_asa:
        answered = 1.0 - p_ab
        stack = np.stack([p_wait, answered], axis=-1)
        calc = ~idle & (p_wait > 0)
        if calc.any():
            asa[calc] = _erlang_a_asa(safe_n[calc], safe_load[calc], aht[calc], pat[calc],
                                      stack[calc])
        asa = np.where(load > 0, np.where(n <= 0, np.inf, asa), 0.0)
    return QueueMetrics(n, p_wait, np.clip(sl, 0.0, 1.0), asa, occ, p_ab)
