"""The LP relaxation bound of the coverage problem (GLOP).

Agents are grouped by site, skills and contract. Each group chooses how many of its agents
work each work/off pattern of the week (``day_patterns``: every pattern the contract's hard
day rules allow — working days, consecutive days, the run of days off, hours the days can add
up to — priced with the soft ones broken and with weekend pairs) and, on each day, fractional
numbers of shifts per option adding up to the agents the patterns put to work, within the
days' available agents and the group's weekly hours; fractional break positions; and splits
its working time over its skills. Coverage, under- and over-staffing and paid-hour cost are
priced as in the roster model; names, each agent's own hours, partial-day leave, rest and
preferences are relaxed away. Every roster the CP-SAT model accepts is a solution of this LP
with the same or a higher cost, so its optimum is a lower bound on the roster's objective.

The patterns are what make the bound honest for a week: on the 150-agent benchmark they lift
it from 15,585 (days only counted, ``weeks=False``) to 16,817, the value column generation over
whole weeks (columns.py) converges to in about 120 s, for 4.6 s of GLOP against 3.3 s.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

from wfm.schedule.config import Contract
from wfm.schedule.problem import Problem, paid_slots


@dataclass(frozen=True)
class LpResult:
    value: float
    # (site, skills, contract, day) -> {(shift, start): the LP's (fractional) shifts of it}
    used: dict[tuple, dict[tuple[str, int], float]]
    # (site, skills, contract) -> [(work/off pattern, agents on it)], the LP's fractional
    # counts (none with ``weeks=False`` or a horizon too long for patterns)
    weeks: dict[tuple, list[tuple[tuple[bool, ...], float]]] = field(default_factory=dict)


def lp_bound(problem: Problem) -> float | None:
    """The bound in objective units, or None if GLOP does not finish."""
    result = lp_relaxation(problem)
    return None if result is None else result.value


def lp_relaxation(problem: Problem, seconds: float | None = None, weeks: bool = True
                  ) -> LpResult | None:
    """Solve the relaxation; also say which shift options each group uses on each day. None
    if GLOP does not reach the optimum (within ``seconds`` of solving, if given). With
    ``weeks=False`` the work/off patterns are left out (working days only counted): a weaker
    bound, solved faster, whose shift options guide the search better (see solve.py)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if seconds is not None:
        solver.SetTimeLimit(max(int(seconds * 1000), 1))
    w = problem.config.weights
    rules = problem.config.rules
    groups = lp_groups(problem)
    infinity = solver.infinity()
    slot_h = problem.slot_minutes / 60
    available = {g: [sum(bool(problem.agents[a].options[d]) for a in members)
                     for d in range(problem.days)] for g, members in groups.items()}
    shift_vars = []
    pattern_vars = []  # (group, pattern, var)
    work = defaultdict(lambda: defaultdict(list))  # group -> slot -> [(var, coef)]
    objective = []
    for g, members in groups.items():
        n = len(members)
        agent = problem.agents[members[0]]
        c = agent.contract
        full_options = group_options(problem, members)
        days_terms, hours_terms, working = [], [], []
        for d, options in enumerate(full_options):
            day_vars = []
            for opt in options:
                y = solver.NumVar(0, n, "")
                shift_vars.append((g, d, opt.shift, opt.start, y))
                day_vars.append(y)
                days_terms.append(y)
                hours_terms.append(paid_slots(opt) * slot_h * y)
                objective.append(w.paid_hour_cost * c.cost_per_hour * paid_slots(opt) * slot_h
                                 * y)
                for t in range(opt.start, min(opt.end, problem.n_slots)):
                    work[g][t].append((y, 1))
                for brk in opt.breaks:
                    places = [solver.NumVar(0, n, "") for _ in brk.starts]
                    solver.Add(sum(places) == y)
                    for v, s in zip(places, brk.starts, strict=True):
                        for t in range(s, min(s + brk.length, problem.n_slots)):
                            work[g][t].append((v, -1))
            working.append(sum(day_vars))
        if rules.contract_hours == "hard":
            solver.Add(sum(hours_terms) <= n * c.max_hours_week)
            solver.Add(sum(hours_terms) >= n * c.min_hours_week)
        patterns = day_patterns(problem, c, day_hours(full_options, slot_h)) if weeks \
            else None
        if patterns is None:  # the working days counted only
            for d, day in enumerate(working):
                solver.Add(day <= available[g][d])
            if rules.max_days == "hard":
                solver.Add(sum(days_terms) <= n * c.max_days)
            continue
        xs = [solver.NumVar(0, n, "") for _ in patterns]
        pattern_vars += [(g, pattern, x) for x, (pattern, _) in zip(xs, patterns, strict=True)]
        solver.Add(sum(xs) == n)
        for x, (_, cost) in zip(xs, patterns, strict=True):
            if cost:
                objective.append(cost * x)
        for d, day in enumerate(working):
            on = [x for x, (pattern, _) in zip(xs, patterns, strict=True) if pattern[d]]
            solver.Add(sum(on, start=-day) == 0)
            if on:
                solver.Add(sum(on) <= available[g][d])
    supply = defaultdict(list)  # (site, skill, t) -> allocation vars
    for g, slots in work.items():
        site, skills, _ = g
        for t, terms in slots.items():
            if not skills:
                continue
            allocs = [solver.NumVar(0, infinity, "") for _ in skills]
            solver.Add(sum(allocs) == sum(coef * v for v, coef in terms))
            for k, v in zip(skills, allocs, strict=True):
                supply[(site, k, t)].append(v)
    for (site, skill), need in problem.demand.items():
        for t in range(problem.n_slots):
            terms = supply.get((site, skill, t), [])
            if need[t] == 0 and not terms:
                continue
            u = solver.NumVar(0, infinity, "")
            o = solver.NumVar(0, infinity, "")
            solver.Add(sum(terms) + u - o == float(need[t]))
            if rules.coverage == "hard":
                solver.Add(u == 0)
            objective.append(w.understaffed_minute * problem.slot_minutes * u)
            objective.append(w.overstaffed_minute * problem.slot_minutes * o)
    solver.Minimize(sum(objective))
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    used: dict[tuple, dict[tuple[str, int], float]] = defaultdict(dict)
    for g, d, shift, start, y in shift_vars:
        if y.solution_value() > 1e-6:
            used[(*g, d)][(shift, start)] = y.solution_value()
    weeks: dict[tuple, list] = defaultdict(list)
    for g, pattern, x in pattern_vars:
        if x.solution_value() > 1e-6:
            weeks[g].append((pattern, x.solution_value()))
    return LpResult(float(solver.Objective().Value()), dict(used), dict(weeks))


