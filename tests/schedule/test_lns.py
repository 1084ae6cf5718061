"""The large-neighbourhood search: every roster it returns keeps every hard rule (checked by the
independent checker), its running objective is the roster model's objective of the same roster,
and on small instances it reaches the known optimum."""

from __future__ import annotations

import itertools
import math
import os
import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from tests.schedule.test_schedule import DAY, config, requirement, roster
from wfm.schedule import lns as lns_module
from wfm.schedule.bound import lp_relaxation
from wfm.schedule.check import check_schedule
from wfm.schedule.hint import greedy
from wfm.schedule.lns import Lns, Worked, _own, own_costs, solve_fixed
from wfm.schedule.model import SCALE
from wfm.schedule.problem import build_problem
from wfm.schedule.solve import evaluate, probe_first, solve_schedule, use_lns


def lns_config(seconds: float = 3, **update):
    cfg = config()
    return cfg.model_copy(update={"solver": cfg.solver.model_copy(
        update={"strategy": "lns", "time_limit_seconds": seconds}), **update})


def week_of_demand(level: int = 2, skill: str = "phone") -> pd.DataFrame:
    return requirement([(8 + 24 * d + h / 2, skill, level) for d in range(7) for h in range(16)])


def _eight_oclock(problem) -> int:
    """The index of the first day's 08:00 shift option (every agent's options are alike)."""
    return next(o for o, opt in enumerate(problem.agents[0].options[0])
                if problem.slot_time(opt.start).hour == 8)


def test_lns_reaches_the_known_optimum():
    """The tiny instance of test_schedule (demand 08:00-12:00 for two, a second agent covers
    the first's break): the LNS finds the same optimum and says it matches the LP bound."""
    req = requirement([(8 + h / 2, "phone", 1) for h in range(8)])
    single = solve_schedule(req, roster(2), config())
    found = solve_schedule(req, roster(2), lns_config())
    assert found.objective == pytest.approx(single.objective)
    assert found.best_bound == pytest.approx(found.lp_bound)
    assert found.status == ("optimal" if found.objective <= found.lp_bound + 1e-6
                            else "feasible")


def test_the_first_roster_times_the_final_evaluation_on_a_fifth_of_the_agents(monkeypatch):
    """The first roster's own costs come from its shifts (own_costs) and are the full model's;
    the full model prices a share of the agents, drawn at random (``PRICED_SHARE``, 2 of 10),
    and the time it takes, scaled up by agents, is what the caller keeps in reserve. The
    share's pricing checks its breaks: a break where its option does not allow it is refused."""
    cfg = lns_config()
    problem = build_problem(week_of_demand(2), roster(10), cfg)
    t0 = time.perf_counter()
    lns = Lns(problem, cfg.solver, t0 + 5, t0)
    priced: list[tuple[int, float]] = []

    def timed(share, days, skill):
        began = time.perf_counter()
        out = solve_fixed(share, days, skill)
        priced.append((len(share.agents), time.perf_counter() - began))
        return out

    monkeypatch.setattr(lns_module, "solve_fixed", timed)
    first = lns.construct(greedy(problem), list(range(10)))
    assert first is not None
    assert [n for n, _ in priced] == [2]
    assert lns.price_seconds >= 5 * priced[0][1]
    model, solver, status = solve_fixed(problem, first.days, first.skill)
    assert status == cp_model.OPTIMAL
    full = _own(model, solver)
    assert first.own == [full[a] for a in range(10)]
    # each break one slot past the last start its option allows
    misplaced = [{d: Worked(w.option, tuple(b.starts[-1] + 1 for b in w.option.breaks))
                  for d, w in days.items()} for days in first.days]
    assert lns._time_pricing(misplaced, first.skill) is None


