"""Honest backtests: rolling weekly origins, every model scored on the weeks it did not see.

At each origin every model is fitted on the history before the origin only. ``auto`` chooses
among its candidates with an inner backtest on the weeks before that origin, so it never peeks
at the test week. Prediction intervals come from the same inner folds (negative-binomial
dispersion of the model's own past errors).

Metrics, at interval level and on daily totals: WAPE Σ|e|/Σy; MASE (MAE over the in-sample
MAE of the same-interval-last-week naive forecast); rel_mae (MAE over the seasonal naive's MAE
on the same points); bias (Σŷ−Σy)/Σy; coverage of the prediction interval; seconds spent
fitting and predicting. The Poisson noise floor is the WAPE a perfect forecast of the mean
would still have: Σ E|Y−y| / Σy with Y ~ Poisson(y).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from wfm.forecast.calendar import DayTypes
from wfm.forecast.models import (
    AUTO_CANDIDATES,
    AUTO_DEFAULT,
    AUTO_FOLDS,
    inner_backtest,
    make_model,
    select_model,
)
from wfm.forecast.panel import Panel, Series
from wfm.forecast.profile import build_profile

REFERENCE = "seasonal_naive"


def nb_interval(mu: np.ndarray, sigma2: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` prediction interval of a negative binomial with mean μ and variance
    μ + σ²μ² (Poisson when σ² = 0)."""
    mu = np.asarray(mu, dtype=float)
    alpha = (1 - level) / 2
    safe = np.maximum(mu, 1e-12)
    if sigma2 <= 1e-9:
        lo, hi = stats.poisson.ppf(alpha, safe), stats.poisson.ppf(1 - alpha, safe)
    else:
        n = 1.0 / sigma2
        p = n / (n + safe)
        lo, hi = stats.nbinom.ppf(alpha, n, p), stats.nbinom.ppf(1 - alpha, n, p)
    zero = mu <= 0
    return np.where(zero, 0.0, lo), np.where(zero, 0.0, hi)


def poisson_mean_abs_dev(mu: np.ndarray) -> np.ndarray:
    """E|Y − μ| for Y ~ Poisson(μ): 2 μ P(Y = ⌊μ⌋) (exact)."""
    mu = np.asarray(mu, dtype=float)
    return np.where(mu > 0, 2 * mu * stats.poisson.pmf(np.floor(mu), np.maximum(mu, 1e-12)), 0)


@dataclass
class Scores:
    """Running sums for one model at one level."""

    abs_err: float = 0.0
    err: float = 0.0
    actual: float = 0.0
    covered: int = 0
    points: int = 0
    naive_abs_err: float = 0.0
    scale_abs: float = 0.0  # in-sample naive MAE × points, for MASE

    def add(self, y, f, lo, hi, naive, scale) -> None:
        self.abs_err += float(np.abs(y - f).sum())
        self.err += float((f - y).sum())
        self.actual += float(y.sum())
        self.covered += int(((y >= lo) & (y <= hi)).sum())
        self.points += int(y.size)
        self.naive_abs_err += float(np.abs(y - naive).sum())
        self.scale_abs += scale * y.size

    def row(self) -> dict:
        a = self.actual or np.nan
        return {"wape": self.abs_err / a, "bias": self.err / a,
                "mase": self.abs_err / self.scale_abs if self.scale_abs else None,
                "rel_mae": self.abs_err / self.naive_abs_err if self.naive_abs_err else None,
                "coverage": self.covered / self.points if self.points else None}


@dataclass
class BacktestResult:
    models: list[dict]
    selected: str | None
    noise_floor_wape: float
    origins: list[str]
    horizon_days: int
    selections: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"models": self.models, "selected": self.selected,
                "noise_floor_wape": self.noise_floor_wape, "origins": self.origins,
                "horizon_days": self.horizon_days, "selections": self.selections}


def _naive_scale(s: Series, origin: int, daily: bool) -> float:
    """In-sample MAE of 'same interval one week earlier' on the training part."""
    y = s.y[:origin][:, s.open_slots]
    if daily:
        y = y.sum(axis=1, keepdims=True)
    diff = np.abs(y[7:] - y[:-7])
    ok = ~np.isnan(diff) & s.observed[7:origin, None] & s.observed[:origin - 7, None]
    return float(diff[ok].mean()) if ok.any() else np.nan


