"""``wfm kpi``: funnels, scorecards and journey-level satisfaction."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import centre_option, json_option, load_vocabulary

events_option = click.option("--events", "events_path", required=True,
                             type=click.Path(dir_okay=False),
                             help="Event log (csv, csv.gz, xlsx, parquet); see the README.")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                             help="Report: .xlsx (with charts) or .csv (the main table).")


@click.group()
def kpi() -> None:
    """Service-marketing funnels, scorecards and journey satisfaction (服务营销, 漏斗).

    \b
    Examples:
      wfm kpi funnel --events examples/insurer/events.csv.gz --config configs/funnel.yaml \\
        --by sub_type -o funnel.xlsx
      wfm kpi scorecard --events examples/insurer/events.csv.gz --config configs/kpi.yaml \\
        --phase steady
      wfm kpi journeys --events examples/insurer/events.csv.gz --config configs/kpi.yaml
    """


def _events(path: str, centre_path: str | None):
    from wfm.io.inputs import read_events

    return read_events(path, load_vocabulary(centre_path))


def _check_output(output: str | None) -> None:
    if output and Path(output).suffix.lower() not in (".xlsx", ".csv"):
        raise click.UsageError(f"-o {output}: expected a .xlsx or .csv file name")


@kpi.command()
@events_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), required=True,
              help="Funnel config (configs/funnel.yaml).")
@click.option("--by", default=None, help="Break down by a column of the log (inquiry_type, "
              "sub_type, agent_id, team, channel, …) or by week or date of entry.")
@output_option
@centre_option
@json_option
def funnel(events_path, config_path, by, output, centre_path, as_json) -> None:
    """Stage counts, step and overall conversion with Wilson intervals, drop-off and median
    time to convert; with --by, the same per group and whether the groups differ.

    \b
    Example:
      wfm kpi funnel --events examples/insurer/events.csv.gz --config configs/funnel.yaml \\
        --by sub_type
    """
    from wfm.config import load_config
    from wfm.kpi.config import FunnelConfig
    from wfm.kpi.funnel import check_columns
    from wfm.kpi.funnel import funnel as run

    _check_output(output)
    cfg = load_config(config_path, FunnelConfig)
    events = _events(events_path, centre_path)
    check_columns(events, cfg, by, events_path)
    result = run(events, cfg, by)
    if output:
        _write_funnel(result, events, cfg, output, config_path, events_path)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result.to_json())
        return
    _render_funnel(result, output)


def _write_funnel(result, events, cfg, output, config_path, events_path) -> None:
    from wfm.io.write import write_csv

    if output.lower().endswith(".csv"):
        write_csv(result.breakdown if result.breakdown is not None else result.stages, output)
        return
    from wfm.kpi.funnel import funnel as run
    from wfm.kpi.report import write_funnel_workbook

    weekly = run(events, cfg, "week")
    write_funnel_workbook(result, weekly, output, {
        "events": events_path, "config": config_path, "by": result.by or "",
        **cfg.model_dump(exclude={"stages"}),
        "stages": " → ".join(s.name for s in cfg.stages)})


def _pct(x) -> str:
    return "—" if x is None or x != x else f"{x:.1%}"


def _ci(lo, hi) -> str:
    return "—" if lo is None or lo != lo else f"{lo:.1%}–{hi:.1%}"


def _hours(seconds) -> str:
    if seconds is None or seconds != seconds:
        return "—"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _render_funnel(result, output) -> None:
    from wfm.cli.console import note, table

    s = result.stages
    table(f"Funnel per {result.unit}",
          ["stage", "count", "step rate", "95% CI", "overall", "drop-off", "median time"],
          [[r.name, int(r.count), _pct(r.step_rate), _ci(r.step_ci_lo, r.step_ci_hi),
            _pct(r.overall_rate), int(r.drop_off), _hours(r.median_seconds_from_previous)]
           for r in s.itertuples()], justify=["left"] + ["right"] * 6)
    if result.breakdown is not None:
        b = result.breakdown
        names = list(s["name"])
        rows = []
        for group, part in b.groupby("group", sort=False):
            part = part.set_index("stage")
            cells = [group, int(part.loc[names[0], "count"])]
            for n in names[1:]:
                r = part.loc[n]
                star = "*" if r.vs_rest_p == r.vs_rest_p and r.vs_rest_p < 0.05 else ""
                cells.append(f"{_pct(r.step_rate)}{star}")
            rows.append(cells)
        table(f"By {result.by} (step rates; * differs from the rest, Holm p < 0.05)",
              [result.by, names[0], *names[1:]], rows[:40],
              justify=["left"] + ["right"] * len(names))
        if len(rows) > 40:
            note(f"… {len(rows) - 40} more groups in --json or -o")
        tests = "; ".join(f"{t.stage}: p = {t.homogeneity_p:.2g}" if t.homogeneity_p is not None
                          else f"{t.stage}: not testable" for t in result.tests.itertuples())
        note(f"Do all groups convert alike (chi-square)? {tests}")
    for n in result.notes:
        note(f"[yellow]note:[/] {n}")
    if output:
        note(f"wrote {output}")


@kpi.command()
@events_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), required=True,
              help="KPI config (configs/kpi.yaml).")
@click.option("--phase", required=True, help="The team's phase, as named in the config's "
              "weights (e.g. ramp-up or steady).")
@click.option("--top", type=int, default=20, show_default=True, help="Agents shown.")
@output_option
@centre_option
@json_option
def scorecard(events_path, config_path, phase, top, output, centre_path, as_json) -> None:
    """Rank agents and teams on weighted process and outcome KPIs.

    \b
    Example:
      wfm kpi scorecard --events examples/insurer/events.csv.gz --config configs/kpi.yaml \\
        --phase ramp-up -o scorecard.xlsx
    """
    from wfm.config import load_config
    from wfm.kpi.config import KpiConfig
    from wfm.kpi.scorecard import scorecard as run

    _check_output(output)
    cfg = load_config(config_path, KpiConfig)
    card = run(_events(events_path, centre_path), cfg, phase)
    if output:
        if output.lower().endswith(".csv"):
            from wfm.io.write import write_csv

            write_csv(card.agents, output)
        else:
            from wfm.kpi.report import write_scorecard_workbook

            write_scorecard_workbook(card, output, {"events": events_path,
                                                    "config": config_path, "phase": phase})
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(card.to_json())
        return
    from wfm.cli.console import note, table

    names = [k.name for k in cfg.kpis]
    for title, frame, key, limit in (("Agents", card.agents, "agent_id", top),
                                     ("Teams", card.teams, "team", None)):
        rows = [[int(r["rank"]), r[key], *[_pct(r[f"{n} attainment"]) for n in names],
                 round(float(r["weighted score"]), 1)]
                for _, r in frame.head(limit).iterrows()]
        table(f"{title}, phase {phase} ({card.weeks:g} weeks; attainment per KPI)",
              ["rank", key, *names, "score"], rows)
    weights = ", ".join(f"{r.name} {r.weight:g}" for r in card.kpis.itertuples())
    note(f"weights in phase {phase}: {weights}")
    if output:
        note(f"wrote {output}")


@kpi.command()
@events_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="KPI config whose 'journeys' section names the events (configs/kpi.yaml).")
@click.option("--window", default=None, help="Override journeys.window, e.g. 3d or 48h.")
@output_option
@centre_option
@json_option
def journeys(events_path, config_path, window, output, centre_path, as_json) -> None:
    """Journey vs touchpoint satisfaction, repeat contacts, first-contact resolution, channel
    switches, customer effort, and agents whose survey-transfer rate is an outlier.

    \b
    Example:
      wfm kpi journeys --events examples/insurer/events.csv.gz --config configs/kpi.yaml
    """
    from wfm.config import load_config
    from wfm.kpi.config import JourneyConfig, KpiConfig
    from wfm.kpi.journeys import journeys as run

    _check_output(output)
    cfg = load_config(config_path, KpiConfig).journeys if config_path else JourneyConfig()
    if window:
        from wfm.forecast.panel import parse_duration

        parse_duration(window, "--window")
        cfg = cfg.model_copy(update={"window": window})
    report = run(_events(events_path, centre_path), cfg)
    if output:
        if output.lower().endswith(".csv"):
            from wfm.io.write import write_csv

            write_csv(report.journeys, output)
        else:
            from wfm.kpi.report import write_journey_workbook

            write_journey_workbook(report, output, {"events": events_path,
                                                    **cfg.model_dump()})
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(report.to_json())
        return
    from wfm.cli.console import note, table

    table("Journeys and touchpoints", ["metric", "value", "95% CI", "n"],
          [[r.metric, _value(r.metric, r.value), _ci(r.ci_lo, r.ci_hi), int(r.n)]
           for r in report.summary.itertuples()], justify=["left", "right", "right", "right"])
    table("Touchpoint satisfaction per channel",
          ["channel", "contacts", "repeats", "resolved", "surveys", "satisfied", "95% CI"],
          [[r.channel, int(r.contacts), _pct(r.repeat_share), _pct(r.resolved_share),
            int(r.surveys), _pct(r.touchpoint_satisfaction), _ci(r.ci_lo, r.ci_hi)]
           for r in report.channels.itertuples()])
    table("Journey satisfaction by number of contacts",
          ["contacts", "surveyed", "satisfied", "95% CI"],
          [[r.contacts, int(r.journeys_surveyed), _pct(r.journey_satisfaction),
            _ci(r.ci_lo, r.ci_hi)] for r in report.by_contacts.itertuples()])
    flagged = report.agents[report.agents["flag"] != ""]
    if len(flagged):
        table("Agents whose survey-transfer rate is an outlier (funnel-plot limits)",
              ["agent", "contacts", "transfer rate", "limits", "their CSAT", "flag"],
              [[r.agent_id, int(r.contacts), _pct(r.transfer_rate),
                _ci(r.limit_lo, r.limit_hi), _pct(r.satisfaction), r.flag]
               for r in flagged.itertuples()])
    else:
        note("No agent's survey-transfer rate is outside the funnel-plot limits.")
    if output:
        note(f"wrote {output}")


def _value(metric: str, value: float) -> str:
    if value != value:
        return "—"
    if metric in ("journeys", "contacts"):
        return f"{int(value):,}"
    if metric in ("contacts per journey", "channel switches per journey") or "mean" in metric:
        return f"{value:.2f}"
    return f"{value:.1%}"