def test_the_first_roster_staggers_the_breaks_of_like_agents():
    """Three agents on the same 08:00 shift, demand three except 09:00-11:00, where it is two:
    the breaks of the first roster go one to each of 09:00, 09:30 and 10:00, where an agent is
    spare, so nothing is short (all three in mid-window would leave 09:30 two short)."""
    req = requirement([(8 + h / 2, "phone", 2 if 2 <= h < 6 else 3) for h in range(8)])
    cfg = lns_config()
    problem = build_problem(req, roster(3), cfg)
    t0 = time.perf_counter()
    lns = Lns(problem, cfg.solver, t0 + 5, t0)
    early = _eight_oclock(problem)
    first = lns.construct({a: {0: early} for a in range(3)}, [0, 1, 2])
    starts = sorted(first.days[a][0].breaks[0] for a in range(3))
    assert [problem.slot_time(s).strftime("%H:%M") for s in starts] == ["09:00", "09:30",
                                                                        "10:00"]
    short = problem.demand[("上海", "phone")] - first.supply[("上海", "phone")]
    assert short.max() <= 0
    assert own_costs(problem, first.days) == first.own


def test_the_first_roster_repeats_the_break_passes_until_the_breaks_are_a_best_response(
        monkeypatch):
    """Two blended agents (phone and WeChat) and a WeChat agent, all on the 08:00 shift, with
    demand that changes every half hour. Placed once, agent by agent, the breaks leave 2
    half-hours short and 4 over; passes in turn (each agent-day re-placed against the others)
    reach the best placement of breaks and skills, found here by trying every one: 1 short
    and 3 over."""
    need = {"phone": [1, 1, 0, 0, 1, 2, 1, 2], "wechat": [2, 0, 2, 2, 1, 2, 1, 1]}
    req = requirement([(8 + h / 2, k, r) for k, levels in need.items()
                       for h, r in enumerate(levels) if r])
    agents = pd.concat([roster(1, s).assign(agent_id=f"A{i}", name=f"坐席{i}") for i, s in
                        enumerate(["phone;wechat", "phone;wechat", "wechat"])],
                       ignore_index=True)
    cfg = lns_config()
    problem = build_problem(req, agents, cfg)
    early = _eight_oclock(problem)
    shift = problem.agents[0].options[0][early]
    under, over = 10 * 30 * SCALE, 1 * 30 * SCALE

    def slot_cost(t: int, working: list[tuple[str, ...]]) -> int:
        best = math.inf
        for served in itertools.product(*working):
            cost = 0
            for k in ("phone", "wechat"):
                gap = problem.demand[("上海", k)][t] - served.count(k)
                cost += under * max(gap, 0) + over * max(-gap, 0)
            best = min(best, cost)
        return best

    skills = [agent.skills for agent in problem.agents]
    tea = shift.breaks[0]
    best = min(sum(slot_cost(t, [skills[a] for a in range(3)
                                 if not starts[a] <= t < starts[a] + tea.length])
                   for t in range(shift.start, shift.end))
               for starts in itertools.product(tea.starts, repeat=3))
    assert best == 1 * under + 3 * over

    def first_cost() -> int:
        t0 = time.perf_counter()
        lns = Lns(problem, cfg.solver, t0 + 5, t0)
        first = lns.construct({a: {0: early} for a in range(3)}, [0, 1, 2])
        return lns.coverage_cost(first.supply)

    assert first_cost() == best
    monkeypatch.setattr(lns_module, "BREAK_PASSES", 1)
    assert first_cost() == 2 * under + 4 * over


def test_the_first_roster_places_the_breaks_of_an_agent_without_a_skill_in_demand():
    """An agent whose only skill has no demand at the site (the problem notes it) still gets
    its breaks placed, so the first roster is one the roster model can price."""
    req = requirement([(8 + h / 2, "phone", 1) for h in range(8)])
    agents = pd.concat([roster(1), roster(1, "email").assign(agent_id="A1", name="坐席1")],
                       ignore_index=True)
    cfg = lns_config()
    problem = build_problem(req, agents, cfg)
    assert problem.agents[1].skills == ()
    t0 = time.perf_counter()
    lns = Lns(problem, cfg.solver, t0 + 5, t0)
    early = _eight_oclock(problem)
    first = lns.construct({0: {0: early}, 1: {0: early}}, [1, 0])
    assert first is not None
    assert [len(first.days[a][0].breaks) for a in range(2)] == [1, 1]
    assert first.skill[1] == {}


