"""The example insurer: deterministic, valid, and faithful to the domain brief's figures."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from wfm.config import load_centre
from wfm.forecast.calendar import special_days
from wfm.io.inputs import read_agents, read_events, read_history
from wfm.synth.files import write_example
from wfm.synth.insurer import MIX, generate

EXAMPLE = ROOT / "examples" / "insurer"


@pytest.fixture(scope="module")
def data():
    return generate()


def test_same_seed_same_data_other_seed_other_data(data):
    again = generate()
    pd.testing.assert_frame_equal(data.history, again.history)
    pd.testing.assert_frame_equal(data.events, again.events)
    pd.testing.assert_frame_equal(data.agents, again.agents)
    assert not generate(seed=1, weeks=2).history["contacts"].equals(
        generate(seed=2, weeks=2).history["contacts"])


def test_committed_sample_is_the_generator_output(tmp_path):
    manifest = json.loads((EXAMPLE / "manifest.json").read_text())
    if manifest["numpy"] != np.__version__:
        pytest.skip(f"sample made with numpy {manifest['numpy']}, random streams may differ "
                    f"under {np.__version__}")
    write_example(tmp_path, seed=manifest["seed"], weeks=manifest["weeks"], compress=True)
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest, name
        assert hashlib.sha256((EXAMPLE / name).read_bytes()).hexdigest() == digest, name


def test_committed_sample_passes_the_contracts():
    vocab = load_centre(EXAMPLE / "centre.yaml").vocabulary()
    history = read_history(EXAMPLE / "history.csv.gz", vocab)
    agents = read_agents(EXAMPLE / "agents.csv", vocab)
    events = read_events(EXAMPLE / "events.csv.gz", vocab)
    days = history["interval_start"].dt.normalize().nunique()
    assert days >= 70  # at least 10 weeks
    assert set(history["channel"]) == {"phone", "wechat", "webchat", "email", "sms"}
    assert set(history["site"]) == {"上海", "成都"}
    assert 55 <= len(agents) <= 65 and set(agents["site"]) == {"上海", "成都"}
    assert len(events) > 10_000


def _ordinary_weekdays(history: pd.DataFrame) -> pd.DataFrame:
    day = history["interval_start"].dt.date
    specials = {s.date for s in special_days("CN", day.min(), day.max())}
    weekday = history["interval_start"].dt.day_of_week < 5
    return history[weekday & ~day.isin(specials)]


def test_phone_mix_matches_the_brief(data):
    """On ordinary weekdays the phone mix is the insurer's (41.33/7.70/0.83/20.53/29.60%),
    within the sampling error of ~150,000 calls."""
    phone = _ordinary_weekdays(data.history).query("channel == 'phone'")
    share = phone.groupby("inquiry_type")["contacts"].sum() / phone["contacts"].sum() * 100
    for itype, target in MIX["phone"].items():
        assert share[itype] == pytest.approx(target, abs=0.6), itype


def test_weekly_and_intraday_shape(data):
    h = data.history.query("channel == 'phone'")
    daily = h.groupby(h["interval_start"].dt.normalize())["contacts"].sum()
    ordinary = daily[[d.weekday() < 5 for d in daily.index]]
    sundays = daily[[d.weekday() == 6 for d in daily.index]]
    assert sundays.median() < 0.65 * ordinary.median()
    slot = h.groupby(h["interval_start"].dt.hour)["contacts"].sum()
    assert slot[10] > 8 * slot[3]  # day peak vs night
    assert slot[3] > 0  # claims come in at night too: 24x7 with sparse nights


def test_holidays_and_make_up_days(data):
    h = data.history.query("channel == 'phone'")
    day = h["interval_start"].dt.date
    by_type = h.groupby([day, "inquiry_type"])["contacts"].sum().unstack()
    ordinary = by_type.loc[[date(2026, 9, d) for d in (8, 9, 15, 16)]].mean()
    golden_week = by_type.loc[[date(2026, 10, d) for d in range(2, 7)]].mean()
    assert golden_week["救援申请"] > 1.2 * ordinary["救援申请"]  # rescue rises on holidays
    assert golden_week["业务查询"] < 0.6 * ordinary["业务查询"]  # business falls
    total = h.groupby(day)["contacts"].sum()
    assert total[date(2026, 9, 20)] > 1.6 * total[date(2026, 9, 13)]  # 调休 Sunday vs Sunday


def test_chat_channels_only_in_opening_hours(data):
    chat = data.history[data.history["channel"].isin(["wechat", "webchat"])]
    hours = chat["interval_start"].dt.hour
    assert hours.min() == 8 and hours.max() == 21


def test_funnel_rates_match_the_insurer(data):
    e = data.events
    first = e[(e["event"] == "reached") & e["contact_id"].str.startswith("P")]
    targeted = first["inquiry_type"].isin(["业务办理", "业务查询"])
    assert targeted.mean() == pytest.approx(0.50, abs=0.03)  # the two types: ~50% of calls
    contacts = e.groupby("event")["contact_id"].nunique()
    assert contacts["eligible"] / targeted.sum() == pytest.approx(0.40, abs=0.02)
    assert contacts["invited"] / contacts["eligible"] == pytest.approx(0.40, abs=0.03)
    assert contacts["added"] / contacts["invited"] == pytest.approx(0.60, abs=0.04)
    assert contacts["added"] / contacts["eligible"] == pytest.approx(0.24, abs=0.02)
    invited = e[e["event"] == "invited"].set_index("contact_id")["sub_type"]
    added = e[e["event"] == "added"]["contact_id"]
    accept = invited.index.isin(added)
    by_sub = pd.Series(accept, index=invited.values).groupby(level=0).mean()
    assert by_sub.idxmax() == "保单批改" and by_sub.idxmin() == "理赔查询"


def test_journeys_cross_channels_and_lose_satisfaction(data):
    """Unresolved callers come back, some on WeChat or web chat; touchpoint surveys read
    ~85% satisfied while the journey survey reads far less (the COPC pattern)."""
    e = data.events
    reached = e[e["event"] == "reached"]
    per_customer = reached.groupby("customer_id")["contact_id"].nunique()
    assert 0.15 < (per_customer > 1).mean() < 0.35
    assert reached["channel"].nunique() == 3
    touch = (e.loc[e["event"] == "survey", "value"] >= 4).mean()
    journey = (e.loc[e["event"] == "journey_survey", "value"] >= 4).mean()
    assert 0.78 < touch < 0.92 and journey < touch - 0.1


def test_roster_has_blended_vip_agents(data):
    vip = data.agents[data.agents["team"] == "VIP组"]
    assert len(vip) >= 3
    assert all(len(s.split(";")) >= 2 for s in vip["skills"])


def test_identifiers_are_not_phone_numbers(data):
    assert data.events["customer_id"].str.fullmatch(r"C[0-9a-f]{10}").all()


def test_committed_test_examples_are_the_generator_output():
    """examples/abtest/*.csv are exactly what wfm.synth.abtest writes (seeded)."""
    from wfm.synth.abtest import after_rollout, script_test

    root = ROOT / "examples" / "abtest"
    for name, frame in (("script-test.csv", script_test()),
                        ("after-rollout.csv", after_rollout())):
        committed = pd.read_csv(root / name, encoding="utf-8-sig")
        pd.testing.assert_frame_equal(committed, frame.astype(committed.dtypes.to_dict()))
