"""The coverage problem over agent groups: the LP bound, and day by day the integer shape of a
roster.

Agents are grouped by site, skills and contract; each group chooses numbers of shifts per day
and option (at most one per available agent and day, within the contract's weekly hours and
working days), numbers of breaks per position, and splits its working time over its skills.
Coverage, under- and over-staffing and paid-hour cost are priced as in the roster model; names,
leave within a day, rest, consecutive days, preferences and fairness are relaxed away.

* **The LP bound** (GLOP, continuous counts, the whole horizon): every roster the CP-SAT model
  accepts is a solution of this LP with the same or a higher cost, so its optimum is a lower
  bound on the roster's objective.
* **The day shapes** (HiGHS, integer counts, one site and day, each group's paid hours kept near
  the LP's for that day so the week's contract hours still add up): what the large-neighbourhood
  search turns into a first roster (aggregate.py). Grouping removes the symmetry between
  interchangeable agents that makes the per-agent model hard, and HiGHS solves a day's shape to
  within half a percent in seconds.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.math_opt.python import mathopt

from wfm.schedule.problem import Option, Problem, paid_slots

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
            days_terms = []
            for d in days:
                available = sum(1 for a in members if problem.agents[a].options[d])
                day_vars = []
                for opt in _options(problem, members, d):
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


def lp_bound(problem: Problem) -> float | None:
    """The bound in objective units, or None if GLOP does not finish."""
    result = lp_relaxation(problem)
    return None if result is None else result.value


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


def _options(problem: Problem, members: list[int], d: int) -> list[Option]:
    """The union of the group's options on day ``d`` (leave makes some agents' lists
    shorter)."""
    seen: dict[tuple[str, int], Option] = {}
    for a in members:
        for opt in problem.agents[a].options[d]:
            seen.setdefault((opt.shift, opt.start), opt)
    return list(seen.values())
