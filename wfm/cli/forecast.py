"""``wfm forecast`` command group."""

from __future__ import annotations

import click


@click.group()
def forecast() -> None:
    """Forecast contact volume and handle time by channel, inquiry type and site (预测).

    This group has no commands yet in this version: they arrive with the module
    (see the README's roadmap). Until then, `wfm data check` validates its inputs.

    \b
    Planned usage:
      wfm forecast run --history examples/insurer/history.csv.gz --horizon 8w -o forecast.csv
    """
