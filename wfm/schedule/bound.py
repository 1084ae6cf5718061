"""The LP relaxation bound of the coverage problem (HiGHS, through scipy).

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
whole weeks (columns.py) converges to in about 120 s; that LP solves about as fast as the one
without them.

The LP is built as sparse arrays and solved by HiGHS's interior point method with crossover
to a vertex (``scipy.optimize.linprog``, method ``highs-ipm``), which releases the GIL. Build
and solve, each LP alone (days only; with patterns) on 2 cores of an AMD EPYC at 2.6 GHz,
against GLOP through ``pywraplp``, the solver until then: 150 agents 3.5 s and 3.4 s against
4.8 s and 6.1 s (side by side, as solve.py runs them: 3.7 s and 3.9 s against 6.8 s and
7.3 s); 300 agents on 2 sites 9.9 s and 9.1 s against 21.3 s and 25.6 s; 150 agents on
5-minute slots 21.8 s and 21.4 s against 61.8 s and 68.9 s. HiGHS's simplex took 42-75 s at
150 agents (``method="highs"`` picks it); its IPM without crossover 1.4 s, but not at a
vertex.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

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
    # ``value`` is at most this below the LP's optimum (``TIE_BREAK``), and a lower bound
    slack: float = 0.0


def lp_bound(problem: Problem) -> float | None:
    """The bound in objective units, or None if HiGHS does not finish."""
    result = lp_relaxation(problem)
    return None if result is None else result.value


def lp_relaxation(problem: Problem, seconds: float | None = None, weeks: bool = True
                  ) -> LpResult | None:
    """Solve the relaxation; also say which shift options each group uses on each day. None
    if HiGHS does not reach the optimum (within ``seconds`` of solving, if given). With
    ``weeks=False`` the work/off patterns are left out (working days only counted): a weaker
    bound, solved faster, whose shift options guide the search better (see solve.py)."""
    lp = _Lp()
    ties = np.random.default_rng(0)  # the same LP, and answer, for the same problem
    w = problem.config.weights
    rules = problem.config.rules
    groups = lp_groups(problem)
    slot_h = problem.slot_minutes / 60
    available = {g: [sum(bool(problem.agents[a].options[d]) for a in members)
                     for d in range(problem.days)] for g, members in groups.items()}
    shift_vars = []  # (group, day, shift, start, column)
    pattern_vars = []  # (group, pattern, column)
    work = defaultdict(lambda: defaultdict(list))  # group -> slot -> [(column, coef)]
    for g, members in groups.items():
        n = len(members)
        agent = problem.agents[members[0]]
        c = agent.contract
        full_options = group_options(problem, members)
        hours, working = [], []  # [(column, paid hours)]; per day, its shift columns
        for d, options in enumerate(full_options):
            day = []
            for opt in options:
                paid = paid_slots(opt) * slot_h
                y = lp.var(n, w.paid_hour_cost * c.cost_per_hour * paid
                           + (TIE_BREAK * ties.random() if weeks else 0.0))
                shift_vars.append((g, d, opt.shift, opt.start, y))
                day.append(y)
                hours.append((y, paid))
                for t in range(opt.start, min(opt.end, problem.n_slots)):
                    work[g][t].append((y, 1))
                for brk in opt.breaks:
                    places = lp.vars(len(brk.starts), n)
                    lp.row([(v, 1) for v in places] + [(y, -1)], 0, 0)
                    for v, s in zip(places, brk.starts, strict=True):
                        for t in range(s, min(s + brk.length, problem.n_slots)):
                            work[g][t].append((v, -1))
            working.append(day)
        if rules.contract_hours == "hard":
            lp.row(hours, n * c.min_hours_week, n * c.max_hours_week)
        patterns = day_patterns(problem, c, day_hours(full_options, slot_h)) if weeks \
            else None
        if patterns is None:  # the working days counted only
            for d, day in enumerate(working):
                lp.row([(y, 1) for y in day], hi=available[g][d])
            if rules.max_days == "hard":
                lp.row([(y, 1) for day in working for y in day], hi=n * c.max_days)
            continue
        xs = [lp.var(n, cost) for _, cost in patterns]
        pattern_vars += [(g, pattern, x) for x, (pattern, _) in zip(xs, patterns, strict=True)]
        lp.row([(x, 1) for x in xs], n, n)
        for d, day in enumerate(working):
            on = [(x, 1) for x, (pattern, _) in zip(xs, patterns, strict=True) if pattern[d]]
            lp.row(on + [(y, -1) for y in day], 0, 0)
            if on:
                lp.row(on, hi=available[g][d])
    supply = defaultdict(list)  # (site, skill, t) -> allocation columns
    for g, slots in work.items():
        site, skills, _ = g
        if not skills:
            continue
        for t, terms in slots.items():
            allocs = lp.vars(len(skills))
            lp.row([(v, 1) for v in allocs] + [(v, -coef) for v, coef in terms], 0, 0)
            for k, v in zip(skills, allocs, strict=True):
                supply[(site, k, t)].append(v)
    hard = rules.coverage == "hard"
    for (site, skill), need in problem.demand.items():
        for t in range(problem.n_slots):
            terms = supply.get((site, skill, t), [])
            if need[t] == 0 and not terms:
                continue
            u = lp.var(0 if hard else math.inf, w.understaffed_minute * problem.slot_minutes)
            o = lp.var(math.inf, w.overstaffed_minute * problem.slot_minutes)
            lp.row([(v, 1) for v in terms] + [(u, 1), (o, -1)], float(need[t]),
                   float(need[t]))
    solved = lp.solve(seconds)
    if solved is None:
        return None
    # the tie-breaking costs add at most TIE_BREAK per agent-day worked to the optimum
    slack = TIE_BREAK * sum(sum(days) for days in available.values()) if weeks else 0.0
    value, x = solved[0] - slack, solved[1]
    used: dict[tuple, dict[tuple[str, int], float]] = defaultdict(dict)
    for g, d, shift, start, y in shift_vars:
        if x[y] > USED:
            used[(*g, d)][(shift, start)] = float(x[y])
    weeks_used: dict[tuple, list] = defaultdict(list)
    for g, pattern, col in pattern_vars:
        if x[col] > USED:
            weeks_used[g].append((pattern, float(x[col])))
    return LpResult(value, dict(used), dict(weeks_used), slack)


# A shift option or pattern counts as used by the LP above this (fractional) number of agents.
USED = 1e-6
# In the LP with patterns, each shift option's cost is raised by a random amount below this
# (per agent on it), so that one vertex of the optimal face is optimal: the interior point
# method's crossover otherwise ends at a vertex near the face's centre, which spreads each
# group over many options. The value reported takes the most these can add off again
# (TIE_BREAK per agent-day available, ``LpResult.slack``), so it stays a lower bound; below
# 1/SCALE up to 10,000 agent-days, so a roster within the slack of it is optimal. On the
# 150-agent benchmark that LP then uses 211 shift options (group and day) instead of 393
# (GLOP's vertex: 291), at 50 agents 186 instead of 372. The first roster is rounded from it
# (rounding.py): at 50 agents (at 1e-5) 151 agent-slots off the LP's working level instead of
# 448 (GLOP's vertex: 230), costing 27,142 instead of 47,228 (GLOP's: 34,018).
# The days-only LP, whose options guide the search, keeps the spread vertex: 60 s runs, seeds
# 1-2, with the tie-breaking in both LPs / the LP with patterns only / neither:
#   150 agents  17,679 / 17,679  |  17,281 / 17,615  |  17,446 / 17,281
#    50 agents   6,311 /  6,281  |   6,247 /  6,247  |   6,978 /  6,978
#    25 agents   6,012 /  5,423  |   5,187 /  5,157  |   5,187 /  6,342
# (GLOP's vertices, the code before HiGHS: 17,341 / 17,240, 6,247 / 6,311, 4,291 / 4,591).
TIE_BREAK = 1e-6


class _Lp:
    """A linear programme built as sparse arrays, for ``scipy.optimize.linprog``: columns
    with a cost and an upper bound (the lower bound is 0), rows as (column, coefficient)
    lists between ``lo`` and ``hi``."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.coefs: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def var(self, upper: float = math.inf, cost: float = 0.0) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        return len(self.cost) - 1

    def vars(self, count: int, upper: float = math.inf) -> range:
        first = len(self.cost)
        self.cost += [0.0] * count
        self.upper += [upper] * count
        return range(first, first + count)

    def row(self, terms: list[tuple[int, float]], lo: float = -math.inf,
            hi: float = math.inf) -> None:
        i = len(self.lo)
        self.rows += [i] * len(terms)
        self.cols += [c for c, _ in terms]
        self.coefs += [a for _, a in terms]
        self.lo.append(lo)
        self.hi.append(hi)

    def solve(self, seconds: float | None) -> tuple[float, np.ndarray] | None:
        """(optimum, solution) by HiGHS's interior point method with crossover to a vertex,
        or None if it does not reach the optimum (in ``seconds``, if given)."""
        a = sp.csr_array((self.coefs, (self.rows, self.cols)),
                         shape=(len(self.lo), len(self.cost)))
        lo, hi = np.array(self.lo), np.array(self.hi)
        eq = lo == hi
        le = ~eq & np.isfinite(hi)
        ge = ~eq & np.isfinite(lo)
        options = {} if seconds is None else {"time_limit": max(seconds, 0.001)}
        result = linprog(np.array(self.cost), A_ub=sp.vstack([a[le], -a[ge]]),
                         b_ub=np.concatenate([hi[le], -lo[ge]]), A_eq=a[eq], b_eq=lo[eq],
                         bounds=np.column_stack([np.zeros(len(self.cost)), self.upper]),
                         method="highs-ipm", options=options)
        if result.status != 0:
            return None
        return float(result.fun), result.x


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
