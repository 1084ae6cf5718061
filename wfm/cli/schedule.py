"""``wfm schedule`` command group."""

from __future__ import annotations

import click


@click.group()
def schedule() -> None:
    """Build a week of shifts for named agents with CP-SAT (排班).

    This group has no commands yet in this version: they arrive with the module
    (see the README's roadmap). Until then, `wfm data check` validates its inputs.

    \b
    Planned usage:
      wfm schedule solve --requirements req.csv --agents agents.csv \\
        --config configs/schedule.yaml -o schedule.xlsx
    """
