"""What-if: effect → channel shift → staffing, checked against hand-computed contacts, the
staffing module run directly, a registered test, and the CLI end to end."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from wfm.abtest.analyze import analyze
from wfm.abtest.registry import Registry
from wfm.abtest.spec import TestSpec
from wfm.cli import cli
from wfm.config import load_config
from wfm.errors import UsageError
from wfm.plan.config import Impact, Range
from wfm.plan.whatif import Effect, effect_from_test, what_if
from wfm.staffing.config import StaffingConfig
from wfm.staffing.requirements import requirements

ROOT = Path(__file__).parents[2]
START = pd.Timestamp("2026-12-07")  # a Monday: two whole weeks


def forecast_frame(weeks: int = 2) -> pd.DataFrame:
    """One site, hourly 08:00-19:00: phone 业务办理 300/h and 出险报案 500/h (AHT 300 s),
    WeChat 业务办理 100/h (AHT 400 s)."""
    rows = []
    for d in range(7 * weeks):
        for h in range(8, 20):
            ts = START + pd.Timedelta(days=d, hours=h)
            for channel, kind, n, aht in (("phone", "业务办理", 300.0, 300.0),
                                          ("phone", "出险报案", 500.0, 300.0),
                                          ("wechat", "业务办理", 100.0, 400.0)):
                rows.append({"interval_start": ts, "channel": channel, "inquiry_type": kind,
                             "site": "上海", "contacts": n, "contacts_lo": n * 0.8,
                             "contacts_hi": n * 1.2, "aht_seconds": aht, "model": "test"})
    return pd.DataFrame(rows)


CFG = StaffingConfig(shrinkage=0.25, fte_hours_per_week=40, cost_per_hour=50, currency="CNY")
IMPACT = Impact(from_channel="phone", to_channel="wechat", inquiry_types=["业务办理"],
                reach=0.5, follow_through=0.8)
EFFECT = Effect("test", "hand", "adoption", Range(point=0.25, low=0.1, high=0.4))


def test_moved_contacts_match_reach_effect_follow_through():
    f = forecast_frame()
    r = what_if(f, IMPACT, EFFECT, CFG)
    assert r.moved_share == pytest.approx({"point": 0.1, "low": 0.04, "high": 0.16})
    week = r.weekly("channels").set_index(["week", "channel"])
    phone_type_week = 300 * 12 * 7  # 业务办理 phone contacts a week
    for case, share in r.moved_share.items():
        phone = week.xs("phone", level="channel")
        moved = phone["contacts_before"] - phone[f"contacts_{case}"]
        assert moved.to_numpy() == pytest.approx([share * phone_type_week] * 2)
        wechat = week.xs("wechat", level="channel")
        gained = wechat[f"contacts_{case}"] - wechat["contacts_before"]
        assert gained.to_numpy() == pytest.approx(moved.to_numpy())  # nothing lost
    h = r.headline()
    assert h["contacts_moved_point"] == pytest.approx(0.1 * phone_type_week)
    assert h["weeks"] == ["2026-12-07", "2026-12-14"]


def test_fte_and_cost_are_the_staffing_modules_hours():
    f = forecast_frame()
    r = what_if(f, IMPACT, EFFECT, CFG)
    req, _ = requirements(f, CFG)
    first = req[req["interval_start"] < START + pd.Timedelta(days=7)]
    for skill, part in first.groupby("skill"):
        row = r.staffing[(r.staffing["skill"] == skill)
                         & (r.staffing["week"] == date(2026, 12, 7))].iloc[0]
        hours = part["required_with_shrinkage"].sum()  # hourly intervals
        assert row["fte_before"] == pytest.approx(hours / 40)
        assert row["cost_before"] == pytest.approx(hours * 50)
        assert row["peak_before"] == part["required_with_shrinkage"].max()
    s = r.headline()
    phone = next(k for k in s["skills"] if k["skill"] == "phone")
    wechat = next(k for k in s["skills"] if k["skill"] == "wechat")
    # fewer phone agents, more WeChat agents; a larger effect moves more
    assert phone["fte_high"] <= phone["fte_point"] <= phone["fte_low"] < phone["fte_before"]
    assert wechat["fte_before"] <= wechat["fte_low"] <= wechat["fte_point"] <= wechat["fte_high"]
    assert s["fte_saved_point"] == pytest.approx(s["fte_before"] - s["fte_point"])
    assert s["cost_saved_point"] == pytest.approx(s["fte_saved_point"] * 40 * 50)


def test_after_matches_staffing_the_shifted_forecast_directly():
    """The point case equals staffing a forecast with the moved contacts done by hand."""
    f = forecast_frame(weeks=1)
    r = what_if(f, IMPACT, EFFECT, CFG)
    hand = f.copy()
    phone = (hand["channel"] == "phone") & (hand["inquiry_type"] == "业务办理")
    wechat = (hand["channel"] == "wechat") & (hand["inquiry_type"] == "业务办理")
    hand.loc[phone, "contacts"] *= 0.9
    hand.loc[wechat, "contacts"] += 30.0  # 10% of 300 an hour, same intraday curve (flat)
    req, _ = requirements(hand, CFG)
    expected = req.groupby("skill")["required_with_shrinkage"].sum() / 40
    got = r.staffing.set_index("skill")["fte_point"]
    for skill in expected.index:
        assert got[skill] == pytest.approx(expected[skill])


def test_ramp_moves_part_of_the_effect_in_the_first_weeks():
    f = forecast_frame(weeks=3)
    r = what_if(f, IMPACT.model_copy(update={"ramp_weeks": 2}), EFFECT, CFG)
    phone = r.weekly("channels").query("channel == 'phone'")
    moved = (phone["contacts_before"] - phone["contacts_point"]).to_numpy()
    full = 0.1 * 300 * 12 * 7
    assert moved == pytest.approx([full / 2, full, full])
    assert r.full_effect_weeks == [date(2026, 12, 14), date(2026, 12, 21)]


def test_negative_low_end_moves_contacts_back_and_says_so():
    f = forecast_frame(weeks=1)
    effect = Effect("t", "hand", "adoption", Range(point=0.1, low=-0.05, high=0.25))
    r = what_if(f, IMPACT, effect, CFG)
    phone = r.weekly("channels").query("channel == 'phone'").iloc[0]
    assert phone["contacts_low"] - phone["contacts_before"] == pytest.approx(
        0.05 * 0.5 * 0.8 * 300 * 12 * 7)
    assert any("includes zero" in n for n in r.notes)
    assert r.headline()["fte_saved_low"] <= 0


def test_self_service_target_takes_contacts_out_of_staffing():
    f = forecast_frame(weeks=1)
    impact = IMPACT.model_copy(update={"to_channel": "self_service"})
    r = what_if(f, impact, EFFECT, CFG)
    week = r.weekly("channels").set_index("channel")
    moved = week.loc["phone", "contacts_before"] - week.loc["phone", "contacts_point"]
    assert week.loc["self_service", "contacts_point"] == pytest.approx(moved)
    assert week.loc["wechat", "contacts_point"] == week.loc["wechat", "contacts_before"]
    skills = {k["skill"] for k in r.headline()["skills"]}
    assert skills == {"phone"}
    assert any("self-service" in n for n in r.notes)


def test_handle_time_change_costs_agents_and_widens_the_range():
    f = forecast_frame(weeks=1)
    plain = what_if(f, IMPACT, EFFECT, CFG).headline()
    slower = Effect("t", "hand", "adoption", EFFECT.effect, Range(point=20, low=10, high=30))
    h = what_if(f, IMPACT, slower, CFG).headline()
    assert h["fte_point"] > plain["fte_point"]
    # low end: low effect with the costly handle-time end; high end: the reverse
    assert h["fte_saved_low"] < plain["fte_saved_low"]
    assert h["fte_saved_high"] - h["fte_saved_low"] > plain["fte_saved_high"] - \
        plain["fte_saved_low"]


def test_handle_time_scenario_action_changes_only_its_rows():
    from wfm.forecast.scenario import Scenario, apply_scenario

    f = forecast_frame(weeks=1)
    s = Scenario.model_validate({"name": "x", "actions": [{"handle_time": {
        "inquiry_type": "业务办理", "channel": "phone", "start": "2026-12-09", "seconds": 12,
        "factor": 1.1}}]})
    out = apply_scenario(f, s)
    hit = (out["channel"] == "phone") & (out["inquiry_type"] == "业务办理") & (
        out["interval_start"] >= "2026-12-09")
    assert (out.loc[hit, "aht_seconds"] == 300 * 1.1 + 12).all()
    assert (out.loc[~hit, "aht_seconds"].isin([300.0, 400.0])).all()


@pytest.mark.parametrize("change, match", [
    ({"inquiry_types": ["理赔"]}, "impact.inquiry_types: the forecast has no inquiry type"),
    ({"to_channel": "webchat"}, "impact.to_channel: the forecast has no channel 'webchat'"),
    ({"from_channel": "email"}, "impact.from_channel: the forecast has no channel 'email'"),
    ({"start": date(2027, 3, 1)}, "impact.start: 2027-03-01 is after"),
])
def test_bad_impacts_are_named(change, match):
    with pytest.raises(UsageError, match=match):
        what_if(forecast_frame(weeks=1), IMPACT.model_copy(update=change), EFFECT, CFG)


def test_an_effect_that_would_move_more_than_everything_is_refused():
    big = Effect("t", "hand", "adoption", Range(point=1.5, low=1.2, high=3))
    impact = IMPACT.model_copy(update={"reach": 1.0, "follow_through": 1.0})
    with pytest.raises(UsageError, match="expected at most 100%"):
        what_if(forecast_frame(weeks=1), impact, big, CFG)


def _registered(tmp_path: Path, conversions=(3600, 3900)) -> tuple[Registry, int, TestSpec]:
    spec = load_config(ROOT / "configs" / "abtest.yaml", TestSpec)
    reg = Registry(tmp_path / "r.sqlite")
    tid = reg.register(spec)
    reg.move(tid, "do")
    data = pd.DataFrame({"arm": ["control", "shortcut"], "n": [6000, 6000],
                         "conversions": list(conversions)})
    reg.record(tid, analyze(spec, data, "x").to_json())
    return reg, tid, spec


def test_effect_from_a_registered_test(tmp_path):
    reg, tid, spec = _registered(tmp_path)
    record = reg.get(tid)
    e = effect_from_test(record, spec.impact)
    c = record["results"][-1]["analysis"]["comparisons"][0]
    assert e.effect.point == pytest.approx(0.05)  # 3900/6000 - 3600/6000
    assert (e.effect.low, e.effect.high) == pytest.approx(tuple(c["abs_ci"]))
    assert any("no data" in n for n in e.notes)  # the AHT guardrail was not measured
    assert e.aht_change is None
    f = forecast_frame(weeks=1).replace({"出险报案": "业务查询"})
    r = what_if(f, spec.impact, e, CFG, population=spec.population)
    assert r.inquiry_types == ["业务办理", "业务查询"]  # from the test's population
    assert r.moved_share["point"] == pytest.approx(0.4 * 0.05 * 0.5)
    reg.close()


def test_a_test_that_has_not_shipped_is_flagged(tmp_path):
    reg, tid, spec = _registered(tmp_path, conversions=(3600, 3610))
    e = effect_from_test(reg.get(tid), spec.impact)
    assert e.effect.low < 0 < e.effect.high
    assert any("not 'ship'" in n for n in e.notes)
    reg.close()


def test_cli_shift_file_json_and_workbook(runner, tmp_path):
    fc = tmp_path / "forecast.csv"
    forecast_frame().to_csv(fc, index=False)
    spec = tmp_path / "what-if.yaml"
    spec.write_text((ROOT / "configs" / "what-if.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    out = tmp_path / "假如.xlsx"
    res = runner.invoke(cli, ["plan", "what-if", "--forecast", str(fc), "--shift", str(spec),
                              "--staffing-config", str(ROOT / "configs" / "staffing.yaml"),
                              "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["moved_share"] == pytest.approx({"point": 0.21, "low": 0.14, "high": 0.28})
    assert {"week", "channel", "contacts_before", "contacts_after", "moved"} <= set(
        got["weeks"][0])
    row = next(s for s in got["staffing"] if s["skill"] == "phone")
    assert set(row["fte_after"]) == {"point", "low", "high"}
    assert row["fte_saved"]["point"] == pytest.approx(row["fte_before"]
                                                      - row["fte_after"]["point"])
    assert row["cost_before"] == pytest.approx(row["fte_before"] * 40 * 60)
    book = load_workbook(out)
    assert {"概要 Summary", "人力 FTE", "来量 Contacts", "日内 Intraday",
            "设置 Settings"} <= set(book.sheetnames)
    assert len(book["人力 FTE"]._charts) == 1 and len(book["日内 Intraday"]._charts) == 1


def test_cli_errors_exit_2(runner, tmp_path):
    fc = tmp_path / "forecast.csv"
    forecast_frame(weeks=1).to_csv(fc, index=False)
    neither = runner.invoke(cli, ["plan", "what-if", "--forecast", str(fc)])
    assert neither.exit_code == 2 and "--abtest ID" in neither.output
    reg, tid, spec = _registered(tmp_path)
    reg.close()
    bare = tmp_path / "bare.sqlite"
    plain = Registry(bare)
    plain_id = plain.register(spec.model_copy(update={"impact": None, "name": "other"}))
    plain.close()
    no_impact = runner.invoke(cli, ["plan", "what-if", "--forecast", str(fc), "--abtest",
                                    str(plain_id), "--registry", str(bare)])
    assert no_impact.exit_code == 2 and "no 'impact:' section" in no_impact.output
    missing = runner.invoke(cli, ["plan", "what-if", "--forecast", str(fc), "--abtest", "9",
                                  "--registry", str(tmp_path / "r.sqlite")])
    assert missing.exit_code == 2 and "no test #9" in missing.output
    wrong_type = runner.invoke(cli, ["plan", "what-if", "--forecast", str(fc), "--abtest",
                                     str(tid), "--registry", str(tmp_path / "r.sqlite")])
    assert wrong_type.exit_code == 2 and "impact.inquiry_types" in wrong_type.output
    assert "Traceback" not in wrong_type.output


def test_shift_vectorised_keeps_the_intraday_curve_and_opening_hours():
    """Moved contacts follow the target's curve; none land where the target is closed."""
    from wfm.forecast.scenario import Scenario, apply_scenario

    f = forecast_frame(weeks=1)
    f.loc[f["channel"] == "wechat", "contacts"] = np.where(
        f.loc[f["channel"] == "wechat", "interval_start"].dt.hour < 12, 20.0, 5.0)
    night = f[f["channel"] == "phone"].assign(
        interval_start=lambda x: x["interval_start"] - pd.Timedelta(hours=8))
    f = pd.concat([f, night], ignore_index=True)  # phone also 00:00-11:00, WeChat from 08:00
    s = Scenario.model_validate({"name": "x", "actions": [{"shift": {
        "inquiry_type": "业务办理", "from_channel": "phone", "to_channel": "wechat",
        "share": 0.5, "start": "2026-12-07"}}]})
    out = apply_scenario(f, s)
    w = out[(out["channel"] == "wechat")]
    assert w["interval_start"].dt.hour.min() >= 8
    day = w[w["interval_start"].dt.date == date(2026, 12, 8)].set_index("interval_start")
    added = day["contacts"] - np.where(day.index.hour < 12, 20.0, 5.0)
    phone_day = f[(f["channel"] == "phone") & (f["inquiry_type"] == "业务办理")
                  & (f["interval_start"].dt.date == date(2026, 12, 8))]["contacts"].sum()
    assert added.sum() == pytest.approx(0.5 * phone_day)
    assert added[day.index.hour < 12].iloc[0] / added[day.index.hour >= 12].iloc[0] == \
        pytest.approx(4.0)
    assert out["contacts"].sum() == pytest.approx(f["contacts"].sum())
