"""``wfm demo``: the whole pipeline on the example insurer."""

from __future__ import annotations

import click

from wfm.cli.options import json_option


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="demo-out",
              show_default=True, help="Folder for every artefact (created if missing).")
@click.option("--seed", type=int, default=20261122, show_default=True,
              help="Seed of the example data generator.")
@click.option("--weeks", type=click.IntRange(8, 104), default=12, show_default=True,
              help="Weeks of example history (8 or more: the backtest needs them).")
@click.option("--schedule-seconds", type=click.FloatRange(1, 600), default=30, show_default=True,
              help="Time limit of the roster solve.")
@json_option
def demo(out_dir: str, seed: int, weeks: int, schedule_seconds: float, as_json: bool) -> None:
    """Run the pipeline on bundled example data and write every artefact to --out.

    The example is an insurer with two sites (上海, 成都), five channels and a WeChat
    invitation funnel. The story: forecast (with a backtest) → staffing → a CP-SAT roster
    (Excel) → funnel, scorecard and journeys → a one-variable test through PDCA → what-if the
    test's effect (and an endorsement channel shift) holds at scale: contacts moved, FTE and
    cost. Every workbook, the registry and summary.json land in --out.

    \b
    Example:
      wfm demo --out demo-out
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from wfm.cli.console import emit_json, is_tty, note, stderr_console, table
    from wfm.demo import STAGES, run_demo

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=stderr_console(), transient=True, disable=not is_tty()) as progress:
        task = progress.add_task("demo", total=len(STAGES))

        def on_stage(name: str, label: str) -> None:
            progress.update(task, description=label)
            progress.advance(task)

        result = run_demo(out_dir, seed=seed, weeks=weeks, schedule_seconds=schedule_seconds,
                          on_stage=on_stage)
    if as_json:
        emit_json({"out": str(result.out), "artefacts": [str(p) for p in result.artefacts],
                   "summary": result.summary})
        return
    history = result.summary["inputs"]["history"]
    table("Example history", ["channel", "contacts/day", "AHT (s)"],
          [[c["channel"], round(c["contacts_per_day"]), c["aht_seconds"]]
           for c in history["channels"]])
    if "forecast" in result.summary:
        fc = result.summary["forecast"]
        auto = {m["level"]: m["wape"] for m in fc["backtest"]["models"] if m["name"] == "auto"}
        note(f"forecast: {fc['rows']:,} rows from {fc['start']:%Y-%m-%d}, {fc['horizon_days']} "
             f"days; backtest WAPE (auto, site × channel) {auto['interval']:.1%} per interval, "
             f"{auto['daily']:.1%} per day")
    if "staffing" in result.summary:
        st = result.summary["staffing"]
        note("staffing (first week, before shrinkage): peak agents " + ", ".join(
            f"{k} {v:g}" for k, v in st["peak_required"].items()))
    if "schedule" in result.summary:
        sc = result.summary["schedule"]
        if sc["objective"] is None:
            note(f"[yellow]schedule: {sc['status']}[/yellow] — no roster within "
                 f"{sc['seconds']:.0f} s; rerun with a larger --schedule-seconds")
        else:
            lp = sc["lp_bound"]
            note(f"schedule: {sc['status']}, {sc['shifts']} shifts, objective "
                 f"{sc['objective']:,.0f}"
                 + (f" (LP bound {lp:,.0f}, gap {1 - lp / sc['objective']:.0%})" if lp else "")
                 + (f"; {sc['short_agent_hours']:,.0f} of {sc['required_agent_hours']:,.0f} "
                    "required agent-hours uncovered (the example roster is smaller than the "
                    "demand: see the workbook's Coverage sheet)" if sc["short_agent_hours"] > 0
                    else "; every required agent-hour covered"))
    if "kpi" in result.summary:
        k = result.summary["kpi"]
        st = k["stages"]
        acc = k["acceptance_by_sub_type"]
        note(f"funnel: {st['added']['count']:,} of {st['policyholder']['count']:,} "
             f"policyholders added WeChat ({st['added']['count'] / st['policyholder']['count']:.0%}"
             f"), acceptance {st['added']['step_rate']:.0%}; highest {max(acc, key=acc.get)} "
             f"{max(acc.values()):.0%}, lowest {min(acc, key=acc.get)} {min(acc.values()):.0%} "
             f"(chi-square p = {k['acceptance_differs_p']:.1g})")
        note(f"journeys: touchpoint satisfaction {k['touchpoint_satisfaction']:.0%} vs journey "
             f"satisfaction {k['journey_satisfaction']:.0%}; first-contact resolution "
             f"{k['first_contact_resolution']:.0%}; survey-transfer outliers: "
             + (", ".join(f"{a} ({f})" for a, f in k["survey_outliers"].items()) or "none"))
    if "abtest" in result.summary:
        a = result.summary["abtest"]
        note(f"test {a['test']}: {a['verdict'].upper()} — {a['reason']}; registry state "
             f"{a['registry_state'].title()}")
    for key, w in result.summary.get("what_if", {}).items():
        from wfm.plan.whatif import savings_text

        s = w["moved_share"]
        note(f"what-if ({'the test at scale' if key == 'test' else 'a channel shift'}) "
             f"{w['name']}: {s['point']:.1%} of the affected contacts move "
             f"({s['low']:.1%} to {s['high']:.1%}), {w['contacts_moved_point']:,.0f} a week; "
             f"net saving {savings_text(w, w['currency'])}")
    for path in result.artefacts:
        note(f"wrote {path}")
    if result.pending:
        note("[yellow]not run yet[/yellow] (modules still to come): " + ", ".join(result.pending))
