"""`wfm forecast run` and `wfm forecast backtest` through the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.forecast.conftest import history_frame
from wfm.cli import cli


@pytest.fixture
def history_csv(tmp_path):
    frame = pd.concat([history_frame(days=63, noise=True, seed=s, inquiry_type=t, daily=d)
                       for s, t, d in ((1, "出险报案", 800), (2, "业务查询", 500))])
    path = tmp_path / "历史.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    return path


def test_run_writes_csv_and_json(runner, history_csv, tmp_path):
    out = tmp_path / "预测.csv"
    result = runner.invoke(cli, ["forecast", "run", "--history", str(history_csv), "--horizon",
                                 "2w", "--holidays", "none", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["interval_start", "channel", "inquiry_type", "site", "contacts",
                                   "contacts_lo", "contacts_hi", "aht_seconds", "model",
                                   "scenario"]
    assert set(frame["inquiry_type"]) == {"出险报案", "业务查询"}
    payload = json.loads(result.stdout)
    assert payload["rows"] == len(frame) and payload["horizon_days"] == 14
    assert {s["inquiry_type"] for s in payload["series"]} == {"出险报案", "业务查询"}


def test_run_writes_xlsx(runner, history_csv, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "forecast.xlsx"
    result = runner.invoke(cli, ["forecast", "run", "--history", str(history_csv), "--horizon",
                                 "7d", "--model", "decomp_mean", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == ["预测 Forecast"]
    assert "Forecast contacts per week and channel" in result.stderr


def test_backtest_json(runner, history_csv):
    result = runner.invoke(cli, ["forecast", "backtest", "--history", str(history_csv),
                                 "--folds", "2", "--models", "seasonal_naive,decomp_mean,auto",
                                 "--holidays", "none", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= {"models", "selected", "noise_floor_wape"}
    assert len(payload["models"]) == 6
    assert payload["selected"] is not None


@pytest.mark.parametrize("args,message", [
    (["--horizon", "soon"], "--horizon: expected a positive duration such as 8w, 56d, 30min or "
                            "180s, found 'soon'"),
    (["--model", "prophet"], "--model: expected auto or one of"),
    (["--by", "site,agent"], "key 'by[1]'"),
    (["--interval", "45min"], "cannot forecast at 45-minute intervals from 30-minute history"),
    (["--interval", "7min"], "key 'interval_minutes': expected minutes that divide a day"),
])
def test_run_errors_exit_2(runner, history_csv, tmp_path, args, message):
    result = runner.invoke(cli, ["forecast", "run", "--history", str(history_csv),
                                 "-o", str(tmp_path / "f.csv"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "f.csv").exists()


def test_mixed_time_zones_are_refused(runner, write, tmp_path):
    path = write("h.csv", "interval_start,channel,inquiry_type,contacts\n"
                          "2026-09-01 08:00,phone,a,1\n2026-09-01 08:30,phone,a,1\n"
                          "2026-09-01T01:00:00+00:00,phone,a,1\n")
    result = runner.invoke(cli, ["forecast", "run", "--history", str(path), "-o",
                                 str(tmp_path / "f.csv")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}, row 4, column 'interval_start': expected "
                                    "every timestamp in the same form")


def test_failed_run_keeps_the_previous_forecast(runner, history_csv, tmp_path):
    out = tmp_path / "f.csv"
    out.write_text("previous forecast\n")
    result = runner.invoke(cli, ["forecast", "run", "--history", str(history_csv),
                                 "--scenario", str(tmp_path / "missing.yaml"), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text() == "previous forecast\n"
