"""Scenarios: what-if changes applied on top of a forecast.

* ``shift``: move a share of an inquiry type from one channel to another from a date, e.g.
  "move 15% of 业务查询 from phone to WeChat from 2026-12-01". The moved contacts are spread
  over the target channel's intraday curve for the day (a WeChat line that opens at 08:00 gets
  no night-time contacts), and handled at the target's AHT times ``aht_factor``.
* ``scale``: multiply an inquiry type (optionally on one channel or site) by a factor.

Prediction intervals are scaled with the contacts they belong to (an approximation: the
scenario's own uncertainty, such as the measured effect's confidence interval, is the
what-if planner's job).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from wfm.config.centre import StrictModel
from wfm.errors import DataError


class Shift(StrictModel):
    inquiry_type: str = Field(min_length=1)
    from_channel: str = Field(min_length=1)
    to_channel: str = Field(min_length=1)
    share: float = Field(gt=0, le=1, description="fraction of the type's contacts that move")
    start: date
    end: date | None = Field(None, description="last day affected (inclusive); none = open")
    site: str | None = Field(None, description="only this site; none = every site")
    aht_factor: float = Field(1.0, gt=0, description="moved contacts' AHT vs the target's")

    @model_validator(mode="after")
    def _channels_differ(self) -> Shift:
        if self.from_channel == self.to_channel:
            raise ValueError("from_channel and to_channel must differ")
        if self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Scale(StrictModel):
    inquiry_type: str = Field(min_length=1)
    factor: float = Field(ge=0)
    start: date
    end: date | None = None
    channel: str | None = None
    site: str | None = None


class Action(StrictModel):
    shift: Shift | None = None
    scale: Scale | None = None

    @model_validator(mode="after")
    def _one(self) -> Action:
        if (self.shift is None) == (self.scale is None):
            raise ValueError("each action is exactly one of 'shift' or 'scale'")
        return self


class Scenario(StrictModel):
    name: str = Field(min_length=1, description="shown in the forecast's 'scenario' column")
    description: str = ""
    actions: list[Action] = Field(min_length=1)


def _window(frame: pd.DataFrame, start: date, end: date | None) -> pd.Series:
    day = frame["interval_start"].dt.date
    return (day >= start) & ((day <= end) if end else True)


def _rows(frame: pd.DataFrame, what: str, start: date, end: date | None, **labels) -> pd.Series:
    """Rows matching ``labels`` inside the window. No such series at all is an error (a typo);
    a window outside the forecast horizon selects nothing."""
    pick = pd.Series(True, index=frame.index)
    for column, value in labels.items():
        if value:
            pick &= frame[column] == value
    if not pick.any():
        found = ", ".join(f"{k}={v!r}" for k, v in labels.items() if v)
        raise DataError(f"scenario {what}: the forecast has no series with {found}")
    return pick & _window(frame, start, end)


def _apply_scale(frame: pd.DataFrame, a: Scale) -> None:
    pick = _rows(frame, "scale", a.start, a.end, inquiry_type=a.inquiry_type,
                 channel=a.channel, site=a.site)
    for col in ("contacts", "contacts_lo", "contacts_hi"):
        frame.loc[pick, col] *= a.factor


def _apply_shift(frame: pd.DataFrame, a: Shift) -> pd.DataFrame:
    src = _rows(frame, "shift", a.start, a.end, inquiry_type=a.inquiry_type,
                channel=a.from_channel, site=a.site)
    if not src.any():
        return frame
    moved = frame.loc[src, "contacts"] * a.share
    src_aht = frame.loc[src, "aht_seconds"]
    for col in ("contacts", "contacts_lo", "contacts_hi"):
        frame.loc[src, col] *= 1 - a.share
    day = frame["interval_start"].dt.normalize()
    per_day = moved.groupby([frame.loc[src, "site"], day[src]]).sum()
    src_aht_day = (moved * src_aht).groupby([frame.loc[src, "site"], day[src]]).sum() / per_day
    new_rows = []
    for (site, d), volume in per_day.items():
        target = ((frame["site"] == site) & (day == d) & (frame["channel"] == a.to_channel))
        same_type = target & (frame["inquiry_type"] == a.inquiry_type)
        curve_rows = same_type if frame.loc[same_type, "contacts"].sum() > 0 else target
        if frame.loc[curve_rows, "contacts"].sum() <= 0:
            raise DataError(f"scenario shift: site {site!r} has no {a.to_channel!r} forecast on "
                            f"{d:%Y-%m-%d} to take the moved contacts")
        weights = frame.loc[curve_rows].groupby("interval_start")["contacts"].sum()
        weights = weights / weights.sum()
        target_aht = frame.loc[curve_rows, "aht_seconds"]
        base_aht = (target_aht * frame.loc[curve_rows, "contacts"]).sum() / \
            frame.loc[curve_rows, "contacts"].sum()
        if np.isnan(base_aht):
            base_aht = src_aht_day[(site, d)]
        add_aht = base_aht * a.aht_factor
        for ts, w in weights.items():
            row = same_type & (frame["interval_start"] == ts)
            extra = volume * w
            if row.any():
                i = frame.index[row][0]
                old, old_aht = frame.at[i, "contacts"], frame.at[i, "aht_seconds"]
                total = old + extra
                if total > 0:
                    frame.at[i, "aht_seconds"] = add_aht if np.isnan(old_aht) or old <= 0 else (
                        (old * old_aht + extra * add_aht) / total)
                frame.at[i, "contacts"] = total
                ratio = total / old if old > 0 else np.nan
                for col in ("contacts_lo", "contacts_hi"):
                    frame.at[i, col] = frame.at[i, col] * ratio if old > 0 else extra
            else:
                new_rows.append({"interval_start": ts, "channel": a.to_channel,
                                 "inquiry_type": a.inquiry_type, "site": site,
                                 "contacts": extra, "contacts_lo": extra, "contacts_hi": extra,
                                 "aht_seconds": add_aht, "model": "scenario"})
    if new_rows:
        frame = pd.concat([frame, pd.DataFrame(new_rows)], ignore_index=True)
    return frame


def outside_horizon(forecast: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Actions whose window the forecast does not reach (they change nothing)."""
    first, last = forecast["interval_start"].min().date(), forecast["interval_start"].max().date()
    out = []
    for i, action in enumerate(scenario.actions):
        a = action.shift or action.scale
        if a.start > last or (a.end is not None and a.end < first):
            out.append(f"scenario {scenario.name!r} action {i + 1} ({a.start} …) lies outside "
                       f"the forecast ({first} … {last}) and changes nothing")
    return out


def apply_scenario(forecast: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """A copy of ``forecast`` with the scenario's actions applied in order."""
    frame = forecast.astype({"contacts_lo": float, "contacts_hi": float})
    for action in scenario.actions:
        if action.scale:
            _apply_scale(frame, action.scale)
        else:
            frame = _apply_shift(frame, action.shift)
    frame["scenario"] = scenario.name
    return frame.sort_values(["site", "channel", "inquiry_type", "interval_start"],
                             kind="stable").reset_index(drop=True)
