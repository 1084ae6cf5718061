"""Peer forecasts on the US bank protocol; runs inside the peers' own environment.

Invoked by bench/forecast_bench.py with the peers' Python (statsforecast, Prophet installed
there, never in wfm's dependencies). Prints one JSON object: WAPE per peer model at 30-minute
and daily level, and seconds.

Protocol (same as wfm's backtest): 5-minute data summed to 30 minutes; weekly origins on the
last 8 weeks; each origin forecasts the next 7 calendar days (5 weekdays) from everything before
it. The interval series has no weekends, so statsforecast models see the sequence of open
30-minute intervals (29 a day, 145 a week), the usual treatment of this data set (fpp3).
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")


def load(path: str) -> pd.Series:
    d = pd.read_csv(path, parse_dates=["ds"])
    return d.set_index("ds")["y"].resample("30min").sum().pipe(
        lambda s: s[s.index.normalize().isin(d["ds"].dt.normalize().unique())]
        .loc[lambda x: (x.index.hour * 60 + x.index.minute >= 7 * 60)
             & (x.index.hour * 60 + x.index.minute <= 21 * 60)])  # 29 open intervals a day


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / actual.sum())


def origins(series: pd.Series, folds: int = 8) -> list[pd.Timestamp]:
    last_day = series.index.max().normalize()
    first = last_day + pd.Timedelta(days=1) - pd.Timedelta(days=7 * folds)
    return [first + pd.Timedelta(days=7 * k) for k in range(folds)]


def mean_4w_raw(train: pd.Series, test_index: pd.DatetimeIndex) -> np.ndarray:
    """The WFM-suite default: same interval, mean of the last four weeks, no calendar."""
    out = []
    for ts in test_index:
        past = [train.get(ts - pd.Timedelta(weeks=k)) for k in (1, 2, 3, 4)]
        past = [v for v in past if v is not None and not np.isnan(v)]
        out.append(np.mean(past) if past else np.nan)
    return np.array(out)


def statsforecast_models(train: pd.Series, h: int) -> dict[str, np.ndarray]:
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    y = train.to_numpy(float)
    out = {}
    for name, model in (("statsforecast SeasonalNaive(145)", SeasonalNaive(145)),
                        ("statsforecast MSTL[29,145]", MSTL(season_length=[29, 145])),
                        ("statsforecast AutoETS(29)", AutoETS(season_length=29))):
        t0 = time.perf_counter()
        out[name] = (np.asarray(model.fit(y).predict(h)["mean"]), time.perf_counter() - t0)
    return out


def daily_arima(train_daily: pd.Series, h: int) -> tuple[np.ndarray, float]:
    from statsforecast.models import AutoARIMA

    t0 = time.perf_counter()
    f = AutoARIMA(season_length=5).fit(train_daily.to_numpy(float)).predict(h)["mean"]
    return np.asarray(f), time.perf_counter() - t0


def prophet(train: pd.Series, test_index: pd.DatetimeIndex) -> tuple[np.ndarray, float]:
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    m = Prophet(daily_seasonality=True, weekly_seasonality=True, yearly_seasonality=False)
    m.add_country_holidays("US")
    m.fit(pd.DataFrame({"ds": train.index, "y": train.to_numpy()}))
    f = m.predict(pd.DataFrame({"ds": test_index}))["yhat"].clip(lower=0).to_numpy()
    return f, time.perf_counter() - t0


def main(path: str, with_prophet: bool) -> None:
    series = load(path)
    acc: dict[str, dict] = {}

    def add(name, actual, forecast, seconds, level="interval"):
        e = acc.setdefault((name, level), {"abs": 0.0, "y": 0.0, "seconds": 0.0})
        ok = ~np.isnan(forecast)
        e["abs"] += float(np.abs(actual[ok] - forecast[ok]).sum())
        e["y"] += float(actual[ok].sum())
        e["seconds"] += seconds

    for origin in origins(series):
        train = series[series.index < origin]
        test = series[(series.index >= origin) & (series.index < origin + pd.Timedelta(days=7))]
        days = test.index.normalize()
        y = test.to_numpy(float)
        t0 = time.perf_counter()
        f = mean_4w_raw(train, test.index)
        add("same-interval 4-week mean (no calendar)", y, f, time.perf_counter() - t0)
        add("same-interval 4-week mean (no calendar)", test.groupby(days).sum().to_numpy(),
            pd.Series(f, index=test.index).groupby(days).sum(min_count=1).to_numpy(), 0, "daily")
        for name, (fc, secs) in statsforecast_models(train, len(test)).items():
            add(name, y, fc, secs)
            add(name, test.groupby(days).sum().to_numpy(),
                pd.Series(fc, index=test.index).groupby(days).sum().to_numpy(), 0, "daily")
        train_daily = train.groupby(train.index.normalize()).sum()
        fd, secs = daily_arima(train_daily, days.nunique())
        add("statsforecast AutoARIMA(5) daily", test.groupby(days).sum().to_numpy(), fd, secs,
            "daily")
        if with_prophet:
            fp, secs = prophet(train, test.index)
            add("Prophet", y, fp, secs)
            add("Prophet", test.groupby(days).sum().to_numpy(),
                pd.Series(fp, index=test.index).groupby(days).sum().to_numpy(), 0, "daily")
    rows = [{"name": n, "level": lvl, "wape": e["abs"] / e["y"], "seconds": e["seconds"]}
            for (n, lvl), e in acc.items()]
    print(json.dumps({"models": rows}))




def il_shapes(path: str) -> None:
    """The known failure: one seasonal period (a day of 15-minute slots) fitted to 24×7 data
    with zero nights. Fits AutoETS(96) on each type's first three weeks and reports how much of
    the real intraday swing the forecast of the fourth week keeps."""
    from statsforecast.models import AutoETS

    d = pd.read_csv(path, parse_dates=["ds"])
    cut = d["ds"].min() + pd.Timedelta(days=21)
    rows = []
    for t, part in d.groupby("unique_id"):
        train, test = part[part["ds"] < cut]["y"], part[part["ds"] >= cut]["y"]
        f = np.asarray(AutoETS(season_length=96).fit(train.to_numpy(float))
                       .predict(len(test))["mean"])
        rows.append({"type": t, "forecast_swing": float(np.ptp(f)),
                     "actual_swing": float(np.ptp(test.rolling(4).mean().dropna())),
                     "wape": wape(test.to_numpy(float), f)})
    print(json.dumps({"il": rows}))


if __name__ == "__main__":
    if "--il" in sys.argv:
        il_shapes(sys.argv[1])
    else:
        main(sys.argv[1], "--prophet" in sys.argv)
