"""Column generation over weekly patterns: a lower bound that knows each agent's whole week.

The LP bound (bound.py) knows each group's work/off patterns but relaxes the rest of an
agent's week away: fractional shifts, no rest rule, the group's hours instead of each agent's,
no preferences. Here a *column* is one agent's whole week — a shift option (or
nothing) per day, with its breaks placed — that satisfies every hard rule of the agent's
contract and carries its pay and soft-rule penalties. Agents with the same site, skills,
contract, options and preferences form a class; the master LP chooses how many of a class
work each pattern, splits the working time of blended groups over their skills and prices
under- and over-staffing per slot as the roster model does.

* **Pricing.** Given the master's duals, a class's best new pattern is a small CP-SAT model
  (the roster model of one agent, ``RosterModel(coverage=False)``), each day's options worth
  the duals of the slots they work, each break where the duals are lowest.
* **Bound.** At any duals, the coverage rows' right-hand sides times their duals plus each
  class's head count times its least own cost − worth is a lower bound on every roster (the
  Lagrangian bound), because the pricing is solved exactly over all of the class's weeks. At
  convergence it is the master's LP optimum, never below the LP bound (less the pricing's
  rounding, 1/200 per agent-day). Above it where rest, an agent's own hours, partial-day leave
  or preferences bind; on the benchmark rosters (25-150 agents) the two are equal, the LP in
  3-4 s and this in 70-120 s.
* **No roster from it.** Rounding the master's solution and repairing it by the LNS was
  measured worse than the LNS alone, and CP-SAT and HiGHS found no good integer master in
  30 s; ``wfm schedule`` uses this module for the bound only (``--pattern-bound``).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp

from wfm.schedule.model import SCALE
from wfm.schedule.pricing import Week, WeekPricer, spec_key
from wfm.schedule.problem import AgentSpec, Problem


@dataclass(frozen=True)
class Pattern:
    """One agent's week: per day None (off) or (option index, break start slots)."""

    days: tuple[tuple[int, tuple[int, ...]] | None, ...]
    cost: float  # pay and the agent's soft-rule penalties, objective units
    work: tuple[int, ...]  # the slots worked


@dataclass
class AgentClass:
    members: list[int]
    spec: AgentSpec
    group: tuple[str, tuple[str, ...]]  # (site, skills)
    patterns: list[Pattern] = field(default_factory=list)
    pricer: WeekPricer | None = None  # built on first use
    known: set = field(default_factory=set)  # the patterns' days, to skip repeats


@dataclass
class ColumnResult:
    bound: float | None  # the best Lagrangian bound, objective units (None if never priced)
    lp_value: float  # the last master LP value (≥ the pattern LP's optimum)
    iterations: int
    columns: int
    converged: bool  # no pattern with a negative reduced cost is left: bound = LP optimum
    seconds: float
    history: list[tuple[float, float, float | None]]  # (seconds, master value, bound)


def agent_classes(problem: Problem) -> list[AgentClass]:
    """Agents who are interchangeable in every rule and price."""
    by_key: dict[tuple, AgentClass] = {}
    for a, agent in enumerate(problem.agents):
        key = spec_key(agent)
        if key in by_key:
            by_key[key].members.append(a)
        else:
            by_key[key] = AgentClass([a], agent, (agent.site, agent.skills))
    return list(by_key.values())


