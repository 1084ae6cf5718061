"""``wfm abtest``: plan, assign, analyse and manage one-variable tests through PDCA."""

from __future__ import annotations

import click

from wfm.cli.options import json_option

registry_option = click.option(
    "--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
    help="The PDCA registry (SQLite); default $WFM_REGISTRY or ./wfm-registry.sqlite.")


@click.group()
def abtest() -> None:
    """Controlled tests that change one variable at a time, run through PDCA (A/B 测试).

    \b
    Examples:
      wfm abtest plan configs/abtest.yaml --daily-units 120
      wfm abtest analyze configs/abtest.yaml --data examples/abtest/script-test.csv
      wfm abtest register configs/abtest.yaml --registry tests.sqlite --note "Q4 script test"
      wfm abtest start 1 --registry tests.sqlite --note "script live in both sites"
      wfm abtest analyze --test 1 --data examples/abtest/script-test.csv --registry tests.sqlite
      wfm abtest act 1 --rollout --registry tests.sqlite --note "shortcut script for all"
      wfm abtest monitor 1 --data examples/abtest/after-rollout.csv --registry tests.sqlite
      wfm abtest history --factor script --registry tests.sqlite
    """


def _spec(path: str):
    from wfm.abtest.spec import TestSpec
    from wfm.config import load_config

    return load_config(path, TestSpec)


@abtest.command()
@click.argument("spec_path", type=click.Path(dir_okay=False))
@click.option("--forecast", "forecast_path", type=click.Path(dir_okay=False), default=None,
              help="Forecast from `wfm forecast run`: contacts per day of the population.")
@click.option("--share", type=float, default=1.0, show_default=True,
              help="Share of the population's contacts that enter the primary metric's "
                   "denominator (e.g. 0.16 of calls are invited).")
@click.option("--daily-units", type=float, default=None,
              help="Units entering the test per day (instead of --forecast).")
@json_option
def plan(spec_path, forecast_path, share, daily_units, as_json) -> None:
    """Sample size per arm for the MDE, and how long the test must run.

    \b
    Example:
      wfm abtest plan configs/abtest.yaml --daily-units 120
    """
    from wfm.abtest.plan import plan as run

    spec = _spec(spec_path)
    forecast = None
    if forecast_path:
        from wfm.io.read import read_table

        forecast = read_table(forecast_path).frame
    result = run(spec, forecast=forecast, share=share, daily_units=daily_units)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result)
        return
    from wfm.cli.console import note, table

    table(f"Plan: {spec.name}", ["metric", "baseline", "detects", "per arm", "total"],
          [[m["metric"], m["baseline"], m["detects"], round(m["n_per_arm"]),
            round(m["n_total"])] for m in result["metrics"]])
    if result.get("days") is not None:
        note(f"{result['daily_units']:,.0f} units a day enter the test → about "
             f"{result['days']:.0f} days ({result['weeks']:.1f} weeks; run whole weeks)")


@abtest.command()
@click.argument("spec_path", type=click.Path(dir_okay=False))
@click.option("--units", "units_path", required=True, type=click.Path(dir_okay=False),
              help="File with one unit per row (customers, contacts or agents).")
@click.option("--column", default=None, help="The id column (default: the spec's unit).")
@click.option("--salt-env", default="WFM_SALT", show_default=True,
              help="Environment variable holding the secret salt of the keyed hash.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Assignments: unit_hash, arm (.csv).")
