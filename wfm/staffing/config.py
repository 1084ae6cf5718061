"""Staffing settings (``configs/staffing.yaml``): skill groups, targets, models, shrinkage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from wfm.config.centre import StrictModel
from wfm.labels import ChannelKind


class Targets(StrictModel):
    service_level: float | None = Field(0.8, ge=0, le=1, description="share answered in time")
    sl_seconds: float = Field(20.0, ge=0, description="the 'in time' of the service level")
    asa_seconds: float | None = Field(None, gt=0, description="max mean wait of answered calls")
    max_abandon: float | None = Field(None, ge=0, le=1, description="max share abandoning")
    max_occupancy: float | None = Field(0.9, gt=0, le=1, description="max time busy")


class SkillGroup(StrictModel):
    name: str = Field(min_length=1, description="skill name agents carry in the roster")
    channels: list[str] = Field(min_length=1, description="channels whose work this group takes")
    inquiry_types: list[str] | None = Field(None, description="only these types; none = all")
    kind: ChannelKind | None = Field(None, description="override the channels' kind")
    model: Literal["erlang_c", "erlang_a"] | None = None
    patience_seconds: float | None = Field(None, gt=0, description="mean caller patience")
    concurrency: float | None = Field(None, ge=1, description="chat sessions per agent")
    stretch: float = Field(0.0, ge=0, le=1, description="session time added per extra session")
    response_hours: float | None = Field(None, gt=0, description="deferred work promise")
    shrinkage: float | None = Field(None, ge=0, lt=1)
    targets: Targets | None = None


class StaffingConfig(StrictModel):
    model: Literal["erlang_c", "erlang_a"] = Field(
        "erlang_a", description="queue model for voice and chat")
    patience_seconds: float | None = Field(
        180.0, gt=0, description="mean patience for Erlang A (measure it: see the README)")
    shrinkage: float = Field(0.3, ge=0, lt=1, description="paid time not on the phones")
    targets: Targets = Field(default_factory=Targets)
    outbound_occupancy: float = Field(0.85, gt=0, le=1)
    fte_hours_per_week: float = Field(40.0, gt=0, le=168,
                                      description="paid hours of one full-time agent a week")
    cost_per_hour: float | None = Field(
        None, ge=0, description="fully loaded cost of a paid agent-hour; none = no cost")
    currency: str = Field("", description="shown next to costs, e.g. CNY")
    skills: list[SkillGroup] = Field(
        default_factory=list, description="skill groups; none = one group per channel")

    @model_validator(mode="after")
    def _unique(self) -> StaffingConfig:
        names = [s.name for s in self.skills]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"skill {sorted(dupes)[0]!r} is declared twice")
        return self
