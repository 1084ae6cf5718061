"""A seeded example of the insurer's invitation-script test, as daily summary counts.

Invited policyholders are split 50/50 between the current script (control, 60% accept, the
domain brief's figure) and one naming the endorsement shortcut (65%); 150 per arm per day for
four weeks, past the 4,128 per arm the sample config plans for a +5% relative MDE.
Synthetic, so every command that reads a test has realistic input.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

RATES = {"control": 0.60, "shortcut": 0.65}


def script_test(seed: int = 20261201, days: int = 28, per_day: int = 150,
                start: date = date(2026, 12, 1)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        for arm, p in RATES.items():
            n = int(rng.poisson(per_day))
            rows.append({"date": (start + timedelta(days=d)).isoformat(), "arm": arm, "n": n,
                         "conversions": int(rng.binomial(n, p))})
    return pd.DataFrame(rows)


def after_rollout(seed: int = 20270101, weeks: int = 12, per_week: int = 1000,
                  drift_week: int = 8, drifted: float = 0.60) -> pd.DataFrame:
    """Weekly acceptance after the shortcut script went live: 65% (the test's variant) until
    ``drift_week``, then ``drifted`` (agents slipping back to the old wording), for
    ``wfm abtest monitor`` to flag."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(weeks):
        p = RATES["shortcut"] if w < drift_week else drifted
        n = int(rng.poisson(per_week))
        rows.append({"period": f"2027-W{w + 1:02d}", "n": n,
                     "conversions": int(rng.binomial(n, p))})
    return pd.DataFrame(rows)
