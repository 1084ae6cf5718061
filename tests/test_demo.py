"""`wfm demo` runs every existing stage on the example data and writes its artefacts."""

from __future__ import annotations

import json
import time

from openpyxl import load_workbook

from wfm.cli import cli


def test_demo_writes_workbook_and_summary(runner, tmp_path):
    out = tmp_path / "演示 demo-out"
    began = time.perf_counter()
    result = runner.invoke(cli, ["demo", "--out", str(out), "--weeks", "8", "--schedule-seconds", "20"])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - began < 120  # the budget for the whole story
    book = load_workbook(out / "wfm-demo-inputs.xlsx")
    assert "每日来量 Daily" in book.sheetnames and "坐席 Agents" in book.sheetnames
    daily = book["每日来量 Daily"]
    assert daily["A3"].value == "date" and daily.max_row == 3 + 56
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"]["history"]["days"] == 56
    assert summary["inputs"]["agents"]["rows"] == 60
    for name in ("history.csv", "agents.csv", "events.csv", "centre.yaml"):
        assert (out / "input" / name).is_file()
    assert "not run yet" not in result.stderr
    forecast = summary["forecast"]
    assert forecast["horizon_days"] == 56 and forecast["rows"] > 10_000
    assert "Backtest" in " ".join(load_workbook(out / "wfm-demo-forecast.xlsx").sheetnames)
    staffing = summary["staffing"]
    assert staffing["peak_required"]["上海/phone"] >= 10
    assert (out / "requirements.csv").is_file() and (out / "wfm-demo-staffing.xlsx").is_file()
    schedule = summary["schedule"]
    assert schedule["status"] in ("optimal", "feasible") and schedule["shifts"] > 100
    assert schedule["lp_bound"] <= schedule["objective"]
    assert "排班 Roster" in load_workbook(out / "wfm-demo-schedule.xlsx").sheetnames
    kpi = summary["kpi"]
    assert abs(kpi["stages"]["added"]["step_rate"] - 0.6) < 0.04
    acc = kpi["acceptance_by_sub_type"]
    assert max(acc, key=acc.get) == "保单批改" and min(acc, key=acc.get) == "理赔查询"
    assert kpi["journey_satisfaction"] < kpi["touchpoint_satisfaction"] - 0.1
    low = [a for a, flag in kpi["survey_outliers"].items() if flag == "low transfer rate"]
    assert len(low) == 2 and "journey satisfaction" in result.stderr  # the inflating agents
    for name in ("funnel", "scorecard", "journeys"):
        assert (out / f"wfm-demo-{name}.xlsx").is_file()
    test = summary["abtest"]
    assert test["verdict"] == "ship" and test["rel_ci"][0] > 0 and test["srm_p"] > 0.05
    assert test["registry_state"] == "monitor" and (out / "wfm-registry.sqlite").is_file()
    at_scale, shift = summary["what_if"]["test"], summary["what_if"]["shift"]
    # the test's effect through its spec's impact: reach 0.4 × effect × follow-through 0.5
    effect = test["rel_effect"] * 0.6  # relative effect on the 60% control rate, roughly
    assert abs(at_scale["moved_share"]["point"] - 0.4 * effect * 0.5) < 0.002
    assert at_scale["moved_share"]["low"] < at_scale["moved_share"]["point"] < \
        at_scale["moved_share"]["high"]
    assert shift["moved_share"]["point"] == 0.7 * 0.3 * 1.0
    assert shift["fte_saved_low"] < shift["fte_saved_point"] < shift["fte_saved_high"]
    phone = next(k for k in shift["skills"] if k["skill"] == "phone")
    assert phone["fte_point"] < phone["fte_before"]
    assert "what-if (a channel shift)" in result.stderr
    for name in ("test", "shift"):
        book = load_workbook(out / f"wfm-demo-what-if-{name}.xlsx")
        assert "人力 FTE" in book.sheetnames and book["人力 FTE"]._charts


def test_demo_json(runner, tmp_path):
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "d"), "--weeks", "8", "--schedule-seconds", "3",
                                 "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["summary"]["stages_run"] == ["inputs", "overview", "forecast", "staffing", "schedule",
                                                   "kpi", "abtest", "what-if"]
    assert any(p.endswith("wfm-demo-inputs.xlsx") for p in payload["artefacts"])


def test_demo_without_a_roster_in_time_says_so(runner, tmp_path, monkeypatch):
    """A solve that finds no roster within its limit is reported, not a crash."""
    import wfm.schedule.solve as solve_module
    from wfm.schedule.solve import ScheduleResult

    def nothing(requirements, agents, cfg, on_solution=None):
        import pandas as pd

        return ScheduleResult("unknown", None, None, None, 1.0, [], pd.DataFrame(), [])

    monkeypatch.setattr(solve_module, "solve_schedule", nothing)
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "d"), "--weeks", "8",
                                 "--schedule-seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "schedule: unknown" in result.stderr and "no roster within" in result.stderr
    assert not (tmp_path / "d" / "wfm-demo-schedule.xlsx").exists()
