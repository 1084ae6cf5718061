"""Scheduling benchmark: anonymous shift sizing, wfm against pyworkforce 0.5.4, one run.

    python bench/schedule_bench.py [--peer-python PATH] [--seeds 5] [--repeats 3]

Instances (seeded): one week of 336 half-hours, a double-peaked requirement peaking at 60,
shifts of 4, 6, 8 and 9 hours starting every 30 minutes (ending the same day), cost = paid
hours. Both sides must reach the optimum; the LP bound (GLOP) is printed next to it. Timings
include building the model, as a user experiences them (median of --repeats).
pyworkforce runs in its own Python ≥ 3.12 environment (see staffing_bench.py).

Target (issue #5): the same optimum, ≥ 3× faster, side by side.

With --named it also solves seeded named rosters (50 and 150 agents on one site at
--named-limit, 500 on two sites at 120 s) with each of --strategies (the large-neighbourhood
search and one CP-SAT model) and reports the time to the first roster and the gap to the LP
bound at the time limit. --scaling solves only named rosters, varying agents, days and the
requirement interval (30, 15 or 5 minutes: the model's slot follows the finest time used), and
prints the same table. --pattern-seconds N adds each named
instance's weekly-pattern bound (column generation over whole weeks, wfm/schedule/columns.py,
run alone before the solves) and the gap to it: the LP bound knows each group's work/off
patterns but not rest, each agent's own hours or preferences, so the pattern bound can be
stronger. --bounds prints only the two bounds and their times, side by side, per instance.
--exact solves each --sizes instance (default one day of 25, 50 and 150 agents) to a proven
optimum in the grouped model (wfm/schedule/grouped.py, every agent free, CP-SAT for up to
--exact-seconds) and prints how far the LP bound lies below it and how far the search ends
above it at --named-limit: the LP bound places shifts and breaks fractionally, so on a small
roster it can lie far below any roster.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.staffing_bench import peer_python  # noqa: E402
from wfm.schedule.anonymous import min_cost_shifts, shift_matrix  # noqa: E402

PERIODS, LENGTHS = 48, [8, 12, 16, 18]  # half-hours: 4, 6, 8, 9 h


def requirement(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = (np.arange(PERIODS) + 0.5) / 2
    days = []
    for d in range(7):
        scale = 1.0 if d < 5 else 0.6
        curve = np.exp(-0.5 * ((t - 10.5) / 1.8) ** 2) + 0.85 * np.exp(-0.5 * ((t - 15) / 2) ** 2)
        noisy = 60 * scale * curve / curve.max() * rng.uniform(0.9, 1.1, PERIODS)
        days.append(np.round(np.clip(noisy, 0, None)).astype(int))
    return np.array(days)


def named_instance(agents: int, sites: int = 1, days: int = 7, seed: int = 0,
                   interval: int = 15):
    """A seeded named-roster instance: ``interval``-minute requirements (15 by default) for 3
    skills per site (phone, wechat, email) scaled to the agents available, a roster with ~25%
    blended agents, full- and part-timers and a little leave; under a week, the contracts'
    weekly maximum pro rata and no minimum. Returns (requirements, agents frame, config)."""
    import pandas as pd

    from wfm.config import load_config
    from wfm.schedule.config import ScheduleConfig

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-11-23")
    per_day = 1440 // interval
    t = (np.arange(per_day) + 0.5) * interval / 60
    shape = np.exp(-0.5 * ((t - 10.5) / 2) ** 2) + 0.8 * np.exp(-0.5 * ((t - 15.5) / 2.2) ** 2)
    shape = shape * ((t >= 8) & (t < 22))
    per_site = agents // sites
    rows = []
    for site in range(sites):
        for skill, share in (("phone", 0.6), ("wechat", 0.25), ("email", 0.15)):
            peak = per_site * 0.55 * share
            for d in range(days):
                level = peak * (1.0 if d < 5 else 0.55)
                need = np.round(level * shape / shape.max() * rng.uniform(0.9, 1.1, per_day))
                for k in range(per_day):
                    rows.append({"interval_start": start + pd.Timedelta(days=d,
                                                                        minutes=interval * k),
                                 "site": f"S{site}", "skill": skill, "required": float(need[k])})
    requirements = pd.DataFrame(rows)
    roster = []
    for i in range(agents):
        site = f"S{i % sites}"
        r = rng.random()
        skills = ("phone",) if r < 0.45 else ("wechat",) if r < 0.6 else ("email",) if r < 0.7 \
            else ("phone", "wechat") if r < 0.9 else ("phone", "wechat", "email")
        leave = ()
        if rng.random() < 0.1:
            day = start + pd.Timedelta(days=int(rng.integers(0, 5)))
            leave = ((day.to_pydatetime(), (day + pd.Timedelta(days=1)).to_pydatetime()),)
        roster.append({"agent_id": f"A{i:04d}", "name": f"坐席{i}", "site": site,
                       "skills": skills, "contract": "part_time" if rng.random() < 0.2
                       else "full_time", "team": "", "unavailable": leave,
                       "preferred_shifts": (), "preferred_days_off": ()})
    cfg = load_config(HERE.parent / "configs" / "schedule.yaml", ScheduleConfig)
    if days < 7:  # a shorter horizon: the week's maximum pro rata, no minimum (leave would
        # make a one-day minimum impossible)
        cfg = cfg.model_copy(update={"contracts": {name: c.model_copy(update={
            "min_hours_week": 0,
            "max_hours_week": c.max_hours_week * days / 7 + 8.5,
            "max_days": min(c.max_days, days),
            "min_consecutive_days_off": 0}) for name, c in cfg.contracts.items()}})
    return requirements, pd.DataFrame(roster), cfg


def bounds(sizes: list[tuple], pattern_seconds: float) -> None:
    """Per (agents, sites, days, interval) instance: the LP bound (bound.py, GLOP) and the
    weekly-pattern bound (columns.py, column generation for up to ``pattern_seconds``), each
    with its wall time, and how far apart they are."""
    from wfm.schedule.bound import lp_relaxation
    from wfm.schedule.columns import ColumnGeneration
    from wfm.schedule.problem import build_problem

    print("\nlower bounds of named rosters (* converged); apart = 1 - LP bound / pattern bound")
    print(f"{'agents':>7}{'sites':>6}{'days':>5}{'req min':>8}{'LP bound':>11}{'LP s':>7}"
          f"{'pattern bd':>12}{'pattern s':>10}{'apart':>8}")
    for n, sites, days, interval in sizes:
        req, roster, cfg = named_instance(n, sites, days, interval=interval)
        problem = build_problem(req, roster, cfg)
        t0 = time.perf_counter()
        lp = lp_relaxation(problem)
        lp_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cg = ColumnGeneration(problem, cfg.solver.workers, cfg.solver.seed).run(
            t0 + pattern_seconds)
        cg_s = time.perf_counter() - t0
        value = lp.value if lp else float("nan")
        shown = _pattern_cell(cg.bound, cg.converged)
        apart = 1 - value / cg.bound if cg.bound else float("nan")
        print(f"{n:>7}{sites:>6}{days:>5}{interval:>8}{value:>11,.0f}{lp_s:>7.1f}{shown}"
              f"{cg_s:>10.1f}{apart:>8.1%}", flush=True)


def _pattern_cell(bound: float | None, converged: bool) -> str:
    """The pattern-bound column: the bound, * when column generation converged, — if none."""
    return f"{bound:>11,.0f}{'*' if converged else ' '}" if bound is not None else f"{'—':>12}"


def named(sizes: list[tuple], strategies: list[str], pattern_seconds: float = 0.0) -> None:
    """Solve each (agents, sites, days, time limit[, requirement interval in minutes, default
    15]) instance with each strategy; one table. The model's slot is the finest grid the
    requirements and the config use (15 minutes for the sample config's breaks, 5 for 5-minute
    requirements).
    The time limit covers everything (building, the LP bound, the search, the report). With
    ``pattern_seconds``, each instance's weekly-pattern bound (column generation, run alone
    beforehand) is printed too, with the gap to it."""
    from wfm.schedule.columns import ColumnGeneration
    from wfm.schedule.problem import build_problem, slot_minutes_for
    from wfm.schedule.solve import solve_schedule

    print("\nnamed rosters, 3 skills per site; slots = the model's slots over the horizon "
          "(req min: the requirement interval); gap = 1 - bound / objective; pattern bound: "
          "column generation over whole weeks (* converged)")
    print(f"{'agents':>7}{'sites':>6}{'days':>5}{'req min':>8}{'slots':>6}{'strategy':>9}"
          f"{'limit s':>8}{'first roster s':>16}{'objective':>12}{'LP bound':>12}"
          f"{'gap to LP':>11}{'pattern bd':>12}{'gap to pat':>11}{'wall s':>8}")
    for agents, sites, days, limit, *rest in sizes:
        interval = rest[0] if rest else 15
        req, roster, cfg = named_instance(agents, sites, days, interval=interval)
        slots = days * 1440 // slot_minutes_for(cfg, interval)
        pattern, converged = None, False
        if pattern_seconds:
            t0 = time.perf_counter()
            cg = ColumnGeneration(build_problem(req, roster, cfg), cfg.solver.workers,
                                  cfg.solver.seed).run(t0 + pattern_seconds)
            pattern, converged = cg.bound, cg.converged
            print(f"  (pattern bound: {cg.iterations} rounds, {cg.columns} weeks, "
                  f"{cg.seconds:.0f} s, {'converged' if cg.converged else 'not converged'}; "
                  f"master LP {cg.lp_value:,.0f})", flush=True)
        for strategy in strategies:
            run = cfg.model_copy(update={"solver": cfg.solver.model_copy(
                update={"time_limit_seconds": limit, "strategy": strategy})})
            r = solve_schedule(req, roster, run)
            first = r.progress[0][0] if r.progress else float("nan")
            gap = 1 - r.lp_bound / r.objective if r.objective and r.lp_bound else float("nan")
            pgap = 1 - pattern / r.objective if r.objective and pattern else float("nan")
            shown = _pattern_cell(pattern, converged)
            print(f"{agents:>7}{sites:>6}{days:>5}{interval:>8}{slots:>6}{strategy:>9}"
                  f"{limit:>8g}"
                  f"{first:>16.1f}{r.objective or float('nan'):>12,.0f}"
                  f"{r.lp_bound or float('nan'):>12,.0f}{gap:>10.1%}{shown}{pgap:>10.1%}"
                  f"{r.seconds:>8.1f}", flush=True)


def exact(sizes: list[tuple], seconds: float, limit: float, strategy: str = "lns") -> None:
    """Per (agents, sites, days, interval) instance: the optimum proven by CP-SAT on the
    grouped model (every agent free, 2 workers, up to ``seconds``; its best bound if not
    proven), the LP bound, and the search's roster at ``limit`` seconds."""
    from ortools.sat.python import cp_model

    from wfm.schedule.bound import lp_relaxation
    from wfm.schedule.grouped import Grouped
    from wfm.schedule.model import SCALE
    from wfm.schedule.problem import build_problem
    from wfm.schedule.solve import solve_schedule

    print("\nrosters solved to a proven optimum (grouped model, CP-SAT; in brackets the best "
          "found when not proven); LP below = 1 - LP bound / optimum; above = search / "
          "optimum - 1")
    print(f"{'agents':>7}{'sites':>6}{'days':>5}{'LP bound':>10}{'optimum':>10}{'bound':>10}"
          f"{'proof s':>9}{'LP below':>10}{'search':>9}{'above':>8}")
    for n, sites, days, interval in sizes:
        req, roster, cfg = named_instance(n, sites, days, interval=interval)
        problem = build_problem(req, roster, cfg)
        lp = lp_relaxation(problem)
        model = Grouped(problem)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = cfg.solver.workers
        solver.parameters.max_time_in_seconds = seconds
        status = solver.solve(model.m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            print(f"{n:>7}{sites:>6}{days:>5}  no roster in {seconds:g} s", flush=True)
            continue
        best = (solver.objective_value + model.constant) / SCALE
        bound = (solver.best_objective_bound + model.constant) / SCALE
        proven = status == cp_model.OPTIMAL
        run = cfg.model_copy(update={"solver": cfg.solver.model_copy(
            update={"time_limit_seconds": limit, "strategy": strategy})})
        found = solve_schedule(req, roster, run).objective
        # not proven: the best roster found in brackets, and no distance of the LP below it
        shown = f"{best:>10,.0f}" if proven else f"{'(' + format(best, ',.0f') + ')':>10}"
        below = f"{1 - lp.value / best:>10.1%}" if proven else f"{'—':>10}"
        print(f"{n:>7}{sites:>6}{days:>5}{lp.value:>10,.1f}{shown}{bound:>10,.1f}"
              f"{solver.wall_time:>9.1f}{below}{found:>9,.0f}{found / best - 1:>8.1%}",
              flush=True)
        if found < bound - 1e-6:
            print(f"  the search's {found:,.0f} lies below the proven bound {bound:,.1f}: "
                  "the grouped model and the roster model disagree", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--named", action="store_true",
                        help="Also solve named rosters of 50, 150 and 500 agents.")
    parser.add_argument("--named-limit", type=float, default=60)
    parser.add_argument("--scaling", action="store_true",
                        help="Named rosters only: how time and gap scale with agents and days.")
    parser.add_argument("--strategies", default="lns,single",
                        help="Roster search strategies to compare (solver.strategy).")
    parser.add_argument("--pattern-seconds", type=float, default=0,
                        help="Also compute each named instance's weekly-pattern bound (column "
                        "generation) for up to this many seconds; 150 agents need ~120 s.")
    parser.add_argument("--bounds", action="store_true",
                        help="Only the LP bound and the weekly-pattern bound (for up to "
                        "--pattern-seconds, default 300) of each --sizes instance, with times.")
    parser.add_argument("--exact", action="store_true",
                        help="Solve each --sizes instance (default one day of 25, 50 and 150 "
                        "agents) to a proven optimum and compare the LP bound and the search "
                        "at --named-limit with it.")
    parser.add_argument("--exact-seconds", type=float, default=300,
                        help="CP-SAT's time for --exact's proof.")
    parser.add_argument("--sizes", default=None,
                        help="Named instances as agents:sites[:days[:requirement interval in "
                        "minutes]], comma-separated "
                        "(default 50:1,150:1,500:2).")
    args = parser.parse_args()
    strategies = args.strategies.split(",")
    if args.scaling:
        limit = args.named_limit
        named([(25, 1, 7, limit), (50, 1, 7, limit), (100, 1, 7, limit), (150, 1, 7, limit),
               (150, 1, 1, limit), (150, 1, 3, limit), (300, 2, 7, limit),
               (150, 1, 7, limit, 30), (50, 1, 7, limit, 5), (150, 1, 7, limit, 5)],
              strategies, args.pattern_seconds)
        return
    if args.named or args.bounds or args.exact:
        sizes = [(25, 1, 1, 15), (50, 1, 1, 15), (150, 1, 1, 15)] if args.exact else \
            [(50, 1, 7), (150, 1, 7), (500, 2, 7)]
        if args.sizes:
            sizes = []
            for item in args.sizes.split(","):  # agents:sites[:days[:interval]]
                parts = [int(x) for x in item.split(":")]
                if not 2 <= len(parts) <= 4:
                    parser.error(f"--sizes {item!r}: expected agents:sites[:days[:interval]]")
                sizes.append((*parts, *[7, 15][len(parts) - 2:]))
        if args.exact:
            exact(sizes, args.exact_seconds, args.named_limit, strategies[0])
            return
        if args.bounds:
            bounds(sizes, args.pattern_seconds or 300)
            return
        named([(n, s, d, args.named_limit if n < 500 else max(args.named_limit, 120), *rest)
               for n, s, d, *rest in sizes], strategies, args.pattern_seconds)
    cover, labels = shift_matrix(PERIODS, LENGTHS)
    cost = np.array([length // 2 for _, length in labels])  # paid hours, whole hours here
    python = peer_python(args.peer_python)
    print(f"{'seed':<6}{'wfm optimum':>12}{'peer optimum':>14}{'LP bound':>10}{'wfm s':>8}"
          f"{'peer s':>8}{'ratio':>8}")
    ratios = []
    for seed in range(args.seeds):
        req = requirement(seed)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ours = min_cost_shifts(req, cover, cost)
            times.append(time.perf_counter() - t0)
        ours_s = statistics.median(times)
        instance = {"required": req.tolist(), "repeats": args.repeats, "time_limit": 120,
                    "max_period": 1000, "max_shift": 1000,
                    "shifts_coverage": {f"s{i}": row.tolist() for i, row in enumerate(cover)},
                    "cost": {f"s{i}": int(c) for i, c in enumerate(cost)}}
        out = subprocess.run([str(python), str(HERE / "peers" / "schedule_peers.py")],
                             input=json.dumps(instance), capture_output=True, text=True,
                             check=True)
        peer = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = peer["seconds"] / ours_s
        ratios.append(ratio)
        same = "" if abs(peer["cost"] - ours.objective) < 1e-6 else "  DIFFERENT"
        print(f"{seed:<6}{ours.objective:>12.0f}{peer['cost']:>14.0f}{ours.lp_bound:>10.1f}"
              f"{ours_s:>8.2f}{peer['seconds']:>8.2f}{ratio:>7.1f}×{same}  "
              f"({ours.status} / {peer['status'].lower()})")
    if not ratios:
        return
    med = statistics.median(ratios)
    print(f"median speed-up {med:.1f}×; target ≥ 3×: {'met' if med >= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
