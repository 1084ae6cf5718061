"""Scenarios: what-if changes applied on top of a forecast.

* ``shift``: move a share of an inquiry type from one channel to another from a date, e.g.
  "move 15% of 业务查询 from phone to WeChat from 2026-12-01". The moved contacts are spread
  over the target channel's intraday curve for the day (a WeChat line that opens at 08:00 gets
  no night-time contacts), and handled at the target's AHT times ``aht_factor``.
* ``scale``: multiply an inquiry type (optionally on one channel or site) by a factor.
* ``handle_time``: change an inquiry type's AHT on one channel by seconds or a factor (e.g. an
  extra sentence that adds 5 s to every call where it is said).

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


class HandleTime(StrictModel):
    inquiry_type: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    start: date
    end: date | None = None
    site: str | None = None
    seconds: float = Field(0.0, description="added to the AHT (negative: shorter)")
    factor: float = Field(1.0, gt=0, description="AHT multiplied by this (before seconds)")


class Action(StrictModel):
    shift: Shift | None = None
    scale: Scale | None = None
    handle_time: HandleTime | None = None

    @model_validator(mode="after")
    def _one(self) -> Action:
        if sum(a is not None for a in (self.shift, self.scale, self.handle_time)) != 1:
            raise ValueError("each action is exactly one of 'shift', 'scale' or 'handle_time'")
        return self

    @property
    def change(self) -> Shift | Scale | HandleTime:
        return self.shift or self.scale or self.handle_time


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


def _apply_handle_time(frame: pd.DataFrame, a: HandleTime) -> None:
    pick = _rows(frame, "handle_time", a.start, a.end, inquiry_type=a.inquiry_type,
                 channel=a.channel, site=a.site)
    new = frame.loc[pick, "aht_seconds"] * a.factor + a.seconds
    if (new <= 0).any():
        raise DataError(f"scenario handle_time: {a.inquiry_type!r} on {a.channel!r} would get "
                        f"an AHT of {new.min():.1f} s or less; expected a positive AHT")
    frame.loc[pick, "aht_seconds"] = new


def _apply_shift(frame: pd.DataFrame, a: Shift) -> pd.DataFrame:
    src = _rows(frame, "shift", a.start, a.end, inquiry_type=a.inquiry_type,
                channel=a.from_channel, site=a.site)
    if not src.any():
        return frame
    day = frame["interval_start"].dt.normalize()
    moved = frame.loc[src, "contacts"] * a.share
    src_aht = frame.loc[src, "aht_seconds"]
    for col in ("contacts", "contacts_lo", "contacts_hi"):
        frame.loc[src, col] *= 1 - a.share
    keys = [frame.loc[src, "site"], day[src]]
    per_day = pd.DataFrame({"volume": moved.groupby(keys).sum(),
                            "src_aht": (moved * src_aht).groupby(keys).sum()})
    per_day["src_aht"] /= per_day["volume"]
    per_day = per_day[per_day["volume"] > 0].rename_axis(["site", "day"]).reset_index()
    if per_day.empty:
        return frame
    # The target's intraday curve per site and day: the same type on the target channel if it
    # has contacts that day, else the whole target channel.
    target = frame[frame["channel"] == a.to_channel].assign(day=day)
    target = target.merge(per_day[["site", "day"]], on=["site", "day"])
    target["same"] = target["inquiry_type"] == a.inquiry_type
    same_sum = (target["contacts"].where(target["same"], 0.0)
                .groupby([target["site"], target["day"]]).transform("sum"))
    curve = target[(same_sum > 0) & target["same"] | (same_sum <= 0)].copy()
    curve["work"] = curve["contacts"] * curve["aht_seconds"].fillna(0.0)
    totals = curve.groupby(["site", "day"])[["contacts", "work"]].sum()
    totals["base_aht"] = totals["work"] / totals["contacts"]
    per_day = per_day.merge(totals.reset_index()[["site", "day", "contacts", "base_aht"]],
                            on=["site", "day"], how="left")
    empty = per_day[~(per_day["contacts"] > 0)]
    if len(empty):
        site, d = empty.iloc[0]["site"], empty.iloc[0]["day"]
        raise DataError(f"scenario shift: site {site!r} has no {a.to_channel!r} forecast on "
                        f"{d:%Y-%m-%d} to take the moved contacts")
    base_aht = per_day["base_aht"].where(per_day["base_aht"].notna() & (per_day["base_aht"]
                                                                        > 0),
                                         per_day["src_aht"])
    per_day["add_aht"] = base_aht * a.aht_factor
    slots = curve.groupby(["site", "day", "interval_start"])["contacts"].sum().rename("w")
    slots = slots.reset_index().merge(per_day[["site", "day", "volume", "contacts",
                                               "add_aht"]], on=["site", "day"])
    slots["extra"] = slots["volume"] * slots["w"] / slots["contacts"]
    slots = slots[["site", "interval_start", "extra", "add_aht"]]
    rows = frame[(frame["channel"] == a.to_channel) & (frame["inquiry_type"] == a.inquiry_type)]
    hit = rows.reset_index().merge(slots, on=["site", "interval_start"])
    if len(hit):
        i = hit["index"].to_numpy()
        old, old_aht = hit["contacts"].to_numpy(float), hit["aht_seconds"].to_numpy(float)
        extra, add_aht = hit["extra"].to_numpy(float), hit["add_aht"].to_numpy(float)
        total = old + extra
        fresh = np.isnan(old_aht) | (old <= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            blended = np.where(fresh, add_aht, (old * np.nan_to_num(old_aht) + extra * add_aht)
                               / total)
            ratio = np.where(old > 0, total / old, np.nan)
        frame.loc[i, "aht_seconds"] = np.where(total > 0, blended, old_aht)
        frame.loc[i, "contacts"] = total
        for col in ("contacts_lo", "contacts_hi"):
            frame.loc[i, col] = np.where(old > 0, frame.loc[i, col].to_numpy(float) * ratio,
                                         extra)
    new = slots.merge(rows[["site", "interval_start"]], on=["site", "interval_start"],
                      how="left", indicator=True)
    new = new[new["_merge"] == "left_only"]
    if len(new):
        add = pd.DataFrame({"interval_start": new["interval_start"].to_numpy(),
                            "channel": a.to_channel, "inquiry_type": a.inquiry_type,
                            "site": new["site"].to_numpy(), "contacts": new["extra"].to_numpy(),
                            "contacts_lo": new["extra"].to_numpy(),
                            "contacts_hi": new["extra"].to_numpy(),
                            "aht_seconds": new["add_aht"].to_numpy(), "model": "scenario"})
        frame = pd.concat([frame, add], ignore_index=True)
    return frame


def outside_horizon(forecast: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Actions whose window the forecast does not reach (they change nothing)."""
    first, last = forecast["interval_start"].min().date(), forecast["interval_start"].max().date()
    out = []
    for i, action in enumerate(scenario.actions):
        a = action.change
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
        elif action.handle_time:
            _apply_handle_time(frame, action.handle_time)
        else:
            frame = _apply_shift(frame, action.shift)
    frame["scenario"] = scenario.name
    return frame.sort_values(["site", "channel", "inquiry_type", "interval_start"],
                             kind="stable").reset_index(drop=True)
