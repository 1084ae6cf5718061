"""run_forecast: output contract, hierarchy, sparse series, gaps, closures, AHT, scenarios."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.forecast.conftest import history_frame
from wfm.errors import DataError, InputError
from wfm.forecast.aht import aht_profile
from wfm.forecast.config import ForecastConfig
from wfm.forecast.panel import build_panel
from wfm.forecast.pipeline import OUTPUT_COLUMNS, run_forecast
from wfm.forecast.scenario import Scenario

CFG = ForecastConfig(horizon_days=14, model="decomp_mean", holidays="none")


def centre_history() -> pd.DataFrame:
    """Two sites, phone with a dense and two sparse types, WeChat only open 08-20."""
    parts = [
        history_frame(daily=900, noise=True, seed=1, inquiry_type="出险报案"),
        history_frame(daily=8, noise=True, seed=2, inquiry_type="投诉建议"),
        history_frame(daily=4, noise=True, seed=3, inquiry_type="救援申请"),
        history_frame(daily=300, noise=True, seed=4, channel="wechat", inquiry_type="业务查询",
                      night=False),
        history_frame(daily=500, noise=True, seed=5, inquiry_type="出险报案", site="成都"),
    ]
    return pd.concat(parts, ignore_index=True)


def test_output_contract():
    result = run_forecast(centre_history(), CFG, country="none")
    f = result.frame
    assert list(f.columns) == OUTPUT_COLUMNS
    assert (f["contacts_lo"] <= f["contacts_hi"]).all()
    assert (f["contacts_lo"] <= f["contacts"] + 1e-9).all()
    # exact count quantiles: below ~0.1 expected contacts the 80% interval is [0, 0]
    busy = f["contacts"] >= 1
    assert (f.loc[busy, "contacts"] <= f.loc[busy, "contacts_hi"]).all()
    assert f["interval_start"].min() == pd.Timestamp("2026-08-10")  # day after the history
    assert f["interval_start"].max() < pd.Timestamp("2026-08-24")
    assert set(f["scenario"]) == {"baseline"}
    wechat_hours = f.loc[f["channel"] == "wechat", "interval_start"].dt.hour
    assert wechat_hours.min() >= 8 and wechat_hours.max() < 20  # closed hours never forecast


def test_sparse_types_split_their_channel_exactly():
    """Sparse types get their recent share of their channel's forecast: the phone types of
    上海 add up exactly to the whole channel's forecast, which they are shares of."""
    history = centre_history()
    result = run_forecast(history, CFG, country="none")
    by_key = {(s["site"], s["channel"], s["inquiry_type"]): s for s in result.series}
    assert by_key[("上海", "phone", "投诉建议")]["sparse"]
    assert not by_key[("上海", "phone", "出险报案")]["sparse"]
    phone = history[(history["site"] == "上海") & (history["channel"] == "phone")]
    channel_only = run_forecast(phone.assign(inquiry_type="all"), CFG, country="none")
    f = result.frame
    sparse = f[(f["site"] == "上海") & f["inquiry_type"].isin(["投诉建议", "救援申请"])]
    recent = phone[phone["interval_start"] >= phone["interval_start"].max().normalize()
                   - pd.Timedelta(days=55)]
    share = recent[recent["inquiry_type"].isin(["投诉建议", "救援申请"])]["contacts"].sum() / \
        recent["contacts"].sum()
    assert sparse["contacts"].sum() == pytest.approx(share * channel_only.frame["contacts"].sum(),
                                                     rel=1e-6)


def test_levels_add_up():
    result = run_forecast(centre_history(), CFG, country="none")
    f = result.frame
    by_type = f.groupby(["site", "channel", "inquiry_type"])["contacts"].sum()
    by_channel = f.groupby(["site", "channel"])["contacts"].sum()
    by_site = f.groupby("site")["contacts"].sum()
    assert by_type.groupby(level=[0, 1]).sum().to_dict() == pytest.approx(by_channel.to_dict())
    assert by_channel.groupby(level=0).sum().to_dict() == pytest.approx(by_site.to_dict())
    daily = result.daily(("site",))
    assert daily["contacts"].sum() == pytest.approx(f["contacts"].sum())


def test_closed_days_stay_closed():
    frame = history_frame(drop_weekends=True)
    f = run_forecast(frame, CFG, country="none").frame
    assert (f["interval_start"].dt.dayofweek < 5).all()
    assert f["interval_start"].dt.normalize().nunique() == 10  # two weeks of weekdays


