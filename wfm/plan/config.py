"""What-if settings: how a tested change becomes a channel shift at scale.

A controlled test measures a rate among the customers who met the change (e.g. the share of
invited callers who add WeChat). At scale, the planner needs contacts per channel. The bridge
(documented in the README and ``configs/what-if.yaml``)::

    moved share of the population's contacts on from_channel
        = reach × effect × follow_through      (times the ramp while the rollout grows)

* ``reach``: share of the population's from_channel contacts whose callers meet the change at
  scale (the insurer invites policyholders only: ~40% of 业务办理/业务查询 calls);
* ``effect``: the absolute change in the rate the test measured (with its confidence
  interval: the what-if is computed at the point estimate and at both ends);
* ``follow_through``: share of an adopter's later contacts of these types that the new
  channel takes instead (1.0 when the metric already counts moved contacts, as in a
  deflection test).

The same :class:`Impact` sits in a test spec (``impact:``, used by ``--abtest ID``) or in a
what-if file with a manual effect (``--shift FILE``).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from wfm.config.centre import StrictModel


class Range(StrictModel):
    """A point estimate with the low and high ends of its interval."""

    point: float
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.point <= self.high:
            raise ValueError(f"expected low <= point <= high, found {self.low:g}, "
                             f"{self.point:g}, {self.high:g}")
        return self

    def ends(self) -> dict[str, float]:
        return {"point": self.point, "low": self.low, "high": self.high}


class Impact(StrictModel):
    """What a change does to the contact flow when it is rolled out."""

    from_channel: str = Field(min_length=1, description="channel the contacts leave")
    to_channel: str = Field(min_length=1, description="channel (or self-service) they go to")
    inquiry_types: list[str] | None = Field(
        None, description="types affected; none = the test population's inquiry_type, else all")
    site: str | None = Field(None, description="only this site; none = every site")
    start: date | None = Field(None, description="go-live day; none = the forecast's first day")
    end: date | None = Field(None, description="last day affected; none = open")
    ramp_weeks: int = Field(0, ge=0, le=52, description="weeks until the full effect (linear)")
    reach: float = Field(1.0, gt=0, le=1, description="share of contacts meeting the change")
    follow_through: float = Field(1.0, gt=0, le=1,
                                  description="share of an adopter's contacts that move")
    moved_aht_factor: float = Field(1.0, gt=0,
                                    description="moved contacts' AHT vs the target channel's")
    aht_guardrail: str | None = Field(
        None, description="test guardrail (mean, seconds) whose effect changes the AHT of the "
        "from_channel contacts that meet the change")

    @model_validator(mode="after")
    def _sane(self) -> Impact:
        if self.from_channel == self.to_channel:
            raise ValueError("from_channel and to_channel must differ")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    def moved_share(self, effect: float) -> float:
        """Share of the population's from_channel contacts that move at the full effect."""
        return self.reach * effect * self.follow_through


class WhatIfFile(Impact):
    """A what-if without a registered test: the effect is given by hand (``--shift FILE``)."""

    name: str = Field(min_length=1, description="shown in reports")
    description: str = ""
    effect: Range = Field(description="absolute change in the adoption/deflection rate")
    aht_change: Range | None = Field(
        None, description="seconds added to each from_channel contact meeting the change")
