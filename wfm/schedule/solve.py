"""Solve a roster and report it honestly: status, objective, bound, gap, time, violations."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from wfm.schedule.bound import lp_relaxation
from wfm.schedule.config import ScheduleConfig
from wfm.schedule.hint import add_hint, greedy
from wfm.schedule.model import SCALE, Progress, RosterModel
from wfm.schedule.problem import Problem, build_problem
from wfm.schedule.rounding import lp_plan

STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
          cp_model.INFEASIBLE: "infeasible", cp_model.MODEL_INVALID: "model_invalid",
          cp_model.UNKNOWN: "unknown"}
HARD_RULES = ("coverage", "contract_hours", "max_days", "max_consecutive_days", "min_rest",
              "consecutive_days_off")


@dataclass
class ScheduleResult:
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float
    assignments: list[dict]
    coverage: pd.DataFrame
    violations: list[dict]
    progress: list[tuple[float, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    lp_bound: float | None = None  # LP relaxation of the coverage problem (bound.py)
    pattern_bound: float | None = None  # weekly-pattern bound (columns.py), when asked for

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "objective": self.objective,
                "best_bound": self.best_bound, "gap": self.gap, "lp_bound": self.lp_bound,
                "pattern_bound": self.pattern_bound,
                "seconds": self.seconds, "assignments": self.assignments,
                "coverage": self.coverage.to_dict(orient="records"),
                "violations": self.violations, "notes": self.notes,
                "conflicts": self.conflicts}


def _assignments(model: RosterModel, solver: cp_model.CpSolver) -> list[dict]:
    p, out = model.p, []
    minutes = p.slot_minutes
    for a, agent in enumerate(p.agents):
        for d, options in enumerate(agent.options):
            for o, opt in enumerate(options):
                if not solver.boolean_value(model.x[(a, d, o)]):
                    continue
                breaks, on_break = [], set()
                for b, brk in enumerate(opt.breaks):
                    for k, s in enumerate(brk.starts):
                        if solver.boolean_value(model.brk[(a, d, o, b, k)]):
                            breaks.append({"name": brk.name, "start": p.slot_time(s),
                                           "end": p.slot_time(s + brk.length), "paid": brk.paid})
                            on_break.update(range(s, s + brk.length))
                skill_minutes: dict[str, int] = {}
                for t in range(opt.start, min(opt.end, p.n_slots)):
                    if t in on_break:
                        continue
                    skill = _skill_at(model, solver, a, t)
                    if skill:
                        skill_minutes[skill] = skill_minutes.get(skill, 0) + minutes
                out.append({"agent_id": agent.agent_id, "name": agent.name, "site": agent.site,
                            "date": (p.start + pd.Timedelta(days=d)).date(),
                            "shift": opt.shift, "start": p.slot_time(opt.start),
                            "end": p.slot_time(opt.end), "skill_minutes": skill_minutes,
                            "breaks": breaks})
    return out


def _skill_at(model: RosterModel, solver, a: int, t: int) -> str | None:
    agent = model.p.agents[a]
    if len(agent.skills) == 1:
        return agent.skills[0]
    for k in agent.skills:
        v = model.alloc.get((a, t, k))
        if v is not None and solver.boolean_value(v):
            return k
    return None


def _coverage(model: RosterModel, solver, requirements: pd.DataFrame) -> pd.DataFrame:
    p = model.p
    scheduled = {}
    for (site, skill), _need in p.demand.items():
        arr = np.zeros(p.n_slots)
        for a, agent in enumerate(p.agents):
            if agent.site != site or skill not in agent.skills:
                continue
            for t in range(p.n_slots):
                v = model._contribution(a, t, skill)
                if v is not None and solver.boolean_value(v):
                    arr[t] += 1
        scheduled[(site, skill)] = arr
    per = p.requirement_interval // p.slot_minutes
    rows = []
    for r in requirements.itertuples(index=False):
        i = int((r.interval_start - p.start) / pd.Timedelta(minutes=p.slot_minutes))
        arr = scheduled.get((r.site, r.skill))
        got = float(arr[i:i + per].mean()) if arr is not None else 0.0
        rows.append({"interval_start": r.interval_start, "site": r.site, "skill": r.skill,
                     "required": float(r.required), "scheduled": got})
    return pd.DataFrame(rows)


def _violations(model: RosterModel, solver) -> list[dict]:
    out: dict[tuple[str, str], dict] = {}
    for pen in model.penalties:
        value = solver.value(pen.var)
        if value <= 0:
            continue
        key = (pen.rule, pen.subject.split("@")[0] if pen.rule in ("understaffed",
                                                                  "overstaffed") else pen.subject)
        entry = out.setdefault(key, {"rule": pen.rule, "subject": key[1], "amount": 0,
                                     "unit": pen.unit, "cost": 0.0})
        entry["amount"] += int(value)
        entry["cost"] += value * pen.coef / SCALE
    return sorted(out.values(), key=lambda v: -v["cost"])


def _diagnose(problem: Problem, cfg: ScheduleConfig, seconds: float) -> list[str]:
    """Why the hard rules cannot all hold: a minimal conflicting set of rules per agent (and
    coverage per site, skill and day) from CP-SAT's assumptions; failing that, the rules that
    make the problem feasible when each alone is made soft."""
    core = RosterModel(problem, guarded=True).conflict(seconds / 2)
    if core:
        return [f"the hard rule '{rule}' for {subject}" for rule, subject in core]
    found = []
    for rule in HARD_RULES:
        if getattr(cfg.rules, rule) != "hard":
            continue
        relaxed = cfg.model_copy(update={"rules": cfg.rules.model_copy(update={rule: "soft"})})
        model = RosterModel(replace(problem, config=relaxed))
        solver, status, _ = model.solve(relaxed.solver.model_copy(
            update={"time_limit_seconds": seconds / 2 / len(HARD_RULES)}))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found.append(f"the hard rule '{rule}' (feasible when it is soft)")
    return found


def solve_schedule(requirements: pd.DataFrame, agents: pd.DataFrame, cfg: ScheduleConfig,
                   on_solution=None) -> ScheduleResult:
    t0 = time.perf_counter()
    problem = build_problem(requirements, agents, cfg)
    deadline = t0 + cfg.solver.time_limit_seconds
    # Both LP relaxations run from the start (HiGHS releases the GIL), and the search waits
    # for them at most LP_WAIT_SHARE of the limit, or ROUND_WAIT_SHARE to round its first
    # roster from the second. The one that counts working days only guides
    # the search's shift options: its options led the search to better rosters than the LP
    # with weekly patterns' (150 agents at 60 s, seeds 1-4: 18,383-20,663 against 20,558-
    # 34,586, both from the rounded roster). The LP with the patterns is the stronger bound,
    # and the search's first roster is rounded from it (rounding.py); when it is not ready in
    # time the greedy roster is the first, and it goes on beside the search, at a lower
    # priority, for the bound.
    pool = ThreadPoolExecutor(max_workers=2)
    lp_job = pool.submit(lambda: lp_relaxation(problem, deadline - time.perf_counter(),
                                               weeks=False))
    week_thread: list[int] = []
    week_job = pool.submit(_weekly_lp, problem, deadline, week_thread)
    pool.shutdown(wait=False)
    searching = use_lns(problem, cfg)
    # The greedy roster is made while an LP is awaited, and only when it is likely needed: as
    # the first roster when the LP with patterns is late, or for agents rounding cannot place.
    # It took 1.5 s of CPU at 150 agents and 5.2 s at 500 beside the two LPs on 2 cores;
    # without it the first roster came at 6.1 s instead of 7.0 s, and 21.4 s instead of 24.5 s.
    # (Since then it counts short slots by prefix sums: 0.25 s at 150 agents, 0.53 s at 300 on
    # 2 sites, against 3.3 s and 6.4 s, on the slower machine of the eleventh session. At 300
    # on 2 sites it had been started while the LPs were awaited, held the rounding back from
    # 10 s to 17 s, and the first roster came at 22.8 s; 18.2 s since.)
    made = functools.cache(lambda: greedy(problem))  # the greedy roster, made at most once
    if not searching:
        made()
    limit = cfg.solver.time_limit_seconds
    lp = _lp_result(lp_job, t0 + max(LP_WAIT_SHARE * limit, LP_WAIT_MIN_SECONDS))
    weekly = _lp_result(week_job, 0.0)
    if searching:
        # the rounded roster is worth a longer wait, while the LP with patterns (about
        # WEEKLY_LP_RATIO times the days-only one) can still come by ROUND_WAIT_SHARE
        if lp is None:
            made()  # the LPs are late: the greedy may be the first roster
            lp = _lp_result(lp_job, t0 + ROUND_WAIT_SHARE * limit / WEEKLY_LP_RATIO)
        if lp_job.done():
            until = t0 + max(ROUND_WAIT_SHARE * limit, LP_WAIT_MIN_SECONDS)
            expected = t0 + WEEKLY_LP_RATIO * (time.perf_counter() - t0)
            weekly = _lp_result(week_job, min(expected, until))
            if weekly is None and time.perf_counter() < until:
                made()  # made while the LP with patterns is awaited
                weekly = _lp_result(week_job, until)
    rounded = False
    plan = None
    if weekly is None:
        # this thread only (Linux; elsewhere it runs at the usual priority): the search's
        # threads come first, and the LP takes up the cycles they leave
        with contextlib.suppress(AttributeError, OSError, IndexError):
            os.setpriority(os.PRIO_PROCESS, week_thread[0], WEEKLY_LP_NICE)
    elif searching:
        rounding = ROUND_SECONDS * max(1.0, len(problem.agents) / ROUND_PER_AGENTS)
        found = lp_plan(problem, weekly, min(deadline, time.perf_counter() + rounding),
                        cfg.solver.seed, cfg.solver.workers)
        rounded = bool(found)
        # an agent rounding could not place keeps its greedy week
        plan = found if len(found) == len(problem.agents) else {**made(), **found}
    if plan is None:
        plan = made()
    prepared = time.perf_counter() - t0
    searched = restrict_to_lp(problem, lp, plan) if cfg.solver.lp_guided and lp else problem
    notes = list(problem.notes)
    if not lp_job.done():
        notes.append(f"the LP bound was not ready after {prepared:.0f} s of the "
                     f"{cfg.solver.time_limit_seconds:g} s limit: the search ran over every "
                     "shift option, the LP finishing beside it")
    model = solver = None
    status = cp_model.UNKNOWN
    progress = Progress()
    lns = None
    if searching:
        if probe_first(problem, cfg):
            # a small roster: one model first, for a share of the time, in case it proves the
            # optimum; the neighbourhood search gets the rest and the better roster is kept
            probe = min(PROBE_SHARE * cfg.solver.time_limit_seconds, PROBE_SECONDS)
            single = _solve_single(problem, searched, cfg, on_solution, t0,
                                   time.perf_counter() + probe)
            model, solver, status, progress, searched = single
        if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):  # nothing proven yet
            lns = _solve_lns(problem, searched, lp, plan, cfg, on_solution, t0,
                             None if lp else lp_job, week_job, rounded)
            if lns is None:  # the search could not construct a roster: one model instead
                model = None
            elif status != cp_model.FEASIBLE or lns[1].objective_value <= solver.objective_value:
                points = progress.points + lns[3].points
                model, solver, status, progress = lns
                progress = Progress(points)
            else:
                lns = None  # the probe's roster is the better one
    if model is None:
        # one CP-SAT model over everything, for all the time left
        model, solver, status, progress, searched = _solve_single(
            problem, searched, cfg, on_solution, t0, deadline)
    if lp is None and lp_job.done():
        lp = lp_job.result()  # finished beside the search: a bound for the report
    week_job.cancel()  # if it has not started
    weekly = week_job.result() if week_job.done() and not week_job.cancelled() else None
    if weekly is not None and (lp is None or weekly.value + weekly.slack >= lp.value):
        # its optimum is never below the days-only one's; the value lies up to its slack
        # below it (bound.TIE_BREAK), and where the two optima meet the exact one is kept
        lp = weekly if lp is None or weekly.value >= lp.value else lp
    elif lp is not None:
        notes.append("the LP bound with the weeks' work/off patterns did not finish within the "
                     "time limit, or would have taken much of it: the LP bound reported counts "
                     "working days only (weaker)")
    if lp is None:
        notes.append("the LP relaxation did not reach its optimum within the time limit: no LP "
                     "bound, so no gap")
    seconds = time.perf_counter() - t0
    name = STATUS.get(status, "unknown")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        conflicts = _diagnose(problem, cfg, max(5.0, cfg.solver.time_limit_seconds / 4)) \
            if status == cp_model.INFEASIBLE else []
        return ScheduleResult(name, None, None, None, seconds, [], pd.DataFrame(
            columns=["interval_start", "site", "skill", "required", "scheduled"]), [],
            progress.points, notes, conflicts, lp.value if lp else None)
    objective = solver.objective_value / SCALE
    bound = solver.best_objective_bound / SCALE
    if prepared > SLOW_SHARE * cfg.solver.time_limit_seconds:
        notes.append(f"the LP bounds and the first roster took {prepared:.0f} s of the "
                     f"{cfg.solver.time_limit_seconds:g} s limit ({problem.n_slots} slots of "
                     f"{problem.slot_minutes} min): a longer limit or coarser requirements "
                     "leave more time to search")
    if lns is not None:  # the search proves nothing: the full problem's bound is the LP's
        name = "optimal" if _meets(objective, lp) else "feasible"
        bound = lp.value if lp else None
    elif searched is problem:  # CP-SAT's bound and the LP's both hold: the stronger
        if lp and lp.value > bound:
            bound = lp.value
    else:  # CP-SAT's bound is for the restricted model only
        bound = lp.value if lp else None
        if name == "optimal" and not _meets(objective, lp):
            name = "feasible"
            notes.append("optimal among the shift options the LP relaxation and the greedy "
                         "use (solver.lp_guided); not proven over every option")
    pattern = _pattern_bound(problem, cfg)
    if pattern is not None and (bound is None or pattern > bound):
        bound = pattern  # a valid bound for the whole problem, stronger than the LP's
        if objective <= bound + 1e-6:
            name = "optimal"
    if name == "optimal" and bound is not None and bound < objective:
        bound = objective  # met within the LP's slack (``_meets``)
    gap = abs(objective - bound) / max(abs(objective), 1e-9) \
        if objective and bound is not None else (0.0 if bound is not None else None)
    if name != "optimal" and gap is not None and gap > WEAK_BOUND_GAP \
            and len(problem.agents) <= WEAK_BOUND_AGENTS:
        notes.append(f"the gap of {gap:.0%} is to a lower bound that places shifts and breaks "
                     "in fractions of an agent; on a roster this small that bound can lie far "
                     "below the best roster possible (on one day of the benchmark's 25 agents "
                     "19.8% below the proven optimum, at 150 agents 2.1%), so part of the gap "
                     "may be the bound's rather than the roster's")
    result = ScheduleResult(name, objective, bound, gap, seconds, _assignments(model, solver),
                            _coverage(model, solver, requirements), _violations(model, solver),
                            progress.points, notes)
    result.lp_bound = lp.value if lp else None
    result.pattern_bound = pattern
    return result


def _meets(objective: float, lp) -> bool:
    """Whether the LP bound proves ``objective`` optimal. The bound may lie up to ``lp.slack``
    below the LP's optimum (bound.py's tie-breaking); a roster within that of it is optimal as
    long as the slack is below the objective's resolution, 1/SCALE, since no other roster's
    cost lies between."""
    return lp is not None and objective <= lp.value + (lp.slack if lp.slack < 1 / SCALE
                                                       else 0.0) + 1e-6


def _weekly_lp(problem: Problem, deadline: float, thread: list[int]):
    """The LP relaxation with the weeks' work/off patterns; its thread's native id is put in
    ``thread`` (to lower its priority once the search starts)."""
    thread.append(threading.get_native_id())
    return lp_relaxation(problem, deadline - time.perf_counter())


def _lp_result(job: Future, until: float):
    """The LP relaxation if ``job`` finishes by ``until`` (a ``time.perf_counter()`` value),
    else None (the job goes on)."""
    try:
        return job.result(timeout=max(until - time.perf_counter(), 0.0))
    except TimeoutError:
        return None


def _pattern_bound(problem: Problem, cfg: ScheduleConfig) -> float | None:
    """The weekly-pattern bound when ``solver.pattern_bound_seconds`` asks for it (after the
    search, in that many more seconds); None when off, with hard coverage (the master prices
    coverage as soft) or when no round finished."""
    seconds = cfg.solver.pattern_bound_seconds
    if not seconds or cfg.rules.coverage == "hard":
        return None
    from wfm.schedule.columns import ColumnGeneration

    result = ColumnGeneration(problem, cfg.solver.workers, cfg.solver.seed).run(
        time.perf_counter() + seconds)
    return result.bound


def _solve_single(problem: Problem, searched: Problem, cfg: ScheduleConfig, on_solution,
                  t0: float, deadline: float):
    """One CP-SAT model over ``searched``, from the greedy hint, until ``deadline``
    (``time.perf_counter()`` values: the time spent since ``t0`` on the LP, the greedy and the
    model counts against the limit, and progress is timed from ``t0``). If the LP-guided
    restriction turns out infeasible, the full problem instead. Returns (model, solver,
    status, progress, the problem searched)."""
    def run(target: Problem, start: tuple | None = None):
        model = RosterModel(target)
        if start is None:
            add_hint(model)
        else:
            _hint_from(model, *start)
        left = max(deadline - time.perf_counter(), 0.1)
        settings = cfg.solver.model_copy(update={"time_limit_seconds": left})
        return model, *model.solve(settings, on_solution, t0)

    model, solver, status, progress = run(searched)
    if status == cp_model.INFEASIBLE and searched is not problem:
        # the restriction removed options a hard rule needs: search the full model instead
        searched = problem
        model, solver, status, progress = run(problem)
    elif status == cp_model.OPTIMAL and searched is not problem \
            and deadline - time.perf_counter() > WIDE_MIN_SECONDS:
        # optimal among the restricted options: the full model, from that roster, may prove
        # it over every option in the time left, or find better (its bound then holds for the
        # whole problem)
        full, wide, wide_status, wide_progress = run(problem, (model, solver))
        if wide_status in (cp_model.OPTIMAL, cp_model.FEASIBLE) \
                and wide.objective_value <= solver.objective_value:
            model, solver, status, searched = full, wide, wide_status, problem
            progress = Progress(progress.points + wide_progress.points)
    return model, solver, status, progress, searched


def _hint_from(model: RosterModel, found: RosterModel, solver: cp_model.CpSolver) -> None:
    """Hint ``model`` (over the same agents, with more options) with the roster ``found`` /
    ``solver`` holds: shifts and what follows from them, breaks and skills."""
    chosen: list[dict[int, int]] = [{} for _ in model.p.agents]
    index = {(a, d, id(opt)): o for a, agent in enumerate(model.p.agents)
             for d, options in enumerate(agent.options) for o, opt in enumerate(options)}
    where: dict[tuple[int, int, int], int] = {}  # found's (a, d, o) -> model's o
    for (a, d, o), var in found.x.items():
        mine = index.get((a, d, id(found.p.agents[a].options[d][o])))
        if mine is not None:
            where[(a, d, o)] = mine
            if solver.boolean_value(var):
                chosen[a][d] = mine
    model.hint_shifts(chosen)
    for (a, d, o, b, k), var in found.brk.items():
        if (a, d, o) in where:
            model.m.add_hint(model.brk[(a, d, where[(a, d, o)], b, k)],
                             int(solver.boolean_value(var)))
    for key, var in found.alloc.items():
        if key in model.alloc:
            model.m.add_hint(model.alloc[key], int(solver.boolean_value(var)))


def use_lns(problem: Problem, cfg: ScheduleConfig) -> bool:
    """The search strategy: ``lns`` needs soft coverage (a hard coverage constraint couples
    every agent, and a chunk-by-chunk construction cannot meet it). ``auto`` uses it whenever
    coverage is soft: on the benchmark's rosters of 5 to 40 agents one model ended worse than
    the search at 30 s and 60 s (bench/results/schedule_named.txt); small rosters get a short
    single-model probe first (``probe_first``)."""
    return cfg.solver.strategy != "single" and cfg.rules.coverage != "hard"


def probe_first(problem: Problem, cfg: ScheduleConfig) -> bool:
    """``auto`` on a roster of at most ``LNS_FROM_AGENTS`` agents: one CP-SAT model first, for
    ``PROBE_SHARE`` of the time limit and at most ``PROBE_SECONDS``, which proves the optimum
    of a tiny roster in well under a second (the search cannot prove anything below the LP
    bound); the search then gets the rest, and the better roster is kept."""
    return cfg.solver.strategy == "auto" and len(problem.agents) <= LNS_FROM_AGENTS


LNS_FROM_AGENTS = 40
PROBE_SHARE = 0.05  # of the time limit, and at most PROBE_SECONDS
PROBE_SECONDS = 1.0
# A roster of at most this many agents whose gap to the bound is above WEAK_BOUND_GAP gets a
# note that the bound, not only the roster, may make the gap (bench/schedule_bench.py --exact:
# on one day, the LP bound lies 19.8% below the proven optimum at 25 agents, 4.0% at 50, 2.1%
# at 150).
WEAK_BOUND_AGENTS = 50
WEAK_BOUND_GAP = 0.1
# The search waits for the LP relaxation's guidance at most this share of the time limit (and
# at least LP_WAIT_MIN_SECONDS), then searches every shift option while the LP finishes beside
# it, and takes up the guidance when it ends (Lns._poll). 150 agents on 5-minute slots at 60 s
# (the LP takes 30 s): waiting for it 134,171, never using it 76,224, this 82,749. 500 agents
# on 2 sites at 60 s (the LP takes 12.5 s): waiting 134,697, never using it 244,129, this
# 116,294. At 15 minutes and 150 agents the LP takes 3 s and the search waits for it (unguided
# from the start: 27,917 against 18,946-20,108); not waiting beyond 2 s gave 21,088.
LP_WAIT_SHARE = 0.15
LP_WAIT_MIN_SECONDS = 2.0
# A note says so when the LP bound and the greedy take more than this share of the time limit
# (150 agents on 5-minute slots: 47 s of 60).
SLOW_SHARE = 0.25
# The LP with weekly patterns, when not ready by the time the search starts, goes on at a lower
# priority: 150 agents at 60 s, seeds 1-5 interleaved with the code before it existed, it
# cost the search nothing (19,943-23,041 against 21,320-24,893); at the usual priority it had
# cost the search (22,850-23,624 on four of five seeds).
WEEKLY_LP_NICE = 10
# The search waits for the LP with patterns, to round its first roster from it, until this
# share of the time limit, when the days-only LP came in time for it to be expected (it took
# WEEKLY_LP_RATIO times as long, alone: 150 agents 4.6 s against 3.3 s, 500 on 2 sites 18.4 s
# against 12.5 s). 500 agents on 2 sites at 120 s (seed 1): 60,446 (6.2% above the LP bound)
# where not waiting beyond LP_WAIT_SHARE left the greedy roster first: 70,564. 300 agents on 2
# sites at 60 s (LPs ~16 s and ~19 s alone): 45,139 waiting until half the limit (first roster
# 20.8 s), 70,541 until 35% (the LP with patterns came too late; first roster 15.6 s), 60,811
# with the previous code. 150 agents on 5-minute slots, where neither LP comes in time: 87,321
# at half, 87,734 at 35%.
ROUND_WAIT_SHARE = 0.5
WEEKLY_LP_RATIO = 1.5
# The most time the first roster's rounding from the LP (rounding.py) gets, per
# ROUND_PER_AGENTS agents (at least this). On the 150-agent benchmark its largest group of like
# agents (67) is proven optimal in 1.6 s with GLOP's LP, 2.7 s with HiGHS's before its
# tie-breaking (whose vertex spread a group over more shifts; the whole rounding takes 1.0 s
# with it). 500 agents on 2 sites at a flat 4 s (HiGHS's LP, before the tie-breaking): the
# groups whose turn came last found nothing, and 31-294 of 500 agents took the greedy week.
ROUND_SECONDS = 4.0
ROUND_PER_AGENTS = 150
# The least time left worth trying to prove a restricted optimum over every option.
WIDE_MIN_SECONDS = 0.2


def _solve_lns(problem: Problem, searched: Problem, lp, plan: dict[int, dict[int, int]],
               cfg: ScheduleConfig, on_solution, t0: float, lp_job: Future | None = None,
               week_job: Future | None = None, rounded: bool = False):
    """Construct and improve by large-neighbourhood search, then evaluate the final roster in
    the full roster model with every choice fixed (the reported objective and violations come
    from there). None when the construction finds an agent it cannot place: the caller then
    solves one model, which also explains infeasibility. ``lp_job``: the LP still running,
    whose guidance and bound are taken up when it ends; ``week_job``: the stronger LP bound,
    taken up likewise (the search stops when it reaches it). ``rounded``: ``plan`` is rounded
    from the LP (rounding.py), its weeks and shifts already close to the LP's, so the day
    sweep starts at once: it re-places each day's shifts, breaks and skills together. On the
    150-agent benchmark at 60 s (seeds 1-5) that ended at 17,847-20,663 (median 18,383), where
    placing the breaks first and then the small neighbourhoods, as for the greedy roster, ended
    at 17,641-23,188 (median 19,599): placing the breaks of a rounded roster, many like agents
    on like shifts, took 18 s, and the sweep had 20 s left."""
    from wfm.schedule.lns import IMPROVE_SHARE, Lns

    settings = cfg.solver
    deadline = t0 + settings.time_limit_seconds
    lns = Lns(searched, settings, deadline, t0, lp.value if lp else None, on_solution,
              full=problem)
    if lp_job is not None:  # the LP is still running: its guidance is taken up when it ends
        def guidance():
            if not lp_job.done():
                return None
            late = lp_job.result()
            if late is None:
                return [], None
            space = [agent.options for agent in restrict_to_lp(problem, late, plan).agents] \
                if settings.lp_guided else []
            return space, late.value

        lns.pending = guidance
    if week_job is not None:
        def stronger():
            if not week_job.done() or week_job.cancelled():
                return None
            found = week_job.result()
            return float("-inf") if found is None else found.value

        lns.late_bound = stronger
    chosen = {a: {d: searched.agents[a].options[d].index(problem.agents[a].options[d][o])
                  for d, o in days.items()} for a, days in plan.items()}
    order = sorted(range(len(problem.agents)), key=lambda a: len(problem.agents[a].skills))
    roster = lns.construct(chosen, order)
    if roster is None:
        return None
    # the final evaluation prices the whole roster in the full model, as long as construct
    # timed it (``Lns._time_pricing``); with a margin for the sub-model still running when
    # the search stops
    reserve = 0.5 + 0.004 * len(problem.agents) + 1.5 * lns.price_seconds
    stop = deadline - reserve
    if not rounded:
        # the greedy roster: breaks placed exactly, then shifts moved by small neighbourhoods
        # before the day sweep (a rounded roster goes to the sweep at once: see ``rounded``)
        roster = lns.place_breaks(roster, stop)
        roster = lns.improve(roster, time.perf_counter() + IMPROVE_SHARE
                             * max(stop - time.perf_counter(), 0.0))
    while stop - time.perf_counter() > 0.5:
        roster, settled = lns.sweep(roster, stop)
        if not settled:
            break  # out of time
        # every day is at its optimum given the others: move days off and whole weeks, then
        # sweep again
        roster = lns.improve(roster, min(stop, time.perf_counter() + max(
            2.0, IMPROVE_SHARE * (stop - time.perf_counter()))))
    model, solver, status = evaluate(problem, roster, settings)
    progress = Progress(lns.progress)
    return model, solver, status, progress


def evaluate(problem: Problem, roster, settings) -> tuple[RosterModel, cp_model.CpSolver, int]:
    """The roster model with every choice fixed to ``roster``: the objective, violations and
    coverage of exactly that roster."""
    from wfm.schedule.lns import solve_fixed

    return solve_fixed(problem, roster.days, roster.skill, settings.workers)


def restrict_to_lp(problem: Problem, lp, plan: dict[int, dict[int, int]] | None = None
                   ) -> Problem:
    """Keep, for each agent and day, the shift options the LP relaxation uses for the agent's
    group and the first roster's choice (``plan``: the rounded or greedy roster; the greedy
    one if not given): a much smaller model to search. At a site of at most
    ``EVERY_START_UP_TO`` agents, every start of the shifts the LP uses is kept: the LP
    spreads a group of one or two agents over a few options that no whole agent can
    follow."""
    plan = greedy(problem) if plan is None else plan
    per_site = Counter(agent.site for agent in problem.agents)
    agents = []
    for a, agent in enumerate(problem.agents):
        every_start = per_site[agent.site] <= EVERY_START_UP_TO
        options = []
        for d, day in enumerate(agent.options):
            keep = lp.used.get((agent.site, agent.skills, agent.contract_name, d), {})
            shifts = {shift for shift, _ in keep} if every_start else set()
            chosen = plan.get(a, {}).get(d)
            options.append([opt for o, opt in enumerate(day) if (opt.shift, opt.start) in keep
                            or opt.shift in shifts or o == chosen])
        agents.append(replace(agent, options=options))
    return replace(problem, agents=agents)


# Sites of at most this many agents search every start of the shifts the LP uses (on the
# 150-agent benchmark that would be 13.2 options per agent-day instead of 6.6). At 60 s,
# against the LP's starts only (seeds 1-3; 15 and 40 agents seeds 1-2):
#   15 agents  11,223 / 11,159          against 11,459 / 11,523
#   25 agents   4,426 / 4,396 / 4,426   against  4,985 / 4,490 / 4,756
#   40 agents   5,733 / 6,063           against  6,063 / 6,063
#   50 agents   6,217 / 6,217 / 6,446   against  6,247 / 6,247 / 6,247
#   100 agents 18,167 / 12,291 / 12,291 against 12,257 / 12,557 / 12,227
#   150 agents 17,176 / 17,836 / 17,341 against 17,405 / 17,270 / 17,240
# (on large sites the day sweep's models no longer finish in their time).
EVERY_START_UP_TO = 40
