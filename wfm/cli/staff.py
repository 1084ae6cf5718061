"""``wfm staff``: required agents from a forecast, and the Erlang calculator."""

from __future__ import annotations

import click

from wfm.cli.options import centre_option, json_option


@click.group(invoke_without_command=True)
@click.option("--forecast", "forecast_path", type=click.Path(dir_okay=False), default=None,
              help="Forecast file written by `wfm forecast run`.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Staffing config (configs/staffing.yaml).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Requirements file: .csv or .xlsx.")
@centre_option
@json_option
@click.pass_context
def staff(ctx, forecast_path, config_path, output, centre_path, as_json) -> None:
    """Turn forecasts into required agents per interval and skill (人力需求).

    Voice: Erlang C or A; chat: sessions with concurrency; deferred work (email, SMS):
    the smoothest staffing that meets the response promise; outbound: productive hours.

    \b
    Example:
      wfm staff --forecast forecast.csv --config configs/staffing.yaml \\
        --centre configs/centre.yaml -o requirements.csv
      wfm staff erlang --volume 100 --interval 30min --aht 180s --sl 0.8 --sl-time 20s
    """
    if ctx.invoked_subcommand is not None:
        return
    if not forecast_path or not output:
        raise click.UsageError("give --forecast and -o (or a subcommand such as `erlang`)")
    from wfm.config import load_centre, load_config
    from wfm.io.read import read_table
    from wfm.staffing.config import StaffingConfig
    from wfm.staffing.requirements import requirements

    cfg = load_config(config_path, StaffingConfig) if config_path else StaffingConfig()
    centre = load_centre(centre_path)
    forecast = _read_forecast(read_table(forecast_path))
    frame, notes = requirements(forecast, cfg, centre=centre)
    _write(frame, output)
    summary = _summary(frame, output, notes)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(summary)
        return
    _render(summary, frame)


def _read_forecast(table):
    from wfm.errors import InputError
    from wfm.io.contracts import Column, Contract, validate

    contract = Contract("forecast", (
        Column("interval_start", "timestamp"), Column("channel", "label"),
        Column("inquiry_type", "label"), Column("site", "label"),
        Column("contacts", "count"), Column("aht_seconds", "number"),
    ), key=("interval_start", "channel", "inquiry_type", "site"))
    try:
        return validate(table, contract)
    except InputError as err:
        if "duplicate" in str(err):
            raise InputError(err.where, err.detail + "; a forecast with several scenarios "
                             "must be split first") from None
        raise


def _write(frame, output: str) -> None:
    from pathlib import Path

    from wfm.io.excel import Workbook
    from wfm.io.write import write_csv

    if Path(output).suffix.lower() == ".xlsx":
        book = Workbook()
        book.add_table("人力需求 Requirements", frame, {
            "expected_sl": "percent", "expected_abandon": "percent", "occupancy": "percent",
            "expected_asa": "number", "contacts": "number", "load_erlangs": "number"})
        book.save(output)
    else:
        write_csv(frame.round({"expected_sl": 6, "expected_asa": 3, "expected_abandon": 6,
                               "occupancy": 6, "contacts": 4, "load_erlangs": 4}), output)


def _summary(frame, output, notes) -> dict:
    peak = frame.groupby(["site", "skill"]).agg(
        peak_required=("required", "max"), peak_with_shrinkage=("required_with_shrinkage", "max"),
        agent_hours=("required", "sum"), kind=("kind", "first")).reset_index()
    from wfm.io.describe import interval_minutes

    step_hours = interval_minutes(frame["interval_start"]) / 60
    peak["agent_hours"] = peak["agent_hours"] * step_hours
    return {"output": output, "rows": len(frame), "groups": peak.to_dict(orient="records"),
            "notes": notes}


def _whole(value):
    """Whole agents as int; fractional agent-equivalents (deferred work) as a float."""
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)


