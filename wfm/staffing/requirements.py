"""Forecast → required agents per interval, site and skill group.

Each forecast row (channel × inquiry type) goes to the first skill group that takes its
channel and type. A group's work is then staffed by the kind of its channels:

* voice: Erlang C or A on the group's offered load;
* chat: Erlang C or A on session slots, agents = slots / concurrency (see channels.py);
* deferred: the smoothest rate that meets the response promise (Yao-Demers-Shenker), as
  fractional agent-equivalents (the work can be packed within its promise);
* outbound: productive time / target occupancy; self-service: never staffed.

**Blended groups** (pooling rule). A group that takes several real-time channels (e.g. a VIP
team on phone and WeChat) is sized as one pool: its load is the voice Erlangs plus the chat
session Erlangs divided by concurrency (an agent-equivalent load), with the contact-weighted
handle time and the group's (strictest) targets. Deferred work given to a blended group is
added on top as its own rate, because it can wait for the gaps between calls only as long as
its promise allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import DataError
from wfm.io.describe import interval_minutes as grid_minutes
from wfm.labels import ChannelKind, Vocabulary
from wfm.staffing.channels import chat_load, deferred_rate, outbound_agents
from wfm.staffing.config import SkillGroup, StaffingConfig, Targets
from wfm.staffing.search import Targets as SearchTargets
from wfm.staffing.search import size

OUTPUT_COLUMNS = ["interval_start", "site", "skill", "required", "required_with_shrinkage",
                  "expected_sl", "expected_asa", "expected_abandon", "occupancy", "contacts",
                  "load_erlangs", "kind"]


@dataclass(frozen=True)
class ChannelInfo:
    kind: ChannelKind
    concurrency: float = 1.0
    response_hours: float = 24.0
    open_minutes: tuple[int, int] = (0, 1440)


def _groups(cfg: StaffingConfig, channels: list[str]) -> list[SkillGroup]:
    return cfg.skills or [SkillGroup(name=c, channels=[c]) for c in channels]


def _assign(forecast: pd.DataFrame, groups: list[SkillGroup]) -> pd.Series:
    skill = pd.Series("", index=forecast.index, dtype=object)
    for g in groups:
        pick = (skill == "") & forecast["channel"].isin(g.channels)
        if g.inquiry_types is not None:
            pick &= forecast["inquiry_type"].isin(g.inquiry_types)
        skill[pick] = g.name
    return skill


def _search_targets(t: Targets) -> SearchTargets:
    return SearchTargets(t.service_level, t.sl_seconds, t.asa_seconds, t.max_abandon,
                         t.max_occupancy)


def _realtime(part: pd.DataFrame, group: SkillGroup, cfg: StaffingConfig, info: dict,
              interval_seconds: float) -> pd.DataFrame:
    """Pooled Erlang sizing of the voice and chat work of one group at one site."""
    loads, handled, contacts, slots_per_agent = [], [], [], []
    for channel, rows in part.groupby("channel"):
        ch = info[channel]
        per = rows.groupby("interval_start")[["contacts", "work"]].sum()
        aht = (per["work"] / per["contacts"]).where(per["contacts"] > 0, 0.0)
        if ch.kind == "chat":
            conc = group.concurrency or ch.concurrency
            load, _ = chat_load(per["contacts"], aht, interval_seconds, conc, group.stretch)
            loads.append(pd.Series(load, index=per.index) / conc)
            slots_per_agent.append(conc)
        else:
            loads.append(per["work"] / interval_seconds)
            slots_per_agent.append(1.0)
        handled.append(per["work"])
        contacts.append(per["contacts"])
    load = pd.concat(loads, axis=1).fillna(0).sum(axis=1)
    work = pd.concat(handled, axis=1).fillna(0).sum(axis=1)
    n = pd.concat(contacts, axis=1).fillna(0).sum(axis=1)
    aht = np.where(n > 0, work / np.maximum(n, 1e-12), 1.0)
    # An agent-equivalent handle time keeps load = λ · AHT for the pooled queue.
    lam = n / interval_seconds
    aht_eq = np.where(lam > 0, load / np.maximum(lam, 1e-12), aht)
    model = group.model or cfg.model
    patience = group.patience_seconds or cfg.patience_seconds
    targets = _search_targets(group.targets or cfg.targets)
    shrink = group.shrinkage if group.shrinkage is not None else cfg.shrinkage
    r = size(load.to_numpy(), np.maximum(aht_eq, 1e-9), targets, model,
             patience if model == "erlang_a" else None, shrink)
    return pd.DataFrame({
        "interval_start": load.index, "required": r.agents,
        "required_with_shrinkage": r.agents_with_shrinkage, "expected_sl": r.service_level,
        "expected_asa": r.asa_seconds, "expected_abandon": r.p_abandon,
        "occupancy": r.occupancy, "contacts": n.to_numpy(), "load_erlangs": load.to_numpy(),
        "kind": "+".join(sorted({info[c].kind for c in part["channel"].unique()})),
    })


def _deferred(part: pd.DataFrame, group: SkillGroup, cfg: StaffingConfig, info: dict,
              grid: pd.DatetimeIndex, interval_seconds: float) -> pd.DataFrame:
    rate = np.zeros(len(grid))
    contacts = np.zeros(len(grid))
    for channel, rows in part.groupby("channel"):
        ch = info[channel]
        per = rows.groupby("interval_start")[["contacts", "work"]].sum().reindex(grid,
                                                                                fill_value=0)
        minute = grid.hour * 60 + grid.minute
        start, end = ch.open_minutes
        open_ = np.asarray((minute >= start) & (minute < end))
        hours = group.response_hours or ch.response_hours
        due = max(1, int(round(hours * 3600 / interval_seconds)))
        rate += deferred_rate(per["work"].to_numpy(), open_, interval_seconds, due)
        contacts += per["contacts"].to_numpy()
    occ = (group.targets or cfg.targets).max_occupancy or 1.0
    shrink = group.shrinkage if group.shrinkage is not None else cfg.shrinkage
    # Deferred work can be packed within its promise, so its requirement stays fractional
    # (agent-equivalents); rounding each interval up would staff a whole agent for 0.2 of one.
    required = np.round(rate / occ, 3)
    return pd.DataFrame({
        "interval_start": grid, "required": required,
        "required_with_shrinkage": np.round(required / (1 - shrink), 3),
        "expected_sl": np.nan, "expected_asa": np.nan, "expected_abandon": 0.0,
        "occupancy": np.where(required > 0, rate / np.maximum(required, 1e-12), 0.0),
        "contacts": contacts, "load_erlangs": rate, "kind": "deferred",
    })


def _outbound(part, group, cfg, interval_seconds) -> pd.DataFrame:
    per = part.groupby("interval_start")[["contacts", "work"]].sum()
    agents = outbound_agents(per["contacts"], per["work"] / per["contacts"].where(
        per["contacts"] > 0, 1), interval_seconds, cfg.outbound_occupancy)
    shrink = group.shrinkage if group.shrinkage is not None else cfg.shrinkage
    required = np.ceil(np.asarray(agents) - 1e-9)
    return pd.DataFrame({
        "interval_start": per.index, "required": required.astype(np.int64),
        "required_with_shrinkage": np.ceil(required / (1 - shrink) - 1e-9).astype(np.int64),
        "expected_sl": np.nan, "expected_asa": np.nan, "expected_abandon": 0.0,
        "occupancy": np.where(required > 0, per["work"] / interval_seconds
                              / np.maximum(required, 1), 0.0),
        "contacts": per["contacts"].to_numpy(), "load_erlangs": per["work"] / interval_seconds,
        "kind": "outbound",
    })


def channel_info(channels: list[str], centre=None, vocab: Vocabulary | None = None) -> dict:
    out = {}
    for name in channels:
        if centre is not None and name in {c.name for c in centre.channels}:
            c = centre.channel(name)
            out[name] = ChannelInfo(c.kind, c.concurrency, c.response_hours or 24.0,
                                    c.open_minutes)
            continue
        kind = (vocab or Vocabulary()).channel_kind(name)
        if kind is None:
            raise DataError(f"channel {name!r}: its kind is unknown; declare it in the centre "
                            "config (--centre)")
        out[name] = ChannelInfo(kind, 3.0 if kind == "chat" else 1.0)
    return out


def requirements(forecast: pd.DataFrame, cfg: StaffingConfig, *, centre=None,
                 interval_minutes: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Required agents per interval × site × skill group, and notes for the user."""
    if forecast.empty:
        raise DataError("the forecast has no rows")
    f = forecast.copy()
    f["aht_seconds"] = f["aht_seconds"].astype(float)
    if f["aht_seconds"].isna().any():
        bad = f[f["aht_seconds"].isna() & (f["contacts"] > 0)]
        if len(bad):
            first = bad.iloc[0]
            raise DataError(f"forecast row for {first['channel']}/{first['inquiry_type']} at "
                            f"{first['interval_start']}: expected aht_seconds where contacts > 0,"
                            " found none")
        f["aht_seconds"] = f["aht_seconds"].fillna(0.0)
    f["work"] = f["contacts"] * f["aht_seconds"]
    step = interval_minutes or grid_minutes(f["interval_start"])
    interval_seconds = step * 60.0
    info = channel_info(sorted(f["channel"].unique()), centre)
    groups = _groups(cfg, sorted(f["channel"].unique()))
    f["skill"] = _assign(f, groups)
    notes = []
    unassigned = f[f["skill"] == ""]
    if len(unassigned):
        pairs = sorted(set(zip(unassigned["channel"], unassigned["inquiry_type"], strict=True)))
        notes.append(f"{len(pairs)} channel/type pairs match no skill group and are not staffed:"
                     f" {', '.join(f'{c}/{t}' for c, t in pairs[:5])}")
    grid = pd.date_range(f["interval_start"].min(), f["interval_start"].max(),
                         freq=f"{step}min")
    parts = []
    for g in groups:
        for site, part in f[f["skill"] == g.name].groupby("site"):
            kind = part["channel"].map({c: g.kind or info[c].kind
                                        for c in part["channel"].unique()})
            kinds = set(kind)
            frames = []
            realtime = part[kind.isin(["voice", "chat"])]
            if len(realtime):
                frames.append(_realtime(realtime, g, cfg, info, interval_seconds))
            deferred = part[kind == "deferred"]
            if len(deferred):
                frames.append(_deferred(deferred, g, cfg, info, grid, interval_seconds))
            outbound = part[kind == "outbound"]
            if len(outbound):
                frames.append(_outbound(outbound, g, cfg, interval_seconds))
            if not frames:
                notes.append(f"skill {g.name!r} at {site}: {', '.join(sorted(kinds))} work is "
                             "not staffed")
                continue
            combined = _combine(frames)
            combined.insert(1, "site", site)
            combined.insert(2, "skill", g.name)
            parts.append(combined)
    if not parts:
        raise DataError("no forecast rows matched a staffed skill group")
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["site", "skill", "interval_start"], kind="stable")
    return out[OUTPUT_COLUMNS].reset_index(drop=True), notes


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Add a blended group's real-time, deferred and outbound requirements per interval."""
    if len(frames) == 1:
        return frames[0]
    merged = pd.concat(frames).groupby("interval_start", sort=True)
    out = merged[["required", "required_with_shrinkage", "contacts", "load_erlangs"]].sum()
    first = frames[0].set_index("interval_start")
    for col in ("expected_sl", "expected_asa", "expected_abandon"):
        out[col] = first[col].reindex(out.index)
    out["occupancy"] = np.where(out["required"] > 0,
                                np.minimum(out["load_erlangs"] / out["required"].clip(lower=1),
                                           1.0), 0.0)
    out["kind"] = "+".join(sorted({k for fr in frames for k in fr["kind"].unique()}))
    return out.reset_index()
