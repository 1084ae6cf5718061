"""Service-marketing funnels from an event log (reached → eligible → invited → added → …).

Each unit (customer or contact) enters at its first event matching stage 1 and reaches a later
stage at the first matching event that comes at or after the previous stage (``strict_order``;
otherwise anywhere, in any order) and within ``window`` of entering. Everything is vectorised:
one ``merge_asof`` per stage over integer unit codes, so millions of events take seconds.

Every rate carries a Wilson interval; a breakdown (``by`` a column, or ``week`` of entry) adds
per stage a chi-square test that all groups convert alike and each group's difference from the
rest (Holm-adjusted), so a planner sees which differences are real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import UsageError
from wfm.kpi.config import FunnelConfig, Stage
from wfm.kpi.stats import homogeneity_p, versus_rest, wilson

DERIVED_BY = ("week", "date")


@dataclass
class FunnelResult:
    stages: pd.DataFrame  # one row per stage
    breakdown: pd.DataFrame | None = None  # one row per group × stage
    tests: pd.DataFrame | None = None  # one row per stage: homogeneity p across groups
    by: str | None = None
    unit: str = "customer"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit, "stages": _records(self.stages)}
        if self.breakdown is not None:
            groups: dict[str, Any] = {}
            for group, part in self.breakdown.groupby("group", sort=False):
                groups[str(group)] = _records(part.drop(columns="group"))
            out["breakdown"] = {"by": self.by, "groups": groups,
                                "tests": _records(self.tests)}
        out["notes"] = self.notes
        return out


def _records(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if k.endswith("_lo"):
                continue
            if k.endswith("_hi"):
                base = k[:-3]
                lo = row[base + "_lo"]
                clean[base] = None if pd.isna(lo) else [float(lo), float(v)]
                continue
            clean[k] = None if (isinstance(v, float) and np.isnan(v)) else v
        rows.append(clean)
    return rows


def _matches(events: pd.DataFrame, stage: Stage, kinds: tuple | None = None) -> np.ndarray:
    if kinds is not None:  # the event column factorised once: integer compares
        codes, names = kinds
        hit = np.flatnonzero(names == stage.event)
        mask = codes == hit[0] if len(hit) else np.zeros(len(events), bool)
    else:
        mask = (events["event"] == stage.event).to_numpy()
    for column, allowed in stage.where.items():
        mask &= events[column].astype(str).isin([str(a) for a in allowed]).to_numpy()
    return mask


def check_columns(events: pd.DataFrame, cfg: FunnelConfig, by: str | None,
                  source: str = "events") -> None:
    columns = list(events.columns)
    for stage in cfg.stages:
        for column in stage.where:
            if column not in columns:
                raise UsageError(f"stage {stage.name!r} filters on column {column!r}, which "
                                 f"{source} does not have (it has: {', '.join(columns)})")
    if by is not None and by not in columns and by not in DERIVED_BY:
        raise UsageError(f"--by {by!r}: not a column of {source}; expected one of "
                         f"{', '.join([*columns, *DERIVED_BY])}")


def unit_times(events: pd.DataFrame, cfg: FunnelConfig,
               by: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per entering unit: its group (if ``by``) and the time it reached each stage
    (NaT where it did not)."""
    check_columns(events, cfg, by)
    unit_col = cfg.unit_column
    codes, _ = pd.factorize(events[unit_col], use_na_sentinel=True)
    event_codes, event_names = pd.factorize(events["event"])
    kinds = (event_codes, np.asarray(event_names, dtype=object))
    ts = events["timestamp"].to_numpy().astype("datetime64[ns]")  # one unit (s, ms, us inputs)
    window = cfg.window_delta
    names = [s.name for s in cfg.stages]

    first = _matches(events, cfg.stages[0], kinds) & (codes >= 0)
    entry = pd.DataFrame({"unit": codes[first], "t": ts[first], "row": np.flatnonzero(first)})
    entry = entry.sort_values(["t", "row"], kind="stable").drop_duplicates("unit")
    units = entry[["unit"]].reset_index(drop=True)
    units[names[0]] = entry["t"].to_numpy()
    if by is not None:
        rows = entry["row"].to_numpy()
        if by == "week":
            t = pd.to_datetime(entry["t"].to_numpy())
            units["group"] = (t.normalize() - pd.to_timedelta(t.weekday, unit="D")).strftime(
                "%Y-%m-%d")
        elif by == "date":
            units["group"] = pd.to_datetime(entry["t"].to_numpy()).strftime("%Y-%m-%d")
        else:
            units["group"] = events[by].to_numpy()[rows]
        group = units["group"].astype(object)
        units["group"] = group.where(group.notna() & (group.astype(str) != ""), "(blank)")
    start = units[names[0]].to_numpy()
    previous = start
    for stage, name in zip(cfg.stages[1:], names[1:], strict=True):
        hit = _matches(events, stage, kinds) & (codes >= 0)
        cand = pd.DataFrame({"unit": codes[hit], "t_hit": ts[hit]})
        alive = ~pd.isna(previous)
        left = pd.DataFrame({"unit": units["unit"].to_numpy()[alive],
                             "t_prev": previous[alive], "pos": np.flatnonzero(alive)})
        if cfg.strict_order:
            left = left.sort_values("t_prev", kind="stable")
            cand = cand.sort_values("t_hit", kind="stable")
            got = pd.merge_asof(left, cand, left_on="t_prev", right_on="t_hit", by="unit",
                                direction="forward", allow_exact_matches=True)
        else:
            cand = cand.sort_values("t_hit", kind="stable")
            if window is not None:  # the first event inside the window, wherever it falls
                cand = cand.merge(pd.DataFrame({"unit": units["unit"], "t0": start}), on="unit")
                cand = cand[cand["t_hit"] <= cand["t0"] + window].drop(columns="t0")
            got = left.merge(cand.drop_duplicates("unit"), on="unit", how="left")
        times = np.full(len(units), np.datetime64("NaT"), dtype="datetime64[ns]")
        times[got["pos"].to_numpy()] = got["t_hit"].to_numpy()
        if window is not None:
            late = times > start + window.to_timedelta64()
            times[late] = np.datetime64("NaT")
        units[name] = times
        previous = times
    notes = []
    if len(units) == 0:
        notes.append(f"no {cfg.unit} reached the first stage {names[0]!r}")
    return units, notes