def test_running_objective_is_the_models_objective():
    """What the search tracks (agents' own costs plus coverage priced with numpy) equals what
    the full roster model says of the same roster, fixed."""
    cfg = lns_config(seconds=4)
    cfg = cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(update={
        "min_hours_week": 8, "min_consecutive_days_off": 2})}})
    frame = roster(6, skills="phone;wechat")
    frame.loc[:2, "skills"] = pd.Series([("phone",)] * 3)
    req = pd.concat([week_of_demand(2), week_of_demand(1, "wechat")], ignore_index=True)
    problem = build_problem(req, frame, cfg)
    t0 = time.perf_counter()
    lns = Lns(problem, cfg.solver, t0 + 4, t0, lp_relaxation(problem).value)
    order = sorted(range(6), key=lambda a: len(problem.agents[a].skills))
    first = lns.construct(greedy(problem), order)
    assert first is not None
    assert own_costs(problem, first.days) == first.own
    better = lns.improve(lns.place_breaks(first, t0 + 2), t0 + 4)
    assert lns.total(better) <= lns.total(first)
    model, solver, _ = evaluate(problem, better, cfg.solver)
    assert solver.objective_value == lns.total(better)
    assert lns.progress[-1][1] == pytest.approx(lns.total(better) / SCALE)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agents=st.integers(2, 6), blended=st.booleans(), level=st.integers(1, 3),
       min_hours=st.sampled_from([0, 8, 12]), days_off=st.integers(0, 2),
       leave=st.booleans())
def test_every_lns_roster_keeps_every_hard_rule(agents, blended, level, min_hours, days_off,
                                                leave):
    cfg = lns_config(seconds=2)
    cfg = cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(update={
        "min_hours_week": min_hours, "max_days": 4, "min_consecutive_days_off": days_off})}})
    frame = roster(agents, skills="phone;wechat" if blended else "phone")
    if leave:
        frame.loc[0, "unavailable"] = ((DAY + pd.Timedelta(days=1), DAY + pd.Timedelta(days=2)),)
    req = pd.concat([week_of_demand(level), week_of_demand(1, "wechat")], ignore_index=True)
    result = solve_schedule(req, frame, cfg)
    assert result.status in ("optimal", "feasible")
    assert check_schedule(result.assignments, frame, cfg, req) == []
    # the search proves nothing itself: its bound is the LP's, or the objective when that
    # lies within the LP's slack (bound.TIE_BREAK) of it
    assert result.best_bound == result.lp_bound or (
        result.status == "optimal" and result.best_bound == result.objective
        and result.objective - result.lp_bound < 0.01)
    if leave:
        assert not any(a["agent_id"] == "A0" and a["date"] == (DAY + pd.Timedelta(days=1)).date()
                       for a in result.assignments)


def test_strategy_auto_uses_lns_with_soft_coverage_after_a_probe_on_small_rosters():
    req = week_of_demand()
    cfg = config()
    small, large = build_problem(req, roster(5), cfg), build_problem(req, roster(60), cfg)
    assert use_lns(small, cfg) and use_lns(large, cfg)
    assert probe_first(small, cfg) and not probe_first(large, cfg)
    hard = config(coverage="hard")
    assert not use_lns(build_problem(req, roster(60), hard), hard)
    single = cfg.model_copy(update={"solver": cfg.solver.model_copy(
        update={"strategy": "single"})})
    assert not use_lns(large, single) and not probe_first(small, single)


