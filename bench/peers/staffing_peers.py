"""pyworkforce 0.5.4 on the staffing batch; runs in its own Python ≥ 3.12 environment.

Reads the batch (JSON: volumes, AHT seconds) from stdin, prints JSON with pyworkforce's agent
counts, service levels and timings. pyworkforce takes minutes, so seconds are converted.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from pyworkforce.queuing import ErlangA, ErlangC


def erlang_c(volumes, ahts, repeats):
    times, agents, sls = [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        out = [ErlangC(transactions=v, aht=a / 60, asa=20 / 60, interval=30)
               .required_positions(service_level=0.8) for v, a in zip(volumes, ahts, strict=True)]
        times.append(time.perf_counter() - t0)
        if r == 0:
            agents = [o["raw_positions"] for o in out]
            sls = [o["service_level"] for o in out]
    return {"seconds": statistics.median(times), "agents": agents, "service_level": sls}


def erlang_a(volumes, ahts, patience_s):
    times, agents, sls = [], [], []
    for v, a in zip(volumes, ahts, strict=True):
        t0 = time.perf_counter()
        o = ErlangA(transactions=v, aht=a / 60, asa=20 / 60, interval=30,
                    patience=patience_s / 60).required_positions(service_level=0.8)
        times.append(time.perf_counter() - t0)
        agents.append(o["raw_positions"])
        sls.append(o["service_level"])
    return {"seconds_per_interval": statistics.median(times), "agents": agents,
            "service_level": sls}


if __name__ == "__main__":
    batch = json.load(sys.stdin)
    n_a = batch["erlang_a_sample"]
    print(json.dumps({
        "erlang_c": erlang_c(batch["volumes"], batch["ahts"], batch["repeats"]),
        "erlang_a": erlang_a(batch["volumes"][:n_a], batch["ahts"][:n_a], batch["patience"]),
    }))
