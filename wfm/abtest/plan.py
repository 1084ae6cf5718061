"""How many units a test needs, and how long that takes with the forecast traffic."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wfm.abtest.analyze import planned_n
from wfm.abtest.spec import TestSpec
from wfm.errors import DataError, UsageError


def plan(spec: TestSpec, *, forecast: pd.DataFrame | None = None, share: float = 1.0,
         daily_units: float | None = None) -> dict[str, Any]:
    metrics = []
    for m in [spec.primary, *spec.guardrails]:
        n = planned_n(spec, m)
        if n is None:
            if m is spec.primary:
                raise UsageError(f"primary metric {m.name!r}: give 'baseline' (and 'sd' for a "
                                 "mean) in the spec to plan the sample")
            continue
        total = n * sum(a.allocation for a in spec.arms) / spec.control.allocation
        detects = m.baseline * (1 + spec.mde)
        metrics.append({"metric": m.name, "kind": m.kind, "baseline": m.baseline,
                        "detects": round(detects, 6), "n_per_arm": n, "n_total": total})
    out: dict[str, Any] = {"test": spec.name, "alpha": spec.alpha, "power": spec.power,
                           "mde": spec.mde, "metrics": metrics}
    if forecast is not None:
        if not 0 < share <= 1:
            raise UsageError("--share: expected a share between 0 and 1")
        daily_units = _daily(forecast, spec) * share
    if daily_units:
        days = metrics[0]["n_total"] / daily_units
        out.update({"daily_units": daily_units, "days": days, "weeks": days / 7})
    return out


def _daily(forecast: pd.DataFrame, spec: TestSpec) -> float:
    if "interval_start" not in forecast.columns or "contacts" not in forecast.columns:
        raise DataError("the forecast needs interval_start and contacts (a file written by "
                        "`wfm forecast run`)")
    part = forecast
    if "scenario" in part.columns:
        part = part[part["scenario"].fillna("") == ""] if (part["scenario"].fillna("") == ""
                                                            ).any() else part
    for column, values in spec.population.items():
        if column in part.columns:
            part = part[part[column].astype(str).isin([str(v) for v in values])]
    if part.empty:
        raise DataError("no forecast rows match the test's population "
                        f"({spec.population})")
    days = pd.to_datetime(part["interval_start"]).dt.normalize()
    return float(part.groupby(days)["contacts"].sum().mean())
