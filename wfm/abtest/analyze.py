"""Analyse a test from summary counts or unit-level rows, and say what to do.

Input (CSV, XLSX or Parquet), one of:

* summary: ``arm, n, conversions`` (proportion) or ``arm, n, mean, sd`` (mean), optionally
  with a ``date`` column holding each day's new units (cumulated here, for sequential looks);
* unit level: ``arm`` and ``converted`` (0/1) or ``value``, optionally ``date``.

The verdict: *stop* on a sample-ratio mismatch, a guardrail that got significantly worse, or a
variant significantly worse; *ship* the best variant when it is significantly better (Holm
across variants; the sequential p-value when the spec says the team looks daily); *stop* with
"no effect of the MDE" once every arm has its planned sample; otherwise *keep running*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wfm.abtest import stats
from wfm.abtest.spec import Metric, TestSpec
from wfm.errors import DataError

SRM_ALPHA = 0.001  # a mismatch this unlikely means the assignment is broken


@dataclass
class Analysis:
    metric: str
    kind: str
    srm_p: float
    arms: list[dict]
    comparisons: list[dict]
    verdict: str
    reason: str
    planned_n: float | None = None
    guardrails: list[dict] = field(default_factory=list)
    sequential: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "kind": self.kind, "srm_p": self.srm_p,
                "arms": self.arms, "comparisons": self.comparisons,
                "guardrails": self.guardrails, "planned_n_per_arm": self.planned_n,
                "sequential": self.sequential, "verdict": self.verdict, "reason": self.reason}


def planned_n(spec: TestSpec, metric: Metric | None = None) -> float | None:
    """Units per arm (control; variants with their allocation ratio) for the MDE."""
    m = metric or spec.primary
    if m.baseline is None:
        return None
    ratio = spec.variants[0].allocation / spec.control.allocation
    if m.kind == "proportion":
        target = min(m.baseline * (1 + spec.mde), 1 - 1e-9)
        return stats.n_proportions(m.baseline, target, spec.alpha, spec.power, ratio)
    if m.sd is None:
        return None
    return stats.n_means(m.baseline * spec.mde, m.sd, spec.alpha, spec.power, ratio)


NUMERIC = ("n", "conversions", "converted", "value", "mean", "sd")


def read_data(path: str) -> pd.DataFrame:
    """A results file with its numeric columns parsed; a bad cell is an error naming the
    file, row and column."""
    from wfm.io.contracts import _is_blank, first_bad, parse_numbers
    from wfm.io.read import read_table

    raw = read_table(path)
    frame = raw.frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in NUMERIC:
        if col in frame.columns:
            values = parse_numbers(frame[col])
            first_bad(raw, values.isna() & ~_is_blank(frame[col]), col,
                      f"expected a number, found {frame[col][values.isna()].iloc[0]!r}"
                      if values.isna().any() else "")
            first_bad(raw, values.isna(), col, "expected a number, found an empty cell")
            first_bad(raw, values < 0, col, "expected a number ≥ 0")
            frame[col] = values
    return frame


def summarise(frame: pd.DataFrame, kind: str, source: str = "data") -> pd.DataFrame:
    """Per arm (and date, if given): n, conversions or mean/sd, from summary or unit rows."""
    cols = set(frame.columns)
    if "arm" not in cols:
        raise DataError(f"{source}: expected a column 'arm' (found: {', '.join(frame.columns)})")
    keys = ["arm", "date"] if "date" in cols else ["arm"]
    frame = frame.assign(arm=frame["arm"].astype(str))
    if kind == "proportion":
        if {"n", "conversions"} <= cols:
            return frame.groupby(keys, sort=False)[["n", "conversions"]].sum().reset_index()
        if "converted" in cols:
            g = frame.groupby(keys, sort=False)["converted"]
            return pd.DataFrame({"n": g.size(), "conversions": g.sum()}).reset_index()
        raise DataError(f"{source}: a proportion metric needs columns n and conversions "
                        "(summary) or converted (one row per unit)")
    if {"n", "mean", "sd"} <= cols:
        return frame[keys + ["n", "mean", "sd"]]
    if "value" in cols:
        g = frame.groupby(keys, sort=False)["value"]
        return pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    raise DataError(f"{source}: a mean metric needs columns n, mean and sd (summary) or value "
                    "(one row per unit)")


def _totals(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    if "date" not in table.columns:
        return table.set_index("arm")
    if kind == "proportion":
        return table.groupby("arm", sort=False)[["n", "conversions"]].sum()
    # pooled mean and sd over days
    t = table.assign(s=table["mean"] * table["n"],
                     ss=(table["sd"] ** 2) * (table["n"] - 1) + table["n"] * table["mean"] ** 2)
    g = t.groupby("arm", sort=False)[["n", "s", "ss"]].sum()
    mean = g["s"] / g["n"]
    sd = np.sqrt((g["ss"] - g["n"] * mean ** 2) / (g["n"] - 1))
    return pd.DataFrame({"n": g["n"], "mean": mean, "sd": sd})


def analyze(spec: TestSpec, data: pd.DataFrame, source: str = "data",
            guardrail_data: dict[str, pd.DataFrame] | None = None) -> Analysis:
    m = spec.primary
    table = summarise(data, m.kind, source)
    totals = _totals(table, m.kind)
    names = [a.name for a in spec.arms]
    unknown = sorted(set(totals.index) - set(names))
    if unknown:
        raise DataError(f"{source}: arm {unknown[0]!r} is not in the spec (arms: "
                        f"{', '.join(names)})")
    missing = [n for n in names if n not in totals.index or totals.loc[n, "n"] <= 1]
    if missing:
        raise DataError(f"{source}: arm {missing[0]!r} has no data")
    totals = totals.loc[names]
    srm = stats.srm_p(totals["n"].to_numpy(), [a.allocation for a in spec.arms])
    control = totals.loc[spec.control.name]
    arms, comps = [], []
    for name, row in totals.iterrows():
        if m.kind == "proportion":
            arms.append({"name": name, "n": int(row["n"]), "conversions": int(row["conversions"]),
                         "rate": float(row["conversions"] / row["n"])})
        else:
            arms.append({"name": name, "n": int(row["n"]), "mean": float(row["mean"]),
                         "sd": float(row["sd"])})
    for v in spec.variants:
        row = totals.loc[v.name]
        if m.kind == "proportion":
            c = stats.proportions(control["n"], control["conversions"], row["n"],
                                  row["conversions"], spec.alpha)
        else:
            c = stats.means(control["n"], control["mean"], control["sd"], row["n"], row["mean"],
                            row["sd"], spec.alpha)
        if not m.higher_is_better:
            c = stats.Comparison(c.abs_effect, c.abs_ci, c.rel_effect, c.rel_ci, c.p_value,
                                 1 - c.chance_to_win, _loss_lower(c))
        comps.append({"variant": v.name, "abs_effect": c.abs_effect, "abs_ci": list(c.abs_ci),
                      "rel_effect": c.rel_effect, "rel_ci": list(c.rel_ci),
                      "p_value": c.p_value, "chance_to_win": c.chance_to_win,
                      "expected_loss": c.expected_loss})
    adjusted = stats.holm([c["p_value"] for c in comps])
    for c, p in zip(comps, adjusted, strict=True):
        c["p_holm"] = float(p)
    if spec.sequential:
        for c in comps:
            c["p_sequential"] = _sequential(table, spec, c["variant"])
        seq = stats.holm([c["p_sequential"] for c in comps])
        for c, p in zip(comps, seq, strict=True):
            c["p_sequential_holm"] = float(p)
    plan = planned_n(spec)
    guards = _guardrails(spec, guardrail_data or {}, source)
    verdict, reason = _verdict(spec, srm, comps, guards, totals, plan)
    return Analysis(m.name, m.kind, srm, arms, comps, verdict, reason, plan, guards,
                    spec.sequential)


def _loss_lower(c: stats.Comparison) -> float:
    """Expected loss when lower is better: E[max(B − A, 0)] for a normal difference."""
    from scipy import stats as st

    se = (c.abs_ci[1] - c.abs_ci[0]) / (2 * 1.959963984540054)
    if se <= 0:
        return max(c.abs_effect, 0.0)
    d = -c.abs_effect
    return float(se * st.norm.pdf(d / se) - d * st.norm.sf(d / se))


def _sequential(table: pd.DataFrame, spec: TestSpec, variant: str) -> float:
    """The always-valid p-value after the last look (one look per date, else one look)."""
    m = spec.primary
    looks = table if "date" in table.columns else table.assign(date=0)
    wide = looks.pivot_table(index="date", columns="arm",
                             values=["n", "conversions"] if m.kind == "proportion" else
                             ["n", "mean", "sd"], aggfunc="sum").sort_index()
    if m.kind == "proportion":
        n = wide["n"].cumsum()
        k = wide["conversions"].cumsum()
        pa, pb = k[spec.control.name] / n[spec.control.name], k[variant] / n[variant]
        diff = pb - pa
        var = pa * (1 - pa) / n[spec.control.name] + pb * (1 - pb) / n[variant]
        scale = (m.baseline or float(pa.iloc[-1])) * spec.mde
    else:
        n = wide["n"].cumsum()
        mean = (wide["mean"] * wide["n"]).cumsum() / n
        diff = mean[variant] - mean[spec.control.name]
        var = (wide["sd"][spec.control.name] ** 2) / n[spec.control.name] + \
            (wide["sd"][variant] ** 2) / n[variant]
        scale = (m.baseline or float(mean[spec.control.name].iloc[-1])) * spec.mde
    return float(stats.msprt_p(diff.to_numpy(), var.to_numpy(), tau2=scale ** 2)[-1])


def _guardrails(spec: TestSpec, data: dict[str, pd.DataFrame], source: str) -> list[dict]:
    out = []
    for g in spec.guardrails:
        frame = data.get(g.name)
        if frame is None:
            out.append({"name": g.name, "status": "no data"})
            continue
        sub = TestSpec.model_validate({**spec.model_dump(), "primary": g.model_dump(),
                                       "guardrails": [], "sequential": False})
        a = analyze(sub, frame, f"{source} ({g.name})")
        worst = max(a.comparisons, key=lambda c: c["p_value"] if _worse(g, c) else -1)
        bad = [c for c in a.comparisons if _worse(g, c) and c["p_holm"] < spec.alpha]
        out.append({"name": g.name, "status": "worse" if bad else "ok",
                    "variants": [c["variant"] for c in bad] if bad else [],
                    "comparisons": a.comparisons, "worst_p": worst["p_value"]})
    return out


def _worse(metric: Metric, c: dict) -> bool:
    return (c["abs_effect"] < 0) if metric.higher_is_better else (c["abs_effect"] > 0)


def _verdict(spec, srm, comps, guards, totals, plan) -> tuple[str, str]:
    m = spec.primary
    if srm < SRM_ALPHA:
        return "stop", (f"sample-ratio mismatch (chi-square p = {srm:.2g}): the units per arm "
                        "do not match the planned split, so the assignment or the logging is "
                        "broken; fix it before reading any effect")
    key = "p_sequential_holm" if spec.sequential else "p_holm"
    better = [c for c in comps if c[key] < spec.alpha and not _worse(m, c)]
    worse = [c for c in comps if c[key] < spec.alpha and _worse(m, c)]
    harmed = {v for g in guards if g.get("status") == "worse" for v in g["variants"]}
    if better:
        best = max(better, key=lambda c: c["rel_effect"] if m.higher_is_better
                   else -c["rel_effect"])
        if best["variant"] in harmed:
            names = [g["name"] for g in guards if best["variant"] in g.get("variants", [])]
            return "stop", (f"{best['variant']} improves {m.name} but the guardrail "
                            f"{', '.join(names)} got significantly worse")
        lo, hi = best["rel_ci"]
        how = "always-valid sequential p" if spec.sequential else "Holm-adjusted p"
        return "ship", (f"{best['variant']}: {m.name} {best['rel_effect']:+.1%} relative "
                        f"(95% CI {lo:+.1%} to {hi:+.1%}), {how} = {best[key]:.2g}, chance to "
                        f"win {best['chance_to_win']:.1%}")
    if worse and len(worse) == len(comps):
        return "stop", f"every variant is significantly worse on {m.name}"
    if plan is not None and (totals["n"] >= plan).all():
        ranges = "; ".join(f"{c['variant']} {c['rel_ci'][0]:+.1%} to {c['rel_ci'][1]:+.1%}"
                           for c in comps)
        return "stop", (f"every arm has its planned {plan:,.0f} units and no variant moved "
                        f"{m.name} significantly; the effect lies within {ranges}")
    have = int(totals["n"].min())
    goal = f" of the planned {plan:,.0f} per arm" if plan is not None else ""
    peek = "" if spec.sequential else (" (a fixed-horizon test: read it at the planned "
                                       "sample, or set sequential: true to look daily)")
    return "keep running", f"no significant difference yet with {have:,} units{goal}{peek}"