def _stage_table(units: pd.DataFrame, names: list[str], level: float) -> pd.DataFrame:
    counts = np.array([int(units[n].notna().sum()) for n in names])
    previous = np.concatenate([[counts[0]], counts[:-1]])
    step_lo, step_hi = wilson(counts, previous, level)
    all_lo, all_hi = wilson(counts, np.full(len(counts), counts[0]), level)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = counts / previous
        overall = counts / counts[0] if counts[0] else np.full(len(counts), np.nan)
    med_prev, med_entry = [], []
    for i, n in enumerate(names):
        reached = units[n].notna()
        if i == 0 or not reached.any():
            med_prev.append(np.nan)
            med_entry.append(np.nan)
            continue
        med_prev.append((units.loc[reached, n] - units.loc[reached, names[i - 1]])
                        .dt.total_seconds().median())
        med_entry.append((units.loc[reached, n] - units.loc[reached, names[0]])
                         .dt.total_seconds().median())
    return pd.DataFrame({
        "name": names, "count": counts, "step_rate": step, "step_ci_lo": step_lo,
        "step_ci_hi": step_hi, "overall_rate": overall, "overall_ci_lo": all_lo,
        "overall_ci_hi": all_hi, "drop_off": previous - counts,
        "median_seconds_from_previous": med_prev, "median_seconds_from_entry": med_entry})


def funnel(events: pd.DataFrame, cfg: FunnelConfig, by: str | None = None) -> FunnelResult:
    units, notes = unit_times(events, cfg, by)
    names = [s.name for s in cfg.stages]
    result = FunnelResult(_stage_table(units, names, cfg.level), by=by, unit=cfg.unit,
                          notes=notes)
    if by is None:
        return result
    # counts per group and stage, one groupby instead of a table per group
    reached = units[names].notna()
    reached["group"] = units["group"].to_numpy()
    counts = reached.groupby("group", sort=True).sum()
    counts = counts.loc[counts[names[0]].sort_values(ascending=False, kind="stable").index]
    parts, tests = [], []
    for i, name in enumerate(names):
        k = counts[name].to_numpy()
        n = counts[names[i - 1]].to_numpy() if i else counts[names[0]].to_numpy()
        lo, hi = wilson(k, n, cfg.level)
        diff, p_adj = versus_rest(k, n) if i else (np.full(len(k), np.nan),) * 2
        with np.errstate(invalid="ignore", divide="ignore"):
            step = k / n
            overall = k / counts[names[0]].to_numpy()
        parts.append(pd.DataFrame({
            "group": counts.index.astype(str), "stage": name, "order": i, "count": k,
            "step_rate": step, "step_ci_lo": lo, "step_ci_hi": hi, "overall_rate": overall,
            "vs_rest": diff, "vs_rest_p": p_adj}))
        if i:
            tests.append({"stage": name, "groups": int((n > 0).sum()),
                          "homogeneity_p": homogeneity_p(k, n)})
    table = pd.concat(parts, ignore_index=True)
    order = {g: j for j, g in enumerate(counts.index.astype(str))}
    table = table.sort_values(["group", "order"], key=lambda s: s.map(order)
                              if s.name == "group" else s, kind="stable")
    result.breakdown = table.drop(columns="order").reset_index(drop=True)
    result.tests = pd.DataFrame(tests)
    return result
