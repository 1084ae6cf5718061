"""``wfm forecast``: interval forecasts and honest backtests."""

from __future__ import annotations

import click

from wfm.cli.options import centre_option, json_option

BY_HELP = "Columns that split series, comma-separated (site, channel, inquiry_type)."


@click.group()
def forecast() -> None:
    """Forecast contact volume and handle time by channel, inquiry type and site (预测).

    \b
    Example:
      wfm forecast run --history examples/insurer/history.csv.gz --horizon 8w -o forecast.csv
      wfm forecast backtest --history examples/insurer/history.csv.gz --folds 4
    """


def _settings(config_path, **overrides):
    """The forecast config (file or defaults) with command-line overrides applied."""
    from wfm.config import load_config
    from wfm.forecast.config import ForecastConfig
    from wfm.forecast.panel import parse_duration

    cfg = load_config(config_path, ForecastConfig) if config_path else ForecastConfig()
    changes = {}
    if overrides.get("horizon"):
        changes["horizon_days"] = max(1, parse_duration(overrides["horizon"], "--horizon").days)
    if overrides.get("interval"):
        minutes = parse_duration(overrides["interval"], "--interval").total_seconds() / 60
        changes["interval_minutes"] = int(minutes)
    if overrides.get("by"):
        changes["by"] = [b.strip() for b in overrides["by"].split(",") if b.strip()]
    for key in ("model", "level", "gaps", "holidays"):
        if overrides.get(key) is not None:
            changes[key] = overrides[key]
    if not changes:
        return cfg
    from wfm.config.loader import validate_config

    return validate_config({**cfg.model_dump(), **changes}, ForecastConfig, "command line")


def _country(cfg, centre) -> str:
    if cfg.holidays:
        return cfg.holidays
    return centre.holidays if centre else "CN"


def _inputs(history, centre_path, events_path):
    from wfm.config import load_centre
    from wfm.forecast.events import read_events_file
    from wfm.io.inputs import read_history

    centre = load_centre(centre_path)
    vocab = centre.vocabulary(source=centre_path) if centre else None
    frame = read_history(history, vocab)
    events = read_events_file(events_path, vocab) if events_path else []
    return centre, frame, events


common = [
    click.option("--history", required=True, type=click.Path(dir_okay=False),
                 help="Contact history (CSV, XLSX or Parquet)."),
    click.option("--interval", default=None, help="Forecast interval, e.g. 15min, 30min, 1h."),
    click.option("--by", default=None, help=BY_HELP),
    click.option("--holidays", default=None,
                 help="Country for holidays and make-up workdays (CN, US, … or none)."),
    click.option("--events", "events_path", type=click.Path(dir_okay=False), default=None,
                 help="Special days: date, name, impact (multiplier, closed, open or a tag)."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                 help="Forecast config (configs/forecast.yaml); flags override it."),
    centre_option,
]


def with_common(func):
    for option in reversed(common):
        func = option(func)
    return func


@forecast.command("run")
@with_common
@click.option("--horizon", default=None, help="How far ahead: 8w, 56d … (default 8w).")
@click.option("--model", default=None, help="auto (default) or a model name.")
@click.option("--level", type=float, default=None, help="Prediction interval level (0.8).")
@click.option("--gaps", type=click.Choice(["zero", "missing"]), default=None,
              help="Missing intervals inside open hours: count as zero or as unknown.")
@click.option("--scenario", "scenario_path", type=click.Path(dir_okay=False), default=None,
              help="What-if scenario (channel shifts, scaling).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Forecast file: .csv, .xlsx or .parquet.")
@json_option
def run(history, interval, by, holidays, events_path, config_path, centre_path, horizon, model,
        level, gaps, scenario_path, output, as_json) -> None:
    """Forecast contacts, prediction intervals and AHT per interval.

    Output columns: interval_start, channel, inquiry_type, site, contacts, contacts_lo,
    contacts_hi, aht_seconds, model, scenario.

    \b
    Example:
      wfm forecast run --history examples/insurer/history.csv.gz --horizon 8w \\
        --centre configs/centre.yaml -o forecast.csv
    """
    from wfm.config import load_config
    from wfm.forecast.pipeline import run_forecast
    from wfm.forecast.scenario import Scenario

    cfg = _settings(config_path, horizon=horizon, interval=interval, by=by, model=model,
                    level=level, gaps=gaps, holidays=holidays)
    centre, frame, events = _inputs(history, centre_path, events_path)
    scenario = load_config(scenario_path, Scenario) if scenario_path else None
    n_series = frame.groupby([c for c in cfg.by]).ngroups
    from wfm.cli.console import progress_bar

    progress, step = progress_bar(n_series, "forecasting")
    with progress:
        result = run_forecast(frame, cfg, events=events, scenario=scenario,
                              country=_country(cfg, centre), on_series=step, source=history)
    _write(result.frame, output)
    summary = _summary(result, output)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(summary)
    else:
        _render_run(summary, result)