@json_option
def assign(spec_path, units_path, column, salt_env, output, as_json) -> None:
    """Assign units to arms by a keyed hash; only the hash is written, never the raw id.

    \b
    Example:
      WFM_SALT=change-me wfm abtest assign configs/abtest.yaml \\
        --units examples/insurer/events.csv.gz --column customer_id -o assignments.csv
    """
    import os

    from wfm.abtest.assign import assign as run
    from wfm.errors import UsageError
    from wfm.io.read import read_table
    from wfm.io.write import write_csv

    spec = _spec(spec_path)
    salt = os.environ.get(salt_env)
    if not salt:
        raise UsageError(f"set the secret salt in the environment variable {salt_env} "
                         "(keep it out of files and logs)")
    frame = read_table(units_path).frame
    col = column or spec.unit_column
    if col not in frame.columns:
        raise UsageError(f"{units_path}: no column {col!r} (found: {', '.join(frame.columns)})")
    units = frame[col].dropna().astype(str)
    units = units[units != ""].drop_duplicates()
    out = run(spec, units, salt.encode())
    write_csv(out, output)
    counts = out["arm"].value_counts().reindex([a.name for a in spec.arms]).fillna(0)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json({"units": len(out), "arms": {k: int(v) for k, v in counts.items()},
                   "output": output})
        return
    from wfm.cli.console import note

    note(f"assigned {len(out):,} units: " + ", ".join(f"{k} {int(v):,}"
                                                      for k, v in counts.items()))
    note(f"wrote {output} (keyed hashes only)")


def _data(path: str):
    from wfm.abtest.analyze import read_data

    return read_data(path)


@abtest.command()
@click.argument("spec_path", type=click.Path(dir_okay=False), required=False)
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None,
              help="Summary (arm, n, conversions | n, mean, sd) or unit rows (arm, converted "
                   "| value), optionally with a date column.")
@click.option("--guardrail", "guardrails", multiple=True, metavar="NAME=FILE",
              help="Data for a guardrail metric named in the spec (repeatable).")
@click.option("--test", "test_id", type=int, default=None,
              help="A registered test: analyse it with its spec and record the result.")
@registry_option
@json_option
def analyze(spec_path, data_path, guardrails, test_id, registry_path, as_json) -> None:
    """Effects with intervals, p-values (Holm across variants), chance to win, expected loss,
    sample-ratio check, guardrails and a verdict: ship, keep running or stop.

    \b
    Example:
      wfm abtest analyze configs/abtest.yaml --data examples/abtest/script-test.csv
    """
    from wfm.abtest.analyze import analyze as run
    from wfm.errors import UsageError

    if not data_path:
        raise UsageError("give --data (summary counts or unit rows)")
    reg = None
    if test_id is not None:
        from wfm.abtest.registry import Registry

        reg = Registry(registry_path)
        spec = reg.get(test_id)["spec"]
    elif spec_path:
        spec = _spec(spec_path)
    else:
        raise UsageError("give a spec file or --test ID")
    extra = {}
    for item in guardrails:
        name, _, path = item.partition("=")
        if not path:
            raise UsageError(f"--guardrail {item!r}: expected NAME=FILE")
        extra[name] = _data(path)
    result = run(spec, _data(data_path), data_path, extra)
    if reg is not None:
        reg.record(test_id, result.to_json())
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(result.to_json())
        return
    _render(spec, result, test_id)


def _render(spec, result, test_id) -> None:
    from wfm.cli.console import note, table

    if result.kind == "proportion":
        table(f"{spec.name}: {result.metric}", ["arm", "units", "conversions", "rate"],
              [[a["name"], a["n"], a["conversions"], f"{a['rate']:.2%}"] for a in result.arms])
    else:
        table(f"{spec.name}: {result.metric}", ["arm", "units", "mean", "sd"],
              [[a["name"], a["n"], a["mean"], a["sd"]] for a in result.arms])
    cols = ["variant", "effect", "95% CI", "relative", "95% CI", "p", "p (Holm)"]
    if result.sequential:
        cols.append("p (sequential)")
    cols += ["chance to win", "expected loss"]
    rows = []
    for c in result.comparisons:
        row = [c["variant"], f"{c['abs_effect']:+.4g}",
               f"{c['abs_ci'][0]:+.4g} … {c['abs_ci'][1]:+.4g}", f"{c['rel_effect']:+.1%}",
               f"{c['rel_ci'][0]:+.1%} … {c['rel_ci'][1]:+.1%}", f"{c['p_value']:.3g}",
               f"{c['p_holm']:.3g}"]
        if result.sequential:
            row.append(f"{c['p_sequential_holm']:.3g}")
        row += [f"{c['chance_to_win']:.1%}", f"{c['expected_loss']:.3g}"]
        rows.append(row)
    table("Comparisons with the control", cols, rows)
    note(f"sample-ratio check: p = {result.srm_p:.3g}")
    for g in result.guardrails:
        note(f"guardrail {g['name']}: {g['status']}")
    colour = {"ship": "green", "stop": "red"}.get(result.verdict, "yellow")
    note(f"[bold {colour}]{result.verdict.upper()}[/] — {result.reason}")
    if test_id is not None:
        note(f"recorded in the registry as a result of test #{test_id} (state: Check)")


