"""Summaries of validated input frames (what ``wfm data check`` reports)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wfm.io.contracts import GRID_STEPS_MINUTES


def interval_minutes(starts: pd.Series) -> int:
    """The planning interval of a history: the largest grid step all starts sit on."""
    minute = (starts.dt.hour * 60 + starts.dt.minute).to_numpy()
    for step in GRID_STEPS_MINUTES:
        if not (minute % step).any():
            return step
    return int(np.gcd.reduce(np.append(minute, 1440)))


def describe_history(frame: pd.DataFrame) -> dict[str, Any]:
    days = frame["interval_start"].dt.normalize()
    n_days = int(days.nunique())
    totals = frame.groupby("channel", sort=True)["contacts"].sum()
    weighted = frame.dropna(subset=["aht_seconds"])
    aht = (weighted["aht_seconds"] * weighted["contacts"]).groupby(weighted["channel"]).sum() / \
        weighted.groupby("channel")["contacts"].sum()
    return {
        "kind": "history",
        "rows": len(frame),
        "first_interval": frame["interval_start"].min(),
        "last_interval": frame["interval_start"].max(),
        "days": n_days,
        "interval_minutes": interval_minutes(frame["interval_start"]),
        "sites": sorted(frame["site"].unique()),
        "inquiry_types": sorted(frame["inquiry_type"].unique()),
        "channels": [
            {"channel": ch, "contacts": float(totals[ch]),
             "contacts_per_day": float(totals[ch]) / max(n_days, 1),
             "aht_seconds": None if ch not in aht or pd.isna(aht[ch]) else float(aht[ch])}
            for ch in totals.index
        ],
        "contacts": float(frame["contacts"].sum()),
    }


def describe_agents(frame: pd.DataFrame) -> dict[str, Any]:
    skills = frame["skills"].explode().value_counts().sort_index()
    return {
        "kind": "agents",
        "rows": len(frame),
        "sites": frame["site"].value_counts().sort_index().to_dict(),
        "skills": skills.to_dict(),
        "multi_skilled": int(frame["skills"].map(len).gt(1).sum()),
        "contracts": frame["contract"].value_counts().sort_index().to_dict(),
        "teams": frame["team"].replace("", "—").value_counts().sort_index().to_dict(),
    }


def describe_events(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "kind": "events",
        "rows": len(frame),
        "first_event": frame["timestamp"].min(),
        "last_event": frame["timestamp"].max(),
        "contacts": int(frame["contact_id"].nunique()),
        "customers": int(frame["customer_id"].nunique()),
        "events": frame["event"].value_counts().to_dict(),
        "channels": frame["channel"].value_counts().sort_index().to_dict(),
    }


DESCRIBERS = {"history": describe_history, "agents": describe_agents, "events": describe_events}