@pytest.mark.parametrize("strategy", ["auto", "single", "lns"])
def test_the_time_limit_bounds_the_whole_run_and_the_best_roster_is_kept(strategy):
    """``time_limit_seconds`` covers the whole solve: the LP, the greedy and building the model
    count against it (the single model used to get the full limit after them). ``auto`` on a
    small roster probes one model, then searches, and keeps the better roster: the reported
    objective is the best any phase found. A week of 20 agents (half of them blended) against
    a seeded ragged demand, which no strategy proves optimal in 3 s."""
    rng = np.random.default_rng(0)
    req = requirement([(8 + 24 * d + h / 2, k, int(rng.integers(0, 4)))
                       for d in range(7) for h in range(16) for k in ("phone", "wechat")])
    frame = roster(20, skills="phone;wechat")
    frame.loc[:10, "skills"] = pd.Series([("phone",)] * 11)
    cfg = config()
    cfg = cfg.model_copy(update={"solver": cfg.solver.model_copy(
        update={"strategy": strategy, "time_limit_seconds": 3})})
    result = solve_schedule(req, frame, cfg)
    assert result.status == "feasible" and result.objective > result.lp_bound
    assert result.seconds <= 3 + 0.5
    assert result.objective == pytest.approx(min(point[1] for point in result.progress))
    assert check_schedule(result.assignments, frame, cfg, req) == []


def _slow_lp(monkeypatch, delay: float, gives_up: bool = False, weeks_only: bool = False,
             rounds: bool = False, seen: list[int] | None = None):
    """The LP relaxation, ``delay`` seconds late (finding nothing with ``gives_up``; with
    ``weeks_only`` only the one with patterns is late, and ``seen`` gets its thread's
    priority when it is done waiting). The search waits for the LP at most 0.3 s, and with
    ``rounds`` for the one with patterns, to round from, until ROUND_WAIT_SHARE of the limit.
    Returns the real LP relaxation."""
    import wfm.schedule.solve as solve

    real = solve.lp_relaxation

    def slow(problem, seconds=None, weeks=True):
        if weeks or not weeks_only:
            time.sleep(delay)
            if seen is not None:
                seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return None if gives_up else real(problem, seconds, weeks)

    monkeypatch.setattr(solve, "lp_relaxation", slow)
    monkeypatch.setattr(solve, "LP_WAIT_SHARE", 0.0)
    if not rounds:
        monkeypatch.setattr(solve, "ROUND_WAIT_SHARE", 0.0)
    monkeypatch.setattr(solve, "LP_WAIT_MIN_SECONDS", 0.3)
    return real


def test_a_slow_lp_bound_does_not_hold_up_the_search(monkeypatch):
    """When the LP relaxation is slow (150 agents on 5-minute slots: 30 s), the search starts
    without its guidance after a short wait and the LP finishes beside it: the roster comes
    early and the report still carries the LP bound, with a note."""
    _slow_lp(monkeypatch, 1.0)
    frame = roster(4)
    cfg = lns_config(seconds=3)
    result = solve_schedule(week_of_demand(2), frame, cfg)
    assert result.progress[0][0] < 1.0  # the first roster came before the LP
    assert result.lp_bound == pytest.approx(lp_relaxation(build_problem(
        week_of_demand(2), frame, cfg)).value)
    assert result.best_bound >= result.lp_bound - 1e-6
    assert any("LP bound was not ready" in note for note in result.notes)
    assert check_schedule(result.assignments, frame, cfg, week_of_demand(2)) == []


def test_the_greedy_roster_is_made_only_when_it_may_be_needed(monkeypatch):
    """With both LPs in time and every agent's week rounded from the LP, no greedy roster is
    made (beside the LPs it cost them 1.5 s of CPU at 150 agents); when the LPs are late it is
    made while they are awaited, and it is the first roster."""
    import wfm.schedule.solve as solve

    made = []
    real = solve.greedy
    monkeypatch.setattr(solve, "greedy", lambda problem: made.append(1) or real(problem))
    # the LP with patterns counts as in time until the rounding's wait ends (by default, once
    # it takes 1.5 times the days-only LP, the greedy is made while it is awaited: on a tiny
    # roster a busy machine's jitter alone can pass that)
    ratio = solve.WEEKLY_LP_RATIO
    monkeypatch.setattr(solve, "WEEKLY_LP_RATIO", 1000.0)
    frame, cfg = roster(4), lns_config(seconds=2)
    rounded = solve_schedule(week_of_demand(2), frame, cfg)
    assert made == []
    assert check_schedule(rounded.assignments, frame, cfg, week_of_demand(2)) == []
    monkeypatch.setattr(solve, "WEEKLY_LP_RATIO", ratio)
    _slow_lp(monkeypatch, 1.0)
    late = solve_schedule(week_of_demand(2), frame, cfg)
    assert made == [1]
    assert late.progress[0][0] < 1.0  # the greedy roster, before the LP
    assert check_schedule(late.assignments, frame, cfg, week_of_demand(2)) == []


