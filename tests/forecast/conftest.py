"""Small synthetic series with known structure for the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

WEEKDAY = np.array([1.2, 1.0, 1.0, 1.0, 1.1, 0.6, 0.4])


def intraday(slots: int = 48, night: bool = True) -> np.ndarray:
    """A 24x7 curve: busy 08:00-20:00, low but non-zero at night (claims lines)."""
    hours = (np.arange(slots) + 0.5) * 24 / slots
    curve = np.exp(-0.5 * ((hours - 11) / 3) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 16) / 2) ** 2)
    curve = curve + (0.02 if night else 0.0)
    if not night:
        curve[(hours < 8) | (hours >= 20)] = 0
    return curve / curve.sum()


def history_frame(days: int = 70, daily: float = 1000.0, start: str = "2026-06-01",
                  noise: bool = False, seed: int = 1, channel: str = "phone",
                  inquiry_type: str = "出险报案", site: str = "上海", night: bool = True,
                  weekday: np.ndarray = WEEKDAY, drop_weekends: bool = False,
                  aht: float = 300.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    curve = intraday(night=night)
    rows = []
    for d in range(days):
        day = pd.Timestamp(start) + pd.Timedelta(days=d)
        if drop_weekends and day.dayofweek >= 5:
            continue
        mean = daily * weekday[day.dayofweek] * curve
        counts = rng.poisson(mean) if noise else mean
        for slot in np.flatnonzero(curve > 0):
            rows.append((day + pd.Timedelta(minutes=30 * int(slot)), channel, inquiry_type,
                         float(counts[slot]), aht, site))
    return pd.DataFrame(rows, columns=["interval_start", "channel", "inquiry_type", "contacts",
                                       "aht_seconds", "site"])


@pytest.fixture
def exact_history() -> pd.DataFrame:
    """Ten weeks, no noise: every model that understands the week should get it exactly."""
    return history_frame()
