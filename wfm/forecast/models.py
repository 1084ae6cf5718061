"""Forecasters: one small interface (fit, predict), one contract test they all pass.

* ``seasonal_naive``: the same interval on the most recent normal day of the same weekday;
* ``weekly_mean``: the same-interval mean of the last N normal same weekdays (N = 4 by
  default: what WFM suites ship as their default);
* ``decomp_*``: the classic WFM decomposition, a daily-volume model × a weekday-specific
  intraday curve. The daily model forecasts the *deseasonalised* daily level (clean daily totals
  divided by their weekday factor) with a trailing mean (``decomp_mean``) or statsforecast's
  AutoETS, AutoTheta or AutoARIMA (``decomp_ets``, ``decomp_theta``, ``decomp_arima``), then
  multiplies back the weekday factor and splits the day by the intraday curve.
* ``auto``: per series, a rolling-origin backtest on the weeks before the forecast origin picks
  the candidate with the lowest interval WAPE.

No model ever fits a single seasonal period to the raw 24×7 interval series (the known failure:
a flat forecast of the night-time level). Statistical models only see daily totals; intraday
shape comes from curves.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wfm.errors import UsageError
from wfm.forecast.calendar import DayTypes
from wfm.forecast.panel import Series
from wfm.forecast.profile import Profile, build_profile


class Forecaster(ABC):
    name: str = ""

    def fit(self, s: Series, cal: DayTypes, profile: Profile | None = None) -> Forecaster:
        """Learn from ``s`` (every day of it is history); ``cal`` covers history + horizon."""
        self.series, self.cal = s, cal
        self.profile = profile or build_profile(s, cal)
        self._fit()
        return self

    def _fit(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def predict(self, h: int) -> np.ndarray:
        """Expected contacts for the ``h`` days after the history: array (h, slots)."""

    def _special_days(self, base: np.ndarray, h: int) -> np.ndarray:
        """Replace special future days of a reference forecast (built from normal days) by the
        profile's plan: the day's factor × the reference level, spread by its curve."""
        p = self.profile
        curve, F = p.plan(self.cal, h)
        wd = (p.start_weekday + np.arange(p.n_days, p.n_days + h)) % 7
        normal = np.isclose(F, p.factor[wd]) & (curve == wd)
        if normal.all():
            return base
        level = self._reference_level(base, wd)
        out = base.copy()
        for i in np.flatnonzero(~normal):
            out[i] = level * F[i] * p.curves[curve[i]]
        return out

    def _reference_level(self, base: np.ndarray, wd: np.ndarray) -> float:
        totals, factor = base.sum(axis=1), self.profile.factor[wd]
        ok = factor > 0
        return float(np.mean(totals[ok] / factor[ok])) if ok.any() else 0.0


def _last_clean_rows(p: Profile, weekday: int, n: int) -> np.ndarray:
    return np.flatnonzero(p.clean & (p.weekday == weekday))[-n:]


class WeeklyMean(Forecaster):
    """Same-interval mean of the last ``weeks`` normal days of the same weekday."""

    def __init__(self, weeks: int = 4):
        self.weeks = weeks
        self.name = "seasonal_naive" if weeks == 1 else f"weekly_mean_{weeks}w"

    def _fit(self) -> None:
        p, y = self.profile, np.nan_to_num(self.series.y, nan=0.0)
        self.base = np.zeros((7, y.shape[1]))
        for w in range(7):
            rows = _last_clean_rows(p, w, self.weeks)
            if rows.size and p.factor[w] > 0:
                self.base[w] = y[rows].mean(axis=0)

    def predict(self, h: int) -> np.ndarray:
        p = self.profile
        wd = (p.start_weekday + np.arange(p.n_days, p.n_days + h)) % 7
        return self._special_days(self.base[wd], h)


class Decomposition(Forecaster):
    """Daily level model × weekday factor × weekday intraday curve."""

    LEVELS = ("mean", "ets", "theta", "arima")

    def __init__(self, level: str = "mean", level_weeks: int = 4, max_weeks: int = 26):
        if level not in self.LEVELS:
            raise UsageError(f"daily model: expected one of {', '.join(self.LEVELS)}, "
                             f"found {level!r}")
        self.level, self.level_weeks, self.max_weeks = level, level_weeks, max_weeks
        self.name = f"decomp_{level}"

    def _fit(self) -> None:
        self.history = self.profile.deseasonalised(self.max_weeks)

    def _levels(self, steps: int) -> np.ndarray:
        y = self.history
        recent = self.profile.deseasonalised(self.level_weeks)
        if y.size == 0:
            return np.zeros(steps)
        if self.level == "mean" or y.size < 14:
            return np.full(steps, recent.mean() if recent.size else y[-7:].mean())
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

        model = {"ets": AutoETS, "theta": AutoTheta, "arima": AutoARIMA}[self.level]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fitted = model(season_length=1).fit(y.astype(float))
                out = np.asarray(fitted.predict(h=steps)["mean"], dtype=float)
            except Exception:  # a degenerate series (e.g. constant) some fits reject
                out = np.full(steps, y[-7:].mean())
        return np.clip(np.nan_to_num(out, nan=y[-7:].mean()), 0.0, None)

    def predict(self, h: int) -> np.ndarray:
        p = self.profile
        curve, F = p.plan(self.cal, h)
        step = np.cumsum(F > 0) - 1  # the level advances on open days only
        levels = self._levels(max(int(step.max()) + 1, 1) if h else 1)
        daily = levels[np.clip(step, 0, None)] * F
        return daily[:, None] * p.curves[curve]


# ----------------------------------------------------------------------------- registry

MODELS: dict[str, Callable[[], Forecaster]] = {
    "seasonal_naive": lambda: WeeklyMean(1),
    "weekly_mean_4w": lambda: WeeklyMean(4),
    "weekly_mean_8w": lambda: WeeklyMean(8),
    "decomp_mean": lambda: Decomposition("mean"),
    "decomp_ets": lambda: Decomposition("ets"),
    "decomp_theta": lambda: Decomposition("theta"),
    "decomp_arima": lambda: Decomposition("arima"),
}
AUTO_CANDIDATES = ("seasonal_naive", "weekly_mean_4w", "decomp_mean", "decomp_ets",
                   "decomp_theta")
AUTO_DEFAULT = "decomp_mean"
AUTO_FOLDS = 6
AUTO_MARGIN = 0.10


def select_model(scores: dict[str, float], default: str = AUTO_DEFAULT,
                 margin: float = AUTO_MARGIN) -> str:
    """Best pick with a guard against selection noise: leave the default only for a candidate
    whose backtest WAPE is at least ``margin`` (relative) lower. A few weeks of backtest are a
    noisy judge; switching on a small edge loses more often than it wins."""
    finite = {k: v for k, v in scores.items() if np.isfinite(v)}
    if not finite:
        return default
    best = min(finite, key=finite.get)
    base = finite.get(default)
    if base is not None and finite[best] > base * (1 - margin):
        return default
    return best


def make_model(name: str, **auto_options) -> Forecaster:
    if name == "auto":
        return Auto(**auto_options)
    if name.startswith("weekly_mean_") and name.endswith("w") and name[12:-1].isdigit():
        return WeeklyMean(int(name[12:-1]))
    try:
        return MODELS[name]()
    except KeyError:
        raise UsageError(f"--model: expected auto or one of {', '.join(MODELS)} (or "
                         f"weekly_mean_<N>w), found {name!r}") from None


# ----------------------------------------------------------------------------- errors


def dispersion(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Negative-binomial dispersion σ² such that Var(y) = μ + σ²μ², by the method of moments
    (Poisson noise plus a multiplicative error of relative variance σ²)."""
    ok = ~np.isnan(actual) & (predicted > 0)
    mu, y = predicted[ok], actual[ok]
    if mu.size == 0:
        return 0.0
    return float(max(0.0, ((y - mu) ** 2 - mu).sum() / (mu**2).sum()))


