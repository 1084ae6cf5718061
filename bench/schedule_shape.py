"""Experiment: how much of the named-roster gap is the LP bound's, and does a roster built
from the integer shape of the coverage problem start better than the LNS? (Issue 5.)

Run: ``python -m bench.schedule_shape [--agents 150] [--shape-seconds 20] [--assign-seconds 12]
[--limit 60]``. It prints one table: the LP bound; the integer day shapes (per-agent rules
relaxed, so their sum says how far above the LP an integer roster must at least be, roughly);
the roster the shapes give named agents; and the LNS strategy with the same total time, all in
one run. Finding (bench/results/schedule_shape.txt): the shapes come within a few percent of
the LP bound, so the bound is not what keeps the LNS at a 55% gap; but handing the shapes to
named agents loses about a tenth of the shifts (the days are shaped apart, and no day's shape
knows which agents can chain which days), so this construction starts worse than the LNS's
and is not used by ``wfm schedule``.

The construction:

1. **Shape.** For each site and day, the integer coverage problem over agent groups (site ×
   skills × contract; bound.py's ``day_shape``, HiGHS): how many of a group's agents work each
   shift option, take each break position and work each skill per slot. The LP bound says how
   many paid hours each group works each day, which keeps the week's contract hours in reach.
   Days and sites are solved side by side.
2. **Disaggregate.** Per group, CP-SAT gives the shapes' shifts to named agents: the roster
   model itself (every contract, rest, days-off, preference and fairness rule of each agent)
   with the group's shape as the one thing to cover, breaks held at mid-window so the shape and
   the agents' hours count alike.
3. **Breaks and skills.** Each agent on an option takes a break position the shape gave that
   option; each blended agent's working slot goes to a skill the shape allocated there (and
   where the shape has none left, to the skill with the largest gap).

Everything the shape relaxes (who can chain which days, leave, weekends) is paid for in step 2,
and the large-neighbourhood search could then improve the result as it would any roster.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from wfm.schedule.bound import DayShape, Group, LpResult, day_shape, groups
from wfm.schedule.hint import mid_breaks
from wfm.schedule.model import SCALE, RosterModel
from wfm.schedule.problem import Option, Problem


def day_shapes(problem: Problem, lp: LpResult, stop: float, workers: int
               ) -> dict[tuple[str, int], DayShape]:
    """Every site and day's shape, ``workers`` at a time, all done by ``stop`` (a
    ``time.perf_counter()`` value); a site and day HiGHS finds nothing for is left out."""
    jobs = [(site, d) for site in sorted({a.site for a in problem.agents})
            for d in range(problem.days)]
    per_job = max((stop - time.perf_counter()) * workers / max(len(jobs), 1), 0.5)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # HiGHS releases the GIL
        found = pool.map(lambda job: day_shape(problem, lp, job[0], job[1], per_job), jobs)
        return {job: shape for job, shape in zip(jobs, found, strict=True) if shape is not None}


def disaggregate(problem: Problem, shapes: dict[tuple[str, int], DayShape], stop: float,
                 workers: int, seed: int = 0) -> list[dict[int, tuple[Option, tuple]]] | None:
    """Per agent: {day: (option, break starts)}; None if some group cannot be rostered."""
    jobs = sorted(groups(problem).items(), key=lambda job: -len(job[1]))
    found = []
    for k, (g, members) in enumerate(jobs):  # one at a time, time by head count
        left = sum(len(m) for _, m in jobs[k:])
        seconds = max((stop - time.perf_counter()) * len(members) / left, 0.2)
        found.append(_assign_group(problem, shapes, g, members, seconds, workers, seed))
    if any(f is None for f in found):
        return None
    chosen: list[dict[int, Option]] = [{} for _ in problem.agents]
    for part in found:
        for a, days in part.items():
            chosen[a] = days
    return _place_breaks(problem, shapes, chosen)


def _assign_group(problem: Problem, shapes: dict[tuple[str, int], DayShape], g: Group,
                  members: list[int], seconds: float, workers: int, seed: int
                  ) -> dict[int, dict[int, Option]] | None:
    """The group's shifts from its shapes to its agents: the roster model's own rules for each
    agent (no coverage), and for each day a price on working fewer or more slots than the shape
    (a missing slot is likely short-staffed, an extra one over-staffed) and on each option's
    count differing from the shape's. The options the shapes use first, every option if that is
    infeasible."""
    w = problem.config.weights
    c_under = int(round(SCALE * w.understaffed_minute * problem.slot_minutes))
    c_over = int(round(SCALE * w.overstaffed_minute * problem.slot_minutes))
    want: dict[tuple[int, str, int], int] = {}
    for d in range(problem.days):
        shape = shapes.get((g[0], d))
        for (gg, shift, start), n in (shape.shifts.items() if shape else ()):
            if gg == g:
                want[(d, shift, start)] = n
    for restrict in (True, False):
        specs = []
        for a in members:
            agent = problem.agents[a]
            options = [[o for o in day if not restrict or (d, o.shift, o.start) in want]
                       for d, day in enumerate(agent.options)]
            specs.append(replace(agent, options=options))
        model = RosterModel(replace(problem, agents=specs), coverage=False)
        m, extra = model.m, []
        for d in range(problem.days):
            by_option: dict[tuple[str, int], list] = defaultdict(list)
            slots = []
            for (i, dd, o), x in model.x.items():
                if dd == d:
                    opt = specs[i].options[d][o]
                    by_option[(opt.shift, opt.start)].append(x)
                    slots.append(_length(opt) * x)
            goal = sum(n * _length(_option(problem, members, d, shift, start))
                       for (dd, shift, start), n in want.items() if dd == d)
            short = m.new_int_var(0, max(goal, 0), "")
            over = m.new_int_var(0, 10 * problem.n_slots * len(members), "")
            m.add(sum(slots) + short - over == goal)
            extra += [c_under // 4 * short, c_over * over]
            for key in set(by_option) | {k[1:] for k in want if k[0] == d}:
                n = want.get((d, *key), 0)
                miss = m.new_int_var(0, len(members) + n, "")
                m.add(sum(by_option.get(key, [])) - n <= miss)
                m.add(n - sum(by_option.get(key, [])) <= miss)
                extra.append(2 * c_over * miss)
        model._objective(extra)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.random_seed = seed
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {a: {d: specs[i].options[d][o] for (ii, d, o), x in model.x.items()
                        if ii == i and solver.boolean_value(x)}
                    for i, a in enumerate(members)}
    return None


def _length(opt: Option) -> int:
    """Working slots of ``opt`` (its breaks taken)."""
    return opt.length - sum(b.length for b in opt.breaks)


def _option(problem: Problem, members: list[int], d: int, shift: str, start: int) -> Option:
    return next(o for a in members for o in problem.agents[a].options[d]
                if (o.shift, o.start) == (shift, start))


def _place_breaks(problem: Problem, shapes: dict[tuple[str, int], DayShape],
                  chosen: list[dict[int, Option]]) -> list[dict[int, tuple[Option, tuple]]]:
    """Each agent's break starts: positions the shape gave the agent's group and option, in
    turn; mid-window where the shape has none left."""
    where = {a: g for g, members in groups(problem).items() for a in members}
    left: dict[tuple, list[list[int]]] = {}
    out: list[dict[int, tuple[Option, tuple]]] = [{} for _ in problem.agents]
    for a, days in enumerate(chosen):
        for d, opt in sorted(days.items()):
            shape = shapes.get((problem.agents[a].site, d))
            starts = list(mid_breaks(opt))
            for b, brk in enumerate(opt.breaks):
                key = (where[a], opt.shift, opt.start, b)
                if shape is None or key not in shape.breaks:
                    continue
                counts = left.setdefault((d, *key), list(shape.breaks[key]))
                k = next((k for k, n in enumerate(counts) if n > 0), None)
                if k is not None:
                    counts[k] -= 1
                    starts[b] = brk.starts[k]
            out[a][d] = (opt, tuple(starts))
    return out


def allocate_skills(problem: Problem, shapes: dict[tuple[str, int], DayShape],
                    worked: list[dict[int, tuple[Option, tuple]]]) -> list[dict[int, str]]:
    """Per agent: {slot: skill}. Single-skilled agents work their skill; a blended agent's slot
    goes to a skill the shape allocated to the group there, else to the largest gap left."""
    where = {a: g for g, members in groups(problem).items() for a in members}
    supply = {key: np.zeros(problem.n_slots) for key in problem.demand}
    skill: list[dict[int, str]] = [{} for _ in problem.agents]
    slots = [{t: None for opt, starts in days.values() for t in _working(opt, problem.n_slots,
                                                                         starts)}
             for days in worked]
    for a, agent in enumerate(problem.agents):
        if len(agent.skills) == 1:
            for t in slots[a]:
                skill[a][t] = agent.skills[0]
                supply[(agent.site, agent.skills[0])][t] += 1
    quota: dict[tuple[Group, int, str], int] = {}
    for shape in shapes.values():
        for key, n in shape.alloc.items():
            quota[key] = quota.get(key, 0) + n
    for a, agent in enumerate(problem.agents):
        if len(agent.skills) <= 1:
            continue
        for t in slots[a]:
            k = next((k for k in agent.skills if quota.get((where[a], t, k), 0) > 0), None)
            if k is None:
                k = max(agent.skills, key=lambda kk: problem.demand[(agent.site, kk)][t]
                        - supply[(agent.site, kk)][t])
            else:
                quota[(where[a], t, k)] -= 1
            skill[a][t] = k
            supply[(agent.site, k)][t] += 1
    return skill


def _working(opt: Option, n_slots: int, starts: tuple | None = None) -> list[int]:
    """The slots ``opt`` works with its breaks at ``starts`` (mid-window if not given)."""
    starts = mid_breaks(opt) if starts is None else starts
    off = {t for b, s in zip(opt.breaks, starts, strict=True) for t in range(s, s + b.length)}
    return [t for t in range(opt.start, min(opt.end, n_slots)) if t not in off]




def shape_roster(problem: Problem, lp: LpResult, shape_seconds: float, assign_seconds: float,
                 workers: int = 2):
    """(shapes, days, skill) for ``problem`` or None where a group cannot be rostered."""
    from wfm.schedule.lns import Worked

    shapes = day_shapes(problem, lp, time.perf_counter() + shape_seconds, workers)
    worked = disaggregate(problem, shapes, time.perf_counter() + assign_seconds, workers)
    if worked is None:
        return shapes, None, None
    skill = allocate_skills(problem, shapes, worked)
    days = [{d: Worked(opt, starts) for d, (opt, starts) in w.items()} for w in worked]
    return shapes, days, skill


def main(argv=None) -> None:
    import argparse

    from bench.schedule_bench import named_instance
    from wfm.schedule.bound import lp_relaxation
    from wfm.schedule.lns import fixed_model
    from wfm.schedule.model import SCALE
    from wfm.schedule.problem import build_problem
    from wfm.schedule.solve import solve_schedule

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=150)
    ap.add_argument("--sites", type=int, default=1)
    ap.add_argument("--shape-seconds", type=float, default=20)
    ap.add_argument("--assign-seconds", type=float, default=12)
    ap.add_argument("--limit", type=float, default=60, help="the LNS run's time limit")
    args = ap.parse_args(argv)
    req, agents, cfg = named_instance(args.agents, args.sites, 7)
    problem = build_problem(req, agents, cfg)
    t0 = time.perf_counter()
    lp = lp_relaxation(problem)
    lp_s = time.perf_counter() - t0
    t = time.perf_counter()
    shapes, days, skill = shape_roster(problem, lp, args.shape_seconds, args.assign_seconds,
                                       cfg.solver.workers)
    took = time.perf_counter() - t
    shaped = sum(s.value for s in shapes.values())
    value = None
    if days is not None:
        model = fixed_model(problem, days, skill)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = cfg.solver.workers
        if solver.solve(model.m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = solver.objective_value / SCALE
    wanted = sum(n for s in shapes.values() for n in s.shifts.values())
    given = sum(len(d) for d in days) if days is not None else 0
    run = cfg.model_copy(update={"solver": cfg.solver.model_copy(
        update={"time_limit_seconds": args.limit, "strategy": "lns"})})
    lns = solve_schedule(req, agents, run)

    def gap(v):
        return f"{1 - lp.value / v:.1%}" if v else "—"

    print(f"named roster, {args.agents} agents, {args.sites} site(s), 7 days of 15-minute slots; "
          f"gap = 1 - LP bound / value")
    print(f"{'what':<44}{'value':>12}{'gap to LP':>11}{'seconds':>9}")
    print(f"{'LP bound (GLOP)':<44}{lp.value:>12,.0f}{'':>11}{lp_s:>9.1f}")
    print(f"{'integer day shapes, per-agent rules relaxed':<44}{shaped:>12,.0f}"
          f"{gap(shaped):>11}{took:>9.1f}")
    print(f"{'roster from the shapes (before any LNS)':<44}"
          f"{value if value is not None else float('nan'):>12,.0f}{gap(value):>11}{'':>9}")
    print(f"{'LNS strategy (wfm schedule), whole run':<44}{lns.objective:>12,.0f}"
          f"{gap(lns.objective):>11}{lns.seconds:>9.1f}")
    print(f"shapes proven optimal (0.5% tolerance): {sum(s.proven for s in shapes.values())} of "
          f"{len(shapes)}; shifts in the shapes {wanted}, given to agents {given}")


if __name__ == "__main__":
    main()
