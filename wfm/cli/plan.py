"""``wfm plan``: questions that join the modules (what if a tested change holds at scale?)."""

from __future__ import annotations

import click

from wfm.cli.options import centre_option, json_option


@click.group()
def plan() -> None:
    """Plan across modules: a tested change → channel shift → agents and cost (规划).

    \b
    Example:
      wfm plan what-if --history examples/insurer/history.csv.gz \\
        --centre examples/insurer/centre.yaml --shift configs/what-if.yaml -o what-if.xlsx
    """


@plan.command("what-if")
@click.option("--forecast", "forecast_path", type=click.Path(dir_okay=False), default=None,
              help="A forecast written by `wfm forecast run` (or give --history).")
@click.option("--history", type=click.Path(dir_okay=False), default=None,
              help="Contact history to forecast from (instead of --forecast).")
@click.option("--forecast-config", "forecast_config", type=click.Path(dir_okay=False),
              default=None, help="Forecast config used with --history (configs/forecast.yaml).")
@click.option("--horizon", default=None, help="With --history: how far ahead (default 8w).")
@click.option("--staffing-config", "staffing_config", type=click.Path(dir_okay=False),
              default=None, help="Staffing config: targets, shrinkage, FTE hours, cost/hour.")
@click.option("--abtest", "test_id", type=int, default=None,
              help="A registered test: its latest measured effect and interval.")
@click.option("--variant", default=None, help="With --abtest: the variant (default: the best).")
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
              help="The PDCA registry; default $WFM_REGISTRY or ./wfm-registry.sqlite.")
@click.option("--shift", "shift_path", type=click.Path(dir_okay=False), default=None,
              help="What-if file (configs/what-if.yaml): the channel shift and, without "
                   "--abtest, the effect's range.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Workbook (.xlsx) or weekly table (.csv).")
@centre_option
@json_option
def what_if_cmd(forecast_path, history, forecast_config, horizon, staffing_config, test_id,
                variant, registry_path, shift_path, output, centre_path, as_json) -> None:
    """If a change's effect holds at scale: contacts per channel, FTE and cost, before and
    after, at the effect's point estimate and at both ends of its interval.

    The share of the population's contacts that moves = reach × effect × follow_through
    (see configs/what-if.yaml). --abtest takes the effect from the test's latest recorded
    analysis and the mapping from its spec's `impact:` (or from --shift). In --json, each
    "after" value has "point", "low" and "high": at the effect's point estimate and at its
    interval's low and high ends (a handle-time change is paired at its opposite end, so
    the range is the widest).

    \b
    Example:
      wfm plan what-if --history examples/insurer/history.csv.gz \\
        --centre examples/insurer/centre.yaml --staffing-config configs/staffing.yaml \\
        --shift configs/what-if.yaml -o what-if.xlsx
      wfm plan what-if --forecast forecast.csv --centre examples/insurer/centre.yaml \\
        --abtest 1 --registry tests.sqlite --json
    """
    from wfm.config import load_centre, load_config
    from wfm.errors import UsageError
    from wfm.plan.config import WhatIfFile
    from wfm.plan.whatif import effect_from_file, effect_from_test, what_if
    from wfm.staffing.config import StaffingConfig

    if (forecast_path is None) == (history is None):
        raise UsageError("give exactly one of --forecast FILE or --history FILE")
    if test_id is None and shift_path is None:
        raise UsageError("give --abtest ID (a registered test) or --shift FILE (a what-if "
                         "file), or both")
    centre = load_centre(centre_path)
    staffing = load_config(staffing_config, StaffingConfig) if staffing_config \
        else StaffingConfig()
    shift = load_config(shift_path, WhatIfFile) if shift_path else None
    population = None
    if test_id is not None:
        from wfm.abtest.registry import Registry

        reg = Registry(registry_path)
        try:
            record = reg.get(test_id)
        finally:
            reg.close()
        impact = shift or record["spec"].impact
        if impact is None:
            raise UsageError(f"test #{test_id}'s spec has no 'impact:' section; add one or "
                             "give --shift FILE with the channel shift")
        effect = effect_from_test(record, impact, variant)
        population = record["spec"].population
    else:
        impact, effect = shift, effect_from_file(shift, shift_path)
    forecast = _forecast(forecast_path, history, forecast_config, horizon, centre, centre_path)
    from wfm.cli.console import progress_bar

    progress, step = progress_bar(4, "staffing before and after")
    with progress:
        result = what_if(forecast, impact, effect, staffing, centre=centre,
                         population=population, on_step=step)
    settings = {"forecast": forecast_path or f"forecast of {history}",
                "staffing config": staffing_config or "defaults", "abtest": test_id,
                "registry": registry_path, "shift file": shift_path,
                **{f"impact.{k}": v for k, v in
                   impact.model_dump(exclude={"effect", "aht_change"}).items()},
                "fte_hours_per_week": staffing.fte_hours_per_week,
                "cost_per_hour": staffing.cost_per_hour, "currency": staffing.currency}
    written = _write(result, output, settings) if output else None
    if as_json:
        from wfm.cli.console import emit_json

        emit_json({**result.to_json(), "output": written})
        return
    _render(result, written)


