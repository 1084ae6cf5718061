"""Every forecaster passes one contract; each has known values on constructed series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.forecast.conftest import WEEKDAY, history_frame, intraday
from wfm.forecast.calendar import day_types
from wfm.forecast.models import MODELS, Auto, make_model, select_model
from wfm.forecast.panel import build_panel

ALL_MODELS = [*MODELS, "auto"]


def fit(frame: pd.DataFrame, name: str, h: int = 14, country: str = "none", events=()):
    panel = build_panel(frame)
    s = panel.series[0]
    cal = day_types(panel.start.date(), panel.n_days + h, country, list(events))
    return make_model(name).fit(s, cal), s


@pytest.mark.parametrize("name", ALL_MODELS)
def test_contract(name):
    """Shape, finite, non-negative, closed slots and days stay at zero, deterministic, and it
    never reads past the history it was given."""
    frame = history_frame(days=63, noise=True, night=False, drop_weekends=True)
    model, s = fit(frame, name)
    pred = model.predict(14)
    assert pred.shape == (14, 48)
    assert np.isfinite(pred).all() and (pred >= 0).all()
    assert (pred[:, ~s.open_slots] == 0).all()  # a line closed at night stays closed
    start_wd = (s.start.dayofweek + s.y.shape[0]) % 7
    weekend = [(start_wd + i) % 7 >= 5 for i in range(14)]
    assert (pred[weekend] == 0).all() and (pred[~np.array(weekend)].sum(axis=1) > 0).all()
    again, _ = fit(frame, name)
    np.testing.assert_array_equal(pred, again.predict(14))


def test_seasonal_naive_repeats_last_normal_week(exact_history):
    model, s = fit(exact_history, "seasonal_naive", h=7)
    np.testing.assert_allclose(model.predict(7), s.y[-7:])


def test_weekly_mean_averages_same_weekday(exact_history):
    noisy = history_frame(noise=True, seed=3)
    model, s = fit(noisy, "weekly_mean_4w", h=7)
    expected = np.mean([s.y[-7 * k:][:7] for k in (1, 2, 3, 4)], axis=0)
    np.testing.assert_allclose(model.predict(7), expected)


@pytest.mark.parametrize("name", ["decomp_mean", "decomp_ets", "decomp_theta", "weekly_mean_4w"])
def test_exact_structure_is_recovered(exact_history, name):
    """Daily level 1000 × weekday factor × intraday curve, no noise: forecast it exactly."""
    model, s = fit(exact_history, name, h=14)
    pred = model.predict(14)
    days = pd.date_range(s.start, periods=s.y.shape[0] + 14)[-14:]
    truth = 1000 * WEEKDAY[days.dayofweek][:, None] * intraday()[None, :]
    np.testing.assert_allclose(pred, truth, rtol=1e-6)


def test_24x7_with_zeros_is_not_flat():
    """The known failure of single-seasonality models on interval data: a flat line at the
    night-time level. Ours keeps the day's shape."""
    frame = history_frame(days=56, daily=300, noise=True, night=True)
    for name in ("decomp_ets", "decomp_theta", "auto"):
        pred, _ = fit(frame, name)
        day = pred.predict(7)[2]
        assert day.max() > 10 * max(day[:12].mean(), 1e-9)  # 10:00 peak vs 00:00-06:00
        assert np.corrcoef(day, intraday())[0, 1] > 0.98  # the true shape, not a line


def test_holiday_weeks_do_not_drag_down_the_next_weeks():
    """A trailing mean over holiday weeks under-forecasts the normal weeks after them;
    holidays are excluded from reference periods, so the level stays right."""
    frame = history_frame(days=70, start="2026-08-03")  # ends Sunday 2026-10-11
    golden_week = frame["interval_start"].dt.date.between(pd.Timestamp("2026-10-01").date(),
                                                          pd.Timestamp("2026-10-07").date())
    frame.loc[golden_week, "contacts"] *= 0.4
    model, s = fit(frame, "weekly_mean_4w", h=7, country="CN")
    truth = 1000 * WEEKDAY[:, None] * intraday()[None, :]  # next week starts on a Monday
    assert model.predict(7).sum() == pytest.approx(truth.sum(), rel=1e-3)
    # the same mean without the calendar is biased low by the holiday week
    naive, _ = fit(frame, "weekly_mean_4w", h=7, country="none")
    assert naive.predict(7).sum() < 0.9 * truth.sum()


def test_future_holiday_gets_the_measured_effect():
    """Volume on past holidays was 40% of normal: a future holiday is forecast at 40%."""
    frame = history_frame(days=91, start="2026-08-03")  # to 2026-11-01, includes Golden Week
    hol = frame["interval_start"].dt.date.between(pd.Timestamp("2026-10-01").date(),
                                                  pd.Timestamp("2026-10-07").date())
    frame.loc[hol, "contacts"] *= 0.4
    panel = build_panel(frame)
    s = panel.series[0]
    from wfm.forecast.calendar import CalendarWarning

    with pytest.warns(CalendarWarning, match="known up to 2026"):  # the horizon reaches 2027
        cal = day_types(panel.start.date(), panel.n_days + 70, "CN")
    model = make_model("decomp_mean").fit(s, cal)
    pred = model.predict(70)
    new_year = (pd.Timestamp("2027-01-01") - pd.Timestamp("2026-11-02")).days  # a Friday
    normal_friday = 1000 * WEEKDAY[4]
    assert pred[new_year].sum() == pytest.approx(0.4 * normal_friday, rel=0.02)


def test_make_up_workday_is_forecast_like_a_workday():
    frame = history_frame(days=42, start="2026-08-03")  # ends 2026-09-13
    panel = build_panel(frame)
    cal = day_types(panel.start.date(), panel.n_days + 7, "CN")
    pred = make_model("decomp_mean").fit(panel.series[0], cal).predict(7)
    sunday_0920 = 6  # 2026-09-20 is a 调休 Sunday
    assert pred[sunday_0920].sum() == pytest.approx(1000 * WEEKDAY[:5].mean(), rel=1e-6)


def test_select_model_needs_a_clear_edge():
    scores = {"decomp_mean": 0.100, "decomp_ets": 0.095, "weekly_mean_4w": 0.120}
    assert select_model(scores, "decomp_mean", 0.10) == "decomp_mean"
    scores["decomp_ets"] = 0.085
    assert select_model(scores, "decomp_mean", 0.10) == "decomp_ets"
    assert select_model({"a": float("inf")}, "decomp_mean") == "decomp_mean"


def test_auto_records_scores_and_interval_dispersion():
    frame = history_frame(days=70, noise=True, daily=2000)
    model, _ = fit(frame, "auto")
    assert isinstance(model, Auto)
    assert set(model.scores) == set(model.candidates)
    assert model.chosen in model.candidates
    # Poisson data with a perfect structure: almost no dispersion beyond Poisson
    assert 0 <= model.sigma2 < 0.01


def test_unknown_model_is_a_usage_error():
    from wfm.errors import UsageError

    with pytest.raises(UsageError, match="expected auto or one of seasonal_naive"):
        make_model("prophet")
    assert make_model("weekly_mean_6w").name == "weekly_mean_6w"