def test_no_lp_bound_in_time_leaves_the_gap_unknown(monkeypatch):
    """An LP that does not finish within the limit gives no bound: the roster is reported
    ``feasible`` with no bound and no gap (not a gap against nothing), and a note says why."""
    _slow_lp(monkeypatch, 0.5, gives_up=True)
    result = solve_schedule(week_of_demand(2), roster(4), lns_config(seconds=2))
    assert result.status == "feasible" and result.objective > 0
    assert result.lp_bound is None and result.best_bound is None and result.gap is None
    assert any("did not reach its optimum" in note for note in result.notes)


def test_the_days_only_bound_is_reported_when_the_weekly_lp_does_not_finish(monkeypatch):
    """The search is guided by the LP that counts working days; the bound reported is the LP
    with the weeks' work/off patterns. When that one does not finish, the days-only bound is
    reported, and a note says it is the weaker one."""
    import wfm.schedule.solve as solve

    real = solve.lp_relaxation
    monkeypatch.setattr(solve, "lp_relaxation", lambda problem, seconds=None, weeks=True:
                        None if weeks else real(problem, seconds, weeks=False))
    # mornings on Monday, Wednesday, Friday and Sunday, two days off in a row owed: the
    # patterns see that one morning goes short, the days-only LP does not
    req = requirement([(8 + 24 * d + h / 2, "phone", 1) for d in (0, 2, 4, 6) for h in range(8)])
    cfg = lns_config(seconds=2)
    cfg = cfg.model_copy(update={"contracts": {"ft": cfg.contracts["ft"].model_copy(
        update={"min_consecutive_days_off": 2})}})
    frame = roster(1)
    result = solve_schedule(req, frame, cfg)
    problem = build_problem(req, frame, cfg)
    assert result.lp_bound == pytest.approx(real(problem, weeks=False).value)
    assert result.lp_bound < real(problem).value - 1000
    assert any("counts working days only" in note for note in result.notes)
    assert all(point[2] is None or math.isfinite(point[2]) for point in result.progress)
    monkeypatch.undo()
    full = solve_schedule(req, frame, cfg)
    assert full.lp_bound == pytest.approx(real(problem).value)
    assert not any("counts working days only" in note for note in full.notes)


