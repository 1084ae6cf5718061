"""Rendering for people (rich, on stderr) and for scripts (JSON on stdout).

Data goes to stdout, people-facing text to stderr, so ``wfm … --json | jq`` stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click


def stderr_console():
    from rich.console import Console

    # Piped or captured output has no terminal width; 80 columns would truncate tables.
    width = None if sys.stderr.isatty() else 140
    return Console(stderr=True, highlight=False, soft_wrap=False, width=width)


def emit_json(value: Any) -> None:
    from wfm.io.write import dumps_json

    click.echo(dumps_json(value))


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          justify: Sequence[str] | None = None) -> None:
    """Print a rich table on stderr. Numbers are right-aligned."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold cyan", min_width=len(title))
    rows = [list(r) for r in rows]
    for i, col in enumerate(columns):
        numeric = all(isinstance(r[i], int | float) for r in rows if r[i] is not None) and rows
        t.add_column(col, justify=(justify[i] if justify else ("right" if numeric else "left")))
    for r in rows:
        t.add_row(*[_fmt(v) for v in r])
    stderr_console().print(t)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def note(message: str) -> None:
    """A line for people, on stderr."""
    stderr_console().print(message)


def is_tty() -> bool:
    return sys.stderr.isatty()


def progress_bar(total: int, label: str):
    """A rich progress bar on stderr (hidden when stderr is not a terminal, so logs and
    one-line errors stay clean). Returns the Progress context and an ``advance()`` callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=stderr_console(), transient=True,
                        disable=not is_tty())
    task = progress.add_task(label, total=total)
    return progress, lambda *_: progress.advance(task)
