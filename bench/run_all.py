"""Run every benchmark once, one after the other, on this machine, and keep the log.

    python bench/run_all.py [--skip forecast_bench,...] [--log bench/results/latest.txt]

Each script runs in its own process with its default arguments (peers install into their
own environments under bench/ on first use). The README's benchmark summary quotes one such
log; the log's header records the machine, the date and the commit.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["startup", "staffing_bench", "staffing_reality", "schedule_bench", "forecast_bench",
           "kpi_bench", "abtest_bench"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated scripts to leave out")
    parser.add_argument("--log", default=str(HERE / "results" / "latest.txt"))
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE.parent).stdout.strip()
    header = (f"# wfm benchmarks, {datetime.now():%Y-%m-%d %H:%M}, commit {commit}, "
              f"{platform.machine()} {os.cpu_count()} cores, Python "
              f"{platform.python_version()}\n")
    failed = []
    with log.open("w", encoding="utf-8") as out:
        out.write(header)
        print(header, end="", flush=True)
        for name in SCRIPTS:
            if name in skip:
                continue
            began = time.perf_counter()
            title = f"\n## {name} (python bench/{name}.py)\n"
            out.write(title)
            print(title, end="", flush=True)
            proc = subprocess.Popen([sys.executable, str(HERE / f"{name}.py")],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, cwd=HERE.parent)
            for line in proc.stdout:
                if line.startswith("WARNING: Location"):  # pip's noise about local indexes
                    continue
                out.write(line)
                out.flush()
                print(line, end="", flush=True)
            code = proc.wait()
            tail = f"[{name}: exit {code}, {time.perf_counter() - began:.0f} s]\n"
            out.write(tail)
            print(tail, end="", flush=True)
            if code:
                failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