def _forecast(forecast_path, history, forecast_config, horizon, centre, centre_path):
    if forecast_path:
        from wfm.cli.staff import _read_forecast
        from wfm.io.read import read_table

        return _read_forecast(read_table(forecast_path))
    from wfm.cli.console import progress_bar
    from wfm.cli.forecast import _country, _settings
    from wfm.forecast.pipeline import run_forecast
    from wfm.io.inputs import read_history

    cfg = _settings(forecast_config, horizon=horizon)
    frame = read_history(history, centre.vocabulary(source=centre_path) if centre else None)
    progress, step = progress_bar(frame.groupby(list(cfg.by)).ngroups, "forecasting")
    with progress:
        result = run_forecast(frame, cfg, country=_country(cfg, centre), on_series=step,
                              source=history)
    return result.frame


def _write(result, output: str, settings: dict) -> str:
    from pathlib import Path

    if Path(output).suffix.lower() == ".csv":
        from wfm.io.write import write_csv

        return str(write_csv(result.staffing.round(4), output))
    from wfm.plan.report import write_whatif_workbook

    return str(write_whatif_workbook(result, output, settings))


def _render(result, written) -> None:
    from wfm.cli.console import note, table
    from wfm.plan.whatif import savings_text

    h = result.headline()
    e, s = result.effect, result.moved_share
    note(f"[bold]{result.name}[/bold] — effect from {result.source}: {result.metric} "
         f"{e.point:+.4f} (interval {e.low:+.4f} to {e.high:+.4f}) → {s['point']:.2%} of "
         f"{', '.join(result.inquiry_types)} on {result.impact.from_channel} moves to "
         f"{result.impact.to_channel} ({s['low']:.2%} to {s['high']:.2%})")
    weekly = result.weekly()
    totals = weekly.groupby("week")[["fte_before", "fte_point", "fte_low", "fte_high"]].sum()
    moved = result.weekly("channels")
    moved = moved[moved["channel"] == result.impact.from_channel].set_index("week")
    rows = []
    for week, r in totals.iterrows():
        m = moved.loc[week] if week in moved.index else None
        lo, hi = sorted((r["fte_before"] - r["fte_low"], r["fte_before"] - r["fte_high"]))
        rows.append([str(week), None if m is None else
                     int(round(float(m["contacts_before"] - m["contacts_point"]))),
                     float(r["fte_before"]), float(r["fte_point"]),
                     float(r["fte_before"] - r["fte_point"]),
                     f"{lo + 0.0:.2f} to {hi + 0.0:.2f}".replace("-0.00", "0.00")])
    table("Per week, all sites: contacts moved off " + result.impact.from_channel +
          ", FTE before → after (with shrinkage)",
          ["week", "contacts moved", "FTE before", "FTE after", "FTE saved", "saved range"],
          rows)
    table("Per week at full effect, by skill", ["skill", "FTE before", "after",
                                                  "after (low effect)", "after (high effect)"],
          [[k["skill"], round(k["fte_before"], 2), round(k["fte_point"], 2),
            round(k["fte_low"], 2), round(k["fte_high"], 2)] for k in h["skills"]])
    note(f"at full effect: {h['contacts_moved_point']:,.0f} contacts a week move; net saving "
         f"{savings_text(h, result.currency)}")
    for n in result.notes:
        note(f"[yellow]note:[/yellow] {n}")
    if written:
        note(f"wrote {written}")
