"""The smallest number of agents that meets every target, by vectorised bisection.

Service level and answered-call ASA improve, abandonment and occupancy fall, as agents are
added, so feasibility is monotone in N and bisection finds the least feasible N for every
interval at once. With Erlang A the search starts at zero agents, not at the offered load:
patience makes N below the load feasible (at 500 Erlangs, AHT 3 min, patience 5 min, 490 agents
already answer 88% within 20 s), and a search that starts at the load over-staffs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from wfm.errors import UsageError
from wfm.staffing.erlang import QueueMetrics, erlang_a, erlang_c

Model = Literal["erlang_c", "erlang_a"]
MAX_DOUBLINGS = 12


@dataclass(frozen=True)
class StaffingResult:
    """Per interval: the agents needed (on the phones, before shrinkage) and what they give.
    ``feasible`` is False where no number of agents meets the targets (e.g. a 100% service
    level in 0 s); ``agents`` is then the largest number tried and ``reason`` says why."""

    agents: np.ndarray
    agents_with_shrinkage: np.ndarray
    load_erlangs: np.ndarray
    service_level: np.ndarray
    p_wait: np.ndarray
    asa_seconds: np.ndarray
    p_abandon: np.ndarray
    occupancy: np.ndarray
    feasible: np.ndarray
    model: str


@dataclass(frozen=True)
class Targets:
    sl_target: float | None = None
    sl_seconds: float = 20.0
    asa_seconds: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None

    def check(self) -> None:
        if self.sl_target is not None and not 0 <= self.sl_target <= 1:
            raise UsageError(f"service level target: expected a fraction 0-1, found "
                             f"{self.sl_target}")
        if self.max_occupancy is not None and not 0 < self.max_occupancy <= 1:
            raise UsageError(f"max occupancy: expected a fraction in (0, 1], found "
                             f"{self.max_occupancy}")
        if self.max_abandon is not None and not 0 <= self.max_abandon <= 1:
            raise UsageError(f"max abandonment: expected a fraction 0-1, found "
                             f"{self.max_abandon}")
        if all(v is None for v in (self.sl_target, self.asa_seconds, self.max_abandon,
                                   self.max_occupancy)):
            raise UsageError("no staffing target: give a service level, ASA, abandonment or "
                             "occupancy target")


def evaluate(agents, load, aht_seconds, sl_seconds, model: Model = "erlang_c",
             patience_seconds=None, with_asa: bool = True) -> QueueMetrics:
    if model == "erlang_c":
        return erlang_c(agents, load, aht_seconds, sl_seconds)
    if model == "erlang_a":
        if patience_seconds is None:
            raise UsageError("Erlang A needs the callers' mean patience (patience_seconds)")
        return erlang_a(agents, load, aht_seconds, patience_seconds, sl_seconds,
                        with_asa=with_asa)
    raise UsageError(f"model: expected erlang_c or erlang_a, found {model!r}")


def _meets(m: QueueMetrics, t: Targets) -> np.ndarray:
    ok = np.ones(np.shape(m.agents), bool)
    eps = 1e-12
    if t.sl_target is not None:
        ok &= m.service_level >= t.sl_target - eps
    if t.asa_seconds is not None:
        ok &= m.asa_seconds <= t.asa_seconds + eps
    if t.max_abandon is not None:
        ok &= m.p_abandon <= t.max_abandon + eps
    if t.max_occupancy is not None:
        ok &= m.occupancy <= t.max_occupancy + eps
    return ok


def _erlang_c_walk(load: np.ndarray, aht: np.ndarray, t: Targets) -> np.ndarray:
    """Least n for Erlang C: Erlang B in closed form at the first candidate, then the stable
    recursion B(n+1) = A·B / (n + 1 + A·B) upwards until every interval meets its targets.
    Each step is a few vector operations; the walk is about 3√load steps long."""
    from wfm.staffing.erlang import erlang_b

    start = np.floor(load) + 1
    if t.max_occupancy is not None:
        start = np.maximum(start, np.ceil(load / t.max_occupancy - 1e-9))
    n = start.copy()
    b = erlang_b(n, load)
    found = np.where(load <= 0, 0.0, np.nan)
    eps = 1e-12
    for _ in range(100_000):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = n * b / (n - load * (1 - b))
            ok = np.ones(n.shape, bool)
            if t.sl_target is not None:
                ok &= 1 - c * np.exp(-(n - load) * t.sl_seconds / aht) >= t.sl_target - eps
            if t.asa_seconds is not None:
                ok &= c * aht / (n - load) <= t.asa_seconds + eps
        new = ok & np.isnan(found)
        found[new] = n[new]
        if not np.isnan(found).any():
            return found
        b = load * b / (n + 1 + load * b)
        n = n + 1
    raise AssertionError("Erlang C walk did not converge")  # pragma: no cover


def size(load, aht_seconds, targets: Targets, model: Model = "erlang_c",
         patience_seconds=None, shrinkage=0.0) -> StaffingResult:
    """Least agents per interval meeting every target in ``targets``."""
    targets.check()
    load, aht, pat, shr = np.broadcast_arrays(
        np.asarray(load, float), np.asarray(aht_seconds, float),
        np.asarray(np.nan if patience_seconds is None else patience_seconds, float),
        np.asarray(shrinkage, float))
    if np.any(load < 0) or np.any(~np.isfinite(load)):
        raise UsageError("volume: expected finite, non-negative numbers")
    if np.any(aht <= 0):
        raise UsageError("aht_seconds: expected a handle time above 0")
    if np.any((shr < 0) | (shr >= 1)):
        raise UsageError("shrinkage: expected a fraction in [0, 1)")
    pat_arg = None if patience_seconds is None else pat
    need_asa = targets.asa_seconds is not None
    if model == "erlang_c" and targets.max_abandon is None and (
            targets.sl_target is None or targets.sl_target < 1):
        n = _erlang_c_walk(load, aht, targets)
        return _result(n, load, aht, targets, model, pat_arg, shr, np.ones(n.shape, bool))

    def feasible(n):
        m = evaluate(n, load, aht, targets.sl_seconds, model, pat_arg, with_asa=need_asa)
        return _meets(m, targets)

    # Bracket: Erlang C needs n > load; square-root staffing n ≈ load + β√load with β ≤ 4
    # covers service levels up to ~99.99%, and the doubling below widens it if not.
    lo = np.floor(load) if model == "erlang_c" else np.zeros(load.shape)
    hi = np.ceil(load + 4 * np.sqrt(load) + 5)
    ok_hi = feasible(hi)
    for _ in range(MAX_DOUBLINGS):
        if ok_hi.all():
            break
        hi = np.where(ok_hi, hi, hi * 2)
        ok_hi = feasible(hi)
    possible = ok_hi.copy()
    zero_ok = feasible(lo)
    hi = np.where(zero_ok, 0.0, hi)
    lo = np.where(zero_ok, 0.0, lo)
    active = possible & ~zero_ok
    while True:
        gap = active & (hi - lo > 1)
        if not gap.any():
            break
        mid = np.floor((lo + hi) / 2)
        ok = feasible(np.where(gap, mid, hi))
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)
    return _result(hi, load, aht, targets, model, pat_arg, shr, possible)


def _result(n, load, aht, targets, model, pat_arg, shr, possible) -> StaffingResult:
    m = evaluate(n, load, aht, targets.sl_seconds, model, pat_arg)
    with_shrink = np.ceil(n / (1 - shr) - 1e-9)
    return StaffingResult(n.astype(np.int64), with_shrink.astype(np.int64), load,
                          m.service_level, m.p_wait, m.asa_seconds, m.p_abandon, m.occupancy,
                          possible, model)


def required_agents(volume, aht_seconds, interval_seconds, sl_target, sl_seconds,
                    model: Model = "erlang_c", patience_seconds=None, max_occupancy=None, *,
                    asa_seconds=None, max_abandon=None, shrinkage=0.0) -> StaffingResult:
    """Agents needed for ``volume`` contacts per interval (scalars or numpy arrays).

    >>> r = required_agents(100, 180, 1800, 0.8, 20)
    >>> int(r.agents), round(float(r.service_level), 5)
    (14, 0.88835)
    """
    interval = np.asarray(interval_seconds, float)
    if np.any(interval <= 0):
        raise UsageError("interval_seconds: expected a positive length")
    load = np.asarray(volume, float) * np.asarray(aht_seconds, float) / interval
    targets = Targets(sl_target, sl_seconds, asa_seconds, max_abandon, max_occupancy)
    return size(load, aht_seconds, targets, model, patience_seconds, shrinkage)
