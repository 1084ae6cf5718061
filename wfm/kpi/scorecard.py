"""Weighted KPI scorecards: process and outcome targets, weights by the team's phase.

Each KPI is measured per agent (and per team) from the event log, compared with its target
(attainment = actual ÷ target, or target ÷ actual where lower is better), scored (linear up to
a cap, or by thresholds) and weighted by the phase's weight: while a team ramps up, process
KPIs (customers invited) may weigh more; in steady state outcomes (additions, premium) do.
Counts and sums have weekly targets per agent, scaled to the weeks the log covers and, for a
team, to its number of agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import UsageError
from wfm.kpi.config import Kpi, KpiConfig


@dataclass
class Scorecard:
    phase: str
    weeks: float
    agents: pd.DataFrame  # one row per agent: per-KPI actual/attainment/score, total, rank
    teams: pd.DataFrame
    kpis: pd.DataFrame  # the KPI definitions with this phase's weights

    def to_json(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                     for k, v in r.items()} for r in frame.to_dict(orient="records")]

        return {"phase": self.phase, "weeks": self.weeks, "kpis": rows(self.kpis),
                "agents": rows(self.agents), "teams": rows(self.teams)}


def score(attainment, kpi: Kpi) -> np.ndarray:
    a = np.nan_to_num(np.asarray(attainment, dtype=float), nan=0.0)
    if kpi.scoring.rule == "linear":
        return np.clip(a, 0, kpi.scoring.cap)
    out = np.zeros_like(a)
    for at_least, points in sorted(kpi.scoring.thresholds):
        out = np.where(a >= at_least, points, out)
    return out


def _filtered(events: pd.DataFrame, event: str, where: dict[str, list[str]]) -> pd.DataFrame:
    mask = events["event"] == event
    for column, allowed in where.items():
        if column not in events.columns:
            raise UsageError(f"a KPI filters on column {column!r}, which the event log does not "
                             f"have (it has: {', '.join(events.columns)})")
        mask &= events[column].astype(str).isin([str(a) for a in allowed])
    return events[mask]


def _measure(events: pd.DataFrame, kpi: Kpi, key: str, unit: str) -> pd.Series:
    part = _filtered(events, kpi.event, kpi.where)
    if kpi.measure == "count":
        return part.groupby(key)[unit].nunique()
    if kpi.measure == "sum":
        return part.groupby(key)["value"].sum()
    if kpi.measure == "mean":
        return part.groupby(key)["value"].mean()
    num = part.groupby(key)[unit].nunique()
    den = _filtered(events, kpi.per, kpi.where).groupby(key)[unit].nunique()
    return (num.reindex(den.index).fillna(0) / den).where(den > 0)


def scorecard(events: pd.DataFrame, cfg: KpiConfig, phase: str) -> Scorecard:
    if phase not in cfg.phases:
        raise UsageError(f"--phase {phase!r}: the config weighs phases "
                         f"{', '.join(cfg.phases)}")
    if events.empty:
        raise UsageError("the event log has no rows")
    span = (events["timestamp"].max().normalize() - events["timestamp"].min().normalize())
    weeks = (span.days + 1) / 7
    handled = events[events["agent_id"].notna() & (events["agent_id"].astype(str) != "")]
    team_of = handled.groupby("agent_id")["team"].agg(lambda s: s.mode().iat[0]
                                                        if s.notna().any() else "")
    agents = pd.DataFrame(index=pd.Index(sorted(team_of.index), name="agent_id"))
    agents["team"] = team_of.reindex(agents.index).fillna("")
    # Only agents (and teams) with at least one event a KPI counts are scored: a claims team
    # that never invites is not the marketing scorecard's bottom.
    active = pd.Index([])
    for kpi in cfg.kpis:
        for event in (kpi.event, kpi.per):
            if event:
                active = active.union(_filtered(handled, event, kpi.where)["agent_id"].unique())
    agents = agents[agents.index.isin(active)].copy()
    team_size = agents.groupby("team").size()
    teams = pd.DataFrame(index=pd.Index(sorted(team_size.index), name="team"))
    teams["agents"] = team_size.reindex(teams.index)
    handled = handled[handled["agent_id"].isin(agents.index)]
    kpi_rows = []
    for frame, key, scale in ((agents, "agent_id", weeks), (teams, "team", None)):
        total = np.zeros(len(frame))
        for kpi in cfg.kpis:
            actual = _measure(handled, kpi, key, cfg.unit_column).reindex(frame.index)
            if kpi.measure in ("count", "sum"):
                actual = actual.fillna(0.0)
                target = kpi.target * (weeks if scale else weeks * frame["agents"])
            else:
                target = pd.Series(kpi.target, index=frame.index)
            with np.errstate(divide="ignore", invalid="ignore"):
                attain = (target / actual) if kpi.lower_is_better else (actual / target)
            attain = attain.replace([np.inf, -np.inf], np.nan)
            points = score(attain, kpi)
            weight = kpi.weights.get(phase, 0.0)
            frame[f"{kpi.name}"] = actual.astype(float)
            frame[f"{kpi.name} attainment"] = attain.astype(float)
            frame[f"{kpi.name} score"] = points
            total += weight * points
        frame["weighted score"] = 100 * total
        frame["rank"] = frame["weighted score"].rank(ascending=False, method="min").astype(int)
    for kpi in cfg.kpis:
        kpi_rows.append({"name": kpi.name, "kind": kpi.kind, "measure": kpi.measure,
                         "event": kpi.event if not kpi.per else f"{kpi.event} ÷ {kpi.per}",
                         "target": kpi.target, "per": "agent-week" if kpi.measure in
                         ("count", "sum") else "rate/mean", "rule": kpi.scoring.rule,
                         "weight": kpi.weights.get(phase, 0.0)})
    agents = agents.sort_values(["rank", "weighted score"], kind="stable").reset_index()
    teams = teams.sort_values(["rank", "weighted score"], kind="stable").reset_index()
    return Scorecard(phase, weeks, agents, teams, pd.DataFrame(kpi_rows))