@abtest.command()
@click.argument("spec_path", type=click.Path(dir_okay=False))
@click.option("--note", default="", help="Why, who, where.")
@registry_option
@json_option
def register(spec_path, note, registry_path, as_json) -> None:
    """Register a test in Plan (refused if a running test overlaps it).

    \b
    Example:
      wfm abtest register configs/abtest.yaml --registry tests.sqlite --note "Q4 script test"
    """
    from wfm.abtest.registry import Registry

    test_id = Registry(registry_path).register(_spec(spec_path), note)
    _say(as_json, {"id": test_id, "state": "plan"}, f"registered test #{test_id} (Plan)")


def _say(as_json: bool, payload: dict, text: str) -> None:
    from wfm.cli.console import emit_json, note

    if as_json:
        emit_json(payload)
    else:
        note(text)


@abtest.command()
@click.argument("test_id", type=int)
@click.option("--note", default="")
@registry_option
@json_option
def start(test_id, note, registry_path, as_json) -> None:
    """Plan → Do: the test goes live.

    \b
    Example:
      wfm abtest start 1 --registry tests.sqlite --note "script live in both sites"
    """
    from wfm.abtest.registry import Registry

    Registry(registry_path).move(test_id, "do", note)
    _say(as_json, {"id": test_id, "state": "do"}, f"test #{test_id} is running (Do)")


@abtest.command()
@click.argument("test_id", type=int)
@click.option("--rollout", is_flag=True, help="Go live with the winner and start monitoring.")
@click.option("--abandon", is_flag=True, help="Close the test without rolling out.")
@click.option("--continue", "keep", is_flag=True, help="Back to Do: keep running or enlarge "
              "the sample.")
@click.option("--note", default="")
@registry_option
@json_option
def act(test_id, rollout, abandon, keep, note, registry_path, as_json) -> None:
    """Check → Act: roll out (then monitor), abandon, or keep running.

    \b
    Example:
      wfm abtest act 1 --rollout --registry tests.sqlite --note "shortcut script for all"
    """
    from wfm.abtest.registry import Registry
    from wfm.errors import UsageError

    if sum([rollout, abandon, keep]) != 1:
        raise UsageError("give exactly one of --rollout, --abandon, --continue")
    reg = Registry(registry_path)
    if keep:
        reg.move(test_id, "do", note or "keep running")
        _say(as_json, {"id": test_id, "state": "do"}, f"test #{test_id} keeps running (Do)")
        return
    if abandon:
        reg.move(test_id, "act", note or "abandoned")
        reg.move(test_id, "closed", note or "abandoned")
        _say(as_json, {"id": test_id, "state": "closed"}, f"test #{test_id} closed")
        return
    reg.move(test_id, "act", note or "rollout")
    reg.move(test_id, "monitor", "monitoring after rollout")
    _say(as_json, {"id": test_id, "state": "monitor"},
         f"test #{test_id} rolled out; monitor it with `wfm abtest monitor {test_id} --data …`")


@abtest.command()
@click.argument("test_id", type=int)
@click.option("--data", "data_path", type=click.Path(dir_okay=False), default=None,
              help="Periods after rollout: period, n, conversions (added to the registry).")
