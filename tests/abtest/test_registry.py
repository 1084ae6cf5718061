"""The PDCA registry (states, overlap refusal, atomic writes, concurrent CLI calls), keyed
assignment, the p-chart rules, and the CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.abtest.test_stats import spec
from wfm.abtest.assign import assign
from wfm.abtest.monitor import p_chart
from wfm.abtest.registry import Registry
from wfm.cli import cli
from wfm.errors import UsageError

ROOT = Path(__file__).parents[2]


def test_pdca_states_and_transitions(tmp_path):
    reg = Registry(tmp_path / "r.sqlite")
    t = reg.register(spec(), "first cycle")
    with pytest.raises(UsageError, match="in Plan; it can move to closed, do, not check"):
        reg.move(t, "check")
    reg.move(t, "do", "live")
    reg.record(t, {"verdict": "ship", "comparisons": []})
    assert reg.get(t)["state"] == "check"
    reg.move(t, "act", "rollout")
    reg.move(t, "monitor")
    steps = [(s["from_state"], s["to_state"]) for s in reg.get(t)["transitions"]]
    assert steps == [(None, "plan"), ("plan", "do"), ("do", "check"), ("check", "act"),
                     ("act", "monitor")]
    assert all(s["at"] for s in reg.get(t)["transitions"])


def test_overlapping_tests_are_refused(tmp_path):
    reg = Registry(tmp_path / "r.sqlite")
    reg.register(spec(population={"inquiry_type": ["业务办理", "业务查询"]}))
    with pytest.raises(UsageError, match="confounded"):
        reg.register(spec(name="t2", population={"inquiry_type": ["业务查询"]}))
    reg.register(spec(name="t3", population={"inquiry_type": ["出险报案"]}))  # disjoint
    reg.register(spec(name="t4", population={"inquiry_type": ["业务查询"]},
                      allow_overlap=True))
    assert [t["name"] for t in reg.list()] == ["t", "t3", "t4"]


def test_a_failed_write_leaves_nothing_half_done(tmp_path, monkeypatch):
    reg = Registry(tmp_path / "r.sqlite")
    t = reg.register(spec())
    reg.move(t, "do")

    class Boom(Exception):
        pass

    def bad_dumps(*a, **k):
        raise Boom

    monkeypatch.setattr("wfm.abtest.registry.json.dumps", bad_dumps)
    with pytest.raises(Boom):
        reg.record(t, {"verdict": "ship"})
    monkeypatch.undo()
    again = Registry(tmp_path / "r.sqlite").get(t)
    assert again["state"] == "do" and again["results"] == []


def test_concurrent_cli_calls_lose_nothing(tmp_path):
    """Eight processes register tests into one registry at once: all eight land."""
    db = tmp_path / "shared.sqlite"
    Registry(db).close()
    code = ("import sys; from tests.abtest.test_stats import spec; "
            "from wfm.abtest.registry import Registry; "
            "r = Registry(sys.argv[1]); "
            "[r.register(spec(name=f'{sys.argv[2]}-{i}', allow_overlap=True)) for i in range(5)]")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db), f"p{j}"], cwd=ROOT)
             for j in range(8)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert len(Registry(db).list()) == 40


def test_assignment_is_deterministic_keyed_and_balanced():
    units = pd.Series([f"1380000{i:04d}" for i in range(20000)])  # phone-number-like ids
    s = spec()
    a = assign(s, units, b"secret")
    assert a.equals(assign(s, units, b"secret"))
    assert not a["arm"].equals(assign(s, units, b"other")["arm"])
    share = (a["arm"] == "A").mean()
    assert abs(share - 0.5) < 0.015
    assert not a["unit_hash"].str.contains("1380000").any()
    uneven = spec(control={"name": "A", "settings": {"script": "old", "moment": "end"},
                           "allocation": 3})
    assert abs((assign(uneven, units, b"s")["arm"] == "A").mean() - 0.75) < 0.015


def test_p_chart_western_electric_rules():
    n = [1000] * 12
    steady = p_chart([f"w{i}" for i in range(12)], n, [600] * 12, centre=0.6)
    assert (steady["signals"] == "").all()
    # σ = sqrt(0.6 × 0.4 / 1000) = 1.55 points: 650 is +3.2σ, 635 +2.3σ, 640 +2.6σ
    k = [600, 600, 600, 650, 600, 635, 640, 600, 600, 600, 600, 600]
    chart = p_chart([f"w{i}" for i in range(12)], n, k, centre=0.6)
    assert chart.loc[3, "signals"] == "1: beyond 3σ"
    assert "2: two of three beyond 2σ" in chart.loc[6, "signals"]
    assert chart.loc[2, "signals"] == "" and chart.loc[11, "signals"] == ""
    drift = p_chart([f"w{i}" for i in range(10)], [1000] * 10, [590] * 10, centre=0.6)
    assert "4: eight on one side" in drift.loc[7, "signals"]
    assert drift.loc[6, "signals"] == ""


def test_cli_end_to_end(runner, tmp_path):
    db = str(tmp_path / "r.sqlite")
    cfg = str(ROOT / "configs" / "abtest.yaml")
    data = tmp_path / "results.csv"
    pd.DataFrame({"arm": ["control", "shortcut"], "n": [6000, 6000],
                  "conversions": [3600, 3900]}).to_csv(data, index=False)
    assert runner.invoke(cli, ["abtest", "register", cfg, "--registry", db]).exit_code == 0
    assert runner.invoke(cli, ["abtest", "start", "1", "--registry", db]).exit_code == 0
    out = runner.invoke(cli, ["abtest", "analyze", "--test", "1", "--data", str(data),
                              "--registry", db, "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["verdict"] == "ship" and {"srm_p", "arms", "comparisons"} <= set(result)
    c = result["comparisons"][0]
    assert {"variant", "abs_effect", "abs_ci", "rel_effect", "rel_ci", "p_value",
            "chance_to_win", "expected_loss"} <= set(c)
    assert runner.invoke(cli, ["abtest", "act", "1", "--rollout", "--registry",
                               db]).exit_code == 0
    after = tmp_path / "after.csv"
    pd.DataFrame({"period": [f"2027-W0{i}" for i in range(1, 10)], "n": [1000] * 9,
                  "conversions": [650] * 4 + [600] * 5}).to_csv(after, index=False)
    mon = runner.invoke(cli, ["abtest", "monitor", "1", "--data", str(after), "--registry",
                              db, "--json"])
    assert mon.exit_code == 0, mon.output
    periods = json.loads(mon.stdout)["periods"]
    assert json.loads(mon.stdout)["centre"] == pytest.approx(0.65)
    assert periods[0]["signals"] == "" and periods[4]["signals"]  # the drop is flagged
    hist = runner.invoke(cli, ["abtest", "history", "--factor", "script", "--registry", db,
                               "--json"])
    effects = json.loads(hist.stdout)["effects"]
    assert effects[0]["direction"] == "up" and effects[0]["rel_effect"] == pytest.approx(1 / 12)
    twice = runner.invoke(cli, ["abtest", "register", cfg, "--registry", db])
    assert twice.exit_code == 2 and "already registered" in twice.stderr


def test_cli_assign_never_writes_raw_ids(runner, tmp_path, monkeypatch):
    units = tmp_path / "units.csv"
    pd.DataFrame({"customer_id": [f"1391234{i:04d}" for i in range(500)]}).to_csv(units,
                                                                                 index=False)
    out_file = tmp_path / "a.csv"
    cfg = str(ROOT / "configs" / "abtest.yaml")
    missing = runner.invoke(cli, ["abtest", "assign", cfg, "--units", str(units), "-o",
                                  str(out_file)], env={"WFM_SALT": ""})
    assert missing.exit_code == 2 and "WFM_SALT" in missing.stderr
    done = runner.invoke(cli, ["abtest", "assign", cfg, "--units", str(units), "-o",
                               str(out_file)], env={"WFM_SALT": "k"})
    assert done.exit_code == 0, done.output
    text = out_file.read_text(encoding="utf-8-sig")
    assert "1391234" not in text and text.splitlines()[0] == "unit_hash,arm"


def test_bad_variant_spec_is_a_config_error(runner, tmp_path):
    text = (ROOT / "configs" / "abtest.yaml").read_text(encoding="utf-8").replace(
        "      moment: end_of_call\n    allocation: 1", "      moment: start_of_call\n"
        "    allocation: 1")
    bad = tmp_path / "abtest.yaml"
    bad.write_text(text, encoding="utf-8")
    out = runner.invoke(cli, ["abtest", "plan", str(bad)])
    assert out.exit_code == 2 and "changes 2 settings (moment, script)" in out.stderr