def test_the_search_waits_longer_for_the_lp_with_patterns_to_round_from(monkeypatch):
    """The days-only LP comes at once, the one with patterns after 0.8 s: past the days-only
    wait (0.3 s here) but within ROUND_WAIT_SHARE of the 4 s limit, so the search waits for it
    and its first roster is rounded from it."""
    import wfm.schedule.solve as solve

    _slow_lp(monkeypatch, 0.8, weeks_only=True, rounds=True)
    rounded = []
    real_plan = solve.lp_plan
    monkeypatch.setattr(solve, "lp_plan", lambda *args: rounded.append(1) or real_plan(*args))
    frame = roster(4)
    cfg = lns_config(seconds=4)
    result = solve_schedule(week_of_demand(2), frame, cfg)
    assert rounded == [1]
    assert result.progress[0][0] >= 0.8
    assert check_schedule(result.assignments, frame, cfg, week_of_demand(2)) == []


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities: Linux")
def test_a_weekly_lp_not_ready_when_the_search_starts_runs_at_a_lower_priority(monkeypatch):
    """The LP with patterns starts with the days-only one; when it is not ready by the time
    the search starts, it goes on beside the search at a lower priority (its own thread only)
    and its bound is still the one reported; the first roster is then the greedy one."""
    import wfm.schedule.solve as solve

    seen: list[int] = []
    real = _slow_lp(monkeypatch, 1.0, weeks_only=True, seen=seen)
    rounded = []
    monkeypatch.setattr(solve, "lp_plan", lambda *args: rounded.append(1) or {})
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    frame = roster(4)
    cfg = lns_config(seconds=3)
    result = solve_schedule(week_of_demand(2), frame, cfg)
    assert seen == [max(solve.WEEKLY_LP_NICE, before)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
    assert rounded == []  # the weekly LP came too late to round from
    assert result.lp_bound == pytest.approx(real(build_problem(week_of_demand(2), frame,
                                                               cfg)).value)


def test_a_small_site_searches_every_start_of_the_shifts_the_lp_uses(monkeypatch):
    """The search space is the shift options the LP uses (and the first roster's); at a site
    of at most EVERY_START_UP_TO agents, every start of the shifts the LP uses."""
    import wfm.schedule.solve as solve

    problem = build_problem(week_of_demand(2), roster(3), lns_config())
    lp = lp_relaxation(problem)
    wide = solve.restrict_to_lp(problem, lp, {})
    monkeypatch.setattr(solve, "EVERY_START_UP_TO", 2)
    narrow = solve.restrict_to_lp(problem, lp, {})
    grown = 0
    for a, agent in enumerate(problem.agents):
        for d, day in enumerate(agent.options):
            used = lp.used.get((agent.site, agent.skills, agent.contract_name, d), {})
            assert narrow.agents[a].options[d] == [o for o in day if (o.shift, o.start) in used]
            shifts = {shift for shift, _ in used}
            assert wide.agents[a].options[d] == [o for o in day if o.shift in shifts]
            grown += len(wide.agents[a].options[d]) > len(narrow.agents[a].options[d])
    assert grown  # the LP leaves some start of a shift it uses


def test_the_lp_guidance_is_taken_up_when_the_lp_ends(monkeypatch):
    """A search that started before the LP finished runs over every option; once the LP is
    done (``pending`` answers), each agent's options shrink to the LP-guided ones, except an
    agent construct had to widen, and the LP bound becomes the search's stopping bound."""
    import wfm.schedule.solve as solve
    from wfm.schedule.solve import restrict_to_lp

    monkeypatch.setattr(solve, "EVERY_START_UP_TO", 0)  # the LP's own starts only
    cfg = lns_config()
    problem = build_problem(week_of_demand(2), roster(3), cfg)
    lp = lp_relaxation(problem)
    guided = restrict_to_lp(problem, lp)
    t0 = time.perf_counter()
    lns = Lns(problem, cfg.solver, t0 + 5, t0, None, full=problem)
    lns.widened = {2}
    ready = []
    lns.pending = lambda: ([a.options for a in guided.agents], lp.value) if ready else None
    lns._poll()
    assert lns.space[0] is problem.agents[0].options and lns.bound is None
    ready.append(True)
    lns._poll()
    assert lns.space[0] == guided.agents[0].options != problem.agents[0].options
    assert lns.space[2] is problem.agents[2].options  # widened: kept whole
    assert lns.bound == pytest.approx(lp.value) and lns.pending is None
    # a stronger bound computed later is taken up once known; none found (-inf) changes nothing
    answer = []
    lns.late_bound = lambda: answer[0] if answer else None
    lns._poll()
    assert lns.bound == pytest.approx(lp.value) and lns.late_bound is not None
    answer.append(float("-inf"))
    lns._poll()
    assert lns.bound == pytest.approx(lp.value) and lns.late_bound is None
    lns.late_bound = lambda: lp.value + 7.0
    lns._poll()
    assert lns.bound == pytest.approx(lp.value + 7.0)
    lns.bound, lns.late_bound = None, lambda: float("-inf")  # no LP at all: still no bound
    lns._poll()
    assert lns.bound is None
