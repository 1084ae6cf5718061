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


class JourneyConfig(StrictModel):
    """How contacts become journeys and which events carry resolution and surveys."""

    window: str = Field("7d", description="a contact joins the journey of the same customer "
                                          "and issue if it comes within this time of the last")
    issue: str = Field("inquiry_type", description="the column that names the issue")
    contact_event: str = "reached"
    resolved_event: str = "resolved"
    survey_offered_event: str = "survey_offered"
    survey_event: str = "survey"
    journey_survey_event: str = "journey_survey"
    effort_event: str = "effort"
    satisfied_at: float = Field(4, description="a survey score at or above this is satisfied")
    easy_at: float = Field(5, description="an effort score at or above this is easy")
    outlier_level: float = Field(0.998, gt=0.5, lt=1, description="funnel-plot limit for "
                                 "agents' survey-transfer rates (0.998: three sigma)")
    min_contacts: int = Field(30, ge=1, description="agents with fewer contacts are not judged")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        _duration(value, "window")
        return value

    @property
    def window_delta(self) -> pd.Timedelta:
        return _duration(self.window, "window")


class Scoring(StrictModel):
    rule: Literal["linear", "thresholds"] = "linear"
    cap: float = Field(1.2, gt=0, description="linear: attainment counts up to this")
    thresholds: list[tuple[float, float]] = Field(
        default_factory=list, description="[attainment at least, score] pairs")

    @model_validator(mode="after")
    def _steps(self) -> Scoring:
        if self.rule == "thresholds" and not self.thresholds:
            raise ValueError("rule 'thresholds' needs a list of [attainment, score] pairs")
        return self


class Kpi(StrictModel):
    name: str = Field(min_length=1)
    kind: Literal["process", "outcome"]
    measure: Literal["count", "sum", "mean", "ratio"] = "count"
    event: str = Field(min_length=1, description="count/sum/mean: the event; ratio: numerator")
    per: str | None = Field(None, description="ratio: the denominator event")
    where: dict[str, list[str]] = Field(default_factory=dict)
    target: float = Field(gt=0, description="per agent per week for count and sum; the rate "
                                            "or mean itself for ratio and mean")
    lower_is_better: bool = False
    scoring: Scoring = Field(default_factory=Scoring)
    weights: dict[str, float] = Field(description="phase -> weight, e.g. ramp-up: 0.3")

    @model_validator(mode="after")
    def _ratio(self) -> Kpi:
        if self.measure == "ratio" and not self.per:
            raise ValueError("measure 'ratio' needs 'per' (the denominator event)")
        return self


class KpiConfig(StrictModel):
    unit: Literal["customer", "contact"] = "customer"
    kpis: list[Kpi] = Field(min_length=1)
    journeys: JourneyConfig = Field(default_factory=JourneyConfig)

    @model_validator(mode="after")
    def _weights(self) -> KpiConfig:
        phases = sorted({p for k in self.kpis for p in k.weights})
        for phase in phases:
            total = sum(k.weights.get(phase, 0.0) for k in self.kpis)
            if abs(total - 1) > 1e-6:
                raise ValueError(f"the weights of phase {phase!r} add up to {total:g}, not 1")
        return self

    @property
    def phases(self) -> list[str]:
        return list(dict.fromkeys(p for k in self.kpis for p in k.weights))

    @property
    def unit_column(self) -> str:
        return "customer_id" if self.unit == "customer" else "contact_id"
