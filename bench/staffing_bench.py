"""Staffing benchmark: wfm's Erlang C / Erlang A sizing next to pyworkforce 0.5.4, one run.

    python bench/staffing_bench.py [--peer-python PATH] [--erlang-a-sample 40]

Batch: 2,000 intervals, 10-2,000 calls per 30 minutes, AHT 180-600 s, 80% in 20 s (seeded).
Erlang A: patience 300 s. pyworkforce needs Python ≥ 3.12 and runs in its own environment
(bench/.pyworkforce-venv, created from a pyenv 3.12 interpreter on first use), never in
wfm's. Erlang A on pyworkforce takes ~0.2 s an interval, so it runs on the first N intervals
of the batch and is compared per interval.

Targets (issue #4): Erlang C ≥ 100× and Erlang A ≥ 1,000× faster than pyworkforce; identical
Erlang C agent counts; service levels within 1e-6.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from wfm.staffing.search import required_agents  # noqa: E402

PEER_VENV = HERE / ".pyworkforce-venv"


def peer_python(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        candidates = sorted(glob.glob("/root/.pyenv/versions/3.1[2-9]*/bin/python")
                            + glob.glob(str(Path.home() / ".pyenv/versions/3.1[2-9]*/bin/python")))
        if not candidates:
            sys.exit("pyworkforce needs Python ≥ 3.12: none found under pyenv; pass --peer-python")
        venv.EnvBuilder(with_pip=True).create(PEER_VENV) if False else subprocess.run(
            [candidates[0], "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "pyworkforce==0.5.4"], check=True)
    return python


def batch(n: int = 2000, seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(10, 2000, n)), np.round(rng.uniform(180, 600, n))


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=None)
    parser.add_argument("--erlang-a-sample", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    volumes, ahts = batch()
    patience = 300.0

    ours_c = required_agents(volumes, ahts, 1800, 0.8, 20)
    ours_c_s = median_time(lambda: required_agents(volumes, ahts, 1800, 0.8, 20), 21)
    ours_a = required_agents(volumes, ahts, 1800, 0.8, 20, model="erlang_a",
                             patience_seconds=patience)
    ours_a_s = median_time(lambda: required_agents(volumes, ahts, 1800, 0.8, 20,
                                                   model="erlang_a", patience_seconds=patience),
                           5)
    payload = {"volumes": volumes.tolist(), "ahts": ahts.tolist(), "repeats": args.repeats,
               "patience": patience, "erlang_a_sample": args.erlang_a_sample}
    out = subprocess.run([str(peer_python(args.peer_python)),
                          str(HERE / "peers" / "staffing_peers.py")],
                         input=json.dumps(payload), capture_output=True, text=True, check=True)
    peer = json.loads(out.stdout.strip().splitlines()[-1])

    pc, pa = peer["erlang_c"], peer["erlang_a"]
    same_c = int((np.array(pc["agents"]) == ours_c.agents).sum())
    sl_diff = float(np.max(np.abs(np.array(pc["service_level"]) - ours_c.service_level)))
    k = args.erlang_a_sample
    ours_a_per = ours_a_s / len(volumes)
    a_agents_peer = np.array(pa["agents"])
    fewer = int((ours_a.agents[:k] < a_agents_peer).sum())
    saved = int((a_agents_peer - ours_a.agents[:k]).sum())
    from wfm.staffing.erlang import erlang_a as ea

    peer_sl_check = ea(a_agents_peer, volumes[:k] * ahts[:k] / 1800, ahts[:k], patience, 20,
                       with_asa=False).service_level
    a_sl_diff = float(np.max(np.abs(peer_sl_check - np.array(pa["service_level"]))))

    print(f"{'measure':<52}{'wfm':>12}{'pyworkforce':>14}{'ratio':>10}")
    print(f"{'Erlang C sizing, 2,000 intervals (s, median)':<52}{ours_c_s:>12.4f}"
          f"{pc['seconds']:>14.4f}{pc['seconds'] / ours_c_s:>9.0f}×")
    print(f"{'Erlang A sizing, per interval (s, median)':<52}{ours_a_per:>12.6f}"
          f"{pa['seconds_per_interval']:>14.4f}{pa['seconds_per_interval'] / ours_a_per:>9.0f}×")
    print(f"{'Erlang C: identical agent counts':<52}{same_c:>12}/{len(volumes)}")
    print(f"{'Erlang C: max |service level difference|':<52}{sl_diff:>12.2e}")
    print(f"{'Erlang A: wfm service level at peer N vs peer (max diff)':<52}{a_sl_diff:>12.2e}")
    print(f"{'Erlang A: intervals where wfm needs fewer agents':<52}{fewer:>12}/{k}"
          f"   ({saved} agents in total; pyworkforce starts its search at the load)")
    met_c = pc["seconds"] / ours_c_s >= 100 and same_c == len(volumes) and sl_diff <= 1e-6
    met_a = pa["seconds_per_interval"] / ours_a_per >= 1000
    print(f"targets: Erlang C ≥ 100× with identical counts and SL within 1e-6: "
          f"{'met' if met_c else 'MISSED'}; Erlang A ≥ 1,000×: {'met' if met_a else 'MISSED'}")


if __name__ == "__main__":
    main()
