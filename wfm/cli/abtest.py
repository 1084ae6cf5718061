"""``wfm abtest`` command group."""

from __future__ import annotations

import click


@click.group()
def abtest() -> None:
    """Controlled tests that change one variable at a time, run through PDCA (A/B 测试).

    This group has no commands yet in this version: they arrive with the module
    (see the README's roadmap). Until then, `wfm data check` validates its inputs.

    \b
    Planned usage:
      wfm abtest plan configs/abtest.yaml
    """
