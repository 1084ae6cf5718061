"""Public holidays and make-up workdays (调休).

China: the official table of ``chinese-calendar`` (holidays *and* make-up workdays as announced
by the State Council, 2004 up to its last year) and, past that year, the statutory days that
``holidays.China`` computes, with a warning that make-up workdays are not yet known. Other
countries: ``holidays``. A user's events file can add or override days (forecast issue).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

DayKind = Literal["holiday", "workday"]


@dataclass(frozen=True)
class SpecialDay:
    date: date
    name: str
    kind: DayKind  # "holiday": closed like a Sunday; "workday": a weekend day worked (调休)
    source: str


class CalendarWarning(UserWarning):
    """The horizon passes what the official tables know."""


def _chinese_official(start: date, end: date) -> tuple[list[SpecialDay], int]:
    import chinese_calendar as cc

    last_year = max(y for y in _cc_years())
    days: list[SpecialDay] = []
    stop = min(end, date(last_year, 12, 31))
    d = start
    while d <= stop:
        on_holiday, name = cc.get_holiday_detail(d)
        if on_holiday and name is not None:
            days.append(SpecialDay(d, str(name), "holiday", "chinese-calendar"))
        elif not on_holiday and d.weekday() >= 5:
            days.append(SpecialDay(d, f"调休上班 ({name or 'make-up workday'})", "workday",
                                   "chinese-calendar"))
        d += timedelta(days=1)
    return days, last_year


def _cc_years() -> list[int]:
    import chinese_calendar as cc

    return sorted({d.year for d in cc.holidays})


def special_days(country: str, start: date, end: date) -> list[SpecialDay]:
    """Holidays and make-up workdays from ``start`` to ``end`` inclusive, sorted by date."""
    if country.lower() == "none":
        return []
    import holidays

    code = country.upper()
    days: list[SpecialDay] = []
    lib_start = start
    if code == "CN":
        days, last_year = _chinese_official(start, end)
        lib_start = max(start, date(last_year + 1, 1, 1))
        if end.year > last_year:
            warnings.warn(
                f"official Chinese holiday arrangements are known up to {last_year}; after that "
                "wfm uses statutory holidays from the 'holidays' library without make-up "
                "workdays (调休): add them to an events file when the State Council announces "
                "them", CalendarWarning, stacklevel=2)
    if lib_start <= end:
        table = holidays.country_holidays(code, years=range(lib_start.year, end.year + 1))
        for d, name in sorted(table.items()):
            if lib_start <= d <= end:
                days.append(SpecialDay(d, name, "holiday", "holidays"))
        for d in sorted(getattr(table, "weekend_workdays", ()) or ()):
            if lib_start <= d <= end:
                days.append(SpecialDay(d, "make-up workday", "workday", "holidays"))
    return sorted(days, key=lambda s: s.date)


# ---------------------------------------------------------------------------- day types

NORMAL, HOLIDAY, MAKEUP, AFTER, EVE, EVENT = 0, 1, 2, 3, 4, 5
KIND_NAMES = {NORMAL: "normal", HOLIDAY: "holiday", MAKEUP: "make-up workday",
              AFTER: "day after holiday", EVE: "eve of long holiday", EVENT: "event"}
LONG_BLOCK_DAYS = 3


@dataclass(frozen=True)
class UserEvent:
    date: date
    name: str
    multiplier: float | None  # a known impact (0 = closed); None = estimate it from history
    tag: str  # days sharing a tag share an estimated effect
    channel: str = ""
    inquiry_type: str = ""
    site: str = ""

    def applies_to(self, key: tuple[str, str, str]) -> bool:
        site, channel, itype = key
        return all(not want or want == have for want, have in
                   ((self.site, site), (self.channel, channel), (self.inquiry_type, itype)))


@dataclass(frozen=True)
class DayTypes:
    """What kind of day each date is, for one series (user events may be series-specific)."""

    start: date
    kind: np.ndarray  # int8 codes: NORMAL, HOLIDAY, …
    tag: np.ndarray  # object: user event tag or holiday name ("" for normal days)
    multiplier: np.ndarray  # float: a user-given impact, NaN where it is to be estimated

    def __len__(self) -> int:
        return len(self.kind)


def _base_kinds(start: date, n_days: int, specials: list[SpecialDay],
                weekend: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    dates = [start + timedelta(days=i) for i in range(n_days)]
    by_date = {s.date: s for s in specials}
    kind = np.zeros(n_days, np.int8)
    tag = np.array([""] * n_days, dtype=object)
    off = np.zeros(n_days, bool)
    for i, d in enumerate(dates):
        s = by_date.get(d)
        if s and s.kind == "holiday":
            kind[i], tag[i], off[i] = HOLIDAY, s.name, True
        elif s and s.kind == "workday":
            kind[i], tag[i] = MAKEUP, s.name
        else:
            off[i] = d.weekday() in weekend
    # Blocks of days off that contain a holiday: the day after is busy, the eve of a long one too.
    i = 0
    while i < n_days:
        if not off[i]:
            i += 1
            continue
        j = i
        while j + 1 < n_days and off[j + 1]:
            j += 1
        if (kind[i:j + 1] == HOLIDAY).any():
            if j + 1 < n_days and kind[j + 1] == NORMAL:
                kind[j + 1] = AFTER
            if j - i + 1 >= LONG_BLOCK_DAYS and i > 0 and kind[i - 1] == NORMAL:
                kind[i - 1] = EVE
        i = j + 1
    return kind, tag


def day_types(start: date, n_days: int, country: str, events: list[UserEvent] = (),
              key: tuple[str, str, str] | None = None,
              weekend: tuple[int, ...] = (5, 6)) -> DayTypes:
    """Day kinds from ``start`` for ``n_days``: public holidays and make-up workdays of
    ``country``, the days around holiday blocks, then the user's events (which win)."""
    end = start + timedelta(days=n_days - 1)
    mine = [ev for ev in events if key is None or ev.applies_to(key)]
    opened = {ev.date for ev in mine if ev.tag == "open"}
    specials = [s for s in special_days(country, start, end) if s.date not in opened]
    kind, tag = _base_kinds(start, n_days, specials, weekend)
    multiplier = np.full(n_days, np.nan)
    for ev in mine:
        i = (ev.date - start).days
        if 0 <= i < n_days and ev.tag == "open":
            kind[i], tag[i] = NORMAL, ""
        elif 0 <= i < n_days:
            kind[i], tag[i] = EVENT, ev.tag
            multiplier[i] = np.nan if ev.multiplier is None else ev.multiplier
    return DayTypes(start, kind, tag, multiplier)