def backtest(panel: Panel, calendars: Callable[[Series], DayTypes], models: list[str], *,
             horizon_days: int = 7, folds: int = 8, level: float = 0.8,
             inner_folds: int = AUTO_FOLDS,
             on_step: Callable[[], None] | None = None) -> BacktestResult:
    """Score ``models`` (``auto`` included if named) on ``folds`` weekly origins."""
    named = [m for m in models if m != "auto"]
    auto_candidates = list(AUTO_CANDIDATES) if "auto" in models else []
    fitted_names = list(dict.fromkeys([REFERENCE, *named, *auto_candidates]))
    n = panel.n_days
    first = n - horizon_days - 7 * (folds - 1)
    origins = [first + 7 * k for k in range(folds) if first + 7 * k >= 21]
    if len(origins) < folds:
        from wfm.errors import DataError

        raise DataError(f"history of {n} days is too short for {folds} weekly origins with a "
                        f"{horizon_days}-day horizon: expected at least "
                        f"{21 + horizon_days + 7 * (folds - 1)} days")
    scores = {(m, lvl): Scores() for m in models for lvl in ("interval", "daily")}
    seconds = dict.fromkeys(models, 0.0)
    floor_num = floor_den = 0.0
    selections: dict[str, int] = {}
    selected = None
    for s in panel.series:
        cal = calendars(s)
        for origin in origins:
            train = s.head(origin)
            t0 = time.perf_counter()
            inner = inner_backtest({m: (lambda m=m: make_model(m)) for m in fitted_names},
                                   train, cal, inner_folds)
            inner_seconds = time.perf_counter() - t0
            profile = build_profile(train, cal)
            preds, fit_seconds = {}, {}
            for name in fitted_names:
                t1 = time.perf_counter()
                preds[name] = make_model(name).fit(train, cal, profile).predict(horizon_days)
                fit_seconds[name] = time.perf_counter() - t1
            if auto_candidates:
                selected = select_model({m: inner[m].wape for m in auto_candidates},
                                        AUTO_DEFAULT)
                selections[selected] = selections.get(selected, 0) + 1
                preds["auto"] = preds[selected]
                fit_seconds["auto"] = inner_seconds + fit_seconds[selected]
            y = s.y[origin:origin + horizon_days]
            mask = (s.observed[origin:origin + horizon_days, None] & s.open_slots[None, :]
                    & ~np.isnan(y))
            day_ok = mask.any(axis=1) & ~np.isnan(np.where(mask, y, 0).sum(axis=1))
            floor_num += float(poisson_mean_abs_dev(y[mask]).sum())
            floor_den += float(y[mask].sum())
            naive = preds[REFERENCE]
            scale_i, scale_d = _naive_scale(s, origin, False), _naive_scale(s, origin, True)
            for name in models:
                f = preds[name]
                fold = inner[selected if name == "auto" else name]
                lo, hi = nb_interval(f, fold.sigma2(), level)
                scores[(name, "interval")].add(y[mask], f[mask], lo[mask], hi[mask],
                                               naive[mask], scale_i)
                yd = np.where(mask, y, 0).sum(axis=1)[day_ok]
                fd = np.where(mask, f, 0).sum(axis=1)[day_ok]
                nd = np.where(mask, naive, 0).sum(axis=1)[day_ok]
                lod, hid = nb_interval(fd, fold.sigma2_daily(), level)
                scores[(name, "daily")].add(yd, fd, lod, hid, nd, scale_d)
                seconds[name] += fit_seconds[name]
            if on_step:
                on_step()
    rows = [{"name": m, "level": lvl, **scores[(m, lvl)].row(), "seconds": seconds[m]}
            for m in models for lvl in ("interval", "daily")]
    days = panel.days
    return BacktestResult(rows, selected if auto_candidates else None,
                          floor_num / floor_den if floor_den else float("nan"),
                          [str(days[o].date()) for o in origins], horizon_days, selections)