def _write(frame, output: str) -> None:
    from pathlib import Path

    from wfm.io.excel import Workbook
    from wfm.io.write import write_csv, write_with

    frame = frame.round({"contacts": 4, "aht_seconds": 1})  # display precision only
    suffix = Path(output).suffix.lower()
    if suffix == ".xlsx":
        book = Workbook()
        book.add_table("预测 Forecast", frame, {"contacts": "number", "aht_seconds": "number",
                                               "contacts_lo": "int", "contacts_hi": "int"})
        book.save(output)
    elif suffix in (".parquet", ".pq"):
        write_with(output, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        write_csv(frame, output)


def _summary(result, output) -> dict:
    weekly = result.frame.assign(
        week=result.frame["interval_start"].dt.to_period("W-SUN").dt.start_time)
    by_week = weekly.groupby(["week", "channel"])["contacts"].sum().reset_index()
    return {
        "output": output, "rows": len(result.frame), "start": result.start,
        "horizon_days": result.horizon_days, "interval_minutes": result.slot_minutes,
        "scenario": result.scenario, "series": result.series,
        "weekly": by_week.to_dict(orient="records"), "warnings": result.warnings,
        "gaps": result.gaps,
    }


def _render_run(summary: dict, result) -> None:
    from wfm.cli.console import note, table

    weekly = result.frame.assign(
        week=result.frame["interval_start"].dt.to_period("W-SUN").dt.start_time.dt.date)
    pivot = weekly.pivot_table(index="week", columns="channel", values="contacts",
                               aggfunc="sum").round(0).fillna(0)
    table("Forecast contacts per week and channel", ["week", *pivot.columns],
          [[str(w), *[int(v) for v in row]] for w, row in pivot.iterrows()])
    models = {}
    for s in summary["series"]:
        models[s["model"]] = models.get(s["model"], 0) + 1
    note("models: " + ", ".join(f"{m} × {n}" for m, n in sorted(models.items())))
    for w in summary["warnings"]:
        note(f"[yellow]warning:[/yellow] {w}")
    note(f"wrote {summary['output']} ({summary['rows']:,} rows)")


@forecast.command("backtest")
@with_common
@click.option("--horizon", default="7d", show_default=True, help="Test period per origin.")
@click.option("--folds", type=click.IntRange(1, 52), default=8, show_default=True,
              help="Weekly origins over the last weeks of the history.")
@click.option("--models", "model_list", default=None,
              help="Comma-separated models (default: the baselines, decompositions and auto).")
@click.option("--level", type=float, default=None, help="Prediction interval level (0.8).")
@json_option
def backtest_cmd(history, interval, by, holidays, events_path, config_path, centre_path,
                 horizon, folds, model_list, level, as_json) -> None:
    """Score every model on rolling weekly origins (no peeking at the test weeks).

    Reports WAPE, MASE, error relative to seasonal naive, bias, prediction-interval
    coverage and seconds, at interval level and on daily totals, plus the Poisson
    noise floor of the interval WAPE. Fractions, not percent, in --json.

    \b
    Example:
      wfm forecast backtest --history examples/insurer/history.csv.gz --horizon 7d --folds 4
    """
    from wfm.forecast.backtest import backtest
    from wfm.forecast.models import AUTO_CANDIDATES, make_model
    from wfm.forecast.panel import build_panel, parse_duration
    from wfm.forecast.pipeline import calendars_for

    cfg = _settings(config_path, interval=interval, by=by, level=level, holidays=holidays)
    models = ([m.strip() for m in model_list.split(",") if m.strip()] if model_list
              else [*AUTO_CANDIDATES, "auto"])
    for m in models:
        make_model(m)  # unknown names fail before any work
    horizon_days = max(1, parse_duration(horizon, "--horizon").days)
    centre, frame, events = _inputs(history, centre_path, events_path)
    panel = build_panel(frame, by=tuple(cfg.by), interval=cfg.interval_minutes, gaps=cfg.gaps,
                        source=history)
    calendars = calendars_for(panel, horizon_days, _country(cfg, centre), events)
    from wfm.cli.console import progress_bar

    progress, step = progress_bar(len(panel.series) * folds, "backtesting")
    with progress:
        result = backtest(panel, calendars, models, horizon_days=horizon_days, folds=folds,
                          level=cfg.level, on_step=step)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result.to_json())
        return
    _render_backtest(result)


def _render_backtest(result) -> None:
    from wfm.cli.console import note, table

    def pct(v):
        return None if v is None else f"{100 * v:.2f}%"

    rows = [[m["name"], m["level"], pct(m["wape"]), None if m["mase"] is None else
             round(m["mase"], 3), None if m["rel_mae"] is None else round(m["rel_mae"], 3),
             pct(m["bias"]), pct(m["coverage"]), round(m["seconds"], 2)]
            for m in sorted(result.models, key=lambda r: (r["level"], r["wape"]))]
    table(f"Backtest: {len(result.origins)} origins from {result.origins[0]}, "
          f"{result.horizon_days}-day horizon",
          ["model", "level", "WAPE", "MASE", "rel. MAE", "bias", "coverage", "seconds"], rows,
          justify=["left", "left", "right", "right", "right", "right", "right", "right"])
    note(f"Poisson noise floor of the interval WAPE: {pct(result.noise_floor_wape)}")
    if result.selected:
        note(f"auto chose: {', '.join(f'{k} × {v}' for k, v in result.selections.items())}"
             f" (last: {result.selected})")
