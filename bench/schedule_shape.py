"""Experiment: how much of the named-roster gap is the LP bound's, and does a roster built
from the integer shape of the coverage problem start better than the LNS? (Issue 5.)

Run: ``python -m bench.schedule_shape [--agents 150] [--shape-seconds 20] [--assign-seconds 12]
[--limit 60]``. It prints one table: the LP bound; the integer day shapes (per-agent rules
relaxed, so their sum says how far above the LP an integer roster must at least be, roughly);
the roster the shapes give named agents; and the LNS strategy with the same total time, all in
one run. Finding (bench/results/schedule_shape.txt): the shapes come within a few percent of
the LP bound, so the bound is not what keeps the LNS at a 55% gap; but handing the shapes to
named agents loses about a tenth of the shifts (the days are shaped apart, and no day's shape
knows which agents can chain which days), so this construction starts worse than the LNS's
and is not used by ``wfm schedule``.

The construction:

1. **Shape.** For each site and day, the integer coverage problem over agent groups (site ×
   skills × contract; ``day_shape`` below, HiGHS through MathOpt, built by the same code as
   this experiment's copy of the LP bound — wfm/schedule/bound.py keeps the product's GLOP
   LP, whose optimal vertex the LNS's option lists come from): how many of a group's agents
   work each shift option, take each break position and work each skill per slot. The LP
   bound says how many paid hours each group works each day, which keeps the week's contract
   hours in reach.
   Days and sites are solved side by side.
2. **Disaggregate.** Per group, CP-SAT gives the shapes' shifts to named agents: the roster
   model itself (every contract, rest, days-off, preference and fairness rule of each agent)
   with the group's shape as the one thing to cover, breaks held at mid-window so the shape and
   the agents' hours count alike.
3. **Breaks and skills.** Each agent on an option takes a break position the shape gave that
   option; each blended agent's working slot goes to a skill the shape allocated there (and
   where the shape has none left, to the skill with the largest gap).

Everything the shape relaxes (who can chain which days, leave, weekends) is paid for in step 2,
and the large-neighbourhood search could then improve the result as it would any roster.
"""

from __future__ import annotations

import datetime
import math
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from wfm.schedule.bound import group_options
from wfm.schedule.hint import mid_breaks, working_slots
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.problem import Option, Problem, paid_slots

# ---------------------------------------------------------------- the group-level model
Group = tuple[str, tuple[str, ...], str]  # site, skills, contract name


@dataclass(frozen=True)
class LpResult:
    value: float
    used: dict[tuple, set[tuple[str, int]]]  # (site, skills, contract, day) -> {(shift, start)}
    hours: dict[tuple, float] = field(default_factory=dict)  # (*group, day) -> paid hours
    shifts: dict[tuple, float] = field(default_factory=dict)  # (*group, day) -> agents working


@dataclass
class DayShape:
    """One site and day of the integer coverage problem: per group, how many agents work each
    option, how many take each break at each position, and how many work each skill per slot."""

    value: float
    proven: bool  # HiGHS proved it optimal (within its gap tolerance)
    shifts: dict[tuple[Group, str, int], int]  # (group, shift, start) -> agents
    breaks: dict[tuple[Group, str, int, int], list[int]]  # ... break index -> per position
    alloc: dict[tuple[Group, int, str], int]  # (group, slot, skill) -> agents


