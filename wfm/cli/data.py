"""``wfm data``: check an input file against its contract; write the example data set."""

from __future__ import annotations

import click

from wfm.cli.options import centre_option, json_option, load_vocabulary


@click.group()
def data() -> None:
    """Check input files and generate the example data set.

    \b
    Example:
      wfm data check examples/insurer/history.csv.gz --centre configs/centre.yaml
      wfm data generate --out my-example
    """


@data.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["history", "agents", "events"]), default=None,
              help="Which contract to check against (guessed from the header if omitted).")
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
@centre_option
@json_option
def check(file: str, kind: str | None, sheet: str | None, centre_path: str | None,
          as_json: bool) -> None:
    """Validate FILE (CSV, XLSX or Parquet) and summarise what it holds.

    Any problem is reported as one line naming the row and column, with exit status 2.

    \b
    Example:
      wfm data check examples/insurer/history.csv.gz --centre configs/centre.yaml
      wfm data check examples/insurer/agents.csv --kind agents --json
    """
    from wfm.errors import InputError
    from wfm.io.describe import DESCRIBERS
    from wfm.io.inputs import READERS, guess_kind
    from wfm.io.read import read_table

    vocab = load_vocabulary(centre_path)
    if kind is None:
        kind = guess_kind(list(read_table(file, sheet=sheet).frame.columns))
        if kind is None:
            raise InputError(file, "cannot tell which kind of file this is from its header: "
                             "expected history, agents or events columns (see --kind)")
    frame = READERS[kind](file, vocab, sheet=sheet)
    summary = {"file": file, **DESCRIBERS[kind](frame)}
    if as_json:
        from wfm.cli.console import emit_json

        emit_json(summary)
        return
    _render(summary)


def _render(summary: dict) -> None:
    from wfm.cli.console import note, table

    note(f"[green]OK[/green] {summary['file']}: {summary['rows']:,} valid {summary['kind']} rows")
    if summary["kind"] == "history":
        first, last = summary["first_interval"], summary["last_interval"]
        note(f"{first:%Y-%m-%d %H:%M} … {last:%Y-%m-%d %H:%M}, {summary['days']} days, "
             f"{summary['interval_minutes']}-minute intervals; "
             f"sites: {', '.join(summary['sites'])}")
        table("Contacts by channel", ["channel", "contacts", "per day", "AHT (s)"],
              [[c["channel"], int(c["contacts"]), c["contacts_per_day"], c["aht_seconds"]]
               for c in summary["channels"]])
    elif summary["kind"] == "agents":
        table("Agents by skill", ["skill", "agents"], list(summary["skills"].items()))
        note(f"sites: {summary['sites']}; multi-skilled agents: {summary['multi_skilled']}")
    else:
        table("Events", ["event", "rows"], list(summary["events"].items()))
        note(f"{summary['contacts']:,} contacts, {summary['customers']:,} customers")


@data.command("generate")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder to write history.csv, agents.csv, events.csv and centre.yaml into.")
@click.option("--seed", type=int, default=20261122, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 104), default=12, show_default=True,
              help="Weeks of 30-minute history.")
@click.option("--gzip", "compress", is_flag=True, help="Write history and events as .csv.gz.")
def generate(out_dir: str, seed: int, weeks: int, compress: bool) -> None:
    """Write the deterministic example data set of a two-site insurer.

    Same seed, same files, on any machine with the same numpy.

    \b
    Example:
      wfm data generate --out my-example --weeks 16
    """
    from wfm.cli.console import note
    from wfm.synth.files import write_example

    paths = write_example(out_dir, seed=seed, weeks=weeks, compress=compress)
    for p in paths:
        note(f"wrote {p}")
