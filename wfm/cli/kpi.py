"""``wfm kpi`` command group."""

from __future__ import annotations

import click


@click.group()
def kpi() -> None:
    """Service-marketing funnels, scorecards and journey satisfaction (服务营销, 漏斗).

    This group has no commands yet in this version: they arrive with the module
    (see the README's roadmap). Until then, `wfm data check` validates its inputs.

    \b
    Planned usage:
      wfm kpi funnel --events examples/insurer/events.csv.gz --config configs/funnel.yaml
    """
