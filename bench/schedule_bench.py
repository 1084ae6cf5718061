"""Scheduling benchmark: anonymous shift sizing, wfm against pyworkforce 0.5.4, one run.

    python bench/schedule_bench.py [--peer-python PATH] [--seeds 5] [--repeats 3]

Instances (seeded): one week of 336 half-hours, a double-peaked requirement peaking at 60,
shifts of 4, 6, 8 and 9 hours starting every 30 minutes (ending the same day), cost = paid
hours. Both sides must reach the optimum; the LP bound (GLOP) is printed next to it. Timings
include building the model, as a user experiences them (median of --repeats).
pyworkforce runs in its own Python ≥ 3.12 environment (see staffing_bench.py).

Target (issue #5): the same optimum, ≥ 3× faster, side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.staffing_bench import peer_python  # noqa: E402
from wfm.schedule.anonymous import min_cost_shifts, shift_matrix  # noqa: E402

PERIODS, LENGTHS = 48, [8, 12, 16, 18]  # half-hours: 4, 6, 8, 9 h


def requirement(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = (np.arange(PERIODS) + 0.5) / 2
    days = []
    for d in range(7):
        scale = 1.0 if d < 5 else 0.6
        curve = np.exp(-0.5 * ((t - 10.5) / 1.8) ** 2) + 0.85 * np.exp(-0.5 * ((t - 15) / 2) ** 2)
        noisy = 60 * scale * curve / curve.max() * rng.uniform(0.9, 1.1, PERIODS)
        days.append(np.round(np.clip(noisy, 0, None)).astype(int))
    return np.array(days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cover, labels = shift_matrix(PERIODS, LENGTHS)
    cost = np.array([length // 2 for _, length in labels])  # paid hours, whole hours here
    python = peer_python(args.peer_python)
    print(f"{'seed':<6}{'wfm optimum':>12}{'peer optimum':>14}{'LP bound':>10}{'wfm s':>8}"
          f"{'peer s':>8}{'ratio':>8}")
    ratios = []
    for seed in range(args.seeds):
        req = requirement(seed)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ours = min_cost_shifts(req, cover, cost)
            times.append(time.perf_counter() - t0)
        ours_s = statistics.median(times)
        instance = {"required": req.tolist(), "repeats": args.repeats, "time_limit": 120,
                    "max_period": 1000, "max_shift": 1000,
                    "shifts_coverage": {f"s{i}": row.tolist() for i, row in enumerate(cover)},
                    "cost": {f"s{i}": int(c) for i, c in enumerate(cost)}}
        out = subprocess.run([str(python), str(HERE / "peers" / "schedule_peers.py")],
                             input=json.dumps(instance), capture_output=True, text=True,
                             check=True)
        peer = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = peer["seconds"] / ours_s
        ratios.append(ratio)
        same = "" if abs(peer["cost"] - ours.objective) < 1e-6 else "  DIFFERENT"
        print(f"{seed:<6}{ours.objective:>12.0f}{peer['cost']:>14.0f}{ours.lp_bound:>10.1f}"
              f"{ours_s:>8.2f}{peer['seconds']:>8.2f}{ratio:>7.1f}×{same}  "
              f"({ours.status} / {peer['status'].lower()})")
    med = statistics.median(ratios)
    print(f"median speed-up {med:.1f}×; target ≥ 3×: {'met' if med >= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
