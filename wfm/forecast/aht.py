"""Average handle time forecast per series: a weekday × interval profile of recent weeks,
shrunk towards coarser means where the data are thin.

Two levels of partial pooling, each a credibility weight n / (n + k) with n the contacts
behind a cell: the slot profile (all weekdays together) is shrunk towards the series mean, and
the weekday × slot cell towards that slot profile. A cell backed by thousands of calls keeps
its own value; one backed by three calls is mostly the series mean.
"""

from __future__ import annotations

import numpy as np

from wfm.forecast.panel import Series

PRIOR_CONTACTS = 30.0  # k: contacts at which a cell's own mean gets half the weight
AHT_WEEKS = 8


def aht_profile(s: Series, weeks: int = AHT_WEEKS, k: float = PRIOR_CONTACTS) -> np.ndarray | None:
    """(7, slots) AHT in seconds by weekday and slot; None if the series has no AHT data."""
    if s.aht is None:
        return None
    n_days = s.y.shape[0]
    rows = np.arange(max(0, n_days - 7 * weeks), n_days)
    y = np.nan_to_num(s.y[rows])
    aht = s.aht[rows]
    has = ~np.isnan(aht) & (y > 0)
    if not has.any():
        return None
    handled = np.where(has, aht * y, 0.0)
    n = np.where(has, y, 0.0)
    mean = handled.sum() / n.sum()
    slot_n, slot_h = n.sum(axis=0), handled.sum(axis=0)
    slot = (slot_h + k * mean) / (slot_n + k)
    weekday = (s.start.weekday() + rows) % 7
    out = np.empty((7, s.y.shape[1]))
    for w in range(7):
        pick = weekday == w
        wn, wh = n[pick].sum(axis=0), handled[pick].sum(axis=0)
        out[w] = (wh + k * slot) / (wn + k)
    return out
