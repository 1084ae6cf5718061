"""One agent's best week when each worked slot has a worth: the pricing problem.

The column generation (columns.py) asks it, the worth being the master LP's dual; the
large-neighbourhood search (lns.py) uses ``best_breaks`` to place the breaks of whole-week
neighbourhoods, the worth being what one more agent saves at the slot. The answer is exact:
each option's breaks go where they lose the least worth (break windows of one shift are
independent unless they overlap, when every combination is tried), and the week — one option
or none per day — is a small CP-SAT model, the roster model of that agent alone
(``RosterModel(coverage=False)``), so every hard rule of the contract holds and every soft rule
is priced as in the full model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from wfm.schedule.hint import working_slots
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.problem import AgentSpec, Option, Problem


@dataclass(frozen=True)
class Week:
    days: dict[int, tuple[int, tuple[int, ...]]]  # day -> (option index, break starts)
    own: int  # pay and the agent's soft-rule penalties, scaled by SCALE
    work: tuple[int, ...]  # the slots worked


def best_breaks(opt: Option, worth: np.ndarray) -> tuple[tuple[int, ...], float]:
    """Break starts that lose the least worth, and the worth the shift then works
    (-inf if its breaks cannot be placed without overlapping)."""
    n = len(worth)
    whole = float(worth[opt.start:min(opt.end, n)].sum())
    lost = [[(float(worth[s:min(s + b.length, n)].sum()), s) for s in b.starts]
            for b in opt.breaks]
    spans = sorted((b.starts[0], b.starts[-1] + b.length) for b in opt.breaks)
    if not any(x[1] > y[0] for x, y in itertools.pairwise(spans)):
        picks = [min(options) for options in lost]
    else:  # windows overlap: the least-losing combination whose breaks do not overlap
        picks = None
        for combo in itertools.product(*lost):
            taken = sorted((s, s + b.length) for (_, s), b in zip(combo, opt.breaks,
                                                                   strict=True))
            if any(x[1] > y[0] for x, y in itertools.pairwise(taken)):
                continue
            if picks is None or sum(c[0] for c in combo) < sum(c[0] for c in picks):
                picks = list(combo)
        if picks is None:
            return (), float("-inf")
    return tuple(s for _, s in picks), whole - sum(v for v, _ in picks)


def spec_key(agent: AgentSpec) -> tuple:
    """Agents with the same key are interchangeable in every rule and price."""
    return (agent.site, agent.skills, agent.contract_name,
            tuple(tuple((o.shift, o.start) for o in day) for day in agent.options),
            agent.preferred_shifts, agent.preferred_days_off)


class WeekPricer:
    """The pricing problem of agents like ``spec``; build once, ask many times (not from two
    threads at once)."""

    def __init__(self, problem: Problem, spec: AgentSpec):
        self.spec = spec
        self.n_slots = problem.n_slots
        pinned = replace(spec, options=[
            [replace(o, breaks=tuple(replace(b, starts=b.starts[:1]) for b in o.breaks))
             for o in day] for day in spec.options])
        # each break has one position here: best_breaks places it; pay does not depend on it
        self.model = RosterModel(replace(problem, agents=[pinned]), coverage=False)
        self.banned: set[tuple[int, int]] = set()

    def best(self, worth: np.ndarray, seconds: float = 5.0, seed: int = 0, keep: int = 1
             ) -> tuple[float, list[Week]] | None:
        """Minimise own cost − worth of the slots worked (objective units) over the agent's
        weeks. Returns (a lower bound on that minimum — the minimum itself when proven — and up
        to ``keep`` of the best weeks found, best first), or None if no week keeps the hard
        rules (or none is found in ``seconds``)."""
        model = self.model
        places, keys, coefs = {}, [], []
        for d, day in enumerate(self.spec.options):
            for o, opt in enumerate(day):
                starts, value = best_breaks(opt, worth)
                places[(d, o)] = starts
                if value == float("-inf"):
                    if (d, o) not in self.banned:
                        self.banned.add((d, o))
                        model.m.add(model.x[(0, d, o)] == 0)
                    continue
                keys.append((0, d, o))
                coefs.append(-int(round(SCALE * value)))
        model.minimize([c * model.x[k] for k, c in zip(keys, coefs, strict=True)])
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1
        prm.max_time_in_seconds = max(seconds, 0.05)
        prm.random_seed = seed
        found: list[tuple[frozenset, int]] = []
        x = model.x

        class Keep(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(inner) -> None:
                chosen = frozenset(k for k in keys if inner.boolean_value(x[k]))
                found.append((chosen, int(round(inner.objective_value))))

        status = solver.solve(model.m, Keep())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or not found:
            return None
        worth_of = {k: -c for k, c in zip(keys, coefs, strict=True)}
        weeks = []
        for chosen, objective in reversed(found[-keep:]):
            days = {d: (o, places[(d, o)]) for (_, d, o) in sorted(chosen)}
            weeks.append(Week(days, objective + sum(worth_of[k] for k in chosen),
                              self.work(days)))
        return solver.best_objective_bound / SCALE, weeks

    def work(self, days: dict[int, tuple[int, tuple[int, ...]]]) -> tuple[int, ...]:
        return tuple(t for d, (o, starts) in sorted(days.items())
                     for t in working_slots(self.spec.options[d][o], self.n_slots, starts))
