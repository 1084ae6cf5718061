"""A discrete-event simulation of M/M/n(+M) agrees with Erlang C and Erlang A."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from wfm.staffing.erlang import erlang_a, erlang_c


def simulate(n, load, aht, patience, t_sl, calls=60_000, seed=0):
    """FCFS multi-server queue: each caller takes the earliest free agent unless their
    (exponential) patience runs out first. Returns (service level, abandon share)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht / load, calls))
    service = rng.exponential(aht, calls)
    patience_draw = rng.exponential(patience, calls) if patience else np.full(calls, np.inf)
    free = [0.0] * n
    answered_in_time = abandoned = 0
    warm = calls // 10
    for i in range(calls):
        start = max(arrivals[i], free[0])
        wait = start - arrivals[i]
        counted = i >= warm
        if wait > patience_draw[i]:
            abandoned += counted
            continue
        heapq.heapreplace(free, start + service[i])
        answered_in_time += counted and wait <= t_sl
    m = calls - warm
    return answered_in_time / m, abandoned / m


GRID = [(12, 10.0, 180.0), (25, 22.0, 240.0), (60, 55.0, 180.0), (9, 9.5, 300.0),
        (40, 42.0, 120.0)]


@pytest.mark.parametrize("n,load,aht", [g for g in GRID if g[0] > g[1]])
def test_erlang_c_matches_simulation(n, load, aht):
    # near-critical queues (ρ ≈ 0.9) relax slowly: a longer run keeps the noise below 1 point
    sl, _ = simulate(n, load, aht, None, 20, calls=300_000)
    assert sl == pytest.approx(float(erlang_c(n, load, aht, 20).service_level), abs=0.02)


@pytest.mark.parametrize("n,load,aht", GRID)
@pytest.mark.parametrize("patience", [60.0, 300.0])
def test_erlang_a_matches_simulation(n, load, aht, patience):
    sl, ab = simulate(n, load, aht, patience, 20)
    m = erlang_a(n, load, aht, patience, 20)
    assert sl == pytest.approx(float(m.service_level), abs=0.02)
    assert ab == pytest.approx(float(m.p_abandon), abs=0.02)
