"""The LP relaxation bound of the coverage problem (GLOP).

Agents are grouped by site, skills and contract; each group chooses fractional numbers of
shifts per day and option (at most one per agent and day, within the contract's weekly hours
and working days), fractional break positions, and splits its working time over its skills.
Coverage, under- and over-staffing and paid-hour cost are priced as in the roster model;
names, leave, rest, consecutive days, preferences and fairness are relaxed away. Every roster
the CP-SAT model accepts is a solution of this LP with the same or a higher cost, so its
optimum is a lower bound on the roster's objective.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from wfm.schedule.problem import Problem, paid_slots


@dataclass(frozen=True)
class LpResult:
    value: float
    used: dict[tuple, set[tuple[str, int]]]  # (site, skills, contract, day) -> {(shift, start)}


def lp_bound(problem: Problem) -> float | None:
    """The bound in objective units, or None if GLOP does not finish."""
    result = lp_relaxation(problem)
    return None if result is None else result.value


def lp_relaxation(problem: Problem, seconds: float | None = None) -> LpResult | None:
    """Solve the relaxation; also say which shift options each group uses on each day. None
    if GLOP does not reach the optimum (within ``seconds`` of solving, if given)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if seconds is not None:
        solver.SetTimeLimit(max(int(seconds * 1000), 1))
    w = problem.config.weights
    rules = problem.config.rules
    groups: dict[tuple, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        groups[(agent.site, agent.skills, agent.contract_name)].append(a)
    infinity = solver.infinity()
    slot_h = problem.slot_minutes / 60
    shift_vars = []
    work = defaultdict(lambda: defaultdict(list))  # group -> slot -> [(var, coef)]
    objective = []
    for g, members in groups.items():
        n = len(members)
        agent = problem.agents[members[0]]
        c = agent.contract
        full_options = _all_options(problem, members)
        days_terms, hours_terms = [], []
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
            solver.Add(sum(day_vars) <= n)
        if rules.contract_hours == "hard":
            solver.Add(sum(hours_terms) <= n * c.max_hours_week)
            solver.Add(sum(hours_terms) >= n * c.min_hours_week)
        if rules.max_days == "hard":
            solver.Add(sum(days_terms) <= n * c.max_days)
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
    used: dict[tuple, set[tuple[str, int]]] = defaultdict(set)
    for g, d, shift, start, y in shift_vars:
        if y.solution_value() > 1e-6:
            used[(*g, d)].add((shift, start))
    return LpResult(float(solver.Objective().Value()), dict(used))


def _all_options(problem: Problem, members: list[int]):
    """Per day, the union of the group's options (leave makes some agents' lists shorter)."""
    days = []
    for d in range(problem.days):
        seen = {}
        for a in members:
            for opt in problem.agents[a].options[d]:
                seen.setdefault((opt.shift, opt.start), opt)
        days.append(list(seen.values()))
    return days
