"""Channels, skill groups and the forecast → requirements pipeline; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wfm.cli import cli
from wfm.config import load_centre
from wfm.staffing.channels import chat_load, deferred_rate
from wfm.staffing.config import SkillGroup, StaffingConfig
from wfm.staffing.erlang import erlang_a, erlang_c
from wfm.staffing.requirements import OUTPUT_COLUMNS, requirements


def test_deferred_rate_is_the_smoothest_feasible_profile():
    # one hour of work due within 4 half-hours: half an agent for four intervals, then nothing
    assert deferred_rate(np.array([3600.0, 0, 0, 0, 0, 0]), np.ones(6, bool), 1800, 4).tolist() \
        == [0.5, 0.5, 0.5, 0.5, 0.0, 0.0]
    # closed intervals carry the backlog to the next open ones
    r = deferred_rate(np.array([3600.0, 0, 0, 0, 0, 0]), np.array([1, 0, 0, 1, 1, 1], bool),
                      1800, 4)
    assert r.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_deferred_profile_meets_every_deadline_by_simulation():
    """Earliest-deadline-first on the returned rates clears each interval's work in time."""
    rng = np.random.default_rng(3)
    t, due = 7 * 48, 48
    hours = (np.arange(t) % 48) / 2
    work = rng.poisson(4 * np.exp(-0.5 * ((hours - 11) / 3) ** 2) + 0.3, t) * 480.0
    open_ = (hours >= 8) & (hours < 20)
    rate = deferred_rate(work, open_, 1800, due)
    queue: list[list[float]] = []  # [deadline, remaining]
    for i in range(t):
        if work[i] > 0:
            queue.append([i + due - 1, work[i]])
        capacity = rate[i] * 1800 + 1e-6
        queue.sort()
        while queue and capacity > 0:
            done = min(capacity, queue[0][1])
            queue[0][1] -= done
            capacity -= done
            if queue[0][1] <= 1e-6:
                queue.pop(0)
        assert all(d > i for d, rem in queue if rem > 1e-6), f"late work at interval {i}"
    # and no rate could be lower at the peak: the densest window needs it
    assert rate.max() > 0 and (rate[~open_] == 0).all()


def test_chat_concurrency():
    load, elapsed = chat_load(60, 600, 1800, concurrency=3, stretch=0.0)
    assert load == pytest.approx(20.0) and elapsed == 600
    load2, elapsed2 = chat_load(60, 400, 1800, concurrency=3, stretch=0.25)
    assert elapsed2 == pytest.approx(600)  # 400 s × (1 + 0.25 × 2)


def forecast_frame(rows):
    return pd.DataFrame(rows, columns=["interval_start", "channel", "inquiry_type", "site",
                                       "contacts", "aht_seconds"])


def test_voice_requirement_matches_the_calculator():
    ts = pd.Timestamp("2026-11-23 09:00")
    f = forecast_frame([(ts, "phone", "a", "上海", 60.0, 180.0), (ts, "phone", "b", "上海", 40.0,
                                                                   180.0)])
    cfg = StaffingConfig(model="erlang_c", shrinkage=0.3,
                         targets={"service_level": 0.8, "sl_seconds": 20, "max_occupancy": None})
    out, notes = requirements(f, cfg, interval_minutes=30)
    assert list(out.columns) == OUTPUT_COLUMNS
    row = out.iloc[0]
    assert (row["required"], row["required_with_shrinkage"]) == (14, 20)
    assert row["expected_sl"] == pytest.approx(0.88835, abs=5e-6) and notes == []


def test_blended_group_pools_phone_and_chat():
    ts = pd.Timestamp("2026-11-23 09:00")
    f = forecast_frame([(ts, "phone", "VIP", "上海", 50.0, 180.0),
                        (ts, "wechat", "VIP", "上海", 90.0, 600.0)])
    cfg = StaffingConfig(model="erlang_c", skills=[SkillGroup(name="vip", channels=["phone",
                                                                                    "wechat"],
                                                              concurrency=3)],
                         targets={"service_level": 0.8, "sl_seconds": 20,
                                  "max_occupancy": None})
    out, _ = requirements(f, cfg, interval_minutes=30)
    assert out["load_erlangs"].iloc[0] == pytest.approx(5.0 + 90 * 600 / 1800 / 3)
    pooled = int(out["required"].iloc[0])
    separate = sum(int(required) for required in (
        requirements(f[f["channel"] == "phone"], cfg, interval_minutes=30)[0]["required"].iloc[0],
        requirements(f[f["channel"] == "wechat"], cfg, interval_minutes=30)[0]["required"].iloc[0]))
    assert pooled < separate  # pooling saves agents