@registry_option
@json_option
def monitor(test_id, data_path, registry_path, as_json) -> None:
    """A p-chart of the metric after rollout, with the Western Electric rules.

    \b
    Example:
      wfm abtest monitor 1 --data examples/abtest/after-rollout.csv --registry tests.sqlite
    """
    from wfm.abtest.monitor import p_chart
    from wfm.abtest.registry import Registry
    from wfm.errors import DataError, UsageError

    reg = Registry(registry_path)
    test = reg.get(test_id)
    if test["state"] != "monitor":
        raise UsageError(f"test #{test_id} is in {test['state'].title()}; roll it out first "
                         "(`wfm abtest act ID --rollout`)")
    if data_path:
        frame = _data(data_path)
        need = {"period", "n", "conversions"}
        if not need <= set(frame.columns):
            raise DataError(f"{data_path}: expected columns period, n, conversions (found: "
                            f"{', '.join(frame.columns)})")
        reg.add_monitoring(test_id, [(str(r.period), r.n, r.conversions)
                                     for r in frame.itertuples()])
    rows = reg.monitoring(test_id)
    if not rows:
        raise UsageError(f"test #{test_id} has no monitoring data yet: give --data")
    centre = None
    if test["results"]:
        last = test["results"][-1]["analysis"]
        winner = last.get("reason", "").split(":")[0]
        rates = {a["name"]: a.get("rate") for a in last.get("arms", [])}
        centre = rates.get(winner)
    chart = p_chart([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], centre)
    if as_json:
        from wfm.cli.console import emit_json

        emit_json({"id": test_id, "centre": float(chart["centre"].iloc[0]),
                   "periods": chart.to_dict(orient="records")})
        return
    from wfm.cli.console import note, table

    table(f"Test #{test_id} after rollout (p-chart, centre {chart['centre'].iloc[0]:.2%})",
          ["period", "n", "rate", "limits", "signals"],
          [[r.period, int(r.n), f"{r.rate:.2%}", f"{r.lcl:.2%} … {r.ucl:.2%}", r.signals]
           for r in chart.itertuples()])
    drift = chart[chart["signals"] != ""]
    note("[red]drift:[/] " + ", ".join(drift["period"]) if len(drift) else
         "no Western Electric signal: the rolled-out effect holds")


@abtest.command()
@click.option("--factor", default=None, help="Only tests of this factor.")
@registry_option
@json_option
def history(factor, registry_path, as_json) -> None:
    """Across cycles: each tested variable's effect direction and range, ranked by effect.

    \b
    Example:
      wfm abtest history --factor script --registry tests.sqlite
    """
    from wfm.abtest.registry import Registry

    reg = Registry(registry_path)
    rows = []
    for e in reg.effects(factor):
        for c in e["analysis"].get("comparisons", []):
            rows.append({"test": e["id"], "name": e["name"], "factor": e["factor"],
                         "state": e["state"], "variant": c["variant"],
                         "metric": e["analysis"].get("metric"),
                         "rel_effect": c["rel_effect"], "rel_ci": c["rel_ci"],
                         "direction": "up" if c["rel_ci"][0] > 0 else "down"
                         if c["rel_ci"][1] < 0 else "unclear",
                         "p_holm": c.get("p_holm"), "verdict": e["analysis"].get("verdict")})
    rows.sort(key=lambda r: -abs(r["rel_effect"]))
    tests = reg.list()
    if as_json:
        from wfm.cli.console import emit_json

        emit_json({"effects": rows, "tests": tests})
        return
    from wfm.cli.console import note, table

    table("Tests", ["id", "name", "factor", "state", "created"],
          [[t["id"], t["name"], t["factor"], t["state"].title(), t["created"]] for t in tests])
    table("Effects by size (latest analysis of each test)",
          ["factor", "test", "variant", "metric", "effect", "95% CI", "direction", "verdict"],
          [[r["factor"], r["test"], r["variant"], r["metric"], f"{r['rel_effect']:+.1%}",
            f"{r['rel_ci'][0]:+.1%} … {r['rel_ci'][1]:+.1%}", r["direction"], r["verdict"]]
           for r in rows])
    if not rows:
        note("no analysed tests yet")
