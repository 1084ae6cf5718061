"""After rollout: a p-chart of the metric per period with the Western Electric rules.

Centre line: the rate measured in the test's winning arm (or the pooled rate of the monitored
periods when none is given); limits p̄ ± 3·sqrt(p̄(1 − p̄)/nᵢ) per period (they widen for small
periods). Rules, each flagged on the period that completes it:
1. one point beyond 3σ; 2. two of three beyond 2σ on the same side; 3. four of five beyond 1σ
on the same side; 4. eight in a row on the same side of the centre line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def p_chart(periods: list[str], n, k, centre: float | None = None) -> pd.DataFrame:
    n = np.asarray(n, dtype=float)
    k = np.asarray(k, dtype=float)
    p = k / n
    pbar = float(k.sum() / n.sum()) if centre is None else float(centre)
    sigma = np.sqrt(pbar * (1 - pbar) / n)
    zs = (p - pbar) / sigma
    flags: list[list[str]] = [[] for _ in periods]
    for i in range(len(periods)):
        if abs(zs[i]) > 3:
            flags[i].append("1: beyond 3σ")
        for side in (1, -1):
            last3 = side * zs[max(0, i - 2):i + 1]
            if i >= 2 and (last3 > 2).sum() >= 2:
                flags[i].append("2: two of three beyond 2σ")
            last5 = side * zs[max(0, i - 4):i + 1]
            if i >= 4 and (last5 > 1).sum() >= 4:
                flags[i].append("3: four of five beyond 1σ")
            if i >= 7 and (side * zs[i - 7:i + 1] > 0).all():
                flags[i].append("4: eight on one side")
    return pd.DataFrame({"period": periods, "n": n.astype(int), "conversions": k.astype(int),
                         "rate": p, "centre": pbar, "lcl": np.clip(pbar - 3 * sigma, 0, 1),
                         "ucl": np.clip(pbar + 3 * sigma, 0, 1), "z": zs,
                         "signals": ["; ".join(dict.fromkeys(f)) for f in flags]})