@dataclass
class FoldResult:
    abs_error: float = 0.0
    actual: float = 0.0
    actual_list: list = field(default_factory=list)
    pred_list: list = field(default_factory=list)
    daily_actual: list = field(default_factory=list)
    daily_pred: list = field(default_factory=list)

    @property
    def wape(self) -> float:
        return self.abs_error / self.actual if self.actual > 0 else float("inf")

    def sigma2(self) -> float:
        """Dispersion of interval counts."""
        if not self.actual_list:
            return 0.0
        return dispersion(np.concatenate(self.actual_list), np.concatenate(self.pred_list))

    def sigma2_daily(self) -> float:
        """Dispersion of daily totals (interval errors partly cancel within a day)."""
        if not self.daily_actual:
            return 0.0
        return dispersion(np.concatenate(self.daily_actual), np.concatenate(self.daily_pred))


def inner_backtest(factories: dict[str, Callable[[], Forecaster]], s: Series, cal: DayTypes,
                   folds: int, horizon_days: int = 7) -> dict[str, FoldResult]:
    """Rolling origins on the last ``folds`` weeks of ``s``: fit each model on what precedes
    each origin, score the following week. Uses nothing after the end of ``s``."""
    results = {name: FoldResult() for name in factories}
    n = s.y.shape[0]
    for k in range(folds, 0, -1):
        origin = n - 7 * k
        if origin < 14:
            continue
        h = min(horizon_days, n - origin)
        train = s.head(origin)
        profile = build_profile(train, cal)  # shared by every candidate at this origin
        actual = s.y[origin:origin + h]
        mask = s.observed[origin:origin + h, None] & s.open_slots[None, :] & ~np.isnan(actual)
        for name, factory in factories.items():
            pred = factory().fit(train, cal, profile).predict(h)
            res = results[name]
            res.abs_error += float(np.abs(actual - pred)[mask].sum())
            res.actual += float(actual[mask].sum())
            res.actual_list.append(np.where(mask, actual, np.nan).ravel())
            res.pred_list.append(pred.ravel())
            day_ok = mask.any(axis=1)
            res.daily_actual.append(np.where(mask, actual, 0).sum(axis=1)[day_ok])
            res.daily_pred.append(np.where(mask, pred, 0).sum(axis=1)[day_ok])
    return results


class Auto(Forecaster):
    """Best pick per series: the candidate with the lowest interval WAPE over ``folds`` rolling
    weekly origins before the end of the history it is given (never after), see
    :func:`select_model`."""

    name = "auto"

    def __init__(self, candidates: tuple[str, ...] = AUTO_CANDIDATES, folds: int = AUTO_FOLDS,
                 margin: float = AUTO_MARGIN):
        self.candidates, self.folds, self.margin = tuple(candidates), folds, margin

    def _fit(self) -> None:
        factories = {name: (lambda n=name: make_model(n)) for name in self.candidates}
        results = inner_backtest(factories, self.series, self.cal, self.folds)
        self.scores = {name: r.wape for name, r in results.items()}
        self.sigma2s = {name: r.sigma2() for name, r in results.items()}
        default = AUTO_DEFAULT if AUTO_DEFAULT in self.candidates else self.candidates[0]
        self.chosen = select_model(self.scores, default, self.margin)
        self.model = make_model(self.chosen).fit(self.series, self.cal, self.profile)
        self.sigma2 = self.sigma2s.get(self.chosen, 0.0)

    def predict(self, h: int) -> np.ndarray:
        return self.model.predict(h)

