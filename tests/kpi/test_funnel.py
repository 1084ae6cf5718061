"""Funnels: hand-computed small logs (order, window, empty stages, units), Wilson intervals
against statsmodels, and the insurer's figures recovered end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.kpi.conftest import log
from wfm.cli import cli
from wfm.kpi.config import FunnelConfig
from wfm.kpi.funnel import funnel
from wfm.kpi.stats import holm, versus_rest, wilson

CONFIGS = Path(__file__).parents[2] / "configs"


def cfg(**kw) -> FunnelConfig:
    base = {"stages": [{"name": s, "event": s} for s in ("reached", "invited", "added")]}
    return FunnelConfig.model_validate({**base, **kw})


SMALL = log([
    (0, "c1", "u1", "reached"), (1, "c1", "u1", "invited"), (5, "c1", "u1", "added"),
    (0, "c2", "u2", "reached"), (2, "c2", "u2", "invited"),
    (0, "c3", "u3", "reached"), (3, "c3", "u3", "added"), (4, "c3", "u3", "invited"),
    (0, "c4", "u4", "reached"), (1, "c4", "u4", "invited"), (60 * 24 * 8, "c9", "u4", "added"),
    (5, "c5", "u5", "invited"),  # never reached: not in the funnel
])


def test_hand_computed_counts_rates_and_times():
    r = funnel(SMALL, cfg()).stages.set_index("name")
    # reached: u1-u4 (4); invited: u1, u2, u3, u4 (4); added strictly after invited within
    # 7 days: u1 only (u3 added before being invited, u4 after 8 days)
    assert list(r["count"]) == [4, 4, 1]
    assert r.loc["added", "step_rate"] == pytest.approx(0.25)
    assert r.loc["added", "overall_rate"] == pytest.approx(0.25)
    assert r.loc["added", "drop_off"] == 3
    assert r.loc["invited", "median_seconds_from_previous"] == pytest.approx(
        np.median([60, 120, 240, 60]))
    assert r.loc["added", "median_seconds_from_entry"] == pytest.approx(300)
    lo, hi = wilson(1, 4)
    assert (r.loc["added", "step_ci_lo"], r.loc["added", "step_ci_hi"]) == (lo, hi)


def test_order_and_window_switches():
    loose = funnel(SMALL, cfg(strict_order=False)).stages["count"].tolist()
    assert loose == [4, 4, 2]  # u3 now counts (added before invited, in the window)
    unlimited = funnel(SMALL, cfg(window=None)).stages["count"].tolist()
    assert unlimited == [4, 4, 2]  # u4's late addition counts without a window


def test_contact_unit_counts_contacts():
    r = funnel(SMALL, cfg(unit="contact")).stages["count"].tolist()
    assert r == [4, 4, 1]  # c9 is another contact of u4: not u4's c4


def test_empty_stage_and_empty_funnel():
    r = funnel(SMALL, FunnelConfig.model_validate({"stages": [
        {"name": "reached", "event": "reached"}, {"name": "converted", "event": "converted"},
        {"name": "renewed", "event": "renewed"}]}))
    assert r.stages["count"].tolist() == [4, 0, 0]
    assert np.isnan(r.stages.loc[2, "step_rate"])  # 0 of 0: no rate, no interval
    assert r.to_json()["stages"][2]["step_ci"] is None
    none = funnel(SMALL, FunnelConfig.model_validate({"stages": [
        {"name": "x", "event": "nothing"}, {"name": "y", "event": "invited"}]}))
    assert none.stages["count"].tolist() == [0, 0] and none.notes


def test_filters_on_stage():
    events = SMALL.copy()
    events.loc[events["customer_id"] == "u2", "inquiry_type"] = "理赔查询"
    r = funnel(events, cfg(stages=[{"name": "reached", "event": "reached"},
                                   {"name": "eligible", "event": "reached",
                                    "where": {"inquiry_type": ["业务办理"]}}]))
    assert r.stages["count"].tolist() == [4, 3]


def test_wilson_and_tests_match_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.proportion")
    from statsmodels.stats.multitest import multipletests

    k, n = np.array([0, 1, 45, 360, 999]), np.array([10, 4, 100, 600, 1000])
    lo, hi = wilson(k, n)
    ref_lo, ref_hi = sm.proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-12)
    p = np.array([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-12)
    diff, p_adj = versus_rest(np.array([30, 50]), np.array([100, 100]))
    z, p_raw = sm.proportions_ztest([30, 50], [100, 100])
    assert diff[0] == pytest.approx(-0.2) and p_adj[0] == pytest.approx(min(2 * p_raw, 1))


def test_insurer_funnel_recovers_the_brief(insurer_events):
    """~50% of calls are the two eligible types, ~40% of those are policyholders, ~60% of
    invitations are accepted, ~24% of policyholders add the account."""
    from wfm.config import load_config

    c = load_config(CONFIGS / "funnel.yaml", FunnelConfig)
    s = funnel(insurer_events, c).stages.set_index("name")
    assert s.loc["eligible type", "step_rate"] == pytest.approx(0.50, abs=0.02)
    assert s.loc["policyholder", "step_rate"] == pytest.approx(0.40, abs=0.02)
    assert s.loc["added", "step_rate"] == pytest.approx(0.60, abs=0.03)
    assert s.loc["added", "count"] / s.loc["policyholder", "count"] == pytest.approx(
        0.24, abs=0.02)
    lo, hi = s.loc["added", "step_ci_lo"], s.loc["added", "step_ci_hi"]
    assert lo < 0.60 < hi or abs(s.loc["added", "step_rate"] - 0.6) < 0.02


def test_breakdown_shows_significant_sub_type_differences(insurer_events):
    from wfm.config import load_config

    c = load_config(CONFIGS / "funnel.yaml", FunnelConfig)
    r = funnel(insurer_events, c, by="sub_type")
    added = r.breakdown[(r.breakdown["stage"] == "added") & (r.breakdown["group"] != "(blank)")]
    by = added.set_index("group")["step_rate"]
    assert by.idxmax() == "保单批改" and by.idxmin() == "理赔查询"
    tests = r.tests.set_index("stage")["homogeneity_p"]
    assert tests["added"] < 1e-6  # acceptance really differs by sub-type
    assert tests["invited"] > 0.01  # invitation does not (the generator invites alike)
    assert added.set_index("group").loc["理赔查询", "vs_rest_p"] < 0.05
    weekly = funnel(insurer_events, c, by="week")
    assert set(weekly.breakdown["group"]) == {"2026-11-09", "2026-11-16"}


def test_cli_json_shape_and_bad_by(runner, tmp_path):
    args = ["kpi", "funnel", "--events", str(Path(__file__).parents[2] / "examples" /
                                            "insurer" / "events.csv.gz"),
            "--config", str(CONFIGS / "funnel.yaml")]
    out = runner.invoke(cli, [*args, "--by", "team", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    first = data["stages"][1]
    assert {"name", "count", "step_rate", "overall_rate", "step_ci"} <= set(first)
    assert first["step_ci"][0] < first["step_rate"] < first["step_ci"][1]
    assert set(data["breakdown"]["groups"]) >= {"业务组", "VIP组"}
    bad = runner.invoke(cli, [*args, "--by", "shoe_size"])
    assert bad.exit_code == 2 and "--by 'shoe_size'" in bad.stderr
    assert "inquiry_type" in bad.stderr and "Traceback" not in bad.output


def test_workbook_has_charts(runner, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "漏斗.xlsx"
    out = runner.invoke(cli, ["kpi", "funnel", "--events", str(
        Path(__file__).parents[2] / "examples" / "insurer" / "events.csv.gz"),
        "--config", str(CONFIGS / "funnel.yaml"), "--by", "sub_type", "-o", str(target)])
    assert out.exit_code == 0, out.output
    book = load_workbook(target)
    assert book.sheetnames == ["Funnel", "Breakdown", "Tests", "Weekly", "Settings"]
    assert len(book["Funnel"]._charts) == 1 and len(book["Weekly"]._charts) == 1
    assert book["Breakdown"]["A4"].value in {"理赔查询", "(blank)", "保单批改"}
    assert book["Funnel"].freeze_panes == "A4"


def test_funnel_config_rejects_duplicate_stages():
    with pytest.raises(ValueError, match="unique"):
        FunnelConfig.model_validate({"stages": [{"name": "a", "event": "x"},
                                                {"name": "a", "event": "y"}]})
    with pytest.raises(ValueError, match="duration"):
        cfg(window="soon")


def test_funnel_is_fast_on_a_large_log():
    """200k synthetic events in well under a few seconds (the full benchmark is bench/)."""
    import time

    rng = np.random.default_rng(1)
    n = 50_000
    stamps = pd.Timestamp("2026-11-02") + pd.to_timedelta(rng.integers(0, 7 * 86400, n), "s")
    frames = []
    alive = np.ones(n, bool)
    for i, e in enumerate(["reached", "invited", "added", "converted"]):
        alive &= rng.random(n) < (1 if i == 0 else 0.5)
        frames.append(pd.DataFrame({"timestamp": stamps[alive] + pd.Timedelta(minutes=i),
                                    "contact_id": np.arange(n)[alive].astype(str),
                                    "customer_id": np.arange(n)[alive].astype(str),
                                    "event": e, "agent_id": "A"}))
    events = pd.concat(frames, ignore_index=True).sort_values("timestamp")
    c = FunnelConfig.model_validate({"stages": [{"name": e, "event": e} for e in
                                                ("reached", "invited", "added", "converted")]})
    t = time.perf_counter()
    r = funnel(events, c, by="agent_id")
    assert time.perf_counter() - t < 5
    assert r.stages["count"].tolist() == [len(f) for f in frames]


def test_timestamps_of_any_resolution():
    """Parquet and numpy inputs can carry second or microsecond timestamps: same counts."""
    events = SMALL.copy()
    events["timestamp"] = events["timestamp"].to_numpy().astype("datetime64[s]")
    assert funnel(events, cfg()).stages["count"].tolist() == [4, 4, 1]
