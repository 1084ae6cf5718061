"""A seeded, deterministic example: an insurer's two-site, five-channel contact centre.

Figures follow the domain brief: the phone inquiry mix (出险报案 41.33%, 救援申请 7.70%,
投诉建议 0.83%, 业务办理 20.53%, 业务查询 29.60%); Chinese holidays and make-up workdays
(a holiday makes most lines quieter and claims/rescue busier; a make-up Sunday looks like a
weekday; the day before a long holiday spikes); open channels (web chat) take consultation only;
and the WeChat-invitation funnel on 业务办理/业务查询 calls: ~40% of callers are policyholders,
~40% of those are invited, ~60% of invitations accepted, so ~24% of policyholders and ~10% of
the two types' calls add the WeChat account.

Nothing here is fitted to real data; it exists so every command has realistic input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from wfm.forecast.calendar import special_days

INTERVAL_MINUTES = 30
SLOTS = 24 * 60 // INTERVAL_MINUTES
WEEKDAY_FACTOR = np.array([1.15, 1.05, 1.00, 0.98, 1.02, 0.62, 0.52])

# Daily contacts on an ordinary Wednesday, per site.
DAILY_VOLUME = {
    ("上海", "phone"): 1450, ("成都", "phone"): 950,
    ("上海", "wechat"): 390, ("成都", "wechat"): 310,
    ("上海", "webchat"): 260, ("上海", "email"): 120, ("上海", "sms"): 90,
}
CHANNEL_HOURS = {"phone": (0, 24), "wechat": (8, 22), "webchat": (8, 22),
                 "email": (0, 24), "sms": (0, 24)}
MIX = {
    "phone": {"出险报案": 41.33, "救援申请": 7.70, "投诉建议": 0.83, "业务办理": 20.53,
              "业务查询": 29.60},
    "wechat": {"出险报案": 30.0, "救援申请": 5.0, "投诉建议": 3.0, "业务办理": 27.0,
               "业务查询": 35.0},
    "webchat": {"投诉建议": 8.0, "业务查询": 92.0},
    "email": {"投诉建议": 40.0, "业务办理": 60.0},
    "sms": {"业务查询": 100.0},
}
# Mean handle time in seconds (for chat: a session's elapsed handling, concurrency included).
AHT_SECONDS = {
    "phone": {"出险报案": 420, "救援申请": 300, "投诉建议": 540, "业务办理": 330, "业务查询": 210},
    "wechat": {"出险报案": 640, "救援申请": 480, "投诉建议": 820, "业务办理": 560, "业务查询": 360},
    "webchat": {"投诉建议": 600, "业务查询": 360},
    "email": {"投诉建议": 540, "业务办理": 420},
    "sms": {"业务查询": 120},
}
# On a public holiday: claims and rescue rise (travel), everything else falls.
HOLIDAY_FACTOR = {"出险报案": 1.15, "救援申请": 1.60}
HOLIDAY_OTHER = 0.45
EVE_FACTOR = 1.20  # the last working day before a holiday of three days or more

# Funnel (domain brief): sub-types of the two eligible inquiry types with their share of the
# type and the acceptance of an invitation (added ÷ invited): endorsements accept most because
# online endorsement is faster; claim-progress callers, who are in a hurry, least.
SUB_TYPES = {
    "业务办理": {"保单批改": (0.55, 0.75), "新保投保": (0.25, 0.58), "退保": (0.20, 0.50)},
    "业务查询": {"理赔查询": (0.45, 0.38), "保单查询": (0.35, 0.70), "增值服务": (0.20, 0.66)},
}
P_POLICYHOLDER = 0.40
P_INVITED = 0.40
P_CONVERTED = 0.15  # added the account and bought something within 7 days

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然欣怡婷晨阳")


@dataclass(frozen=True)
class ExampleData:
    history: pd.DataFrame
    agents: pd.DataFrame
    events: pd.DataFrame
    start: date
    end: date
    seed: int


def _bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def intraday_curve(channel: str, itype: str, weekend: bool) -> np.ndarray:
    """Share of the day's contacts per 30-minute slot (sums to 1)."""
    hours = (np.arange(SLOTS) + 0.5) * INTERVAL_MINUTES / 60
    shift = 0.8 if weekend else 0.0  # people start later at the weekend
    if channel in ("wechat", "webchat"):
        curve = (_bump(hours, 10.5 + shift, 1.5) + 0.8 * _bump(hours, 14.5, 1.8)
                 + 0.9 * _bump(hours, 20.0, 1.3))
    else:
        curve = _bump(hours, 10.3 + shift, 1.4) + 0.8 * _bump(hours, 15.2, 1.9)
    curve = curve * ((hours >= 8) & (hours < 21)) + 0.015 * curve.max()
    if itype == "出险报案":  # accidents happen around the clock
        curve = curve + 0.10 * curve.max() + 0.25 * _bump(hours, 18.5, 1.5) * curve.max()
    if itype == "救援申请":
        curve = 0.5 * curve + _bump(hours, 17.5, 3.5) * curve.max()
    if channel == "email":
        curve = curve + 0.25 * curve.max()
    open_h, close_h = CHANNEL_HOURS[channel]
    curve = curve * ((hours >= open_h) & (hours < close_h))
    return curve / curve.sum()