class ColumnGeneration:
    def __init__(self, problem: Problem, workers: int = 2, seed: int = 0):
        self.p = problem
        self.workers = max(1, workers)
        self.seed = seed
        self.classes = agent_classes(problem)
        w = problem.config.weights
        self.c_under = w.understaffed_minute * problem.slot_minutes
        self.c_over = w.overstaffed_minute * problem.slot_minutes
        self.groups = sorted({c.group for c in self.classes if c.group[1]})
        self._build_master()

    # ------------------------------------------------------------------ the master LP
    def _build_master(self) -> None:
        p = self.p
        s = pywraplp.Solver.CreateSolver("GLOP")
        self.lp = s
        self.objective = s.Objective()
        self.cover: dict[tuple[str, str, int], pywraplp.Constraint] = {}
        for (site, skill), need in p.demand.items():
            for t in range(p.n_slots):
                row = s.Constraint(float(need[t]), float(need[t]))
                u, o = s.NumVar(0, s.infinity(), ""), s.NumVar(0, s.infinity(), "")
                row.SetCoefficient(u, 1)
                row.SetCoefficient(o, -1)
                self.objective.SetCoefficient(u, self.c_under)
                self.objective.SetCoefficient(o, self.c_over)
                self.cover[(site, skill, t)] = row
        # blended groups: the group's working agents per slot, split over its skills
        self.flow: dict[tuple, pywraplp.Constraint] = {}
        for site, skills in self.groups:
            if len(skills) < 2:
                continue
            for t in range(p.n_slots):
                row = s.Constraint(0, 0)
                for k in skills:
                    x = s.NumVar(0, s.infinity(), "")
                    row.SetCoefficient(x, 1)
                    self.cover[(site, k, t)].SetCoefficient(x, 1)
                self.flow[(site, skills, t)] = row
        self.convex = []
        self.vars: list[list[pywraplp.Variable]] = []
        for c in self.classes:
            row = s.Constraint(len(c.members), len(c.members))
            # an artificial pattern keeps the master feasible before real ones exist
            art = s.NumVar(0, s.infinity(), "")
            row.SetCoefficient(art, 1)
            self.objective.SetCoefficient(art, 1e6)
            self.convex.append(row)
            self.vars.append([])
        self.objective.SetMinimization()

    def _rows(self, c: AgentClass) -> list[tuple[pywraplp.Constraint, float] | None]:
        """Per slot, the row a worked slot of class ``c`` enters and its coefficient."""
        site, skills = c.group
        if not skills:
            return [None] * self.p.n_slots
        if len(skills) == 1:
            return [(self.cover[(site, skills[0], t)], 1.0) for t in range(self.p.n_slots)]
        return [(self.flow[(site, skills, t)], -1.0) for t in range(self.p.n_slots)]

    def add(self, i: int, pattern: Pattern) -> bool:
        c = self.classes[i]
        if pattern.days in c.known:
            return False
        c.known.add(pattern.days)
        var = self.lp.NumVar(0, self.lp.infinity(), "")
        self.convex[i].SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, pattern.cost)
        rows = self._rows(c)
        for t in pattern.work:
            if rows[t] is not None:
                rows[t][0].SetCoefficient(var, rows[t][1])
        c.patterns.append(pattern)
        self.vars[i].append(var)
        return True

    def duals(self) -> dict[tuple, np.ndarray]:
        """The master's duals per row family: (site, skill) coverage, (site, skills) flow."""
        n = self.p.n_slots
        out = {key: np.array([self.cover[(*key, t)].dual_value() for t in range(n)])
               for key in self.p.demand}
        for site, skills in self.groups:
            if len(skills) > 1:
                out[(site, skills)] = np.array([self.flow[(site, skills, t)].dual_value()
                                                for t in range(n)])
        return out

    def worth(self, c: AgentClass, duals: dict[tuple, np.ndarray]) -> np.ndarray:
        """What a slot worked by class ``c`` is worth at ``duals``."""
        site, skills = c.group
        if not skills:
            return np.zeros(self.p.n_slots)
        if len(skills) == 1:
            return duals[(site, skills[0])]
        return -duals[(site, skills)]

    def price(self, i: int, worth: np.ndarray, seconds: float) -> tuple[float, list[Pattern]]:
        """(a lower bound on class ``i``'s least own cost − worth, the patterns found)."""
        c = self.classes[i]
        if c.pricer is None:
            c.pricer = WeekPricer(self.p, c.spec)
        found = c.pricer.best(worth, seconds, self.seed, keep=3)
        if found is None:  # no week keeps the hard rules: nothing to bound with
            return float("-inf"), []
        least, weeks = found
        return least, [self._pattern(c, week) for week in weeks]

    def _pattern(self, c: AgentClass, week: Week) -> Pattern:
        return Pattern(tuple(week.days.get(d) for d in range(self.p.days)), week.own / SCALE,
                       week.work)

    # ------------------------------------------------------------------ the loop
    def run(self, deadline: float, smoothing: float = 0.5) -> ColumnResult:
        """Generate columns until no class has a negative reduced cost or ``deadline``.

        Duals are smoothed (Wentges): patterns are priced at ``smoothing`` × the duals of the
        best bound so far + the rest × the master's, which damps the zig-zag of plain column
        generation; a round that finds nothing at the smoothed duals is repeated at the
        master's own, and only a round at the master's own duals that finds nothing proves
        convergence."""
        t0 = time.perf_counter()
        history: list[tuple[float, float, float | None]] = []
        bound, center, iterations, converged = None, None, 0, False
        value = float("inf")
        alpha = 0.0
        margin = 0.5 / SCALE * self.p.days * len(self.p.agents)  # pricing rounds its worths
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while time.perf_counter() < deadline:
                if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                    break
                iterations += 1
                value = self.objective.Value()
                here = self.duals()
                mu = [row.dual_value() for row in self.convex]
                a = alpha if center is not None else 0.0
                at = here if a == 0 else {k: a * center[k] + (1 - a) * here[k] for k in here}
                left = deadline - time.perf_counter()
                jobs = [pool.submit(self.price, i, self.worth(c, at), min(left, 5.0))
                        for i, c in enumerate(self.classes)]
                results = [job.result() for job in jobs]
                lagrange = sum(float(need @ at[key]) for key, need in self.p.demand.items()) \
                    + sum(len(c.members) * least for c, (least, _)
                          in zip(self.classes, results, strict=True)) - margin
                if math.isfinite(lagrange) and (bound is None or lagrange > bound):
                    bound, center = lagrange, at
                history.append((time.perf_counter() - t0, value, bound))
                new = 0
                for i, (c, (_, patterns)) in enumerate(zip(self.classes, results, strict=True)):
                    worth = self.worth(c, here)
                    for pattern in patterns:
                        if pattern.cost - float(worth[list(pattern.work)].sum()) - mu[i] < -1e-6:
                            new += self.add(i, pattern)
                if new:
                    alpha = smoothing
                elif a == 0:
                    converged = True
                    break
                else:
                    alpha = 0.0  # mispriced: the next round prices at the master's duals
        columns = sum(len(c.patterns) for c in self.classes)
        return ColumnResult(bound, value, iterations, columns, converged,
                            time.perf_counter() - t0, history)
