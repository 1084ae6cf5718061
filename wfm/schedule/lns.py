"""Large-neighbourhood search for big rosters: many small CP-SAT models instead of one big one.

One CP-SAT model of 150 agents × 7 days × every shift option × every break position has some
200,000 booleans; on 2 cores it takes 10–20 s to find a first roster and stays far from the LP
bound after a minute. Every hard rule but coverage belongs to one agent, and coverage is a sum
over agents, so the roster decomposes well (the "fix-and-optimise" matheuristic):

1. **Construct.** The roster rounded from the LP (rounding.py), or the greedy one when the LP
   is late; each break, agent by agent, where it loses least against the staffing so far;
   agents left outside their contract hours are placed by the roster model a few at a time,
   the others counted as fixed supply. From the greedy roster, each day's breaks and skills
   are then re-placed exactly, the shifts kept (a rounded roster goes to the sweep at once).
2. **Improve.** Repeatedly free a neighbourhood — a set of agents over the whole week, or a
   window of one to three days for more agents, chosen around the site, skill and slots where
   under- and over-staffing cost most — and solve it exactly as the full model would, the other
   agents fixed. The result replaces the incumbent when it costs no more. The neighbourhood
   grows while CP-SAT proves its sub-models optimal quickly (half a second each) and shrinks
   when it cannot. A whole-week neighbourhood moves shifts and days off; its breaks are placed
   before the solve where they lose least against the others' staffing (pricing.best_breaks),
   which makes the model several times smaller; the day windows place breaks in the solve.
3. **Sweep.** For the rest of the time, day after day, the costliest days of each round
   first: every agent of a site re-solved for one day, the other days fixed, in the grouped
   model (grouped.py: breaks and skills counted per group of like agents, so a sub-model of
   150 agents stays small), from a complete hint of the incumbent. This moves the day's
   shifts, breaks and skills all together, which the small neighbourhoods cannot; on the
   150-agent benchmark it took the 60 s roster from ~26,000 to ~20,000. Two days are solved
   side by side and merged onto the roster as it is when each ends; each holds the agents of
   the other's lane to their days and paid hours, so the merge never breaks a weekly rule.

Each sub-model of step 2 is the same ``RosterModel`` (same rules, same penalties, breaks placed
in the solve, blended agents allocated per slot), and the grouped model hands back exactly what
it priced, so every roster is one the full model accepts; the
final roster is re-evaluated by the full model with every choice fixed, which yields the
reported objective and violations. The search proves no optimality: the gap is reported against
the LP relaxation bound (bound.py), which holds for the full problem.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from wfm.schedule.config import Solver
from wfm.schedule.grouped import Grouped
from wfm.schedule.hint import mid_breaks, working_slots
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.pricing import best_breaks
from wfm.schedule.problem import AgentSpec, Option, Problem, paid_slots

OnSolution = Callable[[float, float, float], None]


@dataclass(frozen=True)
class Worked:
    """One agent-day of the incumbent: the option and the start slot of each of its breaks."""

    option: Option
    breaks: tuple[int, ...]


@dataclass
class Roster:
    days: list[dict[int, Worked]]  # per agent: day -> worked
    skill: list[dict[int, str]]  # per agent: slot -> the skill worked in it
    own: list[int]  # per agent: scaled paid-hour cost + the agent's soft-rule penalties
    supply: dict[tuple[str, str], np.ndarray]  # agents working each (site, skill) per slot

    def contribution(self, a: int, site: str) -> dict[tuple[str, str], list[int]]:
        out: dict[tuple[str, str], list[int]] = {}
        for t, k in self.skill[a].items():
            out.setdefault((site, k), []).append(t)
        return out


class Lns:
    """Construct and improve a roster for ``problem`` (whose option lists are the search
    space) within ``deadline`` (a ``time.perf_counter()`` value)."""

    def __init__(self, problem: Problem, settings: Solver, deadline: float, t0: float,
                 bound: float | None = None, on_solution: OnSolution | None = None,
                 full: Problem | None = None):
        self.p, self.settings, self.deadline, self.t0 = problem, settings, deadline, t0
        self.full = full or problem  # wider option lists for agents a chunk cannot place
        self.bound = bound
        self.on_solution = on_solution
        self.rng = np.random.default_rng(settings.seed)
        w = problem.config.weights
        self.c_under = int(round(SCALE * w.understaffed_minute * problem.slot_minutes))
        self.c_over = int(round(SCALE * w.overstaffed_minute * problem.slot_minutes))
        self.sites: dict[str, list[int]] = {}
        for a, agent in enumerate(problem.agents):
            self.sites.setdefault(agent.site, []).append(a)
        self.space = [agent.options for agent in problem.agents]
        self.widened: set[int] = set()  # agents whose space is the full problem's (construct)
        # Set by the caller when the LP relaxation is still running: returns None until it
        # ends, then (each agent's LP-guided options, the LP bound), taken up by ``_poll``.
        self.pending: Callable[[], tuple[list, float | None] | None] | None = None
        # a stronger bound still being computed: its value once known (-inf: none), else None
        self.late_bound: Callable[[], float | None] | None = None
        self.progress: list[tuple[float, float, float]] = []
        self.lanes: np.ndarray | None = None  # per agent, its lane in the day sweep (``_held``)
        # how long pricing a whole roster in the full model takes (construct times it,
        # ``_time_pricing``): the caller keeps that much time in reserve for the final evaluation
        self.price_seconds = 0.0

    # ------------------------------------------------------------------ objective
    def slot_costs(self, supply: dict[tuple[str, str], np.ndarray]
                   ) -> dict[tuple[str, str], np.ndarray]:
        """Scaled under- and over-staffing cost per (site, skill) and slot."""
        return {key: self.c_under * np.clip(need - supply[key], 0, None)
                + self.c_over * np.clip(supply[key] - need, 0, None)
                for key, need in self.p.demand.items()}

    def coverage_cost(self, supply: dict[tuple[str, str], np.ndarray]) -> int:
        return int(sum(int(c.sum()) for c in self.slot_costs(supply).values()))

    def total(self, roster: Roster) -> int:
        return sum(roster.own) + self.coverage_cost(roster.supply)

    def _report(self, roster: Roster) -> None:
        point = (time.perf_counter() - self.t0, self.total(roster) / SCALE,
                 self.bound if self.bound is not None else float("nan"))
        self.progress.append(point)
        if self.on_solution:
            self.on_solution(*point)

    # ------------------------------------------------------------------ sub-models
    def _solve(self, roster: Roster, members: list[int], free_days: set[int], seconds: float,
               seed: int, wide: bool = False, quick: bool = False, breaks_only: bool = False,
               pin: bool = False) -> tuple[int, dict[int, tuple[dict, dict, int]]] | None:
        """Solve ``members`` on ``free_days`` with everybody else fixed; their days outside
        ``free_days`` stay as in ``roster``. Returns (status, {agent: (days, skill, own)}).
        ``pin``: each break of a free day's option is placed before the solve, where it loses
        least against the others' staffing (``pricing.best_breaks``): a model several times
        smaller, for neighbourhoods that move whole shifts."""
        p = self.p
        fixed = self._others(roster, members)
        original: dict[int, Option] = {}  # id of a pinned option -> the option it pins
        specs, forced, frozen = [], set(), set()
        for i, a in enumerate(members):
            agent = p.agents[a]
            space = self.full.agents[a].options if wide else self.space[a]
            kept = set()  # slots of the days kept as they are: their work stays in ``fixed``
            options = []
            worth = self._worth(agent, fixed) if pin else None
            for d in range(p.days):
                now = roster.days[a].get(d)
                if d in free_days and breaks_only:  # the shift stays; breaks and skills move
                    day = [now.option] if now is not None else []
                    if now is not None:
                        forced.add((i, d))
                elif d in free_days:
                    day = list(space[d])
                    if now is not None and now.option not in day:
                        day.append(now.option)
                    if pin:
                        pinned = []
                        for opt in day:
                            starts, value = best_breaks(opt, worth)
                            if value == float("-inf"):
                                continue
                            one = _pinned(Worked(opt, starts))
                            original[id(one)] = opt
                            pinned.append(one)
                        day = pinned
                else:
                    day = self._keep(now, i, d, forced, kept)
                options.append(day)
            for key, slots in roster.contribution(a, agent.site).items():
                fixed[key][[t for t in slots if t in kept]] += 1  # kept days stay counted
            frozen.update((i, t) for t in kept)
            specs.append(replace(agent, options=options))
        sub = replace(p, agents=specs)
        model = RosterModel(sub, fixed=fixed, forced=frozenset(forced), frozen=frozenset(frozen))
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(seconds, 0.05)
        # One worker per sub-model (the workers run neighbourhoods side by side) with the
        # strongest linear relaxation, all of it from the start: on a 4-agent week this proves
        # the optimum in about 1 s, where the default relaxation (1 or 2 workers) leaves the
        # bound unmoved after 20 s. No hint from the incumbent: finding it again costs more
        # than searching afresh (the result is kept only if it is no worse).
        prm.num_workers = 1
        prm.linearization_level = 1 if quick else 2  # quick: any roster soon
        prm.add_lp_constraints_lazily = quick
        prm.stop_after_first_solution = quick
        prm.random_seed = seed
        # Presolve pays on these small models (unlike the one big model, where it is a
        # setting): with it and without probing a pinned 4-agent week solves 4× faster.
        prm.cp_model_presolve = True
        prm.cp_model_probing_level = 0
        status = solver.solve(model.m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return (status, {}) if status == cp_model.INFEASIBLE else None
        own = _own(model, solver)
        worked_at: dict[int, list[int]] = {}
        for (i, t), var in model.work.items():
            if (i, t) not in frozen and solver.boolean_value(var):
                worked_at.setdefault(i, []).append(t)
        out = {}
        for i, a in enumerate(members):
            days: dict[int, Worked] = {}
            for d, options in enumerate(specs[i].options):
                if d not in free_days:
                    if d in roster.days[a]:
                        days[d] = roster.days[a][d]
                    continue
                for o, opt in enumerate(options):
                    if solver.boolean_value(model.x[(i, d, o)]):
                        starts = tuple(
                            next(s for k, s in enumerate(brk.starts)
                                 if solver.boolean_value(model.brk[(i, d, o, b, k)]))
                            for b, brk in enumerate(opt.breaks))
                        days[d] = Worked(original.get(id(opt), opt), starts)
            skills = specs[i].skills
            skill = {t: k for t, k in roster.skill[a].items() if (i, t) in frozen}
            for t in worked_at.get(i, []) if skills else []:
                skill[t] = skills[0] if len(skills) == 1 else next(
                    k for k in skills if solver.boolean_value(model.alloc[(i, t, k)]))
            out[a] = (days, skill, own[i])
        return status, out

    def _others(self, roster: Roster, members: list[int]) -> dict[tuple[str, str], np.ndarray]:
        """Agents per (site, skill) and slot in ``roster`` without ``members``."""
        fixed = {key: arr.copy() for key, arr in roster.supply.items()}
        for a in members:
            for key, slots in roster.contribution(a, self.p.agents[a].site).items():
                fixed[key][slots] -= 1
        return fixed

    def _keep(self, now: Worked | None, i: int, d: int, forced: set, kept: set[int]
              ) -> list[Option]:
        """The options of a day a neighbourhood keeps: its shift with its breaks as they are
        (forced; its slots added to ``kept``), or none."""
        if now is None:
            return []
        forced.add((i, d))
        kept.update(range(now.option.start, min(now.option.end, self.p.n_slots)))
        return [_pinned(now)]

    def _solve_grouped(self, roster: Roster, members: list[int], free_days: set[int],
                       until: float, seed: int, work: float | None = None,
                       held: frozenset[int] = frozenset()
                       ) -> tuple[int, dict[int, tuple[dict, dict, int]]] | None:
        """As ``_solve``, in the grouped model (grouped.py): breaks and skills are counted per
        group of like agents, so a neighbourhood can hold every agent of a site for a day or
        two. Starts from the incumbent (a hint), so the result is rarely worse. ``work``: a
        budget in CP-SAT's deterministic seconds (its count of work done, the same on any
        machine); the solve stops by ``until`` (a ``time.perf_counter()`` value) whatever the
        budget, the time to build the model counted (1 s for 150 agents on a slow machine).
        ``held``: agents who keep, on the free days, whether they work and their paid hours
        (their shift may move to another option of the same paid length)."""
        p = self.p
        fixed = self._others(roster, members)
        specs, forced, kept_slots = [], set(), []
        hint_days, hint_skill = [], []
        for i, a in enumerate(members):
            agent = p.agents[a]
            kept: set[int] = set()
            options, now_days = [], {}
            for d in range(p.days):
                now = roster.days[a].get(d)
                if now is not None:
                    now_days[d] = (now.option, now.breaks)
                if d in free_days:
                    day = list(self.space[a][d])
                    if now is not None and now.option not in day:
                        day.append(now.option)
                    if a in held and now is None:  # stays off
                        day = []
                    elif a in held:  # working as now, for as many paid hours
                        day = [opt for opt in day if paid_slots(opt) == paid_slots(now.option)]
                        forced.add((i, d))
                else:
                    day = self._keep(now, i, d, forced, kept)
                options.append(day)
            for key, slots in roster.contribution(a, agent.site).items():
                fixed[key][[t for t in slots if t in kept]] += 1
            kept_slots.append(kept)
            hint_days.append(now_days)
            hint_skill.append({t: k for t, k in roster.skill[a].items() if t not in kept})
            specs.append(replace(agent, options=options))
        sub = replace(p, agents=specs)
        counted = {(i, d) for i in range(len(members)) for d in free_days}
        model = Grouped(sub, counted, fixed, frozenset(forced))
        model.hint(hint_days, hint_skill)
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = max(until - time.perf_counter(), 0.05)
        if work is not None:
            prm.max_deterministic_time = work
        # one worker, the strongest linear relaxation: on the 150-agent benchmark's costliest
        # days, 2.5 s reach what 10 s do (under- and over-staffing 2,085 / 1,950 / 1,515),
        # where two workers (the default linearization) ended at 4,935-5,445 / 2,115-2,220 /
        # 1,680 in 5 s
        prm.num_workers = 1
        prm.linearization_level = 2
        prm.random_seed = seed
        prm.cp_model_presolve = True
        status = solver.solve(model.m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return (status, {}) if status == cp_model.INFEASIBLE else None
        own = _own(model.agents, solver)
        handed = model.result(solver)
        out = {}
        for i, a in enumerate(members):
            days = {d: w for d, w in roster.days[a].items() if d not in free_days}
            days.update({d: Worked(opt, starts) for d, (opt, starts) in handed[i].days.items()})
            skill = {t: k for t, k in roster.skill[a].items() if t in kept_slots[i]}
            skill.update(handed[i].skill)
            out[a] = (days, skill, own[i])
        return status, out

    def _apply(self, roster: Roster, result: dict[int, tuple[dict, dict, int]]) -> Roster:
        supply = {key: arr.copy() for key, arr in roster.supply.items()}
        days, skill, own = list(roster.days), list(roster.skill), list(roster.own)
        for a, (d_new, s_new, o_new) in result.items():
            site = self.p.agents[a].site
            for key, slots in roster.contribution(a, site).items():
                supply[key][slots] -= 1
            days[a], skill[a], own[a] = d_new, s_new, o_new
        out = Roster(days, skill, own, supply)
        for a in result:
            for key, slots in out.contribution(a, self.p.agents[a].site).items():
                supply[key][slots] += 1
        return out

    def _worth(self, agent, supply: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
        """What one more slot of ``agent`` saves against ``supply`` (objective units), in the
        skill where it saves most."""
        keys = [(agent.site, k) for k in agent.skills]
        if not keys:
            return np.zeros(self.p.n_slots)
        return np.max([np.where(self.p.demand[key] - supply[key] >= 1, self.c_under,
                                -self.c_over) for key in keys], axis=0) / SCALE

    # ------------------------------------------------------------------ construction
    def construct(self, plan: dict[int, dict[int, int]], order: list[int]) -> Roster | None:
        """A first roster from ``plan`` (the rounded or the greedy roster: option indices
        into the search space; each working slot to the agent's skill with the most demand
        left; breaks, and skills again, by ``_first_breaks``). Agents the plan leaves outside
        their contract hours are then placed by the roster model a few at a time, the others
        fixed. None if the plan breaks a hard rule the greedy does not know or an agent cannot
        be placed."""
        p = self.p
        n = len(p.agents)
        slot_h = p.slot_minutes / 60
        days: list[dict[int, Worked]] = [{} for _ in range(n)]
        skill: list[dict[int, str]] = [{} for _ in range(n)]
        supply = {key: np.zeros(len(arr)) for key, arr in p.demand.items()}
        unplaced = []
        for a in order:
            agent = p.agents[a]
            chosen = {d: self.space[a][d][o] for d, o in plan.get(a, {}).items()}
            hours = sum(paid_slots(opt) for opt in chosen.values()) * slot_h
            c = agent.contract
            if p.config.rules.contract_hours == "hard" and not (
                    c.min_hours_week - 1e-9 <= hours <= c.max_hours_week + 1e-9):
                unplaced.append(a)
                continue
            for d, opt in chosen.items():
                days[a][d] = Worked(opt, ())
                self._serve(agent, range(opt.start, min(opt.end, p.n_slots)), skill[a], supply)
        self._first_breaks(days, skill, supply)
        own = own_costs(p, days)
        timed = None if own is None else self._time_pricing(days, skill)
        if timed is None:  # a hard rule of an agent's own, or one of breaks and skills
            return None
        self.price_seconds = timed
        roster = Roster(days, skill, own, supply)
        for lo in range(0, len(unplaced), 5):
            members = unplaced[lo:lo + 5]
            left = max(self.deadline - time.perf_counter(), 0.05)
            done = None
            for wide in (False, True):
                done = self._solve(roster, members, set(range(p.days)), min(10.0, left),
                                   self._seed(), wide=wide, quick=True)
                if done is not None and done[1]:
                    if wide:
                        for a in members:
                            self.space[a] = self.full.agents[a].options
                            self.widened.add(a)
                    break
            if done is None or not done[1]:
                return None
            roster = self._apply(roster, done[1])
        self._report(roster)
        return roster

    def _time_pricing(self, days: list[dict[int, Worked]], skill: list[dict[int, str]]
                      ) -> float | None:
        """How long the final evaluation will take (the whole roster priced in the full model,
        every choice fixed; the caller keeps that much time in reserve), timed on a share
        ``PRICED_SHARE`` of the agents drawn at random and scaled up by agents. That also checks
        their breaks and skills as the full model sees them: None if it finds a rule broken.
        On the 150-agent benchmark the share takes 0.3 s and scales up to 1.5 s, where the
        whole roster takes 1.0-1.3 s; 500 agents on 2 sites 0.8-1.2 s, 4.0-5.8 s, 4.3-5.8 s."""
        n = len(self.p.agents)
        chosen = sorted(int(a) for a in self.rng.choice(n, max(1, math.ceil(PRICED_SHARE * n)),
                                                         replace=False))
        share = replace(self.p, agents=[self.p.agents[a] for a in chosen])
        began = time.perf_counter()
        status = solve_fixed(share, [days[a] for a in chosen], [skill[a] for a in chosen])[2]
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return (time.perf_counter() - began) * n / len(chosen)

    def _first_breaks(self, days: list[dict[int, Worked]], skill: list[dict[int, str]],
                      supply: dict[tuple[str, str], np.ndarray]) -> None:
        """Place the breaks and skills of a roster whose shifts count as worked in full. Each
        agent-day in turn is taken out of the staffing and put back with its breaks where they
        lose least against the others (``pricing.best_breaks``) and each slot it works in its
        skill shortest then: a best response, so the roster's cost never rises. First agent
        by agent (later breaks avoid the slots earlier ones left short), then in random order
        until nothing moves or ``BREAK_PASSES`` passes are done: one pass leaves breaks that
        were placed against staffing since changed. (Breaks all in mid-window left a roster
        of like agents on like shifts short at the same slots.)"""
        p = self.p
        cells = [(a, d) for a in range(len(p.agents)) for d in days[a]]
        order = range(len(cells))
        for _ in range(BREAK_PASSES):
            moved = False
            for i in order:
                a, d = cells[i]
                agent, now = p.agents[a], days[a][d]
                site, opt = agent.site, now.option
                served: dict[str, list[int]] = {}
                for t in range(opt.start, min(opt.end, p.n_slots)):
                    k = skill[a].pop(t, None)
                    if k is not None:
                        served.setdefault(k, []).append(t)
                for k, slots in served.items():
                    supply[(site, k)][slots] -= 1
                starts, value = best_breaks(opt, self._worth(agent, supply))
                if value == float("-inf"):
                    starts = now.breaks or mid_breaks(opt)
                moved = moved or starts != now.breaks
                days[a][d] = Worked(opt, starts)
                self._serve(agent, working_slots(opt, p.n_slots, starts), skill[a], supply)
            if not moved:
                break
            order = self.rng.permutation(len(cells))

    def _serve(self, agent: AgentSpec, slots, skill: dict[int, str],
               supply: dict[tuple[str, str], np.ndarray]) -> None:
        """Each of ``slots``, worked by ``agent``, to its skill with the most demand left then
        (the first of equals), in ``skill`` (the agent's slot -> skill) and ``supply``."""
        if not agent.skills:
            return
        slots = np.asarray(slots, int)
        keys = [(agent.site, k) for k in agent.skills]
        best = np.argmax([self.p.demand[key][slots] - supply[key][slots] for key in keys],
                         axis=0) if len(keys) > 1 else np.zeros(len(slots), int)
        for j, key in enumerate(keys):
            mine = slots[best == j]
            supply[key][mine] += 1
            skill.update(dict.fromkeys(mine.tolist(), key[1]))

    def place_breaks(self, roster: Roster, stop: float) -> Roster:
        """Day by day, every working agent's breaks and skills re-placed with the shifts kept
        (construct places each break alone, against the staffing so far): one exactly solved
        model per day and site,
        ``settings.workers`` days at a time. Each result changes only its own day, so results
        of different days combine (``_rebase``, shifts kept)."""
        jobs = [(site, d) for site in self.sites for d in range(self.p.days)]
        workers = max(1, int(self.settings.workers))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            running = {}
            while jobs or running:
                while jobs and len(running) < workers:
                    left = stop - time.perf_counter()
                    if left < 0.3:
                        jobs = []
                        break
                    site, d = jobs.pop(0)
                    members = [a for a in self.sites[site] if d in roster.days[a]]
                    if not members:
                        continue
                    future = pool.submit(self._solve, roster, members, {d}, min(left, 30.0),
                                         self._seed(), breaks_only=True)
                    running[future] = (d, roster)
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    d, began = running.pop(future)
                    done = future.result()
                    if done is None or not done[1]:
                        continue
                    candidate = self._apply(roster, self._rebase(roster, began, done[1], d))
                    if self.total(candidate) < self.total(roster):
                        roster = candidate
                        self._report(roster)
        return roster

    def _poll(self) -> None:
        """Take up the LP relaxation's guidance once it has finished beside the search: each
        agent's options cut to those the LP uses (an agent construct had to widen keeps its
        full list) and the LP bound (the search stops early at it); and a stronger bound
        (``late_bound``) once it is known."""
        if self.late_bound is not None:
            value = self.late_bound()
            if value is not None:
                self.late_bound = None
                self._raise_bound(value)
        got = self.pending() if self.pending is not None else None
        if got is None:
            return
        self.pending = None
        space, bound = got
        for a, options in enumerate(space):
            if a not in self.widened:
                self.space[a] = options
        self._raise_bound(bound)

    def _raise_bound(self, value: float | None) -> None:
        """Take ``value`` as the stopping bound if it is one (finite) and stronger."""
        if value is not None and math.isfinite(value) and (self.bound is None
                                                            or value > self.bound):
            self.bound = value

    def _seed(self) -> int:
        return int(self.rng.integers(0, 2**31 - 1))

    def improve(self, roster: Roster, stop: float, sub_seconds: float = 0.5) -> Roster:
        """Solve neighbourhoods until ``stop``, ``settings.workers`` at a time on disjoint
        agents (CP-SAT releases the GIL while it solves). A result is applied to the roster as
        it is when the result arrives, and kept if the whole roster costs no more."""
        best = self.total(roster)
        budgets = {"week": 4 * self.p.days, "window": 20}  # free agent-days, adapted
        running: dict = {}
        workers = max(1, int(self.settings.workers))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while True:
                self._poll()
                left = stop - time.perf_counter()
                reached = self.bound is not None and best <= self.bound * SCALE + 1e-6
                while left > 0.3 and not reached and len(running) < workers:
                    busy = {a for job in running.values() for a in job[1]}
                    kind, members, free = self._neighbourhood(roster, budgets, busy)
                    if not members:
                        break
                    future = pool.submit(self._solve, roster, members, free,
                                         min(sub_seconds, left), self._seed(),
                                         pin=kind == "week")
                    running[future] = (kind, members, time.perf_counter())
                if not running:
                    return roster
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    kind, members, began = running.pop(future)
                    done = future.result()
                    took = time.perf_counter() - began
                    if done is None or not done[1]:
                        budgets[kind] = max(int(budgets[kind] / 1.3), 2)
                        continue
                    status, result = done
                    if status == cp_model.OPTIMAL:
                        if took < 0.4 * sub_seconds:
                            budgets[kind] = int(budgets[kind] * 1.2) + 1
                    else:
                        budgets[kind] = max(int(budgets[kind] / 1.2), 2)
                    candidate = self._apply(roster, result)
                    value = self.total(candidate)
                    if value <= best:
                        roster = candidate
                        if value < best:
                            best = value
                            self._report(roster)

    def sweep(self, roster: Roster, stop: float) -> tuple[Roster, bool]:
        """Day after day until ``stop``: every agent of a site re-solved for one day in the
        grouped model (shift, breaks and skills move; the other days stay, so do weekly
        hours, rest and days off). ``settings.workers`` solves run at once, each on one
        CP-SAT worker: other sites on any day, the same site only on days not next to each
        other. Each solve gets ``DAY_WORK`` deterministic seconds per 150 agents of its site
        (a site of at most ``SMALL_SITE`` agents all of it),
        and in the first round no more wall-clock time than an equal share of the time left,
        so that every day gets its turn. Each round takes the days whose under- and
        over-staffing cost most first (a day whose solve fell short in one round is taken
        early in the next). A result is kept
        when the roster costs no more (``_rebase``: an agent the solve beside it changed
        meanwhile takes the result's day into its week as it now is). Returns
        the roster and whether the sweep settled: a whole round of days for each lane
        (``_held``) changed nothing (the caller then goes back to ``improve``)."""
        workers = max(1, int(self.settings.workers))
        queue: list[tuple[int, str, list[int]]] = []  # (day, site, members) not yet started
        running: dict = {}  # future -> (day, site, members, the roster it started from)
        round_size = quiet = started = 0
        longer: dict[tuple[int, str], int] = {}  # a day whose solve was cut short gets more
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while True:
                self._poll()
                left = stop - time.perf_counter()
                while left >= 0.5 and len(running) < workers and (
                        not round_size or quiet + len(running) < round_size * workers):
                    if not queue:  # a round: every day once, the costliest first
                        queue = self._day_jobs(roster)
                        round_size = len(queue)
                    job = next((j for j in queue if all(
                        site != j[1] or abs(d - j[0]) > 1 for d, site, *_ in
                        running.values())), None)
                    if job is None:
                        break
                    queue.remove(job)
                    d, site, members = job
                    # the first round shares the time left so that every day gets its turn
                    share = left * min(workers, round_size) / max(round_size - started, 1) \
                        if started < round_size else left
                    per_agents = 1.0 if len(members) <= SMALL_SITE else len(members) / 150
                    work = min(DAY_WORK * per_agents * longer.get((d, site), 1), 4 * DAY_WORK)
                    held, lane = self._held(members, site, started, running, workers)
                    future = pool.submit(self._solve_grouped, roster, members, {d},
                                         min(time.perf_counter() + share, stop),
                                         self._seed(), work, held)
                    running[future] = (d, site, members, roster, lane)
                    started += 1
                if not running:
                    return roster, False  # out of time
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    d, site, members, began, _ = running.pop(future)
                    done = future.result()
                    now = roster
                    before = after = self.total(now)
                    if done is not None and done[1]:
                        candidate = self._apply(now, self._rebase(now, began, done[1], d))
                        value = self.total(candidate)
                        if value <= before:
                            roster, after = candidate, value
                    if after < before:
                        quiet = 0
                        self._report(roster)
                        longer.pop((d, site), None)
                    else:
                        quiet += 1
                        # more work next round only if the solve found nothing (not if its
                        # merge lost what it found on the roster it started from)
                        found = bool(done and done[1]) and self.total(
                            self._apply(began, done[1])) < self.total(began)
                        if not found and (done is None or done[0] != cp_model.OPTIMAL):
                            longer[(d, site)] = min(2 * longer.get((d, site), 1), 4)
                # settled: as many days in a row changed nothing as make a round for each lane
                # (a day's solve leaves the agents of the other lanes their days and hours)
                if round_size and quiet >= round_size * workers and not running:
                    return roster, True

    def _held(self, members: list[int], site: str, started: int, running: dict, workers: int
              ) -> tuple[frozenset[int], int | None]:
        """Which of ``members`` a day's solve holds to their hours that day, and its lane.
        Each agent has a lane (drawn once, as many as workers); each solve of a site takes a
        lane no solve of that site running beside it has, and only the agents of its lane may
        change whether they work that day or for how many paid hours. Two solves side by
        side (days apart) then never both change an agent's days or hours in the week, so
        their results merge without breaking a weekly rule."""
        if workers == 1:
            return frozenset(), None
        if self.lanes is None:
            order = self.rng.permutation(len(self.p.agents))
            self.lanes = np.empty(len(order), int)
            self.lanes[order] = np.arange(len(order)) % workers
        taken = {job[4] for job in running.values() if job[1] == site}
        lane = next(k for k in ((started + i) % workers for i in range(workers))
                    if k not in taken)
        return frozenset(a for a in members if self.lanes[a] != lane), lane

    def _rebase(self, roster: Roster, began: Roster, result: dict[int, tuple[dict, dict, int]],
                d: int) -> dict[int, tuple[dict, dict, int]]:
        """``result`` of a solve of day ``d`` that started from ``began``, on ``roster`` as it
        now is (a solve of another day may have changed some of its agents meanwhile; in the
        sweep a day apart, in ``place_breaks`` with every shift kept).
        An agent unchanged since takes the result as it is. One changed since takes the
        result's day ``d`` into its week as it now is: with the same shift that day only the
        breaks and skills change, so its own cost stays; with another shift (or none) the
        week is priced again, all such agents in one fixed model, and if that model finds a
        hard rule broken they all keep their weeks as they are. (Keeping only the unchanged
        agents' results lost most of the second result in the first rounds, when a solve
        changes almost every agent: on the benchmark a day's 12,000 gain came to nothing and
        took another 10 s solve to find again.) In the sweep no rule can break: two solves
        side by side never both change an agent's days or paid hours (``_held``)."""
        out: dict[int, tuple[dict, dict, int]] = {}
        repriced: dict[int, tuple[dict, dict]] = {}
        n = self.p.n_slots
        for a, (days, skill, own) in result.items():
            if roster.days[a] == began.days[a] and roster.skill[a] == began.skill[a]:
                out[a] = (days, skill, own)
                continue
            now, new = roster.days[a].get(d), days.get(d)
            week = {e: w for e, w in roster.days[a].items() if e != d}
            if new is not None:
                week[d] = new
            old = range(now.option.start, min(now.option.end, n)) if now else range(0)
            span = range(new.option.start, min(new.option.end, n)) if new else range(0)
            kept = {t: k for t, k in roster.skill[a].items() if t not in old}
            kept.update({t: skill[t] for t in span if t in skill})
            if (now and now.option) == (new and new.option):
                out[a] = (week, kept, roster.own[a])
            else:
                repriced[a] = (week, kept)
        if repriced:
            agents = list(repriced)
            own = own_costs(replace(self.p, agents=[self.p.agents[a] for a in agents]),
                            [repriced[a][0] for a in agents])
            if own is not None:
                out.update({a: (*repriced[a], o) for a, o in zip(agents, own, strict=True)})
        return out

    def _day_jobs(self, roster: Roster) -> list[tuple[int, str, list[int]]]:
        """One round of the sweep: (day, site, agents) for every day, the costliest days
        first; a site of more than ``DAY_AGENTS`` agents in random parts (solved one after
        the other, as parts of one site and day never run at once)."""
        jobs = []
        for d in self._days_by_cost(roster):
            for site, agents in self.sites.items():
                mixed = [int(a) for a in self.rng.permutation(agents)]
                n = -(-len(mixed) // DAY_AGENTS)
                jobs += [(d, site, sorted(mixed[i::n])) for i in range(n)]
        return jobs

    def _days_by_cost(self, roster: Roster) -> list[int]:
        """The days, those whose slots' under- and over-staffing cost most first."""
        per_day = self.p.n_slots // self.p.days
        cost = sum(c.reshape(self.p.days, per_day).sum(axis=1)
                   for c in self.slot_costs(roster.supply).values())
        return [int(d) for d in np.argsort(-cost, kind="stable")]

    def _neighbourhood(self, roster: Roster, budgets: dict[str, int], busy: set[int]
                       ) -> tuple[str, list[int], set[int]]:
        """Agents and days to free, around a slot drawn with probability by its under- and
        over-staffing cost (its site and skill drawn likewise): a share ``WEEK_SHARE`` of the
        time a few agents over the whole week (which moves days off), otherwise more agents over
        a window of one to three days. Two thirds of the agents can work the slot's skill and
        would change it (working then if it is over-staffed, not working then if it is short);
        the rest are drawn at random from the site. Agents in ``busy`` (being solved
        elsewhere) are left out."""
        p, rng = self.p, self.rng
        by_key = self.slot_costs(roster.supply)
        keys = list(by_key)
        costs = list(by_key.values())
        weights = np.array([c.sum() for c in costs], float) + 1.0
        k = int(rng.choice(len(keys), p=weights / weights.sum()))
        site, skill = keys[k]
        slot_cost = costs[k] + 1.0
        t = int(rng.choice(len(slot_cost), p=slot_cost / slot_cost.sum()))
        day = t * p.slot_minutes // 1440
        pool = [a for a in self.sites[site] if a not in busy]
        able = [a for a in pool if skill in p.agents[a].skills]
        if rng.random() < WEEK_SHARE:
            kind, free = "week", set(range(p.days))
            size = max(1, budgets[kind] // p.days)
        else:
            kind = "window"
            span = int(rng.integers(1, min(3, p.days) + 1))
            first = int(np.clip(day - rng.integers(0, span), 0, p.days - span))
            free = set(range(first, first + span))
            size = max(1, budgets[kind] // span)
        size = min(size, len(pool))
        # those who can change slot t most: when it is short, agents of the skill not working
        # then; when it is over, those working then
        short = p.demand[keys[k]][t] > roster.supply[keys[k]][t]
        able = [a for a in able if (t in roster.skill[a]) != short] or able
        chosen = [int(a) for a in rng.permutation(able)[: (2 * size + 2) // 3]] if able else []
        taken = set(chosen)
        chosen += [int(a) for a in rng.permutation(pool) if a not in taken][: size - len(chosen)]
        return kind, sorted(chosen), free


# How often a neighbourhood is a whole week rather than a window of days. Measured on the
# 150-agent benchmark at 60 s, seeds 1-3 (median): 0.7 → 31,220, 0.5 → 28,669, 0.3 → 27,190,
# 0.15 → 26,578, 0.05 → 26,739; on 500 agents at 120 s, 0.5 → 116,174 and 0.15 → 104,391.
WEEK_SHARE = 0.15

# The share of the agents whose pricing in the full model times the final evaluation
# (``Lns._time_pricing``). Construct priced every agent until the thirteenth session: 1.2 s of
# its 1.7 s at 150 agents, 4.4 s of 6.0 s at 500 on 2 sites; its own costs come from
# ``own_costs`` now (0.1 s and 0.3-0.9 s). The first roster, 60 s runs back to back with the
# code before (seeds 1-4): 150 agents 6.1-8.1 s against 7.7-9.4 s; 500 agents on 2 sites at
# 120 s (seed 1) 17.6 s against 22.1 s.
PRICED_SHARE = 0.2

# The most passes of ``Lns._first_breaks`` over every agent-day of the first roster. On the
# 150-agent benchmark the first roster costs 58,582-60,892 with 3 passes (0.25 s), 92,077-
# 93,562 with one (0.07 s); 500 agents on 2 sites 198,524-214,364 (0.66 s) against 337,949
# (0.27 s). The search at 60 s ends no better for it (150 agents, seeds 1-10, within 3% of the
# LP bound in 11 of 14 runs, one pass 12 of 17): the sweep's first round re-places the breaks.
BREAK_PASSES = 3

# The day sweep's work per site and day, per 150 agents of the site (all of it at a site of
# at most SMALL_SITE agents; at most 4×), in CP-SAT's deterministic seconds: a count of the
# work done, so a day gets as far on a slow machine as on a fast one, and only the number of
# rounds in the time limit changes.
# It had been 2.5 s of wall-clock time (150 agents at 60 s, two days side by side, seeds 1-5:
# 17,210-17,570, median 17,240; bench/results/schedule_named.txt, 82bb728), until a machine
# about twice as slow (first roster in 10-11 s, not 6) ended three runs of seed 1 at 21,628-
# 29,588: in 2.5 s there a day's model had not yet found the roster its LP relaxation leads
# to, which it did at 1.5-2.2 deterministic seconds (3-4.5 s there).
DAY_WORK = 2.0
# A day's model of a site of at most this many agents gets DAY_WORK, not its share by agents
# (which had a floor, MIN_DAY_WORK = 0.3 s, that no day reaches now: above SMALL_SITE agents
# a day's share is 0.68 s at least):
# it is about as hard as at 150 (like agents are counted, not named). One day of 25 agents at
# 60 s: 683, the proven optimum, in 5 of 5 runs, where a share (0.3 deterministic s) stopped
# one short quarter-hour above, at 848, in 7 of 8; a week of 25 agents (seeds 1-4) 5,517 /
# 4,857 / 5,416 / 5,157 against 5,948 / 5,517 / 4,857 / 5,123, of 50 agents (seeds 1-2) 6,412 /
# 6,217 against 6,281 / 6,281. Not at 100 agents (1.33 s; 2 s there: seeds 1-3 12,100 /
# 12,160 / 12,325 against 12,100 / 12,156 / 12,193). bench/results/schedule_named.txt.
SMALL_SITE = 50
# At most this many agents of a site in one day's model of the sweep; a larger site is solved
# in random parts, one after the other. 500 agents on 2 sites at 120 s: 83,287 / 78,892 (seeds
# 1 / 2) in parts of 125 agents, 84,179-100,075 with whole sites (4 runs, seed 1). 150 agents
# in parts of 75: 23,095 / 22,459, no better than whole.
DAY_AGENTS = 150
# The share of the time after construction that the neighbourhood search gets before the day
# sweep takes over; 0.1 → 26,499 / 24,014 and 0.35 → 20,832 / 20,108 on the same runs.
IMPROVE_SHARE = 0.35


def _pinned(worked: Worked) -> Option:
    """``worked``'s option with each break allowed only where it is."""
    opt = worked.option
    return replace(opt, breaks=tuple(replace(b, starts=(s,))
                                     for b, s in zip(opt.breaks, worked.breaks, strict=True)))


def fixed_model(problem: Problem, days: list[dict[int, Worked]], skill: list[dict[int, str]]
                ) -> RosterModel:
    """The roster model with each agent-day's option, breaks and skills fixed: it prices
    exactly that roster (objective, per-agent costs, violations, coverage)."""
    fixed, forced = _shifts_fixed(problem, days)
    model = RosterModel(fixed, forced=forced)
    for (a, d, _, b, k), var in model.brk.items():
        worked = days[a][d]
        model.m.add(var == int(worked.option.breaks[b].starts[k] == worked.breaks[b]))
    for (a, t, k), var in model.alloc.items():
        model.m.add(var == int(skill[a].get(t) == k))
    return model


def _shifts_fixed(problem: Problem, days: list[dict[int, Worked]]
                  ) -> tuple[Problem, frozenset[tuple[int, int]]]:
    """``problem`` with each agent-day's options cut to the one worked in ``days`` (none on a
    day off), and the (agent, day) pairs that must be worked."""
    agents, forced = [], set()
    for a, agent in enumerate(problem.agents):
        options = []
        for d in range(problem.days):
            worked = days[a].get(d)
            options.append([worked.option] if worked is not None else [])
            if worked is not None:
                forced.add((a, d))
        agents.append(replace(agent, options=options))
    return replace(problem, agents=agents), frozenset(forced)


def solve_fixed(problem: Problem, days: list[dict[int, Worked]], skill: list[dict[int, str]],
                workers: int = 1) -> tuple[RosterModel, cp_model.CpSolver, int]:
    """Solve ``fixed_model``: every choice is fixed, so this only prices the roster (or finds
    that it breaks a hard rule)."""
    model = fixed_model(problem, days, skill)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = int(workers)
    solver.parameters.max_time_in_seconds = 60.0
    return model, solver, solver.solve(model.m)


def own_costs(problem: Problem, days: list[dict[int, Worked]]) -> list[int] | None:
    """Each agent's scaled paid-hour cost and soft-rule penalties, or None if the roster
    breaks a hard rule of an agent's own. Both follow from the shifts alone (pay from each
    option's paid slots, the rules from the days and times worked), so the model holds the
    shifts only, each fixed: no break positions, working slots or skills, which the search
    places by construction and ``fixed_model`` prices in full. On 150 agents this prices a
    week in 0.1-0.2 s, the full model in 1.2 s."""
    fixed, forced = _shifts_fixed(problem, days)
    model = RosterModel(fixed, forced=forced, coverage=False, breaks=False)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60.0
    if solver.solve(model.m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    own = _own(model, solver)
    return [own[a] for a in range(len(problem.agents))]


def _own(model: RosterModel, solver: cp_model.CpSolver) -> dict[int, int]:
    """Per agent of ``model``: scaled paid-hour cost plus the agent's soft-rule penalties."""
    own = dict.fromkeys(range(len(model.p.agents)), 0)
    for var, coef, a in model.cost_terms:
        own[a] += coef * solver.value(var)
    for pen in model.penalties:
        if pen.agent is not None:
            own[pen.agent] += pen.coef * solver.value(pen.var)
    return own