def _day_factors(days: pd.DatetimeIndex, itype: str) -> tuple[np.ndarray, np.ndarray]:
    """Volume factor per day for an inquiry type, and whether each day is weekend-like."""
    specials = {s.date: s.kind for s in special_days("CN", days[0].date(), days[-1].date()
                                                      + timedelta(days=10))}
    factors, weekendlike = np.empty(len(days)), np.zeros(len(days), bool)
    for i, ts in enumerate(days):
        d = ts.date()
        kind = specials.get(d)
        if kind == "holiday":
            factors[i] = WEEKDAY_FACTOR[6] / 0.52 * HOLIDAY_FACTOR.get(itype, HOLIDAY_OTHER)
            weekendlike[i] = True
        elif kind == "workday":
            factors[i] = WEEKDAY_FACTOR[0]  # a make-up day behaves like a Monday
        else:
            factors[i] = WEEKDAY_FACTOR[d.weekday()]
            weekendlike[i] = d.weekday() >= 5
            run = 0  # length of the holiday block starting tomorrow
            while specials.get(d + timedelta(days=run + 1)) == "holiday" or (
                    run and (d + timedelta(days=run + 1)).weekday() >= 5
                    and specials.get(d + timedelta(days=run + 1)) != "workday"):
                run += 1
            if run >= 3 and d.weekday() < 5:
                factors[i] *= EVE_FACTOR
    return factors, weekendlike


