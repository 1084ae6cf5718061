"""A first roster rounded from the LP relaxation with work/off patterns (bound.py).

The greedy roster (hint.py) takes shifts agent by agent against the demand the agents before
it left; the last agents, still short of their contract's minimum hours, go wherever the
rules let them. On the 150-agent benchmark it over-staffs ~3,700 agent-slots where the LP
over-staffs 660, and the search spent most of its minute repairing that. The LP already says
how each group of like agents (site, skills, contract) should work the week; this rounds it:

1. **Weeks.** Per group, a small CP-SAT model gives each agent a work/off pattern it can
   work with its leave, so that each day's count of working agents comes as close as it can
   to the LP's, then the mix of patterns, then the fewest weekend pairs and preferred days off
   worked (``assign_weeks``).
2. **Shifts.** Per group, one small CP-SAT model — the roster model without coverage, so each
   agent's own rules (weekly hours, rest, days, preferences) hold exactly — picks each agent's
   shift on every day of its pattern among the shifts the LP uses that day, bringing each day's
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

from wfm.schedule.bound import day_hours, day_patterns, group_options, lp_groups
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.problem import Problem

# Counts are compared with the LP's in tenths of an agent.
RESOLUTION = 10
# One agent-day off the LP's count of a shift costs as much as this many slots under-staffed.
DEVIATION_SLOTS = 2
# The most time one group's model gets.
GROUP_SECONDS = 3.0
# An agent-day more or fewer than the LP's count of working agents that day costs as much as
# this many slots under-staffed; an agent on a pattern more or fewer than the LP's mix, this.
DAY_DEVIATION_SLOTS = 8
MIX_DEVIATION_SLOTS = 1
# The most time one group's model of weeks gets.
WEEK_SECONDS = 1.0


def assign_weeks(problem: Problem, lp, seconds: float = WEEK_SECONDS) -> dict[int, set[int]]:
    """Hand the LP relaxation's work/off weeks (``LpResult.weeks``) to agents: per group, one
    small CP-SAT model puts each agent on a work/off pattern it can work (no day without
    options) so that each day's count of working agents is as close as it can be to the
    LP's (``DAY_DEVIATION_SLOTS``), then the mix of patterns to the LP's
    (``MIX_DEVIATION_SLOTS``), then the fewest weekend pairs, broken soft day rules and
    preferred days off. Agents alike in the days they can work and their preferred days off
    are one class, counted, not named. {agent: the days it works}; agents of a group whose
    model finds nothing in ``seconds``, and agents no pattern fits, are not in the answer.

    (Largest remainders, pattern by pattern, missed the LP's day counts: on the 150-agent
    benchmark the 67 full-time phone agents worked 48 and 60 agents on days the LP had 50.9
    and 63 — three agents' leave fitted none of the patterns left — and every day's rounding
    went its own way.)"""
    out: dict[int, set[int]] = {}
    w = problem.config.weights
    day_price = int(round(SCALE * w.understaffed_minute * problem.slot_minutes
                          * DAY_DEVIATION_SLOTS / RESOLUTION))
    mix_price = int(round(SCALE * w.understaffed_minute * problem.slot_minutes
                          * MIX_DEVIATION_SLOTS / RESOLUTION))
    pref = int(round(SCALE * w.preference))
    slot_h = problem.slot_minutes / 60
    for g, members in lp_groups(problem).items():
        weeks = lp.weeks.get(g, [])
        if not weeks:
            continue
        agent = problem.agents[members[0]]
        patterns = day_patterns(problem, agent.contract,
                                day_hours(group_options(problem, members), slot_h)) or []
        classes: dict[tuple, list[int]] = defaultdict(list)
        for a in members:
            spec = problem.agents[a]
            classes[(tuple(map(bool, spec.options)), spec.preferred_days_off)].append(a)
        m = cp_model.CpModel()
        z: dict[tuple[tuple, int], cp_model.IntVar] = {}
        objective = []
        for key, who in classes.items():
            able, days_off = key
            fits = [i for i, (pattern, _) in enumerate(patterns)
                    if all(able[d] for d, on in enumerate(pattern) if on)]
            if not fits:
                continue
            for i in fits:
                pattern, cost = patterns[i]
                z[(key, i)] = m.new_int_var(0, len(who), "")
                missed = sum(on and (problem.start.weekday() + d) % 7 in days_off
                             for d, on in enumerate(pattern))
                objective.append((int(round(SCALE * cost)) + pref * missed) * z[(key, i)])
            m.add(sum(z[(key, i)] for i in fits) == len(who))
        if not z:
            continue
        on: dict[int, list] = defaultdict(list)  # pattern -> its count in each class
        for (_, i), v in z.items():
            on[i].append(v)
        target = [sum(v for pattern, v in weeks if pattern[d]) for d in range(problem.days)]
        mix = dict(weeks)
        terms = [(RESOLUTION * sum((v for i, vs in on.items() if patterns[i][0][d] for v in vs),
                                   start=0), target[d], day_price) for d in range(problem.days)]
        terms += [(RESOLUTION * sum(on.get(i, []), start=0), mix.get(pattern, 0.0), mix_price)
                  for i, (pattern, _) in enumerate(patterns) if pattern in mix or i in on]
        for expr, want, price in terms:
            want = int(round(want * RESOLUTION))
            gap = m.new_int_var(0, RESOLUTION * len(members) + want, "")
            m.add(gap >= expr - want)
            m.add(gap >= want - expr)
            objective.append(price * gap)
        m.minimize(sum(objective))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = 1
        if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        for (key, i), v in z.items():
            for _ in range(solver.value(v)):
                out[classes[key].pop()] = {d for d, on in enumerate(patterns[i][0]) if on}
    return out


def lp_plan(problem: Problem, lp, deadline: float, seed: int = 0, workers: int = 1
            ) -> dict[int, dict[int, int]]:
    """{agent: {day: option index}} rounded from ``lp`` (an ``LpResult`` with patterns), the
    groups' models solved ``workers`` at a time until ``deadline`` (a ``time.perf_counter()``
    value). Agents of a group whose model found nothing in time are left out."""
    weeks = assign_weeks(problem, lp)
    plan: dict[int, dict[int, int]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # the largest groups, whose models take longest, first
        groups = sorted(lp_groups(problem).items(), key=lambda item: -len(item[1]))
        jobs = [pool.submit(_round_group, problem, lp, g, members, weeks, deadline, seed)
                for g, members in groups]
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
    for i, a in enumerate(members):  # the pattern's days are worked
        for d in weeks.get(a, ()):
            model.m.add(model.works_day[(i, d)] == 1)
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
    model.minimize(extra)
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

