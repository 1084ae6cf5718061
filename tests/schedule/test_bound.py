"""The LP relaxation bound: a lower bound on every roster, and tight where a week's work/off
pattern decides the cost (days-off runs, working days, weekend pairs), which it prices."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.schedule.test_schedule import DAY, config, requirement, roster
from wfm.schedule import bound
from wfm.schedule.bound import _Lp, day_patterns, lp_relaxation
from wfm.schedule.problem import build_problem
from wfm.schedule.solve import solve_schedule


def _cfg(rules: dict | None = None, weights: dict | None = None, **contract):
    cfg = config(**(rules or {}))
    return cfg.model_copy(update={
        "contracts": {"ft": cfg.contracts["ft"].model_copy(update=contract)},
        "weights": cfg.weights.model_copy(update=weights or {})})


def _mornings(days) -> pd.DataFrame:
    """One agent wanted 08:00-12:00 on each day offset in ``days`` (DAY is a Monday)."""
    return requirement([(8 + 24 * d + h / 2, "phone", 1) for d in days for h in range(8)])


def test_lp_bound_sees_that_a_run_of_days_off_leaves_a_day_short():
    """Mornings wanted Monday, Wednesday, Friday and Sunday; the agent is owed two days off in
    a row, so one of the four goes short (240 min × 10 instead of a 30 min tea break short and
    3.5 paid hours). The LP bound is the proven
    optimum; without the rule all four are covered and the bound drops by about that much."""
    req = _mornings([0, 2, 4, 6])
    owed = _cfg(min_consecutive_days_off=2)
    best = solve_schedule(req, roster(1), owed)
    assert best.status == "optimal"
    assert best.lp_bound == pytest.approx(best.objective, abs=1e-4)
    assert len(best.assignments) == 3
    free = solve_schedule(req, roster(1), _cfg(min_consecutive_days_off=0))
    assert free.lp_bound == pytest.approx(free.objective, abs=1e-4)
    assert best.lp_bound - free.lp_bound == pytest.approx(240 * 10 - (30 * 10 + 3.5))


def test_lp_bound_prices_a_full_weekend():
    """Mornings wanted Saturday and Sunday only: working both costs the weekend pair (here
    3,000, more than a morning short: 2,096.5), so the optimum works one day and the LP bound
    is it; at 5 the optimum works both."""
    req = _mornings([5, 6])
    cfg = _cfg(weights={"weekend_pair": 3000})
    best = solve_schedule(req, roster(1), cfg)
    assert best.status == "optimal" and len(best.assignments) == 1
    assert best.lp_bound == pytest.approx(best.objective, abs=1e-4)
    cheap = solve_schedule(req, roster(1), _cfg(weights={"weekend_pair": 5}))
    assert len(cheap.assignments) == 2
    assert cheap.lp_bound == pytest.approx(cheap.objective, abs=1e-4)


def test_day_patterns_keep_the_hard_day_rules_and_price_the_soft_ones():
    """The sample full-time contract (5 days at most, 5 in a row, a run of 2 days off, 32-40
    paid hours from days of 4-8 h), against a plain count of every work/off week."""
    cfg = _cfg(max_days=5, max_consecutive_days=5, min_consecutive_days_off=2,
               min_hours_week=32, max_hours_week=40, weights={"weekend_pair": 30})
    problem = build_problem(_mornings(range(7)), roster(1), cfg)
    weeks = dict(day_patterns(problem, cfg.contracts["ft"], [(4.0, 8.0)] * 7))

    def run_off(w):
        return any(not w[d] and not w[d + 1] for d in range(6))

    expected = [w for w in itertools.product((False, True), repeat=7)
                if 4 <= sum(w) <= 5 and run_off(w)]
    assert sorted(weeks) == sorted(expected)
    for w, cost in weeks.items():
        assert cost == (30 if w[5] and w[6] else 0)
    soft = _cfg({"max_days": "soft", "consecutive_days_off": "soft"}, max_days=5,
                max_consecutive_days=7, min_consecutive_days_off=2)
    priced = dict(day_patterns(build_problem(_mornings(range(7)), roster(1), soft),
                               soft.contracts["ft"], [(3.5, 3.5)] * 7))
    assert priced[(True,) * 7] == 2 * 400 + 400  # two days over, no run off: 50 × 8 each
    assert priced[(True,) * 5 + (False,) * 2] == 0


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agents=st.integers(1, 3), levels=st.lists(st.integers(0, 2), min_size=7, max_size=7),
       max_days=st.integers(1, 6), days_off=st.integers(0, 3), consecutive=st.integers(2, 6),
       soft=st.booleans(), leave=st.booleans())
def test_lp_bound_never_exceeds_the_proven_optimum(agents, levels, max_days, days_off,
                                                   consecutive, soft, leave):
    rows = [(8 + 24 * d + h / 2, "phone", lv) for d, lv in enumerate(levels) for h in range(8)]
    rules = {"max_days": "soft", "consecutive_days_off": "soft",
             "max_consecutive_days": "soft"} if soft else {}
    cfg = _cfg(rules, weights={"weekend_pair": 30}, max_days=max_days,
               min_consecutive_days_off=days_off, max_consecutive_days=consecutive)
    frame = roster(agents)
    if leave:
        frame.loc[0, "unavailable"] = ((DAY + pd.Timedelta(days=2), DAY + pd.Timedelta(days=3)),)
    best = solve_schedule(requirement(rows), frame, cfg)
    assert best.status == "optimal"
    assert best.lp_bound <= best.objective + 1e-6


def test_sparse_lp_reads_ranged_equal_and_one_sided_rows_and_bounds():
    """The arrays handed to HiGHS: min -x - y + z with x <= 2, 1 <= x + y <= 3, y - z = 0.5,
    z >= 0.2. y = z + 0.5, so the objective is -x - 0.5, and x + y <= 3 leaves x its bound 2:
    -2.5. An unreachable row makes it None."""
    lp = _Lp()
    x, y, z = lp.var(2, -1.0), lp.var(cost=-1.0), lp.var(cost=1.0)
    lp.row([(x, 1), (y, 1)], 1, 3)
    lp.row([(y, 1), (z, -1)], 0.5, 0.5)
    lp.row([(z, 1)], lo=0.2)
    value, solution = lp.solve(None)
    assert value == pytest.approx(-2.5)
    assert solution[x] == pytest.approx(2)
    assert solution[y] - solution[z] == pytest.approx(0.5)
    assert 0.7 - 1e-9 <= solution[y] <= 1 + 1e-9
    lp.row([(x, 1)], lo=5)
    assert lp.solve(None) is None


def test_tie_breaking_keeps_the_value_a_bound_within_its_slack_and_repeats(monkeypatch):
    """The random tie-breaking costs on shift options: the value reported lies at most the
    slack (TIE_BREAK per agent-day available) below the LP's optimum without them, never above
    it, and the same problem gets the same answer."""
    problem = build_problem(_mornings(range(7)), roster(3), _cfg())
    broken = lp_relaxation(problem)
    assert broken.slack == pytest.approx(bound.TIE_BREAK * 3 * 7)
    assert lp_relaxation(problem) == broken
    monkeypatch.setattr(bound, "TIE_BREAK", 0.0)
    exact = lp_relaxation(problem)
    assert exact.slack == 0.0
    assert exact.value - broken.slack - 1e-9 <= broken.value <= exact.value + 1e-9
