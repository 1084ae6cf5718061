"""Controlled-test benchmark: A/A false positives, daily peeking, and analysis speed.

    python bench/abtest_bench.py [--runs 20000] [--days 28] [--per-day 300]

1. A/A simulations (both arms converting at 60%, the insurer's acceptance): the share of
   tests declared significant at α = 5% — read once at the planned end (fixed horizon), and
   read every day stopping at the first p < 5% (naive peeking) — for the two-proportion
   z-test and for wfm's always-valid mSPRT p-value. Wilson 95% intervals on each share.
2. Speed: `wfm.abtest.analyze.analyze` on 50 variants + control, from unit-level rows
   (1 million units in all) and from summary counts (1 million units per arm).

Targets (issue #7): fixed horizon within α ± 1 point; with daily peeking the sequential
option ≤ α while naive repeated testing is not; 50 variants × 1 million units in ≤ 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wfm.abtest import stats  # noqa: E402
from wfm.abtest.analyze import analyze  # noqa: E402
from wfm.abtest.spec import TestSpec  # noqa: E402
from wfm.kpi.stats import wilson  # noqa: E402

P, MDE = 0.60, 0.05


def simulate(runs: int, days: int, per_day: int, seed: int = 1) -> dict[str, tuple]:
    rng = np.random.default_rng(seed)
    k = rng.binomial(per_day, P, size=(runs, days, 2)).cumsum(axis=1)
    n = per_day * np.arange(1, days + 1)
    pa, pb = k[:, :, 0] / n, k[:, :, 1] / n
    diff = pb - pa
    pooled = (k[:, :, 0] + k[:, :, 1]) / (2 * n)
    naive = 2 * st.norm.sf(np.abs(diff) / np.sqrt(pooled * (1 - pooled) * 2 / n))
    var = (pa * (1 - pa) + pb * (1 - pb)) / n
    seq = np.vstack([stats.msprt_p(diff[r], var[r], tau2=(P * MDE) ** 2) for r in range(runs)])
    out = {}
    for name, p in (("z-test", naive), ("mSPRT (wfm sequential)", seq)):
        out[name] = ((p[:, -1] < 0.05).sum(), (p < 0.05).any(axis=1).sum())
    return out


def spec(variants: int) -> TestSpec:
    return TestSpec.model_validate({
        "name": "speed", "hypothesis": "h", "factor": "script",
        "control": {"name": "control", "settings": {"script": "c"}},
        "variants": [{"name": f"v{i}", "settings": {"script": f"s{i}"}}
                     for i in range(variants)],
        "primary": {"name": "acceptance", "event": "added", "per": "invited", "baseline": P},
        "mde": MDE})


def speed(variants: int = 50, units: int = 1_000_000, repeats: int = 3) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    s = spec(variants)
    names = np.array([a.name for a in s.arms])
    rows = pd.DataFrame({"arm": names[rng.integers(0, len(names), units)],
                         "converted": (rng.random(units) < P).astype(np.int8)})
    summary = pd.DataFrame({"arm": names, "n": units,
                            "conversions": rng.binomial(units, P, len(names))})
    times = []
    for frame in (rows, summary):
        best = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            analyze(s, frame)
            best.append(time.perf_counter() - t0)
        times.append(float(np.median(best)))
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=int, default=300)
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = simulate(args.runs, args.days, args.per_day)
    print(f"A/A: {args.runs:,} tests, {args.days} daily looks of {args.per_day} units per arm, "
          f"both arms at {P:.0%} ({time.perf_counter() - t0:.1f} s)")
    print(f"{'test':<24}{'fixed horizon':>16}{'95% CI':>16}{'daily peeking':>16}{'95% CI':>16}")
    for name, (end, peek) in result.items():
        lo1, hi1 = wilson(end, args.runs)
        lo2, hi2 = wilson(peek, args.runs)
        print(f"{name:<24}{end / args.runs:>16.2%}{f'{lo1:.1%}–{hi1:.1%}':>16}"
              f"{peek / args.runs:>16.2%}{f'{lo2:.1%}–{hi2:.1%}':>16}")
    z_end, z_peek = (v / args.runs for v in result["z-test"])
    _, s_peek = (v / args.runs for v in result["mSPRT (wfm sequential)"])
    print(f"fixed horizon within 5% ± 1 point: {'met' if abs(z_end - 0.05) <= 0.01 else 'MISSED'}"
          f"; peeking: naive {z_peek:.1%} > 5%, sequential {s_peek:.1%} ≤ 5%: "
          f"{'met' if s_peek <= 0.05 < z_peek else 'MISSED'}")
    rows_s, summary_s = speed()
    print(f"\nanalysis of 50 variants + control (median of 3): {rows_s:.2f} s from 1,000,000 "
          f"unit rows; {summary_s:.2f} s from summary counts of 1,000,000 units per arm; "
          f"target ≤ 5 s: {'met' if max(rows_s, summary_s) <= 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
