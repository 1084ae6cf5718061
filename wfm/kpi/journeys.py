"""Journey-level satisfaction (COPC): contacts grouped into journeys across channels.

A journey is the run of contacts of one customer about one issue (``issue`` column) in which
each contact comes within ``window`` of the one before, whatever the channel. Reported next to
each other, so the hand-off losses show: touchpoint satisfaction per channel (post-contact
surveys) and journey satisfaction (a survey about the whole case, matched to its journey by
contact), repeat-contact rate, first-contact resolution, channel switches, customer effort.

Agents' survey-transfer rates (surveys offered ÷ contacts handled) are checked against
funnel-plot limits around the pooled rate (re-estimated without the outliers): an agent far
below, with a high score, is the score-inflation pattern (transferring only the callers who
will praise them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import UsageError
from wfm.kpi.config import JourneyConfig
from wfm.kpi.stats import funnel_limits, wilson


@dataclass
class JourneyReport:
    summary: pd.DataFrame  # metric, value, ci_lo, ci_hi, n
    channels: pd.DataFrame  # per channel: contacts, first-contact share, touchpoint sat
    by_contacts: pd.DataFrame  # journey satisfaction by number of contacts
    agents: pd.DataFrame  # survey-transfer rate, limits, flag
    journeys: pd.DataFrame  # one row per journey

    def to_json(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict]:
            out = []
            for r in frame.to_dict(orient="records"):
                out.append({k: (None if isinstance(v, float) and np.isnan(v) else v)
                            for k, v in r.items()})
            return out

        return {"summary": rows(self.summary), "channels": rows(self.channels),
                "by_contacts": rows(self.by_contacts),
                "flagged_agents": rows(self.agents[self.agents["flag"] != ""])}


def _rate(k: float, n: float, level: float = 0.95) -> tuple[float, float, float]:
    lo, hi = wilson(k, n, level)
    return (k / n if n else float("nan")), float(lo), float(hi)


def journeys(events: pd.DataFrame, cfg: JourneyConfig) -> JourneyReport:
    if cfg.issue not in events.columns:
        raise UsageError(f"journeys: issue column {cfg.issue!r} is not in the event log "
                         f"(it has: {', '.join(events.columns)})")
    contacts = events[events["event"] == cfg.contact_event]
    if contacts.empty:
        raise UsageError(f"journeys: the event log has no {cfg.contact_event!r} events "
                         "(set journeys.contact_event in the config)")
    contacts = (contacts.sort_values("timestamp", kind="stable")
                .drop_duplicates("contact_id")
                .sort_values(["customer_id", cfg.issue, "timestamp"], kind="stable")
                .reset_index(drop=True))
    cust = contacts["customer_id"].to_numpy()
    issue = contacts[cfg.issue].astype(str).to_numpy()
    ts = contacts["timestamp"].to_numpy()
    new = np.ones(len(contacts), bool)
    if len(contacts) > 1:
        new[1:] = (cust[1:] != cust[:-1]) | (issue[1:] != issue[:-1]) | (
            ts[1:] - ts[:-1] > cfg.window_delta.to_timedelta64())
    contacts["journey"] = np.cumsum(new) - 1
    contacts["attempt"] = contacts.groupby("journey").cumcount()
    channel = contacts["channel"].astype(str).to_numpy()
    switch = np.zeros(len(contacts), bool)
    switch[1:] = ~new[1:] & (channel[1:] != channel[:-1])
    contacts["switch"] = switch

    by_id = contacts.set_index("contact_id")["journey"]
    resolved_ids = events.loc[events["event"] == cfg.resolved_event, "contact_id"]
    contacts["resolved"] = contacts["contact_id"].isin(set(resolved_ids))
    surveys = events[events["event"] == cfg.survey_event][["contact_id", "value"]]
    surveys = surveys.merge(contacts[["contact_id", "channel", "agent_id"]], on="contact_id",
                            how="inner")
    surveys["satisfied"] = surveys["value"] >= cfg.satisfied_at

    g = contacts.groupby("journey", sort=True)
    table = pd.DataFrame({
        "customer_id": g["customer_id"].first(), "issue": g[cfg.issue].first(),
        "start": g["timestamp"].min(), "end": g["timestamp"].max(),
        "first_channel": g["channel"].first(), "contacts": g.size(),
        "channels": g["channel"].nunique(), "switches": g["switch"].sum(),
        "resolved": g["resolved"].any(), "first_contact_resolved": g["resolved"].first()})
    for event, col in ((cfg.journey_survey_event, "journey_score"),
                       (cfg.effort_event, "effort")):
        part = events[events["event"] == event]
        j = part["contact_id"].map(by_id)
        score = pd.Series(part["value"].to_numpy(), index=j.to_numpy())
        score = score[score.index.notna()]
        table[col] = score.groupby(level=0).mean().reindex(table.index)

    n_j, n_c = len(table), len(contacts)
    asked = table["journey_score"].notna()
    rated = table["effort"].notna()
    rows = [
        ("journeys", n_j, None, None, n_j),
        ("contacts", n_c, None, None, n_c),
        ("contacts per journey", n_c / n_j, None, None, n_j),
        ("repeat-contact rate (share of contacts that are repeats)",
         *_rate(n_c - n_j, n_c), n_c),
        ("journeys with a repeat contact", *_rate((table["contacts"] > 1).sum(), n_j), n_j),
        ("first-contact resolution", *_rate(table["first_contact_resolved"].sum(), n_j), n_j),
        ("resolved in the journey", *_rate(table["resolved"].sum(), n_j), n_j),
        ("journeys that switch channel", *_rate((table["switches"] > 0).sum(), n_j), n_j),
        ("channel switches per journey", table["switches"].mean(), None, None, n_j),
        ("touchpoint satisfaction (post-contact surveys)",
         *_rate(surveys["satisfied"].sum(), len(surveys)), len(surveys)),
        ("journey satisfaction (journey surveys)",
         *_rate((table.loc[asked, "journey_score"] >= cfg.satisfied_at).sum(), asked.sum()),
         int(asked.sum())),
        ("customer effort: mean score", table.loc[rated, "effort"].mean(), None, None,
         int(rated.sum())),
        ("customer effort: share easy", *_rate((table.loc[rated, "effort"] >= cfg.easy_at)
                                               .sum(), rated.sum()), int(rated.sum())),
    ]
    summary = pd.DataFrame(rows, columns=["metric", "value", "ci_lo", "ci_hi", "n"])
    summary["value"] = summary["value"].astype(float)

    ch = contacts.groupby("channel")
    sv = surveys.groupby("channel")["satisfied"]
    channels = pd.DataFrame({"contacts": ch.size(),
                             "repeat_share": ch["attempt"].apply(lambda a: (a > 0).mean()),
                             "resolved_share": ch["resolved"].mean(),
                             "surveys": sv.size(), "satisfied": sv.sum()}).fillna(0)
    lo, hi = wilson(channels["satisfied"], channels["surveys"])
    with np.errstate(invalid="ignore", divide="ignore"):
        channels["touchpoint_satisfaction"] = channels["satisfied"] / channels["surveys"]
    channels["ci_lo"], channels["ci_hi"] = lo, hi
    channels = channels.drop(columns="satisfied").reset_index()
    channels[["contacts", "surveys"]] = channels[["contacts", "surveys"]].astype(int)

    size = table.loc[asked, "contacts"].clip(upper=3)
    good = table.loc[asked, "journey_score"] >= cfg.satisfied_at
    bc = good.groupby(size).agg(["sum", "size"])
    lo, hi = wilson(bc["sum"], bc["size"])
    by_contacts = pd.DataFrame({"contacts": [("3+" if k >= 3 else str(k)) for k in bc.index],
                                "journeys_surveyed": bc["size"].to_numpy(),
                                "journey_satisfaction": (bc["sum"] / bc["size"]).to_numpy(),
                                "ci_lo": lo, "ci_hi": hi})
    return JourneyReport(summary, channels, by_contacts,
                         survey_outliers(events, contacts, surveys, cfg), table.reset_index())


def survey_outliers(events: pd.DataFrame, contacts: pd.DataFrame, surveys: pd.DataFrame,
                    cfg: JourneyConfig) -> pd.DataFrame:
    """Per agent: contacts handled, surveys offered, the rate against funnel-plot limits
    around the pooled rate, and the agent's touchpoint satisfaction."""
    handled = contacts[contacts["agent_id"].notna() & (contacts["agent_id"] != "")]
    offered_ids = set(events.loc[events["event"] == cfg.survey_offered_event, "contact_id"])
    frame = pd.DataFrame({"agent_id": handled["agent_id"],
                          "offered": handled["contact_id"].isin(offered_ids)})
    per = frame.groupby("agent_id")["offered"].agg(["size", "sum"]).rename(
        columns={"size": "contacts", "sum": "offered"})
    sat = surveys.groupby("agent_id")["satisfied"].agg(["size", "mean"]).rename(
        columns={"size": "surveys", "mean": "satisfaction"})
    per = per.join(sat, how="left")
    per["surveys"] = per["surveys"].fillna(0).astype(int)
    per["transfer_rate"] = per["offered"] / per["contacts"]
    # The centre line is re-estimated without the agents outside the limits (at most three
    # rounds): a few outliers would otherwise pull it towards themselves and flag the rest.
    inside = np.ones(len(per), bool)
    for _ in range(3):
        pooled = per["offered"][inside].sum() / max(per["contacts"][inside].sum(), 1)
        lo, hi = funnel_limits(pooled, per["contacts"], cfg.outlier_level)
        now = ((per["transfer_rate"] >= lo) & (per["transfer_rate"] <= hi)).to_numpy()
        if (now == inside).all() or not now.any():
            break
        inside = now
    per["limit_lo"], per["limit_hi"] = lo, hi
    judged = per["contacts"] >= cfg.min_contacts
    per["flag"] = np.select([judged & (per["transfer_rate"] < lo),
                             judged & (per["transfer_rate"] > hi)],
                            ["low transfer rate", "high transfer rate"], "")
    per["pooled_rate"] = pooled
    per = per.reset_index().sort_values(["flag", "transfer_rate"], ascending=[False, True],
                                        kind="stable")
    return per[["agent_id", "contacts", "offered", "transfer_rate", "pooled_rate", "limit_lo",
                "limit_hi", "surveys", "satisfaction", "flag"]].reset_index(drop=True)
