"""A first roster rounded from the LP relaxation with work/off patterns (bound.py).

The greedy roster (hint.py) takes shifts agent by agent against the demand the agents before
it left; the last agents, still short of their contract's minimum hours, go wherever the
rules let them. On the 150-agent benchmark it over-staffs ~3,700 agent-slots where the LP
over-staffs 660, and the search spent most of its minute repairing that. The LP already says
how each group of like agents (site, skills, contract) should work the week; this rounds it:

1. **Weeks.** Each group's fractional count of agents per work/off pattern is rounded to
   whole agents (largest remainders), and the patterns are handed out, agents with the fewest
   days available first, each the pattern that fits its leave and misses the fewest of its
   preferred days off (``assign_weeks``).
2. **Shifts.** Per group, one small CP-SAT model — the roster model without coverage, so each
   agent's own rules (weekly hours, rest, days, preferences) hold exactly — picks each agent's
   shift on the days of its pattern among the shifts the LP uses that day, bringing each day's
   count of each shift as close as it can to the LP's (the sum of the differences, priced as
   under-staffing). A group whose agents cannot be placed so gets every shift option on its
   pattern's days, then every day.

Breaks and skills are left to the search's construction (lns.py), which places them exactly
day by day.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from ortools.sat.python import cp_model

from wfm.schedule.bound import lp_groups
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.problem import Problem

# Counts are compared with the LP's in tenths of an agent.
RESOLUTION = 10
# One agent-day off the LP's count of a shift costs as much as this many slots under-staffed.
DEVIATION_SLOTS = 2
# The most time one group's model gets.
GROUP_SECONDS = 3.0


def assign_weeks(problem: Problem, lp) -> dict[int, set[int]]:
    """Hand the LP relaxation's work/off patterns (``LpResult.weeks``) to agents: each group's
    fractional counts rounded to whole agents (largest remainders), then each agent, those with
    the fewest days available first, given a pattern it can work (no day without options,
    fewest preferred days off). {agent: the days it works}; agents left without a pattern are
    not in the answer."""
    out: dict[int, set[int]] = {}
    for g, members in lp_groups(problem).items():
        weeks = lp.weeks.get(g, [])
        if not weeks:
            continue
        counts = [int(v) for _, v in weeks]
        short = len(members) - sum(counts)
        for i in sorted(range(len(weeks)), key=lambda i: int(weeks[i][1]) - weeks[i][1])[
                :max(short, 0)]:
            counts[i] += 1
        pool = [pattern for (pattern, _), n in zip(weeks, counts, strict=True)
                for _ in range(n)]
        for a in sorted(members, key=lambda a: sum(map(bool, problem.agents[a].options))):
            agent = problem.agents[a]
            fits = [i for i, pattern in enumerate(pool)
                    if all(agent.options[d] for d, on in enumerate(pattern) if on)]
            if not fits:
                continue
            i = min(fits, key=lambda i: sum(
                on and (problem.start.weekday() + d) % 7 in agent.preferred_days_off
                for d, on in enumerate(pool[i])))
            out[a] = {d for d, on in enumerate(pool.pop(i)) if on}
    return out


def lp_plan(problem: Problem, lp, deadline: float, seed: int = 0, workers: int = 1
            ) -> dict[int, dict[int, int]]:
    """{agent: {day: option index}} rounded from ``lp`` (an ``LpResult`` with patterns), the
    groups' models solved ``workers`` at a time until ``deadline`` (a ``time.perf_counter()``
    value). Agents of a group whose model found nothing in time are left out."""
    weeks = assign_weeks(problem, lp)
    plan: dict[int, dict[int, int]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(_round_group, problem, lp, g, members, weeks, deadline, seed)
                for g, members in lp_groups(problem).items()]
        for job in jobs:
            plan.update(job.result())
    return plan


def _round_group(problem: Problem, lp, g: tuple, members: list[int],
                 weeks: dict[int, set[int]], deadline: float, seed: int
                 ) -> dict[int, dict[int, int]]:
    """The group's agents' shifts: on their pattern's days among the LP's shifts, else on
    those days among all their options, else on any day; {} if none is found in time."""
    for days, lp_shifts in ((True, True), (True, False), (False, False)):
        left = min(deadline - time.perf_counter(), GROUP_SECONDS)
        if left < 0.05:
            break
        found = _solve_group(problem, lp, g, members, weeks if days else {}, lp_shifts, left,
                             seed)
        if found is not None:
            return found
    return {}


def _solve_group(problem: Problem, lp, g: tuple, members: list[int],
                 weeks: dict[int, set[int]], lp_shifts: bool, seconds: float, seed: int
                 ) -> dict[int, dict[int, int]] | None:
    specs, index = [], []  # per member: its options kept, and their indices in the problem
    for a in members:
        agent = problem.agents[a]
        week = weeks.get(a)
        options, kept = [], []
        for d, day in enumerate(agent.options):
            wanted = lp.used.get((*g, d), {})
            keep = [o for o, opt in enumerate(day) if (opt.shift, opt.start) in wanted] \
                if lp_shifts else []
            keep = [] if week is not None and d not in week else (keep or list(range(len(day))))
            options.append([day[o] for o in keep])
            kept.append(keep)
        specs.append(replace(agent, options=options))
        index.append(kept)
    model = RosterModel(replace(problem, agents=specs), coverage=False, breaks=False)
    w = problem.config.weights
    price = int(round(SCALE * w.understaffed_minute * problem.slot_minutes * DEVIATION_SLOTS
                      / RESOLUTION))
    extra = []
    for d in range(problem.days):
        counts: dict[tuple[str, int], list] = defaultdict(list)
        for i, spec in enumerate(specs):
            for o, opt in enumerate(spec.options[d]):
                counts[(opt.shift, opt.start)].append(model.x[(i, d, o)])
        wanted = lp.used.get((*g, d), {})
        for key in counts.keys() | wanted.keys():
            target = int(round(wanted.get(key, 0.0) * RESOLUTION))
            above = model.m.new_int_var(0, RESOLUTION * len(members), "")
            below = model.m.new_int_var(0, target, "")
            model.m.add(RESOLUTION * sum(counts.get(key, [])) - above + below == target)
            extra += [price * above, price * below]
    model._objective(extra)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = 1
    # the strongest linear relaxation: the benchmark's largest group (67 agents) is proven
    # optimal in 1.6 s; with the default, the first good roster came after 2 s
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = seed
    status = solver.solve(model.m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    plan: dict[int, dict[int, int]] = {a: {} for a in members}
    for (i, d, o), x in model.x.items():
        if solver.boolean_value(x):
            plan[members[i]][d] = index[i][d][o]
    return plan