def test_unassigned_work_is_reported():
    ts = pd.Timestamp("2026-11-23 09:00")
    f = forecast_frame([(ts, "phone", "a", "上海", 50.0, 180.0), (ts, "sms", "b", "上海", 5.0,
                                                                  60.0)])
    cfg = StaffingConfig(skills=[SkillGroup(name="phone", channels=["phone"])])
    out, notes = requirements(f, cfg, interval_minutes=30)
    assert set(out["skill"]) == {"phone"} and "sms/b" in notes[0]


def test_example_centre_end_to_end(tmp_path, runner, centre_path):
    from tests.forecast.conftest import history_frame

    history = pd.concat([history_frame(days=28, daily=1500, noise=True, seed=1),
                         history_frame(days=28, daily=300, channel="wechat", inquiry_type="业务查询",
                                       night=False, aht=500, seed=2),
                         history_frame(days=28, daily=100, channel="email", inquiry_type="业务办理",
                                       aht=420, seed=3)])
    hist = tmp_path / "h.csv"
    history.to_csv(hist, index=False)
    fc = tmp_path / "f.csv"
    assert runner.invoke(cli, ["forecast", "run", "--history", str(hist), "--horizon", "7d",
                               "--model", "decomp_mean", "-o", str(fc)]).exit_code == 0
    out = tmp_path / "req.csv"
    result = runner.invoke(cli, ["staff", "--forecast", str(fc), "--config",
                                 "configs/staffing.yaml", "--centre", str(centre_path),
                                 "-o", str(out), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    req = pd.read_csv(out)
    assert set(req["skill"]) == {"phone", "wechat", "email"}
    phone = req[req["skill"] == "phone"]
    forecast = pd.read_csv(fc)
    busy = forecast[forecast["channel"] == "phone"].groupby("interval_start")["contacts"].sum()
    peak_ts = busy.idxmax()
    peak = phone[phone["interval_start"] == peak_ts].iloc[0]
    aht = 300.0
    check = erlang_a(peak["required"], busy.max() * aht / 1800, aht, 180, 20)
    assert peak["expected_sl"] == pytest.approx(float(check.service_level), abs=1e-6)
    assert float(erlang_a(peak["required"] - 1, busy.max() * aht / 1800, aht, 180,
                          20).service_level) < 0.8 or peak["occupancy"] > 0.85
    summary = json.loads(result.stdout)
    assert {g["skill"] for g in summary["groups"]} == {"phone", "wechat", "email"}
    assert load_centre(centre_path).channel("email").kind == "deferred"


@pytest.mark.parametrize("args,code,text", [
    (["--volume", "100", "--aht", "180s"], 0, "14"),
    (["--volume", "100", "--aht", "soon"], 2, "--aht: expected a positive duration"),
    (["--volume", "-5", "--aht", "180s"], 2, "--volume: expected zero or more contacts"),
    (["--volume", "100", "--aht", "180s", "--sl", "1.5"], 2, "expected a fraction 0-1"),
])
def test_erlang_calculator(runner, args, code, text):
    result = runner.invoke(cli, ["staff", "erlang", *args])
    assert result.exit_code == code, result.output
    assert text in (result.stderr if code else result.stderr + result.stdout)


def test_calculator_json_evaluates_given_agents(runner):
    result = runner.invoke(cli, ["staff", "erlang", "--volume", "100", "--aht", "180s",
                                 "--agents", "11", "--json"])
    payload = json.loads(result.stdout)
    assert payload["agents"] == 11
    assert payload["p_wait"] == pytest.approx(0.6821182, abs=5e-8)
    assert payload["service_level"] == pytest.approx(float(erlang_c(11, 10.0, 180, 20)
                                                           .service_level))


def test_staff_without_inputs_is_a_usage_error(runner):
    result = runner.invoke(cli, ["staff"])
    assert result.exit_code == 2 and "give --forecast and -o" in result.stderr