def groups(problem: Problem) -> dict[Group, list[int]]:
    out: dict[Group, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        out[(agent.site, agent.skills, agent.contract_name)].append(a)
    return dict(out)


class _CoverageModel:
    """The group-level model of one site and day (``site``/``day`` given, integer counts and
    ``day_limits`` per group: paid hours from, to, and agents working at most) or of the whole
    horizon (continuous, the week's rules)."""

    def __init__(self, problem: Problem, integer: bool = False, site: str | None = None,
                 day: int | None = None,
                 day_limits: dict[Group, tuple[float, float, float]] | None = None):
        self.p = problem
        self.m = m = mathopt.Model()
        w = problem.config.weights
        rules = problem.config.rules
        slot_h = problem.slot_minutes / 60
        self.shift_vars: list[tuple[Group, int, Option, mathopt.Variable]] = []
        self.break_vars: dict[tuple[Group, str, int, int], list[mathopt.Variable]] = {}
        self.alloc_vars: dict[tuple[Group, int, str], mathopt.Variable] = {}
        self.hours_terms: dict[tuple[Group, int], list] = defaultdict(list)
        work: dict[Group, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        objective = []
        days = range(problem.days) if day is None else [day]
        for g, members in groups(problem).items():
            if site is not None and g[0] != site:
                continue
            c = problem.agents[members[0]].contract
            options = group_options(problem, members)
            days_terms = []
            for d in days:
                available = sum(1 for a in members if problem.agents[a].options[d])
                day_vars = []
                for opt in options[d]:
                    y = m.add_variable(lb=0, ub=available, is_integer=integer)
                    self.shift_vars.append((g, d, opt, y))
                    day_vars.append(y)
                    self.hours_terms[(g, d)].append(paid_slots(opt) * slot_h * y)
                    objective.append(w.paid_hour_cost * c.cost_per_hour * paid_slots(opt)
                                     * slot_h * y)
                    for t in range(opt.start, min(opt.end, problem.n_slots)):
                        work[g][t].append((y, 1))
                    for b, brk in enumerate(opt.breaks):
                        places = [m.add_variable(lb=0, ub=available, is_integer=integer)
                                  for _ in brk.starts]
                        self.break_vars[(g, opt.shift, opt.start, b)] = places
                        m.add_linear_constraint(mathopt.fast_sum(places) == y)
                        for v, s in zip(places, brk.starts, strict=True):
                            for t in range(s, min(s + brk.length, problem.n_slots)):
                                work[g][t].append((v, -1))
                if not day_vars:
                    continue
                most = available
                if day_limits is not None and g in day_limits:
                    lo, hi, most = day_limits[g]
                    m.add_linear_constraint(lb=lo, ub=hi,
                                            expr=mathopt.fast_sum(self.hours_terms[(g, d)]))
                m.add_linear_constraint(mathopt.fast_sum(day_vars) <= min(most, available))
                days_terms += day_vars
            if day is None:  # the week's rules, for the group as a whole
                n = len(members)
                hours = mathopt.fast_sum(h for d in days for h in self.hours_terms[(g, d)])
                if rules.contract_hours == "hard":
                    m.add_linear_constraint(n * c.min_hours_week <= hours)
                    m.add_linear_constraint(hours <= n * c.max_hours_week)
                if rules.max_days == "hard" and days_terms:
                    m.add_linear_constraint(mathopt.fast_sum(days_terms) <= n * c.max_days)
        supply = defaultdict(list)  # (site, skill, t) -> allocation vars
        for g, slots in work.items():
            g_site, skills, _ = g
            for t, terms in slots.items():
                if not skills:
                    continue
                allocs = [m.add_variable(lb=0, is_integer=integer) for _ in skills]
                m.add_linear_constraint(mathopt.fast_sum(allocs)
                                        == mathopt.fast_sum(c * v for v, c in terms))
                for k, v in zip(skills, allocs, strict=True):
                    supply[(g_site, k, t)].append(v)
                    self.alloc_vars[(g, t, k)] = v
        touched = sorted({t for slots in work.values() for t in slots}) if day is not None \
            else range(problem.n_slots)
        for (d_site, skill), need in problem.demand.items():
            if site is not None and d_site != site:
                continue
            for t in touched:
                terms = supply.get((d_site, skill, t), [])
                if need[t] == 0 and not terms:
                    continue
                u = m.add_variable(lb=0, ub=0 if rules.coverage == "hard" else float("inf"))
                o = m.add_variable(lb=0)
                m.add_linear_constraint(mathopt.fast_sum(terms) + u - o == float(need[t]))
                objective.append(w.understaffed_minute * problem.slot_minutes * u)
                objective.append(w.overstaffed_minute * problem.slot_minutes * o)
        m.minimize(mathopt.fast_sum(objective))

    def solve(self, solver: mathopt.SolverType, seconds: float | None = None,
              gap: float | None = None) -> mathopt.SolveResult:
        params = mathopt.SolveParameters(
            time_limit=None if seconds is None else datetime.timedelta(seconds=seconds),
            relative_gap_tolerance=gap)
        return mathopt.solve(self.m, solver, params=params)


def lp_relaxation(problem: Problem) -> LpResult | None:
    """Solve the relaxation; also say which shift options each group uses on each day and how
    many paid hours it works."""
    model = _CoverageModel(problem)
    result = model.solve(mathopt.SolverType.GLOP)
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return None
    values = result.variable_values()
    used: dict[tuple, set[tuple[str, int]]] = defaultdict(set)
    for g, d, opt, y in model.shift_vars:
        if values[y] > 1e-6:
            used[(*g, d)].add((opt.shift, opt.start))
    hours: dict[tuple, float] = defaultdict(float)
    shifts: dict[tuple, float] = defaultdict(float)
    for g, d, opt, y in model.shift_vars:
        hours[(*g, d)] += paid_slots(opt) * problem.slot_minutes / 60 * values[y]
        shifts[(*g, d)] += values[y]
    return LpResult(float(result.objective_value()), dict(used), dict(hours), dict(shifts))


def day_shape(problem: Problem, lp: LpResult, site: str, day: int, seconds: float,
              gap: float = 0.005) -> DayShape | None:
    """The integer coverage problem of one site and day. Each group's paid hours stay within
    the LP's for that day plus or minus the day's share of the slack the LP leaves to the
    group's weekly contract hours (at least half a shift each way), and its agents working
    within the LP's plus the day's share of the slack in working days (at least half an
    agent): so the days' shapes, solved apart, still add up to a week the group's contracts
    allow. None if HiGHS finds no solution in ``seconds``."""
    rules = problem.config.rules
    slot_h = problem.slot_minutes / 60
    longest = max((paid_slots(o) for a in problem.agents for o in a.options[day]), default=0)
    half = longest * slot_h / 2
    bounds = {}
    for g, members in groups(problem).items():
        if g[0] != site:
            continue
        c, n = problem.agents[members[0]].contract, len(members)
        week = sum(lp.hours.get((*g, d), 0.0) for d in range(problem.days))
        h = lp.hours.get((*g, day), 0.0)
        below = (week - n * c.min_hours_week) / problem.days \
            if rules.contract_hours == "hard" else h
        above = (n * c.max_hours_week - week) / problem.days \
            if rules.contract_hours == "hard" else float("inf")
        shifts = sum(lp.shifts.get((*g, d), 0.0) for d in range(problem.days))
        spare = (n * c.max_days - shifts) / problem.days \
            if rules.max_days == "hard" else float("inf")
        most = math.floor(lp.shifts.get((*g, day), 0.0) + max(spare, 0.5) + 1e-6)
        bounds[g] = (max(h - max(below, half), 0.0), h + max(above, half), most)
    model = _CoverageModel(problem, integer=True, site=site, day=day, day_limits=bounds)
    result = model.solve(mathopt.SolverType.HIGHS, seconds, gap)
    if not result.has_primal_feasible_solution():
        return None
    values = result.variable_values()
    shifts = {(g, opt.shift, opt.start): round(values[y]) for g, _, opt, y in model.shift_vars
              if round(values[y]) > 0}
    breaks = {key: [round(values[v]) for v in places]
              for key, places in model.break_vars.items() if key[:3] in shifts}
    alloc = {key: round(values[v]) for key, v in model.alloc_vars.items()
             if round(values[v]) > 0}
    proven = result.termination.reason == mathopt.TerminationReason.OPTIMAL
    return DayShape(float(result.objective_value()), proven, shifts, breaks, alloc)


# ---------------------------------------------------------------- shapes and agents
def day_shapes(problem: Problem, lp: LpResult, stop: float, workers: int
               ) -> dict[tuple[str, int], DayShape]:
    """Every site and day's shape, ``workers`` at a time, all done by ``stop`` (a
    ``time.perf_counter()`` value); a site and day HiGHS finds nothing for is left out."""
    jobs = [(site, d) for site in sorted({a.site for a in problem.agents})
            for d in range(problem.days)]
    per_job = max((stop - time.perf_counter()) * workers / max(len(jobs), 1), 0.5)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # HiGHS releases the GIL
        found = pool.map(lambda job: day_shape(problem, lp, job[0], job[1], per_job), jobs)
        return {job: shape for job, shape in zip(jobs, found, strict=True) if shape is not None}


def disaggregate(problem: Problem, shapes: dict[tuple[str, int], DayShape], stop: float,
                 workers: int, seed: int = 0) -> list[dict[int, tuple[Option, tuple]]] | None:
    """Per agent: {day: (option, break starts)}; None if some group cannot be rostered."""
    jobs = sorted(groups(problem).items(), key=lambda job: -len(job[1]))
    found = []
    for k, (g, members) in enumerate(jobs):  # one at a time, time by head count
        left = sum(len(m) for _, m in jobs[k:])
        seconds = max((stop - time.perf_counter()) * len(members) / left, 0.2)
        found.append(_assign_group(problem, shapes, g, members, seconds, workers, seed))
    if any(f is None for f in found):
        return None
    chosen: list[dict[int, Option]] = [{} for _ in problem.agents]
    for part in found:
        for a, days in part.items():
            chosen[a] = days
    return _place_breaks(problem, shapes, chosen)


def _assign_group(problem: Problem, shapes: dict[tuple[str, int], DayShape], g: Group,
                  members: list[int], seconds: float, workers: int, seed: int
                  ) -> dict[int, dict[int, Option]] | None:
    """The group's shifts from its shapes to its agents: the roster model's own rules for each
    agent (no coverage), and for each day a price on working fewer or more slots than the shape
    (a missing slot is likely short-staffed, an extra one over-staffed) and on each option's
    count differing from the shape's. The options the shapes use first, every option if that is
    infeasible."""
    w = problem.config.weights
    c_under = int(round(SCALE * w.understaffed_minute * problem.slot_minutes))
    c_over = int(round(SCALE * w.overstaffed_minute * problem.slot_minutes))
    want: dict[tuple[int, str, int], int] = {}
    for d in range(problem.days):
        shape = shapes.get((g[0], d))
        for (gg, shift, start), n in (shape.shifts.items() if shape else ()):
            if gg == g:
                want[(d, shift, start)] = n
    for restrict in (True, False):
        specs = []
        for a in members:
            agent = problem.agents[a]
            options = [[o for o in day if not restrict or (d, o.shift, o.start) in want]
                       for d, day in enumerate(agent.options)]
            specs.append(replace(agent, options=options))
        model = RosterModel(replace(problem, agents=specs), coverage=False)
        m, extra = model.m, []
        for d in range(problem.days):
            by_option: dict[tuple[str, int], list] = defaultdict(list)
            slots = []
            for (i, dd, o), x in model.x.items():
                if dd == d:
                    opt = specs[i].options[d][o]
                    by_option[(opt.shift, opt.start)].append(x)
                    slots.append(_length(opt) * x)
            goal = sum(n * _length(_option(problem, members, d, shift, start))
                       for (dd, shift, start), n in want.items() if dd == d)
            short = m.new_int_var(0, max(goal, 0), "")
            over = m.new_int_var(0, 10 * problem.n_slots * len(members), "")
            m.add(sum(slots) + short - over == goal)
            extra += [c_under // 4 * short, c_over * over]
            for key in set(by_option) | {k[1:] for k in want if k[0] == d}:
                n = want.get((d, *key), 0)
                miss = m.new_int_var(0, len(members) + n, "")
                m.add(sum(by_option.get(key, [])) - n <= miss)
                m.add(n - sum(by_option.get(key, [])) <= miss)
                extra.append(2 * c_over * miss)
        model._objective(extra)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.random_seed = seed
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {a: {d: specs[i].options[d][o] for (ii, d, o), x in model.x.items()
                        if ii == i and solver.boolean_value(x)}
                    for i, a in enumerate(members)}
    return None


def _length(opt: Option) -> int:
    """Working slots of ``opt`` (its breaks taken)."""
    return opt.length - sum(b.length for b in opt.breaks)


def _option(problem: Problem, members: list[int], d: int, shift: str, start: int) -> Option:
    return next(o for a in members for o in problem.agents[a].options[d]
                if (o.shift, o.start) == (shift, start))


def _place_breaks(problem: Problem, shapes: dict[tuple[str, int], DayShape],
                  chosen: list[dict[int, Option]]) -> list[dict[int, tuple[Option, tuple]]]:
    """Each agent's break starts: positions the shape gave the agent's group and option, in
    turn; mid-window where the shape has none left."""
    where = {a: g for g, members in groups(problem).items() for a in members}
    left: dict[tuple, list[list[int]]] = {}
    out: list[dict[int, tuple[Option, tuple]]] = [{} for _ in problem.agents]
    for a, days in enumerate(chosen):
        for d, opt in sorted(days.items()):
            shape = shapes.get((problem.agents[a].site, d))
            starts = list(mid_breaks(opt))
            for b, brk in enumerate(opt.breaks):
                key = (where[a], opt.shift, opt.start, b)
                if shape is None or key not in shape.breaks:
                    continue
                counts = left.setdefault((d, *key), list(shape.breaks[key]))
                k = next((k for k, n in enumerate(counts) if n > 0), None)
                if k is not None:
                    counts[k] -= 1
                    starts[b] = brk.starts[k]
            out[a][d] = (opt, tuple(starts))
    return out


def allocate_skills(problem: Problem, shapes: dict[tuple[str, int], DayShape],
                    worked: list[dict[int, tuple[Option, tuple]]]) -> list[dict[int, str]]:
    """Per agent: {slot: skill}. Single-skilled agents work their skill; a blended agent's slot
    goes to a skill the shape allocated to the group there, else to the largest gap left."""
    where = {a: g for g, members in groups(problem).items() for a in members}
    supply = {key: np.zeros(problem.n_slots) for key in problem.demand}
    skill: list[dict[int, str]] = [{} for _ in problem.agents]
    slots = [{t: None for opt, starts in days.values()
              for t in working_slots(opt, problem.n_slots, starts)} for days in worked]
    for a, agent in enumerate(problem.agents):
        if len(agent.skills) == 1:
            for t in slots[a]:
                skill[a][t] = agent.skills[0]
                supply[(agent.site, agent.skills[0])][t] += 1
    quota: dict[tuple[Group, int, str], int] = {}
    for shape in shapes.values():
        for key, n in shape.alloc.items():
            quota[key] = quota.get(key, 0) + n
    for a, agent in enumerate(problem.agents):
        if len(agent.skills) <= 1:
            continue
        for t in slots[a]:
            k = next((k for k in agent.skills if quota.get((where[a], t, k), 0) > 0), None)
            if k is None:
                k = max(agent.skills, key=lambda kk: problem.demand[(agent.site, kk)][t]
                        - supply[(agent.site, kk)][t])
            else:
                quota[(where[a], t, k)] -= 1
            skill[a][t] = k
            supply[(agent.site, k)][t] += 1
    return skill




def shape_roster(problem: Problem, lp: LpResult, shape_seconds: float, assign_seconds: float,
                 workers: int = 2):
    """(shapes, days, skill) for ``problem`` or None where a group cannot be rostered."""
    from wfm.schedule.lns import Worked

    shapes = day_shapes(problem, lp, time.perf_counter() + shape_seconds, workers)
    worked = disaggregate(problem, shapes, time.perf_counter() + assign_seconds, workers)
    if worked is None:
        return shapes, None, None
    skill = allocate_skills(problem, shapes, worked)
    days = [{d: Worked(opt, starts) for d, (opt, starts) in w.items()} for w in worked]
    return shapes, days, skill


def main(argv=None) -> None:
    import argparse

    from bench.schedule_bench import named_instance
    from wfm.schedule.lns import fixed_model
    from wfm.schedule.model import SCALE
    from wfm.schedule.problem import build_problem
    from wfm.schedule.solve import solve_schedule

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=150)
    ap.add_argument("--sites", type=int, default=1)
    ap.add_argument("--shape-seconds", type=float, default=20)
    ap.add_argument("--assign-seconds", type=float, default=12)
    ap.add_argument("--limit", type=float, default=60, help="the LNS run's time limit")
    args = ap.parse_args(argv)
    req, agents, cfg = named_instance(args.agents, args.sites, 7)
    problem = build_problem(req, agents, cfg)
    t0 = time.perf_counter()
    lp = lp_relaxation(problem)
    lp_s = time.perf_counter() - t0
    t = time.perf_counter()
    shapes, days, skill = shape_roster(problem, lp, args.shape_seconds, args.assign_seconds,
                                       cfg.solver.workers)
    took = time.perf_counter() - t
    shaped = sum(s.value for s in shapes.values())
    value = None
    if days is not None:
        model = fixed_model(problem, days, skill)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = cfg.solver.workers
        if solver.solve(model.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = solver.objective_value / SCALE
    wanted = sum(n for s in shapes.values() for n in s.shifts.values())
    given = sum(len(d) for d in days) if days is not None else 0
    run = cfg.model_copy(update={"solver": cfg.solver.model_copy(
        update={"time_limit_seconds": args.limit, "strategy": "lns"})})
    lns = solve_schedule(req, agents, run)

    def gap(v):
        return f"{1 - lp.value / v:.1%}" if v else "—"

    print(f"named roster, {args.agents} agents, {args.sites} site(s), 7 days of 15-minute slots; "
          f"gap = 1 - LP bound / value")
    print(f"{'what':<44}{'value':>12}{'gap to LP':>11}{'seconds':>9}")
    print(f"{'LP bound (GLOP)':<44}{lp.value:>12,.0f}{'':>11}{lp_s:>9.1f}")
    print(f"{'integer day shapes, per-agent rules relaxed':<44}{shaped:>12,.0f}"
          f"{gap(shaped):>11}{took:>9.1f}")
    print(f"{'roster from the shapes (before any LNS)':<44}"
          f"{value if value is not None else float('nan'):>12,.0f}{gap(value):>11}{'':>9}")
    print(f"{'LNS strategy (wfm schedule), whole run':<44}{lns.objective:>12,.0f}"
          f"{gap(lns.objective):>11}{lns.seconds:>9.1f}")
    print(f"shapes proven optimal (0.5% tolerance): {sum(s.proven for s in shapes.values())} of "
          f"{len(shapes)}; shifts in the shapes {wanted}, given to agents {given}")


if __name__ == "__main__":
    main()
