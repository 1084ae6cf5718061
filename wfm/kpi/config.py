"""KPI settings: the funnel (``configs/funnel.yaml``) and the scorecard (``configs/kpi.yaml``)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from wfm.config.centre import StrictModel

# Event-log columns a stage may filter on or a report may break down by (besides extras).
EVENT_COLUMNS = ("channel", "inquiry_type", "agent_id", "team", "contact_id", "customer_id")


def _duration(value: str, key: str) -> pd.Timedelta:
    from wfm.errors import UsageError
    from wfm.forecast.panel import parse_duration

    try:
        return parse_duration(value, key)
    except UsageError as err:
        raise ValueError(str(err)) from None


class Stage(StrictModel):
    name: str = Field(min_length=1)
    event: str = Field(min_length=1, description="the event that marks the stage")
    where: dict[str, list[str]] = Field(default_factory=dict,
                                        description="column -> allowed values, e.g. inquiry_type")


class FunnelConfig(StrictModel):
    unit: Literal["customer", "contact"] = "customer"
    window: str | None = Field("7d", description="longest time from the first stage to any "
                                                 "later one; null for no limit")
    strict_order: bool = Field(True, description="a stage counts only at or after the one "
                                                  "before it")
    level: float = Field(0.95, gt=0.5, lt=1, description="confidence level of the intervals")
    stages: list[Stage] = Field(min_length=2)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            _duration(value, "window")
        return value

    @model_validator(mode="after")
    def _names(self) -> FunnelConfig:
        names = [s.name for s in self.stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stage names must be unique, {dupes[0]!r} repeats")
        return self

    @property
    def window_delta(self) -> pd.Timedelta | None:
        return None if self.window is None else _duration(self.window, "window")

    @property
    def unit_column(self) -> str:
        return "customer_id" if self.unit == "customer" else "contact_id"
