"""A greedy first roster, given to CP-SAT as a solution hint.

Agent by agent and day by day, take the allowed shift option that saves the most (short slots
it fills less slots it over-staffs, less its pay and the agent's soft-rule penalties it incurs:
a preferred day off or shift missed, a weekend worked in full) for the agent's skills, within
the contract (hours, days, consecutive days worked and off) and the rest rule; keep adding
shifts with no gain only until the contract's minimum hours are met. Breaks go to the middle
of their windows. CP-SAT starts from it (repairing what the greedy broke) instead of
searching for a first solution from nothing.
"""

from __future__ import annotations

import numpy as np

from wfm.schedule.problem import Option, Problem, paid_slots


def greedy(problem: Problem) -> dict[int, dict[int, int]]:
    """{agent index: {day: option index}}."""
    remaining = {key: arr.copy() for key, arr in problem.demand.items()}
    order = sorted(range(len(problem.agents)), key=lambda a: len(problem.agents[a].skills))
    return {a: _plan_agent(problem, problem.agents[a], remaining) for a in order}


def _plan_agent(problem: Problem, agent, remaining) -> dict[int, int]:
    c = agent.contract
    slot_h = problem.slot_minutes / 60
    rest = c.min_rest_hours * 60 / problem.slot_minutes
    keys = [(agent.site, k) for k in agent.skills if (agent.site, k) in remaining]
    chosen: dict[int, int] = {}
    hours = 0.0
    longest = max((paid_slots(o) * slot_h for day in agent.options for o in day), default=0.0)

    w = problem.config.weights
    under = w.understaffed_minute * problem.slot_minutes
    over = w.overstaffed_minute * problem.slot_minutes
    pay = w.paid_hour_cost * c.cost_per_hour * slot_h
    def penalty(d: int, opt: Option) -> float:
        """The agent's soft-rule penalties that working ``opt`` on day ``d`` adds, as the
        roster model prices them."""
        cost = 0.0
        weekday = (problem.start.weekday() + d) % 7
        if weekday in agent.preferred_days_off:
            cost += w.preference
        if agent.preferred_shifts and opt.shift not in agent.preferred_shifts:
            cost += w.preference
        if (weekday == 5 and d + 1 in chosen) or (weekday == 6 and d - 1 in chosen):
            cost += w.weekend_pair  # the model pairs each Saturday with the day after
        return cost

    def gain(d: int, opt: Option, needy_before: np.ndarray) -> float:
        """What the shift saves: short slots it fills less slots it over-staffs, less pay
        and penalties (breaks count as working here; they go where there is slack).
        ``needy_before[t]``: how many slots before t are short of one of the skills."""
        stop = min(opt.end, problem.n_slots)
        needy = int(needy_before[stop] - needy_before[opt.start])
        return needy * under - (stop - opt.start - needy) * over - paid_slots(opt) * pay \
            - penalty(d, opt)

    def allowed(d: int, opt: Option, free: int) -> bool:
        """``free``: the days the agent could still work besides ``d`` (``_days_left``)."""
        after = hours + paid_slots(opt) * slot_h
        if len(chosen) >= c.max_days or after > c.max_hours_week:
            return False
        if after + min(c.max_days - len(chosen) - 1, free) * longest < c.min_hours_week:
            return False  # short shifts now would leave too few days for the minimum hours
        for dd, o in chosen.items():
            if abs(dd - d) == 1:
                other = agent.options[dd][o]
                first, second = (other, opt) if dd < d else (opt, other)
                if second.start - first.end < rest:
                    return False
        return True

    while True:
        best = None
        short = np.zeros(problem.n_slots, dtype=bool)
        for k in keys:
            short |= remaining[k] > 0
        needy_before = np.concatenate(([0], np.cumsum(short)))
        for d in range(problem.days):
            if d in chosen or not agent.options[d]:
                continue
            if 1 + _run(chosen, d, -1) + _run(chosen, d, 1) > c.max_consecutive_days or \
                    not _off_run_left({*chosen, d}, problem.days, c.min_consecutive_days_off):
                continue
            free = _days_left(agent, {*chosen, d}, problem.days, c.min_consecutive_days_off)
            for o, opt in enumerate(agent.options[d]):
                if allowed(d, opt, free):
                    score = gain(d, opt, needy_before)
                    if best is None or score > best[0]:
                        best = (score, d, o)
        if best is None or (best[0] <= 0 and hours >= c.min_hours_week):
            return chosen
        _, d, o = best
        chosen[d] = o
        opt = agent.options[d][o]
        hours += paid_slots(opt) * slot_h
        _take(remaining, keys, opt, problem.n_slots)


def _run(chosen: dict[int, int], d: int, step: int) -> int:
    n, k = 0, d + step
    while k in chosen:
        n, k = n + 1, k + step
    return n


def _days_left(agent, working: set[int], days: int, k: int) -> int:
    """How many more days the agent could still work: days with options, less those the
    run of ``k`` days off must keep free."""
    free = {d for d in range(days) if agent.options[d] and d not in working}
    if k <= 1 or k > days:
        return len(free)
    windows = [set(range(d0, d0 + k)) for d0 in range(days - k + 1)
               if not working & set(range(d0, d0 + k))]
    return len(free) - min((len(w & free) for w in windows), default=len(free))


def _off_run_left(working: set[int], days: int, k: int) -> bool:
    """Whether the days not worked still include a run of ``k`` consecutive days."""
    if k <= 1 or k > days:
        return True
    return any(not working & set(range(d0, d0 + k)) for d0 in range(days - k + 1))


def _take(remaining, keys, opt: Option, n_slots: int) -> None:
    if not keys:
        return
    for t in working_slots(opt, n_slots):
        key = max(keys, key=lambda k: remaining[k][t])
        remaining[key][t] = max(remaining[key][t] - 1, 0.0)


def mid_breaks(opt: Option) -> tuple[int, ...]:
    """The start slot of each of ``opt``'s breaks in the middle of its window."""
    return tuple(b.starts[len(b.starts) // 2] for b in opt.breaks)


def working_slots(opt: Option, n_slots: int, starts: tuple[int, ...] | None = None
                  ) -> list[int]:
    """The slots ``opt`` works (within the horizon) with its breaks starting at ``starts``,
    mid-window if not given."""
    starts = mid_breaks(opt) if starts is None else starts
    off = {t for b, s in zip(opt.breaks, starts, strict=True) for t in range(s, s + b.length)}
    return [t for t in range(opt.start, min(opt.end, n_slots)) if t not in off]


def add_hint(model) -> None:
    """Hint every shift and break variable of ``model`` (a RosterModel) from the greedy plan."""
    plan = greedy(model.p)
    for (a, d, o), var in model.x.items():
        model.m.add_hint(var, int(plan.get(a, {}).get(d) == o))
    first_run: dict[int, int] = {}
    for (a, d0), var in sorted(model.off_runs.items()):
        k = model.p.agents[a].contract.min_consecutive_days_off
        off = a not in first_run and not set(plan.get(a, {})) & set(range(d0, d0 + k))
        if off:
            first_run[a] = d0
        model.m.add_hint(var, int(off))
    for (a, d, o, b, k), var in model.brk.items():
        opt = model.p.agents[a].options[d][o]
        mid = len(opt.breaks[b].starts) // 2
        model.m.add_hint(var, int(plan.get(a, {}).get(d) == o and k == mid))



