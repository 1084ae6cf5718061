"""The weekly-pattern bound (column generation) and its pricing problem: breaks placed where
they lose least, the best week equal to brute-force enumeration of every week under the
contract's rules, and the bound sandwiched between the LP bound and the proven optimum —
equal to the optimum where the LP misses a rule of the agent's week (rest between shifts)."""

from __future__ import annotations

import itertools
import json
import time

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.schedule.test_schedule import config, requirement, roster
from wfm.cli import cli
from wfm.schedule.bound import lp_bound
from wfm.schedule.columns import ColumnGeneration, agent_classes
from wfm.schedule.pricing import WeekPricer, best_breaks
from wfm.schedule.problem import BreakSlot, Option, build_problem, paid_slots
from wfm.schedule.solve import solve_schedule


def _contract(cfg, **update):
    return cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(
        update=update)}})


def test_breaks_go_where_they_lose_least():
    worth = np.ones(40)
    worth[13] = worth[14] = -2.0  # over-staffed there: the break belongs at 13
    opt = Option(0, "s", 10, 16, (BreakSlot("tea", 2, False, (11, 12, 13, 14)),))
    starts, value = best_breaks(opt, worth)
    assert starts == (13,)
    assert value == pytest.approx(worth[10:26].sum() - worth[13:15].sum())


def test_overlapping_break_windows_never_overlap_breaks():
    """Two breaks whose windows overlap: the cheapest pair that does not overlap, as brute
    force finds it; none when the windows leave no room."""
    rng = np.random.default_rng(4)
    worth = rng.normal(size=30)
    a = BreakSlot("a", 2, True, (3, 4, 5, 6))
    b = BreakSlot("b", 2, True, (4, 5, 6, 7))
    opt = Option(0, "s", 0, 12, (a, b))
    starts, value = best_breaks(opt, worth)
    assert abs(starts[0] - starts[1]) >= 2
    brute = max(worth[0:12].sum() - worth[s:s + 2].sum() - worth[t:t + 2].sum()
                for s in a.starts for t in b.starts if abs(s - t) >= 2)
    assert value == pytest.approx(brute)
    tight = Option(0, "s", 0, 12, (BreakSlot("a", 3, True, (4,)), BreakSlot("b", 2, True, (5,))))
    assert best_breaks(tight, worth)[1] == float("-inf")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), max_days=st.integers(1, 4), days_off=st.integers(0, 2),
       rest=st.sampled_from([0, 11, 16]), min_hours=st.sampled_from([0, 7]))
def test_best_week_is_the_best_of_every_week(seed, max_days, days_off, rest, min_hours):
    """Brute force over every week (off or one option per day) with the rules written out
    here, not by the roster model: the pricer's minimum of pay − worth is the same."""
    cfg = _contract(config(), max_days=max_days, min_consecutive_days_off=days_off,
                    min_rest_hours=rest, min_hours_week=min_hours, max_consecutive_days=2)
    req = requirement([(8 + 24 * d, "phone", 1) for d in range(4)])
    problem = build_problem(req, roster(1), cfg)
    agent = problem.agents[0]
    worth = np.random.default_rng(seed).normal(0, 3, problem.n_slots)
    found = WeekPricer(problem, agent).best(worth)
    c = agent.contract
    slot_h = problem.slot_minutes / 60
    best = None
    for week in itertools.product(*[[None, *day] for day in agent.options]):
        worked = [d for d, opt in enumerate(week) if opt is not None]
        hours = sum(paid_slots(opt) for opt in week if opt is not None) * slot_h
        if len(worked) > c.max_days or not c.min_hours_week <= hours <= c.max_hours_week:
            continue
        if any(all(week[d + k] is not None for k in range(3)) for d in range(problem.days - 2)):
            continue  # more than two consecutive days
        if days_off > 1 and not any(all(week[d + k] is None for k in range(days_off))
                                    for d in range(problem.days - days_off + 1)):
            continue
        if any(week[d] is not None and week[d + 1] is not None
               and (week[d + 1].start - week[d].end) * slot_h < c.min_rest_hours
               for d in range(problem.days - 1)):
            continue
        value = sum(paid_slots(opt) * slot_h - best_breaks(opt, worth)[1]
                    for opt in week if opt is not None)
        best = value if best is None else min(best, value)
    if best is None:
        assert found is None
        return
    bound, weeks = found
    assert bound == pytest.approx(best, abs=0.05)
    week = weeks[0]
    assert week.own / 100 - float(worth[list(week.work)].sum()) == pytest.approx(best, abs=0.05)


def _pattern_bound(req, frame, cfg) -> tuple[float, bool]:
    problem = build_problem(req, frame, cfg)
    result = ColumnGeneration(problem).run(time.perf_counter() + 30)
    return result.bound, result.converged


