"""Schedule settings (``configs/schedule.yaml``): shifts, breaks, contracts, objective, solver."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from wfm.config.centre import StrictModel

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def minutes_of(text: str) -> int:
    m = _HHMM.match(text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"expected a time of day such as 07:30, found {text!r}")
    return int(m[1]) * 60 + int(m[2])


class Break(StrictModel):
    name: str = Field(min_length=1)
    minutes: int = Field(gt=0, le=180)
    earliest_after_minutes: int = Field(ge=0, description="earliest start, after shift start")
    latest_after_minutes: int = Field(ge=0, description="latest start, after shift start")
    paid: bool = True

    @model_validator(mode="after")
    def _window(self) -> Break:
        if self.latest_after_minutes < self.earliest_after_minutes:
            raise ValueError("latest_after_minutes must not be before earliest_after_minutes")
        return self


class Shift(StrictModel):
    name: str = Field(min_length=1)
    starts: list[str] = Field(min_length=1, description="allowed start times, HH:MM")
    hours: float = Field(gt=0, le=16, description="length from start to end, breaks included")
    breaks: list[str] = Field(default_factory=list, description="break names, in order")

    @field_validator("starts")
    @classmethod
    def _starts(cls, value: list[str]) -> list[str]:
        for s in value:
            minutes_of(s)
        return value

    @property
    def start_minutes(self) -> list[int]:
        return [minutes_of(s) for s in self.starts]

    @property
    def length_minutes(self) -> int:
        return int(round(self.hours * 60))


class Contract(StrictModel):
    min_hours_week: float = Field(0, ge=0)
    max_hours_week: float = Field(40, gt=0)
    max_days: int = Field(5, ge=0, le=7)
    max_consecutive_days: int = Field(6, ge=1, le=7)
    min_rest_hours: float = Field(11, ge=0, le=48)
    min_consecutive_days_off: int = Field(0, ge=0, le=7, description="the scheduled days must "
                                          "include a run of at least this many days off")
    cost_per_hour: float = Field(1.0, ge=0)

    @model_validator(mode="after")
    def _hours(self) -> Contract:
        if self.min_hours_week > self.max_hours_week:
            raise ValueError("min_hours_week must not exceed max_hours_week")
        return self


class Weights(StrictModel):
    understaffed_minute: float = Field(10.0, ge=0, description="per agent-minute short")
    overstaffed_minute: float = Field(1.0, ge=0, description="per agent-minute over")
    paid_hour_cost: float = Field(1.0, ge=0, description="× contract cost_per_hour")
    preference: float = Field(20.0, ge=0, description="per unmet preference")
    weekend_pair: float = Field(30.0, ge=0, description="per agent working Sat and Sun")
    contract_hour: float = Field(50.0, ge=0, description="per hour outside contract (soft)")


class Rules(StrictModel):
    """Which rules are hard (never broken) and which soft (broken at a named cost)."""

    coverage: str = Field("soft", pattern="^(hard|soft)$")
    contract_hours: str = Field("hard", pattern="^(hard|soft)$")
    max_days: str = Field("hard", pattern="^(hard|soft)$")
    max_consecutive_days: str = Field("hard", pattern="^(hard|soft)$")
    min_rest: str = Field("hard", pattern="^(hard|soft)$")
    consecutive_days_off: str = Field("hard", pattern="^(hard|soft)$")


class Solver(StrictModel):
    time_limit_seconds: float = Field(60.0, gt=0)
    workers: int = Field(2, ge=1, le=64)
    seed: int = Field(1, ge=0)
    relative_gap: float = Field(0.0, ge=0, lt=1, description="stop when this close to the bound")
    presolve: bool = Field(False, description="CP-SAT presolve; off: on a week of 60 agents it "
                           "took 10 s and delayed the first roster from 3 s to 11 s")
    lp_guided: bool = Field(True, description="search only the shift options the LP relaxation "
                            "and the first roster use (much smaller model); at a site of up "
                            "to 40 agents, every start of the shifts the LP uses")
    strategy: str = Field("auto", pattern="^(auto|lns|single)$", description=(
        "single: one CP-SAT model (proves optima on tiny rosters); lns: a first roster "
        "rounded from the LP relaxation, then a day sweep and neighbourhoods of agents and "
        "days solved with the others fixed; auto: lns when coverage is soft, after a short "
        "single-model probe (5% of the limit, at most 1 s) on rosters of up to 40 agents"))
    pattern_bound_seconds: float = Field(0.0, ge=0, description=(
        "after the search, up to this many seconds of column generation over agents' whole "
        "weeks for a lower bound that also knows rest, each agent's hours and preferences "
        "(0: off); 150 agents need about 120 s"))
    log: bool = False


class ScheduleConfig(StrictModel):
    shifts: list[Shift] = Field(min_length=1)
    breaks: list[Break] = Field(default_factory=list)
    contracts: dict[str, Contract] = Field(min_length=1)
    weights: Weights = Field(default_factory=Weights)
    rules: Rules = Field(default_factory=Rules)
    solver: Solver = Field(default_factory=Solver)

    @model_validator(mode="after")
    def _references(self) -> ScheduleConfig:
        names = {b.name for b in self.breaks}
        for shift in self.shifts:
            for b in shift.breaks:
                if b not in names:
                    raise ValueError(f"shift {shift.name!r} names break {b!r}, which is not "
                                     "declared under 'breaks'")
            windows = [self.break_(b) for b in shift.breaks]
            for first, second in zip(windows, windows[1:], strict=False):
                if first.latest_after_minutes + first.minutes > second.earliest_after_minutes:
                    raise ValueError(f"shift {shift.name!r}: break {second.name!r} may start "
                                     f"before {first.name!r} ends; make their windows disjoint")
            if windows and windows[-1].latest_after_minutes + windows[-1].minutes > \
                    shift.length_minutes:
                raise ValueError(f"shift {shift.name!r}: break {windows[-1].name!r} may end "
                                 "after the shift")
        return self

    def break_(self, name: str) -> Break:
        return next(b for b in self.breaks if b.name == name)
