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
