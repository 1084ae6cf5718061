"""The user's special-day file: multipliers, closures, open holidays, learned tags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.forecast.conftest import WEEKDAY, history_frame
from wfm.errors import InputError
from wfm.forecast.calendar import AFTER, EVENT, HOLIDAY, NORMAL, day_types
from wfm.forecast.config import ForecastConfig
from wfm.forecast.events import read_events_file
from wfm.forecast.pipeline import run_forecast

CFG = ForecastConfig(horizon_days=14, model="decomp_mean", holidays="none")


def events(write, body: str):
    return read_events_file(write("events.csv", "date,name,impact\n" + body))


def test_impacts(write):
    evs = events(write, "2026-12-12,双十二,1.5\n2026-12-25,系统升级,closed\n"
                        "2026-10-01,国庆值班,open\n2026-11-11,双十一,promo\n")
    by_name = {e.name: e for e in evs}
    assert by_name["双十二"].multiplier == 1.5
    assert by_name["系统升级"].multiplier == 0.0
    assert by_name["国庆值班"].tag == "open"
    assert by_name["双十一"].multiplier is None and by_name["双十一"].tag == "promo"


def test_open_removes_a_public_holiday(write):
    from datetime import date

    plain = day_types(date(2026, 9, 28), 14, "CN")
    assert plain.kind[3] == HOLIDAY and plain.kind[10] == AFTER  # 10-01; 10-08 after the block
    opened = day_types(date(2026, 9, 28), 14, "CN", events(write, "2026-10-01,国庆值班,open\n"
                                                                   "2026-10-08,调班,open\n"))
    assert opened.kind[3] == NORMAL and opened.kind[10] == NORMAL
    assert opened.kind[4] == HOLIDAY  # 10-02 is still a holiday


def test_closed_day_has_no_rows_and_multiplier_scales(write):
    frame = history_frame(days=70)  # ends Sunday 2026-08-09
    evs = events(write, "2026-08-12,系统升级,closed\n2026-08-13,促销,1.5\n")
    f = run_forecast(frame, CFG, events=evs, country="none").frame
    daily = f.groupby(f["interval_start"].dt.date)["contacts"].sum()
    assert pd.Timestamp("2026-08-12").date() not in daily.index
    assert daily[pd.Timestamp("2026-08-13").date()] == pytest.approx(1000 * WEEKDAY[3] * 1.5)


def test_tag_effect_is_learned_from_history(write):
    frame = history_frame(days=70)
    promo = frame["interval_start"].dt.date.isin([pd.Timestamp("2026-07-15").date(),
                                                  pd.Timestamp("2026-07-22").date()])
    frame.loc[promo, "contacts"] *= 1.3  # two Wednesdays of campaign traffic
    evs = events(write, "2026-07-15,campaign,promo\n2026-07-22,campaign,promo\n"
                        "2026-08-12,campaign,promo\n")
    f = run_forecast(frame, CFG, events=evs, country="none").frame
    day = f[f["interval_start"].dt.date == pd.Timestamp("2026-08-12").date()]
    assert day["contacts"].sum() == pytest.approx(1000 * WEEKDAY[2] * 1.3, rel=1e-6)


def test_series_specific_events(write):
    evs = read_events_file(write("e.csv", "date,name,impact,channel\n2026-08-12,故障,closed,wechat\n"))
    assert evs[0].applies_to(("上海", "wechat", "x")) and not evs[0].applies_to(("上海", "phone", "x"))
    cal = day_types(pd.Timestamp("2026-08-10").date(), 7, "none", evs, key=("上海", "wechat", "x"))
    assert cal.kind[2] == EVENT and cal.multiplier[2] == 0
    assert np.isnan(day_types(pd.Timestamp("2026-08-10").date(), 7, "none", evs,
                              key=("上海", "phone", "x")).multiplier[2])


@pytest.mark.parametrize("body,message", [
    ("2026-08-12 10:00,x,1.2\n", "expected a date without a time of day"),
    ("2026-08-12,x,-1\n", r"row 2, column 'impact': expected a multiplier of 0 or more, found '-1'"),
    ("2026-08-12,x,\n", "column 'impact': expected text, found an empty cell"),
])
def test_bad_event_rows(write, body, message):
    with pytest.raises(InputError, match=message):
        events(write, body)
