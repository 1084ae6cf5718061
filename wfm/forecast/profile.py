"""What every forecaster learns about a series before it predicts: the shape of its week and
day, and how special days differ from normal ones.

Reference periods use *clean* days only: observed, complete, and of kind NORMAL. A trailing
mean taken over holiday weeks under-forecasts the normal weeks that follow; here holidays,
make-up workdays, the days around holiday blocks and user events never enter a reference
period. Their own effect is measured separately (ratio of the day's volume to the normal
expectation for its weekday) and overlaid on future days of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.forecast.calendar import AFTER, EVE, EVENT, HOLIDAY, MAKEUP, NORMAL, DayTypes
from wfm.forecast.panel import Series

WORKDAY_PROFILE, HOLIDAY_PROFILE = 7, 8  # curve/factor rows beyond the seven weekdays
EFFECT_WINDOW_DAYS = 21  # normal expectation of a special day: same weekday within ±3 weeks


@dataclass
class Profile:
    totals: np.ndarray  # (days,) daily totals over open slots; NaN if unknown
    clean: np.ndarray  # (days,) bool
    weekday: np.ndarray  # (days,) 0=Mon … 6=Sun
    factor: np.ndarray  # (7,) weekday volume relative to the mean open weekday; 0 = closed
    curves: np.ndarray  # (9, slots) intraday shares: weekdays, workday average, holiday
    effects: dict[tuple[int, str], float]  # (kind, tag) -> ratio to the weekday's normal
    open_slots: np.ndarray
    start_weekday: int

    @property
    def n_days(self) -> int:
        return len(self.totals)

    def deseasonalised(self, weeks: int | None = None) -> np.ndarray:
        """Clean daily totals divided by their weekday factor, oldest first."""
        idx = np.flatnonzero(self.clean & (self.factor[self.weekday] > 0))
        if weeks is not None:
            idx = idx[idx >= self.n_days - 7 * weeks]
        return self.totals[idx] / self.factor[self.weekday[idx]]

    def plan(self, cal: DayTypes, h: int) -> tuple[np.ndarray, np.ndarray]:
        """For the ``h`` days after the history: the intraday curve each day uses and its
        expected volume relative to the level (the weekday factor, adjusted for special
        days; 0 = closed)."""
        days = np.arange(self.n_days, self.n_days + h)
        wd = (self.start_weekday + days) % 7
        kind, tag, mult = cal.kind[days], cal.tag[days], cal.multiplier[days]
        curve = wd.copy()
        F = self.factor[wd].copy()
        for i in np.flatnonzero(kind != NORMAL):
            k, f = int(kind[i]), self.factor[wd[i]]
            if k == HOLIDAY:
                if (HOLIDAY, "") in self.effects:
                    F[i], curve[i] = f * self.effects[(HOLIDAY, "")], HOLIDAY_PROFILE
                else:  # never seen one: plan it like a Sunday
                    F[i], curve[i] = self.factor[6], 6
            elif k == MAKEUP:  # a weekend day worked as a weekday (调休)
                F[i], curve[i] = self.workday_factor(), WORKDAY_PROFILE
            else:
                F[i] = f * self.effects.get((k, str(tag[i]) if k == EVENT else ""), 1.0)
            if not np.isnan(mult[i]):  # the user said how big the day is
                F[i] = f * float(mult[i])
        return curve, F

    def workday_factor(self) -> float:
        open_workdays = self.factor[:5][self.factor[:5] > 0]
        return float(open_workdays.mean()) if open_workdays.size else 0.0


def _daily_totals(s: Series) -> np.ndarray:
    y = s.y[:, s.open_slots]
    totals = y.sum(axis=1)  # NaN if any open slot is unknown
    totals[~s.observed] = np.nan
    return totals


def build_profile(s: Series, cal: DayTypes, *, weeks: int = 8, curve_weeks: int = 8,
                  pool: float = 0.3) -> Profile:
    """Estimate weekday factors, intraday curves and special-day effects from ``s``."""
    n = s.y.shape[0]
    totals = _daily_totals(s)
    start_wd = s.start.weekday()
    weekday = (start_wd + np.arange(n)) % 7
    kind = cal.kind[:n]
    clean = ~np.isnan(totals) & (kind == NORMAL)
    recent = np.arange(n) >= n - 7 * weeks
    factor = _weekday_factors(totals, clean, weekday, recent, s.observed)
    curves = _curves(s, totals, clean, weekday, kind, factor, curve_weeks, pool)
    effects = _effects(totals, clean, weekday, kind, cal.tag[:n], factor, s.observed)
    return Profile(totals, clean, weekday, factor, curves, effects, s.open_slots, start_wd)


def _weekday_factors(totals, clean, weekday, recent, observed) -> np.ndarray:
    means = np.zeros(7)
    for w in range(7):
        seen = observed & recent & (weekday == w)
        if not seen.any() or np.nansum(totals[seen]) <= 0:
            continue  # closed on this weekday recently: stays closed
        for window in (recent, np.ones_like(recent)):
            pick = clean & window & (weekday == w)
            if pick.any():
                means[w] = totals[pick].mean()
                break
    open_days = means > 0
    if not open_days.any():
        return means
    return means / means[open_days].mean()


def _shares(s: Series, totals: np.ndarray, rows: np.ndarray) -> np.ndarray:
    y = np.nan_to_num(s.y[rows], nan=0.0)
    return y / totals[rows, None]


def _curves(s, totals, clean, weekday, kind, factor, curve_weeks, pool) -> np.ndarray:
    slots = s.y.shape[1]
    usable = clean & (np.nan_to_num(totals) > 0)
    overall = _mean_share(s, totals, usable, curve_weeks * 7, slots)
    curves = np.zeros((9, slots))
    for w in range(7):
        own = _mean_share(s, totals, usable & (weekday == w), curve_weeks, slots)
        group = usable & ((weekday < 5) if w < 5 else (weekday >= 5))
        pooled = _mean_share(s, totals, group, curve_weeks * 5, slots)
        base = pooled if pooled.sum() > 0 else overall
        curves[w] = (1 - pool) * own + pool * base if own.sum() > 0 else base
    workdays = [w for w in range(5) if factor[w] > 0] or list(range(7))
    curves[WORKDAY_PROFILE] = curves[workdays].mean(axis=0)
    past_holidays = (kind == HOLIDAY) & (np.nan_to_num(totals) > 0)
    holiday = _mean_share(s, totals, past_holidays, 10_000, slots)
    curves[HOLIDAY_PROFILE] = holiday if holiday.sum() > 0 else curves[6]
    sums = curves.sum(axis=1, keepdims=True)
    return np.divide(curves, sums, out=np.zeros_like(curves), where=sums > 0)


def _mean_share(s: Series, totals: np.ndarray, mask: np.ndarray, last: int,
                slots: int) -> np.ndarray:
    rows = np.flatnonzero(mask)[-last:]
    if rows.size == 0:
        return np.zeros(slots)
    return _shares(s, totals, rows).mean(axis=0)


def _effects(totals, clean, weekday, kind, tag, factor, observed) -> dict:
    """Median ratio of each special kind's volume to the normal volume of its weekday."""
    ratios: dict[tuple[int, str], list[float]] = {}
    n = len(totals)
    for i in np.flatnonzero(kind != NORMAL):
        k = int(kind[i])
        if k == MAKEUP or factor[weekday[i]] <= 0:
            continue
        near = clean & (weekday == weekday[i]) & (np.abs(np.arange(n) - i) <= EFFECT_WINDOW_DAYS)
        if not near.any():
            continue
        expected = totals[near].mean()
        if expected <= 0:
            continue
        actual = 0.0 if not observed[i] else totals[i]  # no rows on a holiday: closed
        if np.isnan(actual):
            continue
        key = (k, str(tag[i]) if k == EVENT else "")
        ratios.setdefault(key, []).append(actual / expected)
    return {k: float(np.median(v)) for k, v in ratios.items() if k[0] in
            (HOLIDAY, AFTER, EVE, EVENT)}
