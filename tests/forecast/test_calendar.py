"""Holidays and make-up workdays, checked against the State Council's 2026 notice."""

from __future__ import annotations

from datetime import date

import pytest

from wfm.forecast.calendar import CalendarWarning, special_days


def test_national_day_2026_and_its_make_up_workdays():
    # 国务院办公厅 2026 notice: 10月1日至7日放假调休; 9月20日(周日)、10月10日(周六)上班.
    days = {d.date: d for d in special_days("CN", date(2026, 9, 15), date(2026, 10, 15))}
    assert all(days[date(2026, 10, d)].kind == "holiday" for d in range(1, 8))
    assert days[date(2026, 9, 20)].kind == "workday"
    assert days[date(2026, 10, 10)].kind == "workday"
    assert date(2026, 10, 8) not in days
    assert days[date(2026, 10, 1)].source == "chinese-calendar"


def test_past_the_official_table_warns_and_uses_statutory_days():
    with pytest.warns(CalendarWarning, match="known up to 2026"):
        days = special_days("CN", date(2026, 12, 20), date(2027, 2, 20))
    by_date = {d.date: d for d in days}
    assert by_date[date(2027, 1, 1)].source == "holidays"
    assert by_date[date(2027, 2, 6)].kind == "holiday"  # Spring Festival 2027
    assert not any(d.kind == "workday" and d.date.year == 2027 for d in days)


def test_other_countries_and_none():
    us = special_days("US", date(2003, 5, 20), date(2003, 9, 5))
    assert [d.date for d in us] == [date(2003, 5, 26), date(2003, 7, 4), date(2003, 9, 1)]
    assert special_days("none", date(2026, 1, 1), date(2026, 12, 31)) == []
