"""Erlang C and Erlang A against what really happened: a month of calls at an Israeli bank.

    python bench/staffing_reality.py [--data ../shared/data] [--sl-seconds 20]

Data: ``il_bank_1999_02_calls.csv`` (every call of February 1999). Queue arrivals are calls
that reached the queue: answered calls and calls abandoned after waiting (hang-ups inside the
voice menu never queued; phantom calls are left out). For each hour of the busy weekdays
(Sunday-Thursday, 08:00-18:00):

* arrivals, AHT (mean talk time of answered calls), agents at work (distinct agents who
  answered a call in the hour, as the issue prescribes; an upper bound on the hour's staffing);
* patience: exponential, estimated for the whole month by maximum likelihood as
  (abandonments) / (total time callers spent waiting) — censoring-aware;
* predictions of the share answered within ``--sl-seconds`` and of abandonment, from Erlang C
  and Erlang A, next to the actual shares.

Prints one table of errors (mean absolute error in points, and bias) per model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.staffing.erlang import erlang_a, erlang_c  # noqa: E402


def hourly(data: Path, sl_seconds: float) -> tuple[pd.DataFrame, float]:
    d = pd.read_csv(data / "il_bank_1999_02_calls.csv", parse_dates=["ds"])
    queued = d[(d["outcome"] == "AGENT") | ((d["outcome"] == "HANG") & (d["q_time_s"] > 0))]
    queued = queued[(queued["ds"].dt.dayofweek.isin([6, 0, 1, 2, 3]))  # Sunday-Thursday
                    & queued["ds"].dt.hour.between(8, 17)]
    abandons = (queued["outcome"] == "HANG").sum()
    patience = queued["q_time_s"].sum() / abandons  # MLE of the mean patience
    answered = queued["outcome"] == "AGENT"
    queued = queued.assign(hour=queued["ds"].dt.floor("h"), answered=answered,
                           in_time=answered & (queued["q_time_s"] <= sl_seconds))
    g = queued.groupby("hour")
    frame = pd.DataFrame({
        "arrivals": g.size(),
        "aht_seconds": g.apply(lambda x: x.loc[x["answered"], "ser_time_s"].mean(),
                               include_groups=False),
        "agents": g.apply(lambda x: x.loc[x["answered"], "server"].nunique(),
                          include_groups=False),
        "actual_sl": g["in_time"].mean(),
        "actual_abandon": 1 - g["answered"].mean(),
    })
    frame["agents_present"] = present_agents(d, frame.index)
    return frame[frame["arrivals"] >= 20].dropna(), float(patience)


def present_agents(d: pd.DataFrame, hours: pd.DatetimeIndex, gap_minutes: float = 15) -> np.ndarray:
    """Time-weighted agents at work per hour: an agent is present from the start of a call to
    its end, and between two calls less than ``gap_minutes`` apart (a session)."""
    served = d[d["outcome"] == "AGENT"].copy()
    served["start"] = served["ds"] + pd.to_timedelta(served["vru_time_s"] + served["q_time_s"],
                                                     unit="s")
    served["end"] = served["start"] + pd.to_timedelta(served["ser_time_s"], unit="s")
    spans = []
    for _, calls in served.sort_values("start").groupby("server"):
        start, end = calls["start"].to_numpy(), calls["end"].to_numpy()
        new = np.r_[True, start[1:] - np.maximum.accumulate(end)[:-1]
                    > np.timedelta64(int(gap_minutes * 60), "s")]
        session = np.cumsum(new)
        for k in np.unique(session):
            pick = session == k
            spans.append((start[pick].min(), end[pick].max()))
    spans = np.array(spans, dtype="datetime64[ns]")
    out = []
    for h in hours:
        h0, h1 = np.datetime64(h), np.datetime64(h + pd.Timedelta(hours=1))
        overlap = np.minimum(spans[:, 1], h1) - np.maximum(spans[:, 0], h0)
        out.append(overlap[overlap > np.timedelta64(0)].astype("timedelta64[s]").astype(float)
                   .sum() / 3600)
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sl-seconds", type=float, default=20.0)
    args = parser.parse_args()
    frame, patience = hourly(args.data, args.sl_seconds)
    load = frame["arrivals"] * frame["aht_seconds"] / 3600
    print(f"{len(frame)} busy weekday hours, {int(frame['arrivals'].sum()):,} queued calls; "
          f"mean patience (MLE) {patience:.0f} s; mean load {load.mean():.1f} Erlangs; "
          f"service level = answered within {args.sl_seconds:.0f} s")
    print(f"{'agents at work':<34}{'model':<10}{'SL MAE':>9}{'SL bias':>9}{'abandon MAE':>13}"
          f"{'abandon bias':>14}")
    for label, agents in (("distinct answering agents", frame["agents"]),
                          ("time-weighted (sessions)", frame["agents_present"])):
        c = erlang_c(agents, load, frame["aht_seconds"], args.sl_seconds)
        a = erlang_a(agents, load, frame["aht_seconds"], patience, args.sl_seconds,
                     with_asa=False)
        for name, m in (("Erlang C", c), ("Erlang A", a)):
            sl_err = m.service_level - frame["actual_sl"].to_numpy()
            ab_err = m.p_abandon - frame["actual_abandon"].to_numpy()
            print(f"{label + f' ({agents.mean():.1f})':<34}{name:<10}"
                  f"{100 * np.abs(sl_err).mean():>8.1f}p{100 * sl_err.mean():>8.1f}p"
                  f"{100 * np.abs(ab_err).mean():>12.1f}p{100 * ab_err.mean():>13.1f}p")
    print(f"actual: SL {frame['actual_sl'].mean():.1%}, abandonment "
          f"{frame['actual_abandon'].mean():.1%} (hour means); Erlang C has no abandonment, "
          f"so its abandonment error is the actual rate itself")


if __name__ == "__main__":
    main()