def _render(summary, frame) -> None:
    from wfm.cli.console import note, table

    table("Required agents by site and skill",
          ["site", "skill", "kind", "peak", "peak with shrinkage", "agent-hours"],
          [[g["site"], g["skill"], g["kind"], _whole(g["peak_required"]),
            _whole(g["peak_with_shrinkage"]), round(float(g["agent_hours"]), 1)]
           for g in summary["groups"]])
    for n in summary["notes"]:
        note(f"[yellow]note:[/yellow] {n}")
    note(f"wrote {summary['output']} ({summary['rows']:,} rows)")


@staff.command("erlang")
@click.option("--volume", type=float, required=True, help="Contacts offered in the interval.")
@click.option("--interval", default="30min", show_default=True, help="Interval length.")
@click.option("--aht", required=True, help="Average handle time, e.g. 180s or 3min.")
@click.option("--sl", "sl_target", type=float, default=0.8, show_default=True,
              help="Service level target (share answered within --sl-time).")
@click.option("--sl-time", default="20s", show_default=True, help="Service level time.")
@click.option("--patience", default=None, help="Mean caller patience: switches to Erlang A.")
@click.option("--asa", default=None, help="Max mean wait of answered calls, e.g. 15s.")
@click.option("--max-abandon", type=float, default=None, help="Max share abandoning.")
@click.option("--max-occupancy", type=float, default=None, help="Max occupancy, e.g. 0.85.")
@click.option("--shrinkage", type=float, default=0.0, show_default=True)
@click.option("--agents", type=int, default=None, help="Evaluate this many agents instead.")
@json_option
def erlang(volume, interval, aht, sl_target, sl_time, patience, asa, max_abandon, max_occupancy,
           shrinkage, agents, as_json) -> None:
    """Size (or, with --agents, evaluate) one interval with Erlang C, or Erlang A with
    --patience.

    \b
    Example:
      wfm staff erlang --volume 100 --interval 30min --aht 180s --sl 0.8 --sl-time 20s
      wfm staff erlang --volume 100 --interval 30min --aht 180s --patience 300s --agents 12
    """
    from wfm.errors import UsageError
    from wfm.forecast.panel import parse_duration
    from wfm.staffing.search import Targets, evaluate, size

    seconds = {name: parse_duration(v, name).total_seconds() if v is not None else None
               for name, v in (("--interval", interval), ("--aht", aht), ("--sl-time", sl_time),
                               ("--patience", patience), ("--asa", asa))}
    if volume < 0:
        raise UsageError(f"--volume: expected zero or more contacts, found {volume:g}")
    load = volume * seconds["--aht"] / seconds["--interval"]
    model = "erlang_a" if patience else "erlang_c"
    if agents is not None:
        m = evaluate(agents, load, seconds["--aht"], seconds["--sl-time"], model,
                     seconds["--patience"])
        n = agents
        with_shrink = int(-(-agents // (1 - shrinkage))) if shrinkage else agents
    else:
        t = Targets(sl_target, seconds["--sl-time"], seconds["--asa"], max_abandon,
                    max_occupancy)
        r = size(load, seconds["--aht"], t, model, seconds["--patience"], shrinkage)
        m, n, with_shrink = r, int(r.agents), int(r.agents_with_shrinkage)
    result = {"model": model, "load_erlangs": load, "agents": n,
              "agents_with_shrinkage": with_shrink, "p_wait": float(m.p_wait),
              "service_level": float(m.service_level), "asa_seconds": float(m.asa_seconds),
              "p_abandon": float(m.p_abandon), "occupancy": float(m.occupancy)}
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result)
        return
    from wfm.cli.console import table

    table(f"{'Erlang A' if patience else 'Erlang C'}: {volume:g} contacts per {interval}, "
          f"AHT {aht}", ["measure", "value"], [
              ["offered load (Erlangs)", round(load, 4)],
              ["agents" + (" (given)" if agents is not None else " (least meeting targets)"), n],
              ["agents with shrinkage", with_shrink],
              ["P(wait)", f"{result['p_wait']:.7f}"],
              [f"service level ({sl_time})", f"{result['service_level']:.5%}"],
              ["ASA of answered (s)", round(result["asa_seconds"], 3)],
              ["abandoned", f"{result['p_abandon']:.3%}"],
              ["occupancy", f"{result['occupancy']:.4%}"]], justify=["left", "right"])
