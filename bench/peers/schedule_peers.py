"""pyworkforce 0.5.4 MinRequiredResources on the anonymous-shift instance (own environment).

Reads the instance (JSON) from stdin; prints the status, cost and timings (model building
included, as the user experiences it; median of repeats)."""

from __future__ import annotations

import json
import statistics
import sys
import time

from pyworkforce.scheduling import MinRequiredResources

if __name__ == "__main__":
    inst = json.load(sys.stdin)
    times, result = [], None
    for _ in range(inst["repeats"]):
        t0 = time.perf_counter()
        scheduler = MinRequiredResources(
            num_days=len(inst["required"]), periods=len(inst["required"][0]),
            shifts_coverage=inst["shifts_coverage"], required_resources=inst["required"],
            max_period_concurrency=inst["max_period"], max_shift_concurrency=inst["max_shift"],
            cost_dict=inst["cost"], max_search_time=inst["time_limit"], num_search_workers=2)
        result = scheduler.solve()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"status": result["status"], "cost": result["cost"],
                      "seconds": statistics.median(times), "all_seconds": times}))
