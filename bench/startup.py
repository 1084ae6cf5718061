"""`wfm --help` start-up time (target: under 0.3 s), next to what an eager CLI would cost.

The baseline imports every module the commands use (pandas, numpy, pydantic, rich, openpyxl,
ortools) before printing help, as a CLI without lazy subcommands would.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

LAZY = "from wfm.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass"
EAGER = ("import pandas, numpy, pydantic, rich, openpyxl, yaml\n"
         "from ortools.sat.python import cp_model\n"
         "import wfm.cli.data, wfm.cli.config, wfm.cli.demo, wfm.demo\n" + LAZY)


def median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    lazy, eager = median_seconds(LAZY, args.runs), median_seconds(EAGER, args.runs)
    print(f"{'what':<34}{'median s':>10}{'ratio':>8}")
    print(f"{'wfm --help (lazy subcommands)':<34}{lazy:>10.3f}{1.0:>8.2f}")
    print(f"{'eager imports, same help':<34}{eager:>10.3f}{eager / lazy:>8.2f}")
    print(f"target 0.300 s: {'met' if lazy < 0.3 else 'MISSED'} ({args.runs} runs each)")


if __name__ == "__main__":
    main()
