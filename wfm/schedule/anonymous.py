"""Anonymous shift sizing: how many agents start each shift so every period is covered, at the
least paid cost (the classic set-covering staffing model).

Days are independent here (shifts do not cross midnight), so each day is solved on its own.
Shifts without breaks cover consecutive periods: the coverage matrix has the consecutive-ones
property, hence is totally unimodular, and the simplex (GLOP) returns an integral optimum of
the LP relaxation — which is then optimal for the integer problem, with the LP bound as its
proof. Only when the LP optimum is fractional (other coverage patterns) is the day handed to
CP-SAT, warm-started from the LP solution rounded up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from wfm.schedule.config import Solver
from wfm.schedule.model import configure


@dataclass(frozen=True)
class AnonymousResult:
    status: str
    objective: float
    lp_bound: float
    counts: np.ndarray  # (days, shifts) agents starting each shift
    seconds: float


def shift_matrix(periods: int, lengths: list[int], step: int = 1) -> tuple[np.ndarray, list]:
    """Coverage matrix (shifts × periods) of every shift of the given lengths (in periods)
    starting every ``step`` periods and ending by the end of the day."""
    rows, labels = [], []
    for length in lengths:
        for start in range(0, periods - length + 1, step):
            row = np.zeros(periods, dtype=np.int64)
            row[start:start + length] = 1
            rows.append(row)
            labels.append((start, length))
    return np.array(rows), labels


def _lp_day(cover: np.ndarray, cost: np.ndarray, need: np.ndarray) -> tuple[float, np.ndarray]:
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x = [lp.NumVar(0, lp.infinity(), "") for _ in range(cover.shape[0])]
    for p in np.flatnonzero(need > 0):
        idx = np.flatnonzero(cover[:, p])
        lp.Add(lp.Sum([x[i] for i in idx]) >= float(need[p]))
    lp.Minimize(lp.Sum([float(c) * v for c, v in zip(cost, x, strict=True)]))
    lp.Solve()
    return lp.Objective().Value(), np.array([v.solution_value() for v in x])


def _solve_day(cover, cost, need, settings: Solver, hint: np.ndarray) -> tuple[int, float, list]:
    m = cp_model.CpModel()
    upper = int(need.max()) if need.size else 0
    x = [m.new_int_var(0, upper, f"x{i}") for i in range(cover.shape[0])]
    for p in np.flatnonzero(need > 0):
        idx = np.flatnonzero(cover[:, p])
        m.add(cp_model.LinearExpr.sum([x[i] for i in idx]) >= int(need[p]))
    m.minimize(cp_model.LinearExpr.weighted_sum(x, [int(c) for c in cost]))
    for v, h in zip(x, np.ceil(hint - 1e-9).astype(int), strict=True):
        m.add_hint(v, int(min(h, upper)))
    solver = cp_model.CpSolver()
    configure(solver, settings)
    status = solver.solve(m)
    return status, solver.objective_value, [solver.value(v) for v in x]


def min_cost_shifts(required: np.ndarray, cover: np.ndarray, cost: np.ndarray,
                    settings: Solver | None = None) -> AnonymousResult:
    """``required``: (days, periods) agents; ``cover``: (shifts, periods) 0/1; ``cost`` per
    shift. Minimises total cost subject to coverage ≥ requirement in every period."""
    settings = settings or Solver(time_limit_seconds=60, workers=2, presolve=True)
    t0 = time.perf_counter()
    counts = np.zeros((required.shape[0], cover.shape[0]), dtype=np.int64)
    total = bound = 0.0
    statuses = []
    for d, need in enumerate(np.asarray(required, dtype=np.int64)):
        lp_value, lp_x = _lp_day(cover, cost, need)
        bound += lp_value
        rounded = np.round(lp_x)
        if np.all(np.abs(lp_x - rounded) < 1e-6):  # integral LP optimum: optimal, proven
            status, value, x = cp_model.OPTIMAL, lp_value, rounded.astype(np.int64)
        else:
            status, value, x = _solve_day(cover, cost, need, settings, lp_x)
        statuses.append(status)
        total += value
        counts[d] = x
    status = ("optimal" if all(s == cp_model.OPTIMAL for s in statuses) else
              "feasible" if all(s in (cp_model.OPTIMAL, cp_model.FEASIBLE) for s in statuses)
              else "infeasible")
    return AnonymousResult(status, total, bound, counts, time.perf_counter() - t0)