def test_gaps_are_filled_and_reported():
    frame = history_frame()
    drop = frame.sample(n=25, random_state=0).index
    result = run_forecast(frame.drop(drop), CFG, country="none")
    assert result.gaps[0]["missing_intervals"] == 25 and result.gaps[0]["filled"] == "zero"
    assert any("25 missing or incomplete intervals" in w for w in result.warnings)
    kept = run_forecast(frame.drop(drop), CFG.model_copy(update={"gaps": "missing"}),
                        country="none")
    assert kept.gaps[0]["filled"] == "missing"


def test_interval_aggregation_and_its_limits():
    frame = history_frame(days=28)
    hourly = run_forecast(frame, CFG.model_copy(update={"interval_minutes": 60}), country="none")
    assert (hourly.frame["interval_start"].dt.minute == 0).all()
    half_hourly = run_forecast(frame, CFG, country="none")
    assert hourly.frame["contacts"].sum() == pytest.approx(half_hourly.frame["contacts"].sum())
    with pytest.raises(InputError, match="cannot forecast at 15-minute intervals from 30-minute"):
        build_panel(frame, interval=15)


def test_too_short_history():
    with pytest.raises(DataError, match="expected at least 14"):
        run_forecast(history_frame(days=10), CFG, country="none")


def test_aht_shrinks_thin_cells_towards_the_mean():
    frame = history_frame(days=56, daily=2000)
    slot = frame["interval_start"].dt.hour == 3  # night: ~1 call an interval
    frame.loc[slot, "aht_seconds"] = 900.0
    frame.loc[frame["interval_start"].dt.hour == 11, "aht_seconds"] = 200.0  # busy, many calls
    profile = aht_profile(build_panel(frame).series[0])
    mean = (frame["contacts"] * frame["aht_seconds"]).sum() / frame["contacts"].sum()
    night, busy = profile[0, 6], profile[0, 22]
    assert busy == pytest.approx(200.0, abs=3)  # thousands of calls: its own value
    assert mean < night < 900.0  # a handful of calls: pulled towards the mean
    n_night = frame.loc[slot & (frame["interval_start"].dt.hour == 3), "contacts"].sum()
    assert n_night < 2000


def scenario(**shift) -> Scenario:
    base = {"inquiry_type": "出险报案", "from_channel": "phone", "to_channel": "wechat",
            "share": 0.15, "start": "2026-08-12"}
    return Scenario.model_validate({"name": "move 15%", "actions": [{"shift": {**base, **shift}}]})


def test_shift_moves_the_share_and_keeps_the_total():
    history = pd.concat([
        history_frame(daily=1000, inquiry_type="出险报案"),
        history_frame(daily=200, channel="wechat", inquiry_type="出险报案", night=False),
    ])
    base = run_forecast(history, CFG, country="none").frame
    moved = run_forecast(history, CFG, country="none", scenario=scenario()).frame
    day = base["interval_start"].dt.date >= pd.Timestamp("2026-08-12").date()
    phone_before = base.loc[day & (base["channel"] == "phone"), "contacts"].sum()
    phone_after = moved.loc[(moved["interval_start"].dt.date >= pd.Timestamp("2026-08-12").date())
                            & (moved["channel"] == "phone"), "contacts"].sum()
    assert phone_after == pytest.approx(0.85 * phone_before)
    assert moved["contacts"].sum() == pytest.approx(base["contacts"].sum())
    assert set(moved["scenario"]) == {"move 15%"}
    wechat_hours = moved.loc[moved["channel"] == "wechat", "interval_start"].dt.hour
    assert wechat_hours.min() >= 8  # moved contacts follow WeChat's opening hours
    before_start = moved["interval_start"] < pd.Timestamp("2026-08-12")
    pd.testing.assert_series_equal(moved.loc[before_start, "contacts"].reset_index(drop=True),
                                   base.loc[base["interval_start"] < pd.Timestamp("2026-08-12"),
                                            "contacts"].reset_index(drop=True), check_names=False)


def test_shift_errors_and_warnings():
    history = pd.concat([history_frame(), history_frame(channel="wechat", night=False)])
    with pytest.raises(DataError, match="no series with inquiry_type='理赔', channel='phone'"):
        run_forecast(history, CFG, country="none", scenario=scenario(inquiry_type="理赔"))
    late = run_forecast(history, CFG, country="none", scenario=scenario(start="2027-03-01"))
    assert any("outside the forecast" in w for w in late.warnings)
