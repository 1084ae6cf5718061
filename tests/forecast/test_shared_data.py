"""Integration on real call-centre data (../shared/data); skipped cleanly where it is absent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED_DATA
from wfm.forecast.backtest import backtest
from wfm.forecast.config import ForecastConfig
from wfm.forecast.events import read_events_file
from wfm.forecast.panel import build_panel
from wfm.forecast.pipeline import calendars_for, run_forecast

pytestmark = pytest.mark.shared_data


def need(name: str):
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_us_bank_auto_meets_the_issue_targets():
    """US bank, 30 min, 1 week ahead, 8 weekly origins: auto ≤ 7.0% (30 min) and ≤ 5.5%
    (daily), better than the same-interval 4-week mean (7.6% / 6.3% on this protocol)."""
    d = pd.read_csv(need("us_bank_2003_5min.csv"), parse_dates=["ds"])
    history = pd.DataFrame({"interval_start": d["ds"], "channel": "phone", "inquiry_type": "all",
                            "contacts": d["y"].astype(float), "aht_seconds": np.nan,
                            "site": "us"})
    panel = build_panel(history, interval=30)
    events = read_events_file(ROOT / "bench" / "data" / "us_bank_events.csv")
    result = backtest(panel, calendars_for(panel, 7, "US", events),
                      ["weekly_mean_4w", "auto"], folds=8)
    rows = {(m["name"], m["level"]): m["wape"] for m in result.models}
    assert result.origins[0] == "2003-08-30" and len(result.origins) == 8
    assert rows[("auto", "interval")] <= 0.070
    assert rows[("auto", "daily")] <= 0.055
    assert rows[("auto", "interval")] < 0.076
    assert result.noise_floor_wape == pytest.approx(0.023, abs=0.001)


def test_israeli_types_are_coherent_and_keep_their_shape():
    d = pd.read_csv(need("il_bank_1999_02_by_type_15min.csv"), parse_dates=["ds"])
    history = pd.DataFrame({"interval_start": d["ds"], "channel": "phone",
                            "inquiry_type": d["unique_id"], "contacts": d["y"].astype(float),
                            "site": "il", "aht_seconds": np.nan})
    train = history[history["interval_start"] < pd.Timestamp("1999-02-22")]
    cfg = ForecastConfig(horizon_days=7, holidays="none", auto={"folds": 1})
    by_type = run_forecast(train, cfg, country="none").frame
    total = run_forecast(train.assign(inquiry_type="all"), cfg, country="none").frame
    assert set(by_type["inquiry_type"]) == {"IN", "NE", "NW", "PE", "PS", "TT"}
    assert by_type["contacts"].sum() == pytest.approx(total["contacts"].sum(), rel=0.02)
    ps = by_type[by_type["inquiry_type"] == "PS"].set_index("interval_start")["contacts"]
    weekday = ps[ps.index.normalize() == pd.Timestamp("1999-02-23")]
    assert weekday.max() > 20 * max(weekday.between_time("02:00", "05:00").mean(), 1e-6)
