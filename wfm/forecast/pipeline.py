"""``run_forecast``: history in, interval forecast out.

Bottom-level series (``by`` columns) are forecast one by one; every higher level is their sum,
so inquiry types add up exactly to their channel, channels to their site, sites to the total.
A sparse series (fewer than ``sparse_daily_contacts`` a day) has no reliable shape of its own:
its channel at its site is forecast as a whole and the sparse series gets its recent share of
it, at day level and spread by the channel's intraday curve.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import numpy as np
import pandas as pd

from wfm.errors import DataError
from wfm.forecast.aht import aht_profile
from wfm.forecast.backtest import nb_interval
from wfm.forecast.calendar import CalendarWarning, DayTypes, UserEvent, day_types
from wfm.forecast.config import ForecastConfig
from wfm.forecast.models import Auto, inner_backtest, make_model
from wfm.forecast.panel import ALL, Panel, Series, build_panel
from wfm.forecast.profile import build_profile
from wfm.forecast.scenario import Scenario, apply_scenario, outside_horizon

OUTPUT_COLUMNS = ["interval_start", "channel", "inquiry_type", "site", "contacts", "contacts_lo",
                  "contacts_hi", "aht_seconds", "model", "scenario"]
MIN_HISTORY_DAYS = 14
SHARE_WEEKS = 8


@dataclass
class SeriesForecast:
    key: tuple[str, str, str]
    model: str
    mean: np.ndarray  # (h, slots)
    sigma2: float
    open_slots: np.ndarray
    aht: np.ndarray | None  # (7, slots)
    sparse: bool = False


@dataclass
class ForecastResult:
    frame: pd.DataFrame
    series: list[dict]
    start: pd.Timestamp
    horizon_days: int
    slot_minutes: int
    warnings: list[str] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    scenario: str | None = None

    def daily(self, by: tuple[str, ...] = ("channel",)) -> pd.DataFrame:
        f = self.frame
        return (f.groupby([f["interval_start"].dt.normalize().rename("date"), *by])["contacts"]
                .sum().reset_index())


def calendars_for(panel: Panel, horizon_days: int, country: str,
                  events: list[UserEvent]) -> Callable[[Series], DayTypes]:
    """Day types per series, computed once per distinct set of applicable events."""
    start, n = panel.start.date(), panel.n_days + horizon_days

    @cache
    def for_events(applicable: tuple[UserEvent, ...]) -> DayTypes:
        return day_types(start, n, country, list(applicable))

    def get(s: Series) -> DayTypes:
        return for_events(tuple(e for e in events if e.applies_to(s.key)))

    return get


def _daily_mean(s: Series, days: int = 28) -> float:
    y = s.y[-days:][:, s.open_slots]
    seen = s.observed[-days:]
    return float(np.nansum(y[seen]) / max(seen.sum(), 1))


def _fit_one(s: Series, cal: DayTypes, cfg: ForecastConfig, h: int) -> tuple[str, np.ndarray,
                                                                              float]:
    if cfg.model == "auto":
        model = Auto(tuple(cfg.auto.candidates), cfg.auto.folds, cfg.auto.margin).fit(s, cal)
        return model.chosen, model.predict(h), model.sigma2
    model = make_model(cfg.model)
    sigma2 = inner_backtest({cfg.model: lambda: make_model(cfg.model)}, s, cal,
                            cfg.auto.folds)[cfg.model].sigma2()
    return model.name, model.fit(s, cal, build_profile(s, cal)).predict(h), sigma2


def _parent_key(key: tuple[str, str, str], by: tuple[str, ...]) -> tuple[str, str, str] | None:
    site, channel, itype = key
    if "inquiry_type" in by:
        return (site, channel, ALL)
    if "channel" in by:
        return (site, ALL, ALL)
    return None


def _sum_series(key: tuple[str, str, str], members: list[Series]) -> Series:
    y = np.nansum([m.y for m in members], axis=0)
    known = np.any([~np.isnan(m.y) for m in members], axis=0)
    y = np.where(known, y, np.nan)
    open_slots = np.any([m.open_slots for m in members], axis=0)
    observed = np.any([m.observed for m in members], axis=0)
    return Series(key, members[0].start, y, open_slots, observed)


def _recent_share(child: Series, parent: Series, weeks: int = SHARE_WEEKS) -> float:
    rows = slice(-7 * weeks, None)
    total = np.nansum(parent.y[rows])
    return float(np.nansum(child.y[rows]) / total) if total > 0 else 0.0


def forecast_panel(panel: Panel, cfg: ForecastConfig, calendars: Callable[[Series], DayTypes],
                   on_series: Callable[[tuple], None] | None = None) -> list[SeriesForecast]:
    h = cfg.horizon_days
    if panel.n_days < MIN_HISTORY_DAYS:
        raise DataError(f"history covers {panel.n_days} days: expected at least "
                        f"{MIN_HISTORY_DAYS} to forecast")
    sparse = {s.key for s in panel.series
              if _daily_mean(s) < cfg.sparse_daily_contacts
              and _parent_key(s.key, panel.by) is not None}
    groups: dict[tuple, list[Series]] = {}
    for s in panel.series:
        if s.key in sparse:
            groups.setdefault(_parent_key(s.key, panel.by), []).append(s)
    parents = {}
    for pkey in groups:
        members = [s for s in panel.series if _parent_key(s.key, panel.by) == pkey]
        parent = _sum_series(pkey, members)
        name, mean, sigma2 = _fit_one(parent, calendars(parent), cfg, h)
        parents[pkey] = (parent, name, mean, sigma2)
    out = []
    for s in panel.series:
        if s.key in sparse:
            parent, name, mean, sigma2 = parents[_parent_key(s.key, panel.by)]
            share = _recent_share(s, parent)
            fc = SeriesForecast(s.key, f"share of {name}", mean * share, sigma2, s.open_slots,
                                aht_profile(s), sparse=True)
        else:
            name, mean, sigma2 = _fit_one(s, calendars(s), cfg, h)
            fc = SeriesForecast(s.key, name, mean, sigma2, s.open_slots, aht_profile(s))
        out.append(fc)
        if on_series:
            on_series(s.key)
    return out


def to_frame(forecasts: list[SeriesForecast], start: pd.Timestamp, slot_minutes: int,
             level: float) -> pd.DataFrame:
    """Rows for open slots of days that are not closed."""
    parts = []
    for fc in forecasts:
        h, slots = fc.mean.shape
        day_open = fc.mean.sum(axis=1) > 0
        cells = day_open[:, None] & fc.open_slots[None, :]
        d_idx, s_idx = np.nonzero(cells)
        mean = fc.mean[d_idx, s_idx]
        lo, hi = nb_interval(mean, fc.sigma2, level)
        stamps = start + pd.to_timedelta(d_idx, unit="D") + pd.to_timedelta(
            s_idx * slot_minutes, unit="min")
        weekday = np.asarray(stamps.dayofweek)
        aht = fc.aht[weekday, s_idx] if fc.aht is not None else np.full(len(mean), np.nan)
        site, channel, itype = fc.key
        parts.append(pd.DataFrame({
            "interval_start": stamps, "channel": channel, "inquiry_type": itype, "site": site,
            "contacts": mean, "contacts_lo": lo.astype(np.int64),
            "contacts_hi": hi.astype(np.int64), "aht_seconds": aht, "model": fc.model,
        }))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=OUTPUT_COLUMNS)
    frame["scenario"] = "baseline"
    return frame[OUTPUT_COLUMNS]


def run_forecast(history: pd.DataFrame, cfg: ForecastConfig, *, events: list[UserEvent] = (),
                 scenario: Scenario | None = None, country: str = "CN",
                 on_series: Callable[[tuple], None] | None = None,
                 source: str = "history") -> ForecastResult:
    panel = build_panel(history, by=tuple(cfg.by), interval=cfg.interval_minutes, gaps=cfg.gaps,
                        source=source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarWarning)
        calendars = calendars_for(panel, cfg.horizon_days, country, list(events))
        forecasts = forecast_panel(panel, cfg, calendars, on_series)
    start = panel.start + timedelta(days=panel.n_days)
    frame = to_frame(forecasts, start, panel.slot_minutes, cfg.level)
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, CalendarWarning)})
    if scenario is not None:
        notes += outside_horizon(frame, scenario)
        frame = apply_scenario(frame, scenario)
    series = [{"site": f.key[0], "channel": f.key[1], "inquiry_type": f.key[2], "model": f.model,
               "sparse": f.sparse, "contacts": float(f.mean.sum())} for f in forecasts]
    if panel.gap_report:
        total = sum(g["missing_intervals"] + g["incomplete_intervals"] for g in panel.gap_report)
        notes.append(f"{total} missing or incomplete intervals in {len(panel.gap_report)} series "
                     f"were treated as {'zero' if cfg.gaps == 'zero' else 'unknown'} "
                     "(see gaps)")
    return ForecastResult(frame, series, start, cfg.horizon_days, panel.slot_minutes, notes,
                          panel.gap_report, scenario.name if scenario else None)