def _rest_instance():
    """One agent owed 18 h between shifts; lunchtimes wanted on days 0, 2 and 4 (12:00-16:00)
    and mornings on days 1, 3 and 5. A late shift ends 16:00, so the next morning's shift
    breaks the rest rule: at most one day of each pair can be worked, and the LP bound (which
    knows working days, not rest) covers five days."""
    cfg = _contract(config(), min_rest_hours=18)
    rows = [(12 + 24 * d + h / 2, "phone", 1) for d in (0, 2, 4) for h in range(8)]
    rows += [(8 + 24 * d + h / 2, "phone", 1) for d in (1, 3, 5) for h in range(8)]
    return requirement(rows), cfg


def test_pattern_bound_sees_the_rest_rule_the_lp_misses():
    """The pattern bound is the optimum itself (coverage is linear in the one agent, so mixing
    weeks gains nothing); the LP bound is well below it."""
    req, cfg = _rest_instance()
    best = solve_schedule(req, roster(1), cfg)
    assert best.status == "optimal"
    bound, converged = _pattern_bound(req, roster(1), cfg)
    assert converged
    assert bound == pytest.approx(best.objective, abs=0.05)
    assert best.lp_bound < best.objective - 100


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agents=st.integers(2, 3), blended=st.booleans(), days_off=st.integers(0, 2),
       levels=st.lists(st.integers(0, 2), min_size=4, max_size=4))
def test_pattern_bound_lies_between_the_lp_bound_and_the_optimum(agents, blended, days_off,
                                                                 levels):
    cfg = _contract(config(), min_consecutive_days_off=days_off, max_days=3)
    rows = [(8 + 24 * d + h / 2, "phone", lv) for d, lv in enumerate(levels) for h in range(8)]
    if blended:
        rows += [(12 + 24 * d + h / 2, "wechat", 1) for d in range(4) for h in range(4)]
    req = requirement(rows)
    frame = roster(agents, skills="phone;wechat" if blended else "phone")
    # one model for the whole limit, which proves the optimum (``auto`` gives it a 1 s probe
    # first, which a slow or busy machine may not finish)
    best = solve_schedule(req, frame, cfg.model_copy(update={
        "solver": cfg.solver.model_copy(update={"strategy": "single"})}))
    assert best.status == "optimal"
    bound, converged = _pattern_bound(req, frame, cfg)
    assert converged
    margin = 0.005 * 4 * agents  # the pricing rounds each day's worth to 1/100
    assert lp_bound(build_problem(req, frame, cfg)) - margin - 1e-6 <= bound
    assert bound <= best.objective + 1e-6


def test_interchangeable_agents_share_a_class():
    frame = roster(4)
    frame.loc[3, "skills"] = ("phone", "wechat")
    req = requirement([(8, "phone", 1), (8, "wechat", 1)])
    classes = agent_classes(build_problem(req, frame, config()))
    assert sorted(len(c.members) for c in classes) == [1, 3]


def test_solve_reports_the_pattern_bound_when_asked(runner, tmp_path):
    """``--pattern-bound`` adds the bound to the JSON; it becomes the best bound where it is
    stronger than the LP's, and the roster is then proven optimal."""
    req, cfg = _rest_instance()
    req_path, agents_path, cfg_path = (tmp_path / n for n in ("req.csv", "agents.csv",
                                                              "schedule.yaml"))
    req.to_csv(req_path, index=False)
    agents_path.write_text("agent_id,name,site,skills,contract\nA1,张伟,上海,phone,ft\n",
                           encoding="utf-8")
    cfg_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json"), allow_unicode=True),
                        encoding="utf-8")
    out = runner.invoke(cli, ["schedule", "solve", "--requirements", str(req_path),
                              "--agents", str(agents_path), "--config", str(cfg_path),
                              "-o", str(tmp_path / "排班.csv"), "--pattern-bound", "20",
                              "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["pattern_bound"] == pytest.approx(data["objective"], abs=0.05)
    assert data["lp_bound"] < data["pattern_bound"] - 100
    # the best bound is the stronger of the pattern bound and the model's own (here the single
    # model proves the optimum over every option too)
    assert data["best_bound"] >= data["pattern_bound"] - 1e-9
    assert data["status"] == "optimal"
    bad = runner.invoke(cli, ["schedule", "solve", "--requirements", str(req_path),
                              "--agents", str(agents_path), "--config", str(cfg_path),
                              "-o", str(tmp_path / "x.csv"), "--pattern-bound", "-1"])
    assert bad.exit_code == 2 and "--pattern-bound" in bad.output
