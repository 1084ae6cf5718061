"""``wfm schedule``: rosters for named agents with CP-SAT."""

from __future__ import annotations

import click

from wfm.cli.options import centre_option, json_option


@click.group()
def schedule() -> None:
    """Build a week of shifts for named agents with CP-SAT (排班).

    \b
    Example:
      wfm schedule solve --requirements requirements.csv --agents examples/insurer/agents.csv \\
        --config configs/schedule.yaml -o roster.csv --time-limit 30
    """


@schedule.command("solve")
@click.option("--requirements", "requirements_path", required=True,
              type=click.Path(dir_okay=False), help="Requirements written by `wfm staff`.")
@click.option("--agents", "agents_path", required=True, type=click.Path(dir_okay=False),
              help="Agent roster (agent_id, name, site, skills, contract …).")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="Schedule config (configs/schedule.yaml).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Roster: .xlsx (Roster, Timeline, Coverage, Summary, Settings) or .csv.")
@click.option("--time-limit", type=float, default=None, help="Seconds (overrides the config).")
@click.option("--pattern-bound", "pattern_seconds", type=float, default=None,
              help="After the search, spend up to this many seconds on the weekly-pattern "
              "bound (column generation), which also knows rest and each agent's hours.")
@click.option("--skills", default=None, help="Only these skills, comma-separated.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day of the roster (default: the requirements' first day).")
@click.option("--days", type=click.IntRange(1, 7), default=7, show_default=True,
              help="Days in the roster (contracts are weekly: at most 7).")
@centre_option
@json_option
def solve(requirements_path, agents_path, config_path, output, time_limit, pattern_seconds,
          skills, start, days, centre_path, as_json) -> None:
    """Solve the roster: status, objective, best bound, gap, coverage, violations.

    A requirements file longer than --days (e.g. `wfm staff` on an 8-week forecast) is cut
    to the week from --start.

    \b
    Example:
      wfm schedule solve --requirements requirements.csv --agents examples/insurer/agents.csv \\
        --config configs/schedule.yaml -o schedule.xlsx --skills phone,wechat --time-limit 30
    """
    from wfm.cli.options import load_vocabulary
    from wfm.config import load_config
    from wfm.errors import DataError
    from wfm.io.contracts import Column, Contract, read_validated
    from wfm.io.inputs import read_agents
    from wfm.schedule.config import ScheduleConfig
    from wfm.schedule.solve import solve_schedule

    cfg = load_config(config_path, ScheduleConfig)
    if time_limit is not None:
        cfg = cfg.model_copy(update={"solver": cfg.solver.model_copy(
            update={"time_limit_seconds": time_limit})})
    if pattern_seconds is not None:
        if pattern_seconds < 0:
            raise DataError(f"--pattern-bound {pattern_seconds:g}: expected seconds ≥ 0")
        cfg = cfg.model_copy(update={"solver": cfg.solver.model_copy(
            update={"pattern_bound_seconds": pattern_seconds})})
    vocab = load_vocabulary(centre_path)
    requirements = read_validated(requirements_path, Contract("requirements", (
        Column("interval_start", "timestamp"), Column("site", "label"),
        Column("skill", "label"), Column("required", "count"),
        Column("contacts", "number", required=False),
        Column("load_erlangs", "number", required=False)),
        key=("interval_start", "site", "skill")))
    if skills:
        wanted = [s.strip() for s in skills.split(",") if s.strip()]
        requirements = requirements[requirements["skill"].isin(wanted)]
        if requirements.empty:
            raise DataError(f"--skills: no requirement rows for {', '.join(wanted)}")
    from wfm.schedule.problem import schedule_window

    requirements, window_note = schedule_window(requirements, start, days)
    if window_note and not as_json:
        from wfm.cli.console import note

        note(window_note)
    agents = read_agents(agents_path, vocab)
    result = _solve_with_progress(solve_schedule, requirements, agents, cfg)
    if output.lower().endswith(".xlsx"):
        from wfm.schedule.report import write_workbook

        write_workbook(result, requirements, agents, cfg, output)
    else:
        _write(result, output)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result.to_json())
        return
    _render(result, output)


def _solve_with_progress(solve_schedule, requirements, agents, cfg):
    from wfm.cli.console import is_tty, stderr_console

    if not is_tty():
        return solve_schedule(requirements, agents, cfg)
    from rich.live import Live

    console = stderr_console()
    best = [float("inf")]  # a later phase (the search after a probe) may start worse
    with Live(console=console, transient=True) as live:
        def show(seconds, objective, bound):
            best[0] = min(best[0], objective)
            live.update(f"solving … {seconds:5.1f} s  best objective {best[0]:,.0f}  "
                        f"bound {bound:,.0f}")
        return solve_schedule(requirements, agents, cfg, on_solution=show)


def _write(result, output: str) -> None:
    import pandas as pd

    from wfm.io.write import write_csv

    rows = [{"agent_id": a["agent_id"], "name": a["name"], "site": a["site"], "date": a["date"],
             "shift": a["shift"], "start": a["start"], "end": a["end"],
             "skill_minutes": ";".join(f"{k}={v}" for k, v in a["skill_minutes"].items()),
             "breaks": ";".join(f"{b['name']} {b['start']:%H:%M}-{b['end']:%H:%M}"
                                + ("" if b["paid"] else " unpaid") for b in a["breaks"])}
            for a in result.assignments]
    write_csv(pd.DataFrame(rows, columns=["agent_id", "name", "site", "date", "shift", "start",
                                          "end", "skill_minutes", "breaks"]), output)


def _or_dash(value):
    return "—" if value is None else value


def _render(result, output: str) -> None:
    from wfm.cli.console import note, table

    gap = "—" if result.gap is None else f"{result.gap:.1%}"
    table("Schedule", ["status", "objective", "best bound", "gap", "LP bound",
                       "pattern bound", "seconds", "shifts"],
          [[result.status, result.objective, _or_dash(result.best_bound), gap,
            _or_dash(result.lp_bound), _or_dash(result.pattern_bound),
            round(result.seconds, 1), len(result.assignments)]])
    cov = result.coverage
    if cov is not None and len(cov):
        from wfm.io.describe import interval_minutes

        hours = interval_minutes(cov["interval_start"]) / 60
        per = cov.assign(short=(cov["required"] - cov["scheduled"]).clip(lower=0),
                         over=(cov["scheduled"] - cov["required"]).clip(lower=0)).groupby(
            ["site", "skill"])[["required", "scheduled", "short", "over"]].sum() * hours
        table("Coverage (agent-hours)", ["site", "skill", "required", "scheduled", "short",
                                         "over"],
              [[site, skill, *(round(float(v), 1) for v in row)]
               for (site, skill), row in per.iterrows()])
    if result.violations:
        table("Soft-rule violations (largest cost first)", ["rule", "subject", "amount", "unit",
                                                           "cost"],
              [[v["rule"], v["subject"], v["amount"], v["unit"], round(v["cost"], 1)]
               for v in result.violations[:15]])
        if len(result.violations) > 15:
            note(f"… and {len(result.violations) - 15} more in the workbook's Violations sheet")
    for c in result.conflicts:
        note(f"[red]impossible because of[/red] {c}")
    from rich.markup import escape

    for n in result.notes:
        note(escape(n))
    note(f"wrote {output}")
