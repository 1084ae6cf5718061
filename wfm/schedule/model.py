"""The CP-SAT roster model (the idiom of or-tools' ``shift_scheduling_sat.py``).

* one boolean per agent × day × shift option (template × start time); choosing none is "off";
* one boolean per break position of each option, exactly one per break when the option is
  chosen: breaks and lunch are placed inside the same solve, so they move to where coverage
  has slack instead of breaking a schedule that has none;
* ``work[a, t]`` = shift covers t − a break covers t; a multi-skilled agent's working slot
  counts towards exactly one of its skills (``alloc[a, t, k]``), chosen where it is needed;
* coverage per site × skill × slot with under- and over-staffing variables;
* contracts (weekly hours, working days, consecutive days, rest between shifts), hard or soft;
  preferences and weekend fairness soft. Every soft rule is a named penalty term, so the report
  can list each violation.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from wfm.schedule.config import Solver
from wfm.schedule.problem import Option, Problem, paid_slots

SCALE = 100  # objective coefficients carry two decimals


@dataclass
class Penalty:
    """A soft-rule term: ``coef × var`` in the objective (``coef`` already scaled)."""

    rule: str
    subject: str
    var: cp_model.IntVar
    coef: int
    unit: str
    agent: int | None = None  # the agent the term belongs to; None for coverage


@dataclass
class Progress:
    points: list[tuple[float, float, float]] = field(default_factory=list)  # (s, obj, bound)


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, on_solution=None, t0: float | None = None):
        super().__init__()
        self.progress, self.on_solution = progress, on_solution
        self.t0 = time.perf_counter() if t0 is None else t0

    def on_solution_callback(self) -> None:
        point = (time.perf_counter() - self.t0, self.objective_value / SCALE,
                 self.best_objective_bound / SCALE)
        self.progress.points.append(point)
        if self.on_solution:
            self.on_solution(*point)


def configure(solver: cp_model.CpSolver, settings: Solver) -> None:
    """Copy the solver settings onto ``solver.parameters`` — the one place they are set
    (a peer sets the worker count on the solver object, where it is silently ignored)."""
    p = solver.parameters
    p.max_time_in_seconds = float(settings.time_limit_seconds)
    p.num_workers = int(settings.workers)
    p.random_seed = int(settings.seed)
    p.relative_gap_limit = float(settings.relative_gap)
    p.cp_model_presolve = bool(settings.presolve)
    p.log_search_progress = bool(settings.log)


class RosterModel:
    """The roster model. With ``guarded=True`` every hard rule of every agent (and coverage of
    every site, skill and day) is enforced only under its own literal in ``guards``, so an
    infeasible model can be explained by a conflicting set of those literals."""

    def __init__(self, problem: Problem, guarded: bool = False,
                 fixed: dict[tuple[str, str], np.ndarray] | None = None,
                 forced: frozenset[tuple[int, int]] = frozenset(),
                 frozen: frozenset[tuple[int, int]] = frozenset(), coverage: bool = True,
                 breaks: bool = True):
        self.p = problem
        # ``coverage=False``: shifts, breaks and every agent's own rules only — no working
        # slots, skills or coverage (a caller adds its own objective for what to cover).
        self.with_coverage = coverage
        # ``breaks=False`` (with ``coverage=False`` only): no break positions either; a caller
        # places the breaks itself (grouped.py counts them per group of like agents).
        self.with_breaks = breaks or coverage
        # ``fixed``: agents per (site, skill) and slot supplied by agents outside this model
        # (a neighbourhood of the LNS); coverage counts them, and slots no agent of this model
        # can touch are left out. ``forced``: (agent, day) pairs that must be worked.
        self.fixed = fixed
        self.forced = forced
        # ``frozen``: (agent, slot) pairs whose work is already counted in ``fixed`` (days an
        # LNS neighbourhood keeps): no skill choice and no coverage term for them.
        self.frozen = frozen
        self.m = cp_model.CpModel()
        self.guarded = guarded
        self.guards: dict[tuple[str, str], cp_model.IntVar] = {}
        self.off_runs: dict[tuple[int, int], cp_model.IntVar] = {}  # (agent, first day off)
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.brk: dict[tuple[int, int, int, int, int], cp_model.IntVar] = {}
        self.work: dict[tuple[int, int], cp_model.IntVar] = {}
        self.alloc: dict[tuple[int, int, str], cp_model.IntVar] = {}
        self.under: dict[tuple[str, str, int], cp_model.IntVar] = {}
        self.over: dict[tuple[str, str, int], cp_model.IntVar] = {}
        self.works_day: dict[tuple[int, int], cp_model.LinearExpr] = {}
        self.penalties: list[Penalty] = []
        self.cost_terms: list[tuple[cp_model.IntVar, int, int]] = []  # (var, coef, agent)
        # Variables that follow from an agent's shifts (penalties, runs of days off), with how:
        # (var, agent, value given the agent's {day: option}); for complete hints.
        self.derived: list[tuple[cp_model.IntVar, int, Callable[[dict[int, Option]], int]]] = []
        self._build()

    # ------------------------------------------------------------------ building blocks
    def _build(self) -> None:
        for a, agent in enumerate(self.p.agents):
            self._agent_shifts(a, agent)
            if self.with_coverage:
                self._agent_skills(a, agent)
            self._contracts(a, agent)
            self._preferences(a, agent)
        if self.with_coverage:
            self._coverage()
        self.minimize()

    def _agent_shifts(self, a: int, agent) -> None:
        m = self.m
        cover: dict[int, list] = defaultdict(list)
        for d, options in enumerate(agent.options):
            chosen = []
            for o, opt in enumerate(options):
                x = m.new_bool_var(f"shift[{agent.agent_id},{d},{opt.shift}@{opt.start}]")
                self.x[(a, d, o)] = x
                chosen.append(x)
                for t in range(opt.start, min(opt.end, self.p.n_slots)):
                    cover[t].append((x, 1))
                for b, brk in enumerate(opt.breaks if self.with_breaks else ()):
                    places = []
                    for k, s in enumerate(brk.starts):
                        v = m.new_bool_var(f"break[{agent.agent_id},{d},{o},{brk.name}@{s}]")
                        self.brk[(a, d, o, b, k)] = v
                        places.append(v)
                        for t in range(s, min(s + brk.length, self.p.n_slots)):
                            cover[t].append((v, -1))
                    m.add(sum(places) == x)  # exactly one position when the shift is worked
                cost = int(round(SCALE * self.p.config.weights.paid_hour_cost
                                 * agent.contract.cost_per_hour * paid_slots(opt)
                                 * self.p.slot_minutes / 60))
                if cost:
                    self.cost_terms.append((x, cost, a))
            if (a, d) in self.forced:
                m.add_exactly_one(chosen)
            else:
                m.add_at_most_one(chosen)
            self.works_day[(a, d)] = sum(chosen) if chosen else 0
        if not self.with_coverage:  # overlaps are forbidden pairwise in _contracts instead
            return
        for t, terms in cover.items():
            w = m.new_bool_var(f"work[{agent.agent_id},{t}]")
            m.add(w == sum(c * v for v, c in terms))  # also forbids overlapping shifts
            self.work[(a, t)] = w

    def _agent_skills(self, a: int, agent) -> None:
        if len(agent.skills) <= 1:
            return
        for t in [t for (aa, t) in self.work if aa == a and (a, t) not in self.frozen]:
            parts = []
            for k in agent.skills:
                v = self.m.new_bool_var(f"alloc[{agent.agent_id},{t},{k}]")
                self.alloc[(a, t, k)] = v
                parts.append(v)
            self.m.add(sum(parts) == self.work[(a, t)])

    def _contribution(self, a: int, t: int, skill: str):
        agent = self.p.agents[a]
        if skill not in agent.skills or (a, t) not in self.work or (a, t) in self.frozen:
            return None
        return self.alloc[(a, t, skill)] if len(agent.skills) > 1 else self.work[(a, t)]

    def _coverage(self) -> None:
        rules = self.p.config.rules
        w = self.p.config.weights
        by_site: dict[str, list[int]] = defaultdict(list)
        for a, agent in enumerate(self.p.agents):
            by_site[agent.site].append(a)
        for (site, skill), need in self.p.demand.items():
            others = self.fixed.get((site, skill)) if self.fixed is not None else None
            for t in range(self.p.n_slots):
                terms = [c for a in by_site[site]
                         if (c := self._contribution(a, t, skill)) is not None]
                req = int(need[t]) - (int(others[t]) if others is not None else 0)
                if not terms and (req == 0 or self.fixed is not None):
                    continue
                u = self.m.new_int_var(0, max(req, 0), f"under[{site},{skill},{t}]")
                o = self.m.new_int_var(0, len(terms) + max(-req, 0), f"over[{site},{skill},{t}]")
                self.m.add(sum(terms) + u - o == req)
                self.under[(site, skill, t)], self.over[(site, skill, t)] = u, o
                if rules.coverage == "hard":
                    day = (self.p.start + pd.Timedelta(minutes=t * self.p.slot_minutes)).date()
                    self._guard(self.m.add(u == 0), "coverage", f"{site}/{skill} on {day}")
                per_slot = self.p.slot_minutes
                if w.understaffed_minute:
                    self.penalties.append(Penalty("understaffed", f"{site}/{skill}@{t}", u,
                                                  int(round(SCALE * w.understaffed_minute
                                                            * per_slot)), "agent-slots"))
                if w.overstaffed_minute:
                    self.penalties.append(Penalty("overstaffed", f"{site}/{skill}@{t}", o,
                                                  int(round(SCALE * w.overstaffed_minute
                                                            * per_slot)), "agent-slots"))

    def _contracts(self, a: int, agent) -> None:
        m, c, rules, w = self.m, agent.contract, self.p.config.rules, self.p.config.weights
        slot_h = self.p.slot_minutes / 60
        paid = sum(paid_slots(opt) * self.x[(a, d, o)]
                   for d, options in enumerate(agent.options) for o, opt in enumerate(options))
        lo, hi = int(round(c.min_hours_week / slot_h)), int(round(c.max_hours_week / slot_h))
        self._rule(rules.contract_hours, "contract_hours", a, paid, lo, hi,
                   int(round(SCALE * w.contract_hour * slot_h)),
                   lambda ch: sum(paid_slots(opt) for opt in ch.values()))
        days = [self.works_day[(a, d)] for d in range(self.p.days)]
        self._rule(rules.max_days, "max_days", a, sum(days), 0, c.max_days,
                   int(round(SCALE * w.contract_hour * 8)), len)
        span = c.max_consecutive_days + 1
        for d0 in range(0, self.p.days - span + 1):
            self._rule(rules.max_consecutive_days, "max_consecutive_days", a,
                       sum(days[d0:d0 + span]), 0, c.max_consecutive_days,
                       int(round(SCALE * w.contract_hour * 8)),
                       lambda ch, d0=d0: sum(d in ch for d in range(d0, d0 + span)))
        self._days_off(a, agent, days)
        rest = int(round(c.min_rest_hours * 60 / self.p.slot_minutes))
        for d in range(self.p.days - 1):
            for o1, opt1 in enumerate(agent.options[d]):
                for o2, opt2 in enumerate(agent.options[d + 1]):
                    pair = [self.x[(a, d, o1)], self.x[(a, d + 1, o2)]]
                    if opt2.start < opt1.end and not self.with_coverage:
                        # overlapping shifts: the working-slot variables forbid them when the
                        # model has them; without them, this pair may not both be worked
                        m.add_bool_or([p.Not() for p in pair])
                    elif opt2.start - opt1.end < rest:
                        if rules.min_rest == "hard":
                            self._guard(m.add_bool_or([p.Not() for p in pair]), "min_rest",
                                        agent.agent_id)
                        else:
                            v = m.new_bool_var(f"short_rest[{agent.agent_id},{d}]")
                            m.add_bool_or([pair[0].Not(), pair[1].Not(), v])
                            self.derived.append((v, a, lambda ch, d=d, o1=opt1, o2=opt2: int(
                                ch.get(d) == o1 and ch.get(d + 1) == o2)))
                            self.penalties.append(Penalty("min_rest", agent.agent_id, v,
                                                          int(round(SCALE * w.contract_hour
                                                                    * 4)), "pairs", a))

    def _guard(self, constraint: cp_model.Constraint, rule: str, subject: str) -> None:
        if not self.guarded:
            return
        key = (rule, subject)
        if key not in self.guards:
            self.guards[key] = self.m.new_bool_var(f"guard[{rule},{subject}]")
        constraint.only_enforce_if(self.guards[key])

    def _days_off(self, a: int, agent, days: list) -> None:
        """At least one run of ``min_consecutive_days_off`` days off inside the horizon."""
        k = agent.contract.min_consecutive_days_off
        if k <= 1 or k > self.p.days:  # one day off is what max_days already asks
            return
        runs = []
        for d0 in range(self.p.days - k + 1):
            r = self.m.new_bool_var(f"days_off_run[{agent.agent_id},{d0}]")
            self.off_runs[(a, d0)] = r
            self.derived.append((r, a, lambda ch, d0=d0: int(
                not any(d in ch for d in range(d0, d0 + k)))))
            for d in range(d0, d0 + k):
                if not isinstance(days[d], int):
                    self.m.add(days[d] == 0).only_enforce_if(r)
            runs.append(r)
        horizon = self.p.days
        self._rule(self.p.config.rules.consecutive_days_off, "consecutive_days_off", a,
                   sum(runs), 1, len(runs),
                   int(round(SCALE * self.p.config.weights.contract_hour * 8)),
                   lambda ch: sum(not any(d in ch for d in range(d0, d0 + k))
                                  for d0 in range(horizon - k + 1)))

    def _rule(self, kind: str, rule: str, a: int, expr, lo: int, hi: int, coef: int,
              value: Callable[[dict[int, Option]], int]) -> None:
        """``lo <= expr <= hi``, hard or soft; ``value``: expr given the agent's shifts."""
        agent = self.p.agents[a]
        if kind == "hard":
            self._guard(self.m.add_linear_constraint(expr, lo, hi), rule, agent.agent_id)
            return
        short = self.m.new_int_var(0, max(lo, 0), f"{rule}_short[{agent.agent_id}]")
        extra = self.m.new_int_var(0, 10_000, f"{rule}_extra[{agent.agent_id}]")
        self.derived += [(short, a, lambda ch: max(lo - value(ch), 0)),
                         (extra, a, lambda ch: max(value(ch) - hi, 0))]
        self.m.add(expr + short >= lo)
        self.m.add(expr - extra <= hi)
        self.penalties += [Penalty(rule, agent.agent_id, short, coef, "below", a),
                           Penalty(rule, agent.agent_id, extra, coef, "above", a)]

    def _preferences(self, a: int, agent) -> None:
        w = self.p.config.weights
        coef = int(round(SCALE * w.preference))
        for d in range(self.p.days):
            weekday = (self.p.start.weekday() + d) % 7
            if weekday in agent.preferred_days_off and coef:
                v = self.m.new_bool_var(f"works_preferred_day_off[{agent.agent_id},{d}]")
                self.m.add(v == self.works_day[(a, d)])
                self.derived.append((v, a, lambda ch, d=d: int(d in ch)))
                self.penalties.append(Penalty("preferred_day_off", f"{agent.agent_id}@{d}", v,
                                              coef, "days", a))
            if agent.preferred_shifts and coef:
                other = [self.x[(a, d, o)] for o, opt in enumerate(agent.options[d])
                         if opt.shift not in agent.preferred_shifts]
                if other:
                    v = self.m.new_bool_var(f"other_shift[{agent.agent_id},{d}]")
                    self.m.add(v == sum(other))
                    self.derived.append((v, a, lambda ch, d=d, liked=agent.preferred_shifts: int(
                        d in ch and ch[d].shift not in liked)))
                    self.penalties.append(Penalty("preferred_shift", f"{agent.agent_id}@{d}", v,
                                                  coef, "days", a))
        pair_coef = int(round(SCALE * w.weekend_pair))
        for d in range(self.p.days - 1):
            if (self.p.start.weekday() + d) % 7 == 5 and pair_coef:
                v = self.m.new_bool_var(f"weekend_pair[{agent.agent_id},{d}]")
                self.m.add(v >= self.works_day[(a, d)] + self.works_day[(a, d + 1)] - 1)
                self.derived.append((v, a, lambda ch, d=d: int(d in ch and d + 1 in ch)))
                self.penalties.append(Penalty("weekend_pair", f"{agent.agent_id}@{d}", v,
                                              pair_coef, "weekends", a))

    def hint_shifts(self, chosen: list[dict[int, int]]) -> None:
        """Hint every shift boolean from ``chosen`` (per agent: day -> option index) and every
        variable that follows from the shifts (``derived``)."""
        for (a, d, o), var in self.x.items():
            self.m.add_hint(var, int(chosen[a].get(d) == o))
        options = [{d: agent.options[d][o] for d, o in chosen[a].items()}
                   for a, agent in enumerate(self.p.agents)]
        for var, a, value in self.derived:
            self.m.add_hint(var, int(value(options[a])))

    def conflict(self, seconds: float) -> list[tuple[str, str]] | None:
        """A minimal set of guarded hard rules that cannot hold together, or None if the
        solver cannot prove one in ``seconds``. CP-SAT's core under assumptions (one worker,
        no objective, as assumptions require), shrunk by deletion: a rule stays only if the
        others are satisfiable without it."""
        self.m.clear_objective()
        deadline = time.perf_counter() + seconds
        keys = list(self.guards)

        def infeasible(subset: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
            self.m.clear_assumptions()
            self.m.add_assumptions([self.guards[k] for k in subset])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
            if solver.solve(self.m) != cp_model.INFEASIBLE:
                return None
            core = set(solver.sufficient_assumptions_for_infeasibility())
            return [k for k in subset if self.guards[k].index in core] or subset

        core = infeasible(keys)
        if core is None:
            return None
        i = 0
        while i < len(core) and time.perf_counter() < deadline:
            smaller = infeasible(core[:i] + core[i + 1:])
            if smaller is None:
                i += 1  # needed: every infeasible subset of this core holds it
            else:
                core = smaller  # keeps the needed ones, which stay in front
        return core

    def minimize(self, extra: list | None = None) -> None:
        """Set the objective: the agents' pay and soft-rule penalties, plus ``extra`` terms
        (the coverage cost of a model built without it, a rounding's deviations). Replaces
        any objective set before."""
        terms = [c * v for v, c, _ in self.cost_terms] + [p.coef * p.var for p in self.penalties]
        self.m.minimize(sum(terms + (extra or [])))

    # ------------------------------------------------------------------ solving
    def solve(self, settings: Solver, on_solution=None, t0: float | None = None
              ) -> tuple[cp_model.CpSolver, int, Progress]:
        """Solve with ``settings``; progress points are timed from ``t0`` (a
        ``time.perf_counter()`` value, default now)."""
        solver = cp_model.CpSolver()
        configure(solver, settings)
        progress = Progress()
        status = solver.solve(self.m, _Callback(progress, on_solution, t0))
        return solver, status, progress

