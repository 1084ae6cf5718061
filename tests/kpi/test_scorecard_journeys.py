"""Scorecards (targets, scoring rules, phase weights) and journeys (grouping, resolution,
switches, journey vs touchpoint satisfaction, survey-transfer outliers), hand-computed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.kpi.conftest import log
from wfm.cli import cli
from wfm.kpi.config import JourneyConfig, KpiConfig
from wfm.kpi.journeys import journeys
from wfm.kpi.scorecard import scorecard

ROOT = Path(__file__).parents[2]


def kpis(**over) -> KpiConfig:
    return KpiConfig.model_validate({"kpis": [
        {"name": "invited", "kind": "process", "event": "invited", "target": 4,
         "weights": {"ramp-up": 0.8, "steady": 0.2}, "scoring": {"cap": 1.2}},
        {"name": "added", "kind": "outcome", "event": "added", "target": 2,
         "weights": {"ramp-up": 0.2, "steady": 0.8},
         "scoring": {"rule": "thresholds", "thresholds": [[0.5, 0.5], [1.0, 1.0]]}},
    ], **over})


def agent_log() -> pd.DataFrame:
    """One week. A1 invites 6 customers, 1 adds; A2 invites 2, both add."""
    rows = []
    for i in range(6):
        rows.append((i, f"a{i}", f"u{i}", "invited", {"agent_id": "A1", "team": "甲"}))
    rows.append((10, "a0", "u0", "added", {"agent_id": "A1", "team": "甲"}))
    for i in range(2):
        rows += [(i, f"b{i}", f"v{i}", "invited", {"agent_id": "A2", "team": "乙"}),
                 (20, f"b{i}", f"v{i}", "added", {"agent_id": "A2", "team": "乙"})]
    rows.append((6 * 1440, "z", "w", "reached", {"agent_id": "A3", "team": "丙"}))  # Sunday
    return log(rows)


def test_scorecard_hand_computed_and_phase_changes_the_ranking():
    events = agent_log()
    ramp = scorecard(events, kpis(), "ramp-up").agents.set_index("agent_id")
    # one week; A1: invited 6/4 = 1.5 -> capped 1.2; added 1/2 = 0.5 -> threshold 0.5
    # A2: invited 2/4 = 0.5; added 2/2 = 1.0 -> 1.0
    assert ramp.loc["A1", "invited attainment"] == pytest.approx(1.5)
    assert ramp.loc["A1", "invited score"] == pytest.approx(1.2)
    assert ramp.loc["A1", "added score"] == pytest.approx(0.5)
    assert ramp.loc["A1", "weighted score"] == pytest.approx(100 * (0.8 * 1.2 + 0.2 * 0.5))
    assert ramp.loc["A2", "weighted score"] == pytest.approx(100 * (0.8 * 0.5 + 0.2 * 1.0))
    assert "A3" not in ramp.index  # no event any KPI counts: not scored
    steady = scorecard(events, kpis(), "steady").agents
    assert ramp.index[0] == "A1" and steady["agent_id"].iloc[0] == "A2"
    teams = scorecard(events, kpis(), "steady").teams.set_index("team")
    assert teams.loc["乙", "added"] == 2 and teams.loc["乙", "agents"] == 1


def test_scorecard_ratio_and_lower_is_better():
    cfg = KpiConfig.model_validate({"kpis": [
        {"name": "acceptance", "kind": "outcome", "measure": "ratio", "event": "added",
         "per": "invited", "target": 0.5, "weights": {"steady": 0.5}},
        {"name": "handle", "kind": "process", "measure": "mean", "event": "invited",
         "target": 100, "lower_is_better": True, "weights": {"steady": 0.5}}]})
    events = agent_log()
    events.loc[events["event"] == "invited", "value"] = np.where(
        events.loc[events["event"] == "invited", "agent_id"] == "A1", 200.0, 50.0)
    card = scorecard(events, cfg, "steady").agents.set_index("agent_id")
    assert card.loc["A1", "acceptance"] == pytest.approx(1 / 6)
    assert card.loc["A2", "acceptance attainment"] == pytest.approx(2.0)
    assert card.loc["A1", "handle attainment"] == pytest.approx(0.5)  # 100 / 200


def test_phase_weights_must_add_up():
    with pytest.raises(ValueError, match="phase 'steady' add up to 0.9"):
        KpiConfig.model_validate({"kpis": [
            {"name": "a", "kind": "process", "event": "x", "target": 1,
             "weights": {"steady": 0.9}}]})


JOURNEY = log([
    # u1: phone, then WeChat 2 days later (same issue), resolved there: one journey, 1 switch
    (0, "p1", "u1", "reached"), (0, "p1", "u1", "survey", {"value": 2.0}),
    (2 * 1440, "w1", "u1", "reached", {"channel": "wechat", "agent_id": "A2"}),
    (2 * 1440 + 5, "w1", "u1", "resolved", {"channel": "wechat", "agent_id": "A2"}),
    (2 * 1440 + 6, "w1", "u1", "survey", {"channel": "wechat", "agent_id": "A2", "value": 5.0}),
    (2 * 1440 + 90, "w1", "u1", "journey_survey", {"value": 2.0}),
    (2 * 1440 + 90, "w1", "u1", "effort", {"value": 3.0}),
    # u2: resolved at first contact, happy; comes back 10 days later: a new journey
    (0, "p2", "u2", "reached"), (3, "p2", "u2", "resolved"),
    (4, "p2", "u2", "survey", {"value": 5.0}), (90, "p2", "u2", "journey_survey", {"value": 5.0}),
    (10 * 1440, "p3", "u2", "reached"), (10 * 1440 + 3, "p3", "u2", "resolved"),
    # u3: two issues the same day: two journeys
    (0, "p4", "u3", "reached"), (5, "p5", "u3", "reached", {"inquiry_type": "理赔查询"}),
])


def test_journeys_hand_computed():
    r = journeys(JOURNEY, JourneyConfig())
    s = r.summary.set_index("metric")["value"]
    assert s["journeys"] == 5 and s["contacts"] == 6
    assert s["repeat-contact rate (share of contacts that are repeats)"] == pytest.approx(1 / 6)
    assert s["first-contact resolution"] == pytest.approx(2 / 5)
    assert s["resolved in the journey"] == pytest.approx(3 / 5)
    assert s["journeys that switch channel"] == pytest.approx(1 / 5)
    assert s["touchpoint satisfaction (post-contact surveys)"] == pytest.approx(2 / 3)
    assert s["journey satisfaction (journey surveys)"] == pytest.approx(1 / 2)
    assert s["customer effort: mean score"] == pytest.approx(3.0)
    u1 = r.journeys[r.journeys["customer_id"] == "u1"].iloc[0]
    assert (u1["contacts"], u1["switches"], u1["first_channel"]) == (2, 1, "phone")
    shorter = journeys(JOURNEY, JourneyConfig(window="1d"))
    assert shorter.summary.set_index("metric")["value"]["journeys"] == 6


def test_insurer_journeys_show_the_copc_gap_and_the_inflating_agents(insurer_events):
    r = journeys(insurer_events, JourneyConfig())
    s = r.summary.set_index("metric")
    touch = s.loc["touchpoint satisfaction (post-contact surveys)"]
    journey = s.loc["journey satisfaction (journey surveys)"]
    assert journey["ci_hi"] < touch["ci_lo"] - 0.05  # the hand-off loss, beyond noise
    sat = r.by_contacts.set_index("contacts")["journey_satisfaction"]
    assert sat["1"] > sat["2"] > sat["3+"]
    flagged = r.agents[r.agents["flag"] != ""]
    assert len(flagged) == 2 and (flagged["flag"] == "low transfer rate").all()
    normal = r.agents[r.agents["flag"] == ""]
    assert flagged["satisfaction"].min() > normal["satisfaction"].median()  # inflated scores


def test_journey_cli_and_workbook(runner, tmp_path):
    from openpyxl import load_workbook

    events = str(ROOT / "examples" / "insurer" / "events.csv.gz")
    out = runner.invoke(cli, ["kpi", "journeys", "--events", events, "--config",
                              str(ROOT / "configs" / "kpi.yaml"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert len(data["flagged_agents"]) == 2
    target = tmp_path / "旅程.xlsx"
    out = runner.invoke(cli, ["kpi", "journeys", "--events", events, "-o", str(target)])
    assert out.exit_code == 0, out.output
    assert load_workbook(target).sheetnames == ["Summary", "Channels", "By contacts",
                                                "Survey transfer", "Settings"]
    card = tmp_path / "card.xlsx"
    out = runner.invoke(cli, ["kpi", "scorecard", "--events", events, "--config",
                              str(ROOT / "configs" / "kpi.yaml"), "--phase", "ramp-up",
                              "-o", str(card), "--json"])
    assert out.exit_code == 0, out.output
    book = load_workbook(card)
    assert book.sheetnames == ["Agents", "Teams", "KPIs", "Settings"]
    assert len(book["Agents"]._charts) == 1
    ranked = json.loads(out.stdout)["agents"]
    assert [a["rank"] for a in ranked] == sorted(a["rank"] for a in ranked)
    bad = runner.invoke(cli, ["kpi", "scorecard", "--events", events, "--config",
                              str(ROOT / "configs" / "kpi.yaml"), "--phase", "launch"])
    assert bad.exit_code == 2 and "ramp-up, steady" in bad.stderr
