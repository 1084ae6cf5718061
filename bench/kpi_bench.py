"""Funnel benchmark: 5 stages with a breakdown by agent, 100k to 5 million events.

    python bench/kpi_bench.py [--sizes 100000,500000,1000000,2000000,5000000]

Each size runs in a fresh process (so peak memory is that size's own): the synthetic log is
made there (not timed: seeded, string contact/customer/agent ids as in a real export, 2,000
agents, ~10% unrelated events), then `wfm.kpi.funnel.funnel(events, cfg, by="agent_id")` is
timed. Peak RSS is the process's maximum resident set (log included).

Target (issue #6): 5 million events in ≤ 20 s and ≤ 4 GB on 2 cores.
DuckDB was not tried: pandas meets the target with a wide margin (see the README).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STAGES = ("reached", "eligible", "invited", "added", "converted")
STEP = (1.0, 0.45, 0.45, 0.6, 0.2)
PER_UNIT = sum(__import__("math").prod(STEP[: i + 1]) for i in range(len(STEP))) * 1.1


def make_log(n_events: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    units = int(n_events / PER_UNIT)
    start = pd.Timestamp("2026-11-02").to_datetime64()
    t = start + rng.integers(0, 14 * 86400, units).astype("timedelta64[s]")
    agent = rng.integers(0, 2000, units)
    frames, alive = [], np.ones(units, bool)
    clock = t.copy()
    for name, p in zip(STAGES, STEP, strict=True):
        alive &= rng.random(units) < p
        clock = clock + rng.integers(10, 3600, units).astype("timedelta64[s]")
        frames.append((name, np.flatnonzero(alive), clock[alive]))
    noise = int(units * 0.1 * PER_UNIT / 1.1)
    frames.append(("survey", rng.integers(0, units, noise),
                   start + rng.integers(0, 14 * 86400, noise).astype("timedelta64[s]")))
    ids = np.concatenate([f[1] for f in frames])
    ev = pd.DataFrame({
        "timestamp": np.concatenate([f[2] for f in frames]),
        "contact_id": pd.Series(ids).map("P{:09d}".format).to_numpy(),
        "customer_id": pd.Series(ids).map("C{:09d}".format).to_numpy(),
        "agent_id": pd.Series(agent[ids]).map("A{:04d}".format).to_numpy(),
        "event": np.concatenate([np.full(len(f[1]), f[0]) for f in frames]),
    })
    return ev.sort_values("timestamp", kind="stable").reset_index(drop=True)


def one(n_events: int) -> dict:
    from wfm.kpi.config import FunnelConfig
    from wfm.kpi.funnel import funnel

    events = make_log(n_events)
    cfg = FunnelConfig.model_validate({"stages": [{"name": s, "event": s} for s in STAGES]})
    t0 = time.perf_counter()
    result = funnel(events, cfg, by="agent_id")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # KiB -> GiB
    return {"events": len(events), "seconds": seconds, "peak_gib": peak,
            "groups": int(result.breakdown["group"].nunique()),
            "converted": int(result.stages["count"].iloc[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,500000,1000000,2000000,5000000")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    print(f"{'events':>11}{'funnel s':>10}{'events/s':>12}{'peak RSS GiB':>14}{'agents':>8}")
    last = None
    for size in [int(s) for s in args.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['events']:>11,}{r['seconds']:>10.2f}{r['events'] / r['seconds']:>12,.0f}"
              f"{r['peak_gib']:>14.2f}{r['groups']:>8}", flush=True)
        last = r
    if last and last["events"] >= 4_500_000:
        ok = last["seconds"] <= 20 and last["peak_gib"] <= 4
        print(f"target (≤ 20 s and ≤ 4 GB at 5M events): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