def generate_history(rng: np.random.Generator, start: date, days: int) -> pd.DataFrame:
    day_index = pd.date_range(start, periods=days, freq="D")
    trend = 1.0 + 0.003 * np.arange(days) / 7.0
    slot_offsets = pd.to_timedelta(np.arange(SLOTS) * INTERVAL_MINUTES, unit="min")
    parts = []
    for (site, channel), daily in DAILY_VOLUME.items():
        open_h, close_h = CHANNEL_HOURS[channel]
        slots = np.arange(open_h * 60 // INTERVAL_MINUTES, close_h * 60 // INTERVAL_MINUTES)
        for itype, share in MIX[channel].items():
            factors, weekendlike = _day_factors(day_index, itype)
            dispersion = rng.gamma(400.0, 1 / 400.0, size=days)  # 5% day-to-day noise
            level = daily * share / 100 * factors * trend * dispersion
            curves = np.stack([intraday_curve(channel, itype, w) for w in weekendlike])
            mean = level[:, None] * curves[:, slots]
            contacts = rng.poisson(mean)
            base = AHT_SECONDS[channel][itype]
            night = ((slots * INTERVAL_MINUTES / 60 < 7) | (slots * INTERVAL_MINUTES / 60 >= 22))
            profile = base * np.where(night, 1.12, 1.0) * np.where(weekendlike, 1.05, 1.0)[:, None]
            noise = rng.normal(0.0, 0.35, size=contacts.shape) / np.sqrt(np.maximum(contacts, 1))
            aht = np.where(contacts > 0, np.round(profile * np.exp(noise), 1), np.nan)
            stamps = (day_index.values[:, None] + slot_offsets.values[slots][None, :]).ravel()
            parts.append(pd.DataFrame({
                "interval_start": stamps, "channel": channel, "inquiry_type": itype,
                "contacts": contacts.ravel(), "aht_seconds": aht.ravel(), "site": site,
            }))
    history = pd.concat(parts, ignore_index=True)
    return history.sort_values(["interval_start", "site", "channel", "inquiry_type"],
                               kind="stable").reset_index(drop=True)


def _names(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        given = "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
        name = str(rng.choice(SURNAMES)) + given
        if name not in names:
            names.append(name)
    return names


# (site, team, skills, count, part-timers among them)
ROSTER_PLAN = [
    ("上海", "理赔组", "phone", 9, 1), ("上海", "业务组", "phone", 9, 2),
    ("上海", "业务组", "phone;wechat", 6, 1), ("上海", "在线组", "wechat;webchat", 5, 1),
    ("上海", "在线组", "email;sms;webchat", 3, 0), ("上海", "VIP组", "phone;wechat;webchat", 4, 0),
    ("成都", "理赔组", "phone", 7, 1), ("成都", "业务组", "phone", 7, 1),
    ("成都", "业务组", "phone;wechat", 6, 1), ("成都", "在线组", "wechat", 4, 1),
]


def generate_agents(rng: np.random.Generator, week_start: date) -> pd.DataFrame:
    total = sum(n for *_, n, _ in ROSTER_PLAN)
    names = _names(rng, total)
    rows, k = [], 0
    for site, team, skills, count, part in ROSTER_PLAN:
        for j in range(count):
            k += 1
            code = "SH" if site == "上海" else "CD"
            unavailable = ""
            if rng.random() < 0.12:  # annual leave during the planning week
                day = week_start + timedelta(days=int(rng.integers(0, 5)))
                unavailable = day.isoformat()
            elif rng.random() < 0.06:
                day = week_start + timedelta(days=int(rng.integers(0, 5)))
                unavailable = f"{day.isoformat()} 13:00-17:00"
            prefs = ["", "", "", "周六;周日", "周日", "周三"]
            rows.append({
                "agent_id": f"{code}{k:03d}", "name": names[k - 1], "site": site,
                "skills": skills, "contract": "part_time" if j < part else "full_time",
                "team": team, "unavailable": unavailable,
                "preferred_shifts": str(rng.choice(["", "", "early", "day", "late"])),
                "preferred_days_off": str(rng.choice(prefs)),
            })
    return pd.DataFrame(rows)


# Journeys (COPC): a contact resolves the customer's issue with this probability; otherwise
# the customer comes back (phone, WeChat or web chat) within hours to days.
FIRST_CONTACT_RESOLUTION = {"出险报案": 0.70, "救援申请": 0.80, "投诉建议": 0.45, "业务办理": 0.72,
                            "业务查询": 0.78}
REPEAT_RESOLUTION = 0.60
REPEAT_CHANNELS = {"phone": 0.55, "wechat": 0.35, "webchat": 0.10}
SURVEY_OFFER, SURVEY_ANSWER = 0.65, 0.50  # post-contact survey: transferred, then answered
JOURNEY_SURVEY = 0.30  # share of finished journeys asked about the whole case (and effort)
INFLATING_AGENTS = 2  # agents who transfer only callers they resolved, and seldom


def _pick_agents(rng, agents: pd.DataFrame, site: np.ndarray, channel: np.ndarray,
                 exclude_team: str | None = None) -> np.ndarray:
    out = np.empty(len(site), dtype=object)
    for (s, ch) in sorted(set(zip(site, channel, strict=True))):  # sorted: reproducible
        pool = agents[(agents["site"] == s) & agents["skills"].str.split(";").map(
            lambda k, ch=ch: ch in k)]
        if exclude_team is not None and (pool["team"] != exclude_team).any():
            pool = pool[pool["team"] != exclude_team]
        if pool.empty:
            pool = agents[agents["site"] == s]
        here = (site == s) & (channel == ch)
        out[here] = rng.choice(pool["agent_id"].to_numpy(), size=int(here.sum()))
    return out


def generate_events(rng: np.random.Generator, history: pd.DataFrame, agents: pd.DataFrame,
                    days: int = 14) -> pd.DataFrame:
    """The last ``days`` days of phone calls as an event log: every call ``reached``; on
    业务办理/业务查询 calls the WeChat-invitation funnel (eligible → invited → added →
    converted); for every call the customer's journey (repeat contacts on phone, WeChat or web
    chat until ``resolved``), post-contact surveys (``survey_offered``, ``survey`` 1–5) and, for
    some finished journeys, a journey survey (``journey_survey`` 1–5) and customer effort
    (``effort`` 1–7, 7 = very easy)."""
    last = history["interval_start"].max().normalize() - pd.Timedelta(days=days - 1)
    calls = history[(history["channel"] == "phone") & (history["interval_start"] >= last)
                    & (history["contacts"] > 0)]
    # One row per call: repeat each interval row by its contact count.
    calls = calls.loc[calls.index.repeat(calls["contacts"].astype(int))].reset_index(drop=True)
    n = len(calls)
    seconds = rng.integers(0, INTERVAL_MINUTES * 60, size=n)
    t0 = calls["interval_start"].to_numpy() + seconds.astype("timedelta64[s]")
    itype = calls["inquiry_type"].to_numpy()
    site = calls["site"].to_numpy()
    claims = np.isin(itype, ["出险报案", "救援申请"])
    agent_of = np.where(claims, _pick_agents(rng, agents[agents["team"] == "理赔组"]
                                              if (agents["team"] == "理赔组").any() else agents,
                                              site, np.full(n, "phone")),
                        _pick_agents(rng, agents, site, np.full(n, "phone"), "理赔组"))
    team = agents.set_index("agent_id")["team"]
    sub = np.full(n, "", dtype=object)
    accept = np.zeros(n)
    for kind, subs in SUB_TYPES.items():
        here = itype == kind
        names = list(subs)
        shares = np.array([subs[s][0] for s in names])
        pick = rng.choice(len(names), size=int(here.sum()), p=shares / shares.sum())
        sub[here] = np.array(names, dtype=object)[pick]
        accept[here] = np.array([subs[s][1] for s in names])[pick]
    targeted = np.isin(itype, list(SUB_TYPES))
    eligible = targeted & (rng.random(n) < P_POLICYHOLDER)
    invited = eligible & (rng.random(n) < P_INVITED)
    added = invited & (rng.random(n) < accept)
    converted = added & (rng.random(n) < P_CONVERTED)
    customers = np.array([f"C{v:010x}" for v in rng.integers(0, 16**10, size=n)], dtype=object)
    contacts = np.array([f"P{ts:%Y%m%d}-{i:05d}" for i, ts in
                         enumerate(pd.to_datetime(t0))], dtype=object)
    base = pd.DataFrame({
        "contact_id": contacts, "customer_id": customers, "channel": "phone",
        "inquiry_type": itype, "sub_type": sub, "agent_id": agent_of,
        "team": team.reindex(agent_of).to_numpy(), "site": site})
    steps = [
        ("reached", np.ones(n, bool), np.zeros(n)),
        ("eligible", eligible, rng.integers(20, 90, n)),
        ("invited", invited, rng.integers(90, 240, n)),
        ("added", added, rng.integers(240, 3600, n)),
        ("converted", converted, rng.integers(3600, 7 * 86400, n)),
    ]
    premium = np.round(rng.lognormal(np.log(1800), 0.5, n), -1)
    frames = []
    for event, mask, delay in steps:
        part = base[mask].copy()
        part.insert(0, "timestamp", pd.to_datetime(t0[mask] + np.asarray(delay)[mask]
                                                   .astype("timedelta64[s]")))
        part["event"] = event
        part["value"] = np.where(event == "converted", premium[mask], np.nan)
        frames.append(part)
    frames += _journeys(rng, base, pd.to_datetime(t0), agents)
    events = pd.concat(frames, ignore_index=True).drop(columns="site")
    # The log is an extract taken when the history ends: later events are not in it yet.
    events = events[events["timestamp"] < last + pd.Timedelta(days=days)]
    events = events.sort_values(["timestamp", "contact_id", "event"], kind="stable")
    return events.reset_index(drop=True)[[
        "timestamp", "contact_id", "customer_id", "channel", "inquiry_type", "agent_id", "team",
        "event", "value", "sub_type"]]


def _journeys(rng: np.random.Generator, first: pd.DataFrame, t0: pd.DatetimeIndex,
              agents: pd.DataFrame) -> list[pd.DataFrame]:
    """Repeat contacts until resolved (at most three more), surveys per contact and per
    journey. ``first`` holds the first contact of every journey (one per customer)."""
    n = len(first)
    team = agents.set_index("agent_id")["team"]
    resolved = rng.random(n) < first["inquiry_type"].map(FIRST_CONTACT_RESOLUTION).to_numpy()
    contacts = [first.assign(timestamp=t0, resolved=resolved, attempt=0)]
    open_ = ~resolved
    when = t0.to_numpy().copy()
    for attempt in range(1, 4):
        idx = np.flatnonzero(open_)
        if not len(idx):
            break
        prev = first.iloc[idx]  # customer, site and issue stay; channel and agent change
        channel = rng.choice(list(REPEAT_CHANNELS), size=len(idx),
                             p=list(REPEAT_CHANNELS.values()))
        channel = np.where((prev["site"].to_numpy() == "成都") & (channel == "webchat"), "wechat",
                           channel)
        gap = np.clip(rng.lognormal(np.log(20 * 3600), 0.9, len(idx)), 1800, 5 * 86400)
        when[idx] = when[idx] + gap.astype("timedelta64[s]")
        stamp = pd.to_datetime(when[idx])
        agent = _pick_agents(rng, agents, prev["site"].to_numpy(), channel)
        done = rng.random(len(idx)) < REPEAT_RESOLUTION
        contacts.append(prev.assign(
            contact_id=[f"R{attempt}{c[0].upper()}{t:%Y%m%d}-{i:05d}" for i, (c, t) in
                        enumerate(zip(channel, stamp, strict=True))],
            channel=channel, agent_id=agent, team=team.reindex(agent).to_numpy(),
            timestamp=stamp, resolved=done, attempt=attempt))
        open_ = np.zeros(n, bool)
        open_[idx] = ~done
    every = pd.concat(contacts, ignore_index=True)
    frames = []
    repeats = every[every["attempt"] > 0].copy()
    repeats["event"], repeats["value"] = "reached", np.nan
    frames.append(repeats)
    handle = pd.to_timedelta(rng.integers(120, 900, len(every)), unit="s")
    fixed = every[every["resolved"]].copy()
    fixed["timestamp"] = every.loc[every["resolved"], "timestamp"] + handle[every["resolved"]]
    fixed["event"], fixed["value"] = "resolved", np.nan
    frames.append(fixed)
    # Post-contact survey: most agents transfer ~65% of callers; the inflating agents transfer
    # a few, and only callers whose issue they resolved.
    ids = sorted(agents["agent_id"])
    inflating = list(rng.choice(ids, size=min(INFLATING_AGENTS, len(ids)), replace=False))
    inflate = every["agent_id"].isin(inflating).to_numpy()
    offer_p = np.where(inflate, np.where(every["resolved"], 0.35, 0.0), SURVEY_OFFER)
    offered = rng.random(len(every)) < offer_p
    answered = offered & (rng.random(len(every)) < SURVEY_ANSWER)
    satisfied_p = np.where(every["resolved"], 0.93, 0.62)
    happy = rng.random(len(every)) < satisfied_p
    score = np.where(happy, rng.choice([4, 5], len(every), p=[0.4, 0.6]),
                     rng.choice([1, 2, 3], len(every), p=[0.3, 0.3, 0.4]))
    at = every["timestamp"] + handle
    for event, mask, value in (("survey_offered", offered, np.nan),
                               ("survey", answered, score)):
        part = every[mask].copy()
        part["timestamp"] = (at + pd.Timedelta(seconds=5 if event == "survey_offered"
                                               else 60))[mask]
        part["event"] = event
        part["value"] = np.asarray(value, dtype=float)[mask] if event == "survey" else np.nan
        frames.append(part)
    # Journey survey after the last contact: satisfaction falls with every repeat and switch.
    last = every.sort_values("attempt").groupby("customer_id", sort=False).tail(1)
    switched = every.groupby("customer_id")["channel"].nunique().reindex(
        last["customer_id"]).to_numpy() > 1
    tries = last["attempt"].to_numpy()
    base_p = np.select([~last["resolved"].to_numpy(), tries == 0, tries == 1],
                       [0.15, 0.80, 0.45], 0.25) * np.where(switched, 0.8, 1.0)
    asked = rng.random(len(last)) < JOURNEY_SURVEY
    good = rng.random(len(last)) < base_p
    journey_score = np.where(good, rng.choice([4, 5], len(last), p=[0.5, 0.5]),
                             rng.choice([1, 2, 3], len(last), p=[0.3, 0.3, 0.4]))
    effort = np.clip(np.round(6.2 - 1.1 * tries - 1.5 * ~last["resolved"].to_numpy()
                              - 0.6 * switched + rng.normal(0, 0.8, len(last))), 1, 7)
    ends = last["timestamp"] + pd.Timedelta(hours=2)
    for event, value in (("journey_survey", journey_score), ("effort", effort)):
        part = last[asked].copy()
        part["timestamp"] = ends[asked]
        part["event"], part["value"] = event, np.asarray(value, dtype=float)[asked]
        frames.append(part)
    return [f.drop(columns=["resolved", "attempt"]) for f in frames]


def generate(seed: int = 20261122, weeks: int = 12, end: date = date(2026, 11, 22),
             event_days: int = 14) -> ExampleData:
    """The whole example: ``weeks`` of 30-minute history ending on ``end`` (a Sunday), the
    roster for the week after, and the funnel event log of the last ``event_days`` days."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=7 * weeks - 1)
    history = generate_history(rng, start, 7 * weeks)
    agents = generate_agents(rng, end + timedelta(days=1))
    events = generate_events(rng, history, agents, min(event_days, 7 * weeks))
    return ExampleData(history, agents, events, start, end, seed)
