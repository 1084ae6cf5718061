"""bench/schedule_shape.py, the aggregate-then-disaggregate experiment: its group-level LP
(GLOP through MathOpt) agrees with the product's bound, and a day's integer shape (HiGHS)
reaches the known optimum. Also RosterModel(coverage=False), which the experiment uses."""

from __future__ import annotations

import pytest

from bench.schedule_shape import day_shape, lp_relaxation
from tests.schedule.test_schedule import config, requirement, roster
from wfm.schedule.bound import lp_bound
from wfm.schedule.problem import build_problem


def test_day_shape_reaches_the_known_optimum_and_the_lp_stays_below():
    """Two interchangeable agents, demand 08:00-12:00 for one: the integer optimum is 187
    (test_schedule's known case), the LP can split shifts and stays below it; the shape uses two
    shifts, one break position each, and allocates only phone work."""
    req = requirement([(8 + h / 2, "phone", 1) for h in range(8)])
    problem = build_problem(req, roster(2), config())
    lp = lp_relaxation(problem)
    shape = day_shape(problem, lp, "上海", 0, seconds=20)
    assert shape is not None and shape.proven
    assert shape.value == pytest.approx(187)
    assert lp.value <= shape.value + 1e-6
    assert lp.value == pytest.approx(lp_bound(problem))  # the same relaxation as the product's
    assert sum(shape.shifts.values()) == 2
    assert all(sum(places) == shape.shifts[key[:3]] for key, places in shape.breaks.items())
    assert {k for (_, _, k) in shape.alloc} == {"phone"}
    # the LP's paid hours for the group that day are what the shape's bounds are built from
    group = ("上海", ("phone",), "ft")
    assert lp.hours[(*group, 0)] == pytest.approx(sum(
        n * 3.5 for (g, _, _), n in shape.shifts.items() if g == group), abs=3.5)


def test_day_shape_keeps_a_small_group_within_its_week():
    """One agent who may work at most 4 hours a week: the LP gives the day at most 3.5 paid
    hours, and the shape may not put the agent on more than one shift."""
    cfg = config()
    cfg = cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(
        update={"max_hours_week": 4, "max_days": 1})}})
    req = requirement([(8 + h / 2, "phone", 3) for h in range(16)])
    problem = build_problem(req, roster(1), cfg)
    lp = lp_relaxation(problem)
    shape = day_shape(problem, lp, "上海", 0, seconds=20)
    assert shape is not None
    assert sum(shape.shifts.values()) == 1
    assert lp.value <= shape.value + 1e-6


def test_roster_model_without_coverage_keeps_the_agents_rules():
    """``coverage=False`` (used to hand a shape to named agents): no slot variables, and the
    contract still caps working days — maximising days worked gives exactly max_days."""
    from ortools.sat.python import cp_model

    from wfm.schedule.model import RosterModel

    cfg = config()
    cfg = cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(
        update={"max_days": 3})}})
    req = requirement([(8 + 24 * d + h / 2, "phone", 1) for d in range(7) for h in range(8)])
    problem = build_problem(req, roster(1), cfg)
    model = RosterModel(problem, coverage=False)
    assert not model.work and not model.under
    model.m.maximize(sum(model.x.values()))
    solver = cp_model.CpSolver()
    assert solver.solve(model.m) == cp_model.OPTIMAL
    assert solver.objective_value == 3
