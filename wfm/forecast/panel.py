"""History as a panel: one day × interval-slot array per series, with gaps and closures known.

A *series* is one combination of the ``--by`` columns (by default site × channel × inquiry
type). Its array has one row per calendar day from the first to the last day of the history
and one column per slot of the day; ``NaN`` marks what is unknown. Each series also knows:

* its *open slots*: slots that had a row on some day (a chat line open 08:00-22:00 has none at
  night), so closed hours are never forecast and never counted as gaps;
* its *observed days*: days with at least one row. A weekday on which the series never has
  rows in recent weeks is a closed day (weekends of a Monday-Friday line) and stays closed.

Missing rows inside an observed day's open slots are *gaps*: filled with zero (ACD exports
often omit empty intervals) or kept unknown, per ``gaps``; either way they are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from wfm.errors import DataError, InputError
from wfm.io.describe import interval_minutes

KEY_COLUMNS = ("site", "channel", "inquiry_type")
ALL = "all"
GapPolicy = Literal["zero", "missing"]


@dataclass
class Series:
    key: tuple[str, str, str]  # (site, channel, inquiry_type); "all" where not split
    start: pd.Timestamp  # the first day (midnight)
    y: np.ndarray  # (days, slots) contacts; NaN = unknown
    open_slots: np.ndarray  # (slots,) bool
    observed: np.ndarray  # (days,) bool: the day had rows
    aht: np.ndarray | None = None  # (days, slots) average handle time, NaN where unknown
    gaps: int = 0  # missing intervals inside observed days and open slots

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.y.shape[0], freq="D")

    @property
    def slots(self) -> int:
        return self.y.shape[1]

    def head(self, n_days: int) -> Series:
        """The first ``n_days`` days: the training part at a backtest origin."""
        return Series(self.key, self.start, self.y[:n_days], self.open_slots,
                      self.observed[:n_days], None if self.aht is None else self.aht[:n_days],
                      self.gaps)


@dataclass
class Panel:
    series: list[Series]
    slot_minutes: int
    start: pd.Timestamp
    n_days: int
    by: tuple[str, ...]
    gap_report: list[dict] = field(default_factory=list)

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_days, freq="D")

    def head(self, n_days: int) -> Panel:
        return Panel([s.head(n_days) for s in self.series], self.slot_minutes, self.start,
                     n_days, self.by, self.gap_report)


def parse_duration(text: str, what: str = "duration") -> pd.Timedelta:
    """'8w', '56d', '30min', '1h', '180s' → Timedelta; a clear error otherwise."""
    from wfm.errors import UsageError

    units = {"w": "W", "d": "D", "h": "h", "min": "min", "m": "min", "s": "s"}
    t = str(text).strip().lower()
    for suffix in sorted(units, key=len, reverse=True):
        if t.endswith(suffix) and t[: -len(suffix)].strip().replace(".", "", 1).isdigit():
            value = float(t[: -len(suffix)])
            if value > 0:
                return pd.Timedelta(value, unit=units[suffix])
    raise UsageError(f"{what}: expected a positive duration such as 8w, 56d, 30min or 180s, "
                     f"found {text!r}")


def build_panel(history: pd.DataFrame, *, by: tuple[str, ...] = KEY_COLUMNS,
                interval: int | None = None, gaps: GapPolicy = "zero",
                source: str = "history") -> Panel:
    """Turn a validated history frame into a :class:`Panel` at ``interval`` minutes."""
    unknown = [b for b in by if b not in KEY_COLUMNS]
    if unknown:
        from wfm.errors import UsageError

        raise UsageError(f"--by: expected columns from {', '.join(KEY_COLUMNS)}, "
                         f"found {unknown[0]!r}")
    data_step = interval_minutes(history["interval_start"])
    step = interval or data_step
    if step % data_step or 1440 % step:
        raise InputError(source, f"cannot forecast at {step}-minute intervals from "
                         f"{data_step}-minute history: expected a multiple of {data_step} "
                         "that divides a day")
    frame = history.copy()
    for col in KEY_COLUMNS:
        if col not in by:
            frame[col] = ALL
    frame["slot_start"] = frame["interval_start"].dt.floor(f"{step}min")
    frame["handled"] = frame["contacts"] * frame["aht_seconds"]
    grouped = frame.groupby([*KEY_COLUMNS, "slot_start"], sort=True)
    agg = pd.DataFrame({"contacts": grouped["contacts"].sum(),
                        "handled": grouped["handled"].sum(min_count=1),
                        "rows": grouped.size()}).reset_index()
    start = agg["slot_start"].min().normalize()
    n_days = int((agg["slot_start"].max().normalize() - start).days) + 1
    slots = 1440 // step
    rows_per_slot = step // data_step
    series, report = [], []
    for key, part in agg.groupby(list(KEY_COLUMNS), sort=True):
        day = ((part["slot_start"].dt.normalize() - start).dt.days).to_numpy()
        slot = ((part["slot_start"] - part["slot_start"].dt.normalize())
                / pd.Timedelta(minutes=step)).astype(int).to_numpy()
        y = np.full((n_days, slots), np.nan)
        y[day, slot] = part["contacts"].to_numpy(float)
        handled = np.full((n_days, slots), np.nan)
        handled[day, slot] = part["handled"].to_numpy(float)
        complete = np.zeros((n_days, slots), bool)
        complete[day, slot] = part["rows"].to_numpy() >= rows_per_slot
        observed = ~np.isnan(y).all(axis=1)
        open_slots = ~np.isnan(y).all(axis=0)
        missing = observed[:, None] & open_slots[None, :] & np.isnan(y)
        partial = observed[:, None] & ~np.isnan(y) & ~complete
        n_gaps = int(missing.sum() + partial.sum())
        if gaps == "zero":
            y[missing] = 0.0
        else:
            y[missing | partial] = np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            aht = np.where(y > 0, handled / y, np.nan)
        s = Series(tuple(key), start, y, open_slots, observed, aht, n_gaps)
        series.append(s)
        if n_gaps:
            report.append({"site": key[0], "channel": key[1], "inquiry_type": key[2],
                           "missing_intervals": int(missing.sum()),
                           "incomplete_intervals": int(partial.sum()), "filled": gaps})
    if not series:
        raise DataError(f"{source}: no series to forecast")
    return Panel(series, step, start, n_days, tuple(by), report)
