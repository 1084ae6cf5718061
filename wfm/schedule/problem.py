"""The scheduling problem on a slot grid: who may work which shift options, and the demand.

The grid's slot is the greatest common divisor of the requirement interval, shift start
times, shift lengths and break lengths and windows (15 minutes for 15-minute breaks), so every
rule is exact on it. A requirement for a 30-minute interval applies to each of its slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from wfm.errors import DataError
from wfm.io.describe import interval_minutes
from wfm.schedule.config import Contract, ScheduleConfig


@dataclass(frozen=True)
class BreakSlot:
    name: str
    length: int  # slots
    paid: bool
    starts: tuple[int, ...]  # candidate absolute start slots


@dataclass(frozen=True)
class Option:
    day: int
    shift: str
    start: int  # absolute slot
    length: int  # slots
    breaks: tuple[BreakSlot, ...]

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class AgentSpec:
    agent_id: str
    name: str
    site: str
    skills: tuple[str, ...]  # skills that have demand at the agent's site
    contract_name: str
    contract: Contract
    options: list[list[Option]]  # per day
    preferred_shifts: tuple[str, ...] = ()
    preferred_days_off: tuple[int, ...] = ()


@dataclass
class Problem:
    slot_minutes: int
    start: pd.Timestamp  # midnight of the first day
    days: int
    demand: dict[tuple[str, str], np.ndarray]  # (site, skill) -> agents per slot
    agents: list[AgentSpec]
    config: ScheduleConfig
    requirement_interval: int = 30
    notes: list[str] = field(default_factory=list)

    @property
    def n_slots(self) -> int:
        return self.days * 1440 // self.slot_minutes

    def slot_time(self, slot: int) -> datetime:
        return (self.start + pd.Timedelta(minutes=slot * self.slot_minutes)).to_pydatetime()


def slot_minutes_for(cfg: ScheduleConfig, interval: int) -> int:
    """The model's slot: the gcd of every time the config and the requirements use."""
    values = [interval, 1440]
    for s in cfg.shifts:
        values += [*s.start_minutes, s.length_minutes]
    for b in cfg.breaks:
        values += [b.minutes, b.earliest_after_minutes, b.latest_after_minutes]
    g = 0
    for v in values:
        g = math.gcd(g, int(v))
    if g < 5:
        raise DataError(f"shift and break times fall on a {g}-minute grid: use multiples of 5 "
                        "minutes")
    return g


def _blocked(agent_row, start: pd.Timestamp, slot: int, n_slots: int) -> np.ndarray:
    blocked = np.zeros(n_slots, bool)
    for a, b in agent_row["unavailable"]:
        i = int((pd.Timestamp(a) - start) / pd.Timedelta(minutes=slot))
        j = int(math.ceil((pd.Timestamp(b) - start) / pd.Timedelta(minutes=slot)))
        blocked[max(i, 0):max(min(j, n_slots), 0)] = True
    return blocked


def schedule_window(requirements: pd.DataFrame, start=None, days: int = 7
                    ) -> tuple[pd.DataFrame, str | None]:
    """The requirement rows of the ``days`` days from ``start`` (default: the first day).

    Contracts are weekly (hours, working days), so a roster covers at most a week; a longer
    requirements file (``wfm staff`` on an 8-week forecast) is cut here, with a note.
    """
    first_day = requirements["interval_start"].min().normalize()
    last_day = requirements["interval_start"].max().normalize()
    begin = pd.Timestamp(start) if start is not None else first_day
    if begin > last_day or begin + pd.Timedelta(days=days) <= first_day:
        raise DataError(f"--start {begin:%Y-%m-%d}: the requirements cover "
                        f"{first_day:%Y-%m-%d} … {last_day:%Y-%m-%d}")
    end = begin + pd.Timedelta(days=days)
    out = requirements[(requirements["interval_start"] >= begin)
                       & (requirements["interval_start"] < end)]
    total = int((last_day - first_day).days) + 1
    shown = int((min(end - pd.Timedelta(days=1), last_day) - max(begin, first_day)).days) + 1
    note = None
    if shown < total:
        note = (f"scheduling {max(begin, first_day):%Y-%m-%d} … "
                f"{min(end - pd.Timedelta(days=1), last_day):%Y-%m-%d} ({shown} of the "
                f"{total} days in the requirements; --start picks another week)")
    return out, note


def build_problem(requirements: pd.DataFrame, agents: pd.DataFrame,
                  cfg: ScheduleConfig) -> Problem:
    if requirements.empty:
        raise DataError("the requirements file has no rows")
    interval = interval_minutes(requirements["interval_start"])
    slot = slot_minutes_for(cfg, interval)
    first = requirements["interval_start"].min().normalize()
    days = int((requirements["interval_start"].max().normalize() - first).days) + 1
    if days > 7:
        raise DataError(f"the requirements cover {days} days; a roster covers at most a week "
                        "(contracts are weekly): pick one with --start (schedule_window)")
    n_slots = days * 1440 // slot
    demand: dict[tuple[str, str], np.ndarray] = {}
    per_interval = interval // slot
    for (site, skill), part in requirements.groupby(["site", "skill"]):
        arr = np.zeros(n_slots)
        idx = ((part["interval_start"] - first) / pd.Timedelta(minutes=slot)).astype(int)
        need = np.ceil(part["required"].to_numpy(float) - 1e-9)
        for k in range(per_interval):
            pos = idx.to_numpy() + k
            ok = pos < n_slots
            arr[pos[ok]] = need[ok]
        demand[(site, skill)] = arr
    specs = []
    notes = []
    for _, row in agents.iterrows():
        contract = cfg.contracts.get(row["contract"])
        if contract is None:
            raise DataError(f"agent {row['agent_id']}: contract {row['contract']!r} is not in the "
                            f"schedule config (known: {', '.join(cfg.contracts)})")
        skills = tuple(s for s in row["skills"] if (row["site"], s) in demand)
        blocked = _blocked(row, first, slot, n_slots)
        per_day = []
        for d in range(days):
            options = []
            for shift in cfg.shifts:
                length = shift.length_minutes // slot
                for m in shift.start_minutes:
                    s0 = (d * 1440 + m) // slot
                    if blocked[s0:min(s0 + length, n_slots)].any():
                        continue
                    breaks = tuple(
                        BreakSlot(b.name, b.minutes // slot, b.paid, tuple(range(
                            s0 + b.earliest_after_minutes // slot,
                            s0 + b.latest_after_minutes // slot + 1)))
                        for b in (cfg.break_(name) for name in shift.breaks))
                    options.append(Option(d, shift.name, s0, length, breaks))
            per_day.append(options)
        if not skills:
            notes.append(f"agent {row['agent_id']} has no skill with demand at {row['site']}")
        specs.append(AgentSpec(row["agent_id"], row["name"], row["site"], skills,
                               row["contract"], contract, per_day,
                               tuple(row.get("preferred_shifts", ()) or ()),
                               tuple(row.get("preferred_days_off", ()) or ())))
    return Problem(slot, first, days, demand, specs, cfg, interval, notes)


def paid_slots(option: Option) -> int:
    return option.length - sum(b.length for b in option.breaks if not b.paid)