def lp_groups(problem: Problem) -> dict[tuple, list[int]]:
    """The LP's groups of agents: (site, skills, contract) -> agent indices (the keys of
    ``LpResult.used`` less the day, and of ``LpResult.weeks``)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        groups[(agent.site, agent.skills, agent.contract_name)].append(a)
    return groups


# Weeks are listed when the horizon has at most this many days (2**10 work/off patterns).
MAX_PATTERN_DAYS = 10


def day_patterns(problem: Problem, c: Contract, hours: list[tuple[float, float]]
                 ) -> list[tuple[tuple[bool, ...], float]] | None:
    """Every work/off pattern over the horizon that an agent of contract ``c`` may work,
    with what the roster model charges for it alone: the day rules made soft (working days,
    consecutive days, the run of days off) and weekend pairs, in objective units. A pattern
    breaking a hard rule is left out, as is one whose days cannot add up to the contract's
    hours when they are hard (``hours``: the least and most paid hours of a worked day). None
    when the horizon is longer than ``MAX_PATTERN_DAYS``."""
    days = problem.days
    if days > MAX_PATTERN_DAYS:
        return None
    rules, w = problem.config.rules, problem.config.weights
    day_rule = w.contract_hour * 8  # the model's price of a day rule broken by one day
    span = c.max_consecutive_days + 1
    k = c.min_consecutive_days_off
    saturdays = [d for d in range(days - 1) if (problem.start.weekday() + d) % 7 == 5]
    out = []
    for pattern in itertools.product((False, True), repeat=days):
        cost = 0.0
        worked = sum(pattern)
        checks = [(rules.max_days, max(worked - c.max_days, 0))]
        checks += [(rules.max_consecutive_days,
                    max(sum(pattern[d0:d0 + span]) - c.max_consecutive_days, 0))
                   for d0 in range(days - span + 1)]
        if 1 < k <= days:
            runs = any(not any(pattern[d0:d0 + k]) for d0 in range(days - k + 1))
            checks.append((rules.consecutive_days_off, int(not runs)))
        if any(kind == "hard" and excess for kind, excess in checks):
            continue
        cost += sum(excess for _, excess in checks) * day_rule
        if rules.contract_hours == "hard":
            lo = sum(h[0] for h, on in zip(hours, pattern, strict=True) if on)
            hi = sum(h[1] for h, on in zip(hours, pattern, strict=True) if on)
            if hi < c.min_hours_week - 1e-9 or lo > c.max_hours_week + 1e-9:
                continue
        cost += w.weekend_pair * sum(pattern[d] and pattern[d + 1] for d in saturdays)
        out.append((pattern, cost))
    return out


def day_hours(full_options, slot_h: float) -> list[tuple[float, float]]:
    """Per day, the least and most paid hours of a worked day (0, 0 when none can be)."""
    return [(min(paid_slots(o) for o in day) * slot_h, max(paid_slots(o) for o in day) * slot_h)
            if day else (0.0, 0.0) for day in full_options]


def group_options(problem: Problem, members: list[int]):
    """Per day, the union of the group's options (leave makes some agents' lists shorter)."""
    days = []
    for d in range(problem.days):
        seen = {}
        for a in members:
            for opt in problem.agents[a].options[d]:
                seen.setdefault((opt.shift, opt.start), opt)
        days.append(list(seen.values()))
    return days
