"""Queueing kernels against textbook values, an independent brute-force chain, invariants and a
discrete-event simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from wfm.staffing.erlang import erlang_a, erlang_b, erlang_c
from wfm.staffing.search import required_agents


def test_call_centre_helper_worked_example():
    """100 calls / 30 min, AHT 180 s, 80% in 20 s (Call Centre Helper's Erlang C worked
    example; also the CRAN ErlangC package README)."""
    m = erlang_c(14, 10.0, 180, 20)
    assert float(m.p_wait) == pytest.approx(0.1741319, abs=5e-8)
    assert float(m.service_level) == pytest.approx(0.88835, abs=5e-6)
    assert float(m.asa_seconds) == pytest.approx(7.836, abs=5e-4)
    assert float(m.occupancy) == pytest.approx(0.7142857, abs=5e-8)
    m11 = erlang_c(11, 10.0, 180, 20)
    assert float(m11.p_wait) == pytest.approx(0.6821182, abs=5e-8)
    assert float(m11.service_level) == pytest.approx(0.3896138, abs=5e-8)
    r = required_agents(100, 180, 1800, 0.8, 20, shrinkage=0.3)
    assert int(r.agents) == 14 and int(r.agents_with_shrinkage) == 20


def test_second_textbook_case():
    """360 calls / 30 min, AHT 240 s, 55 agents, 15 s: P(wait) 0.2387, ASA 8.184 s,
    SL 0.8459 (the same worked-example series)."""
    m = erlang_c(55, 360 * 240 / 1800, 240, 15)
    assert float(m.p_wait) == pytest.approx(0.2387, abs=5e-5)
    assert float(m.asa_seconds) == pytest.approx(8.184, abs=5e-4)
    assert float(m.service_level) == pytest.approx(0.8459, abs=5e-5)


def erlang_b_recursion(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


@pytest.mark.parametrize("n,a", [(1, 0.5), (10, 8.0), (50, 60.0), (500, 480.0), (3000, 2990.0)])
def test_erlang_b_matches_the_recursion(n, a):
    assert float(erlang_b(n, a)) == pytest.approx(erlang_b_recursion(n, a), rel=1e-10)


def test_huge_loads_do_not_overflow():
    m = erlang_c(np.array([20_100, 20_300, 20_500]), 20_000.0, 180, 20)
    assert np.all(np.isfinite(m.service_level)) and np.all(np.diff(m.service_level) > 0)
    a = erlang_a(np.array([15_000, 20_000, 25_000]), 20_000.0, 180, 300, 20)
    assert np.all(np.isfinite(a.service_level)) and a.p_abandon[0] == pytest.approx(0.25, abs=0.01)


def brute_chain(n, load, aht, patience, t, k_max=4000):
    """Truncated birth-death chain plus the Beta law of the offered wait: an independent way
    to the same numbers (used only as a test oracle)."""
    lam, mu, th = load / aht, 1 / aht, 1 / patience
    p = [1.0]
    for k in range(1, k_max):
        p.append(p[-1] * lam / (min(k, n) * mu + max(k - n, 0) * th))
    p = np.array(p) / np.sum(p)
    a, x = n * mu / th, np.exp(-th * t)
    j = np.arange(k_max - n)
    served = a / (a + j + 1)
    sl = p[:n].sum() + np.sum(p[n:] * served * stats.beta.sf(x, a + 1, j + 1))
    return p[n:].sum(), np.sum(p[n:] * (j + 1) / (a + j + 1)), sl


@pytest.mark.parametrize("n,load,patience", [(10, 10.0, 300), (14, 10.0, 300), (8, 10.0, 120),
                                             (50, 50.0, 60), (45, 50.0, 600), (3, 1.5, 30)])
def test_erlang_a_closed_form_equals_the_chain(n, load, patience):
    m = erlang_a(n, load, 180, patience, 20)
    p_wait, p_ab, sl = brute_chain(n, load, 180, patience, 20)
    assert float(m.p_wait) == pytest.approx(p_wait, abs=1e-10)
    assert float(m.p_abandon) == pytest.approx(p_ab, abs=1e-10)
    assert float(m.service_level) == pytest.approx(sl, abs=1e-10)


def test_erlang_a_tends_to_erlang_c():
    c = erlang_c(14, 10.0, 180, 20)
    for patience, tol in ((1e5, 1e-3), (1e7, 1e-5), (1e9, 1e-7)):
        a = erlang_a(14, 10.0, 180, patience, 20)
        assert float(a.service_level) == pytest.approx(float(c.service_level), abs=tol)
        assert float(a.p_wait) == pytest.approx(float(c.p_wait), abs=tol)
        assert float(a.asa_seconds) == pytest.approx(float(c.asa_seconds), rel=100 * tol)


def test_abandonment_makes_fewer_agents_than_the_load_feasible():
    """500 Erlangs, AHT 3 min, patience 5 min, 80/20: 490 agents already answer 88%."""
    m = erlang_a(490, 500.0, 180, 300, 20)
    assert float(m.service_level) == pytest.approx(0.88, abs=0.005)
    r = required_agents(500 * 1800 / 180, 180, 1800, 0.8, 20, model="erlang_a",
                        patience_seconds=300)
    assert int(r.agents) < 500 and float(r.service_level) >= 0.8
    below = erlang_a(int(r.agents) - 1, 500.0, 180, 300, 20)
    assert float(below.service_level) < 0.8  # the least such N


@settings(max_examples=60, deadline=None)
@given(load=st.floats(0.5, 3000), aht=st.floats(30, 900), patience=st.floats(10, 3000),
       t=st.floats(0, 120))
def test_more_agents_never_hurt(load, aht, patience, t):
    base = int(load * 0.7)
    n = np.arange(max(base, 1), base + 60)
    a = erlang_a(n, load, aht, patience, t)
    assert np.all(np.diff(a.service_level) >= -1e-9)
    assert np.all(np.diff(a.p_abandon) <= 1e-9)
    c = erlang_c(n, load, aht, t)
    assert np.all(np.diff(c.service_level) >= -1e-9)
    # impatience shortens queues: fewer callers wait (the service level over all offered
    # calls may still be lower, since abandoned calls are not answered within T)
    assert np.all(a.p_wait <= c.p_wait + 1e-9)


@settings(max_examples=40, deadline=None)
@given(volume=st.floats(1, 5000), aht=st.floats(30, 900), sl=st.floats(0.5, 0.95))
def test_sizing_is_minimal(volume, aht, sl):
    r = required_agents(volume, aht, 1800, sl, 20)
    n = int(r.agents)
    load = volume * aht / 1800
    assert float(erlang_c(n, load, aht, 20).service_level) >= sl - 1e-9
    assert float(erlang_c(n - 1, load, aht, 20).service_level) < sl


def test_little_law_for_erlang_a():
    """Mean wait of all callers = P(abandon) × patience (Little's law on the abandoning
    stream), checked against the answered-call ASA and the abandoners' mean wait."""
    n, load, aht, pat = 12, 11.0, 180.0, 240.0
    m = erlang_a(n, load, aht, pat, 20)
    # the mean wait of all callers, E[W] = P(ab)/θ, must exceed the answered-only ASA share
    e_w = float(m.p_abandon) * pat
    assert e_w > float(m.asa_seconds) * (1 - float(m.p_abandon))
