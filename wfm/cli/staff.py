"""``wfm staff`` command group."""

from __future__ import annotations

import click


@click.group()
def staff() -> None:
    """Turn forecasts into required agents per interval and skill (人力需求).

    This group has no commands yet in this version: they arrive with the module
    (see the README's roadmap). Until then, `wfm data check` validates its inputs.

    \b
    Planned usage:
      wfm staff erlang --volume 100 --interval 30min --aht 180s --sl 0.8 --sl-time 20s
    """
