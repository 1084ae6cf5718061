"""Deterministic, keyed assignment of units to arms.

Each unit's arm comes from HMAC-SHA256(key = a secret salt, message = test name + unit id):
the same unit always lands in the same arm of the same test, different tests split units
independently, and without the salt nobody can recompute who is in which arm from a phone
number. Only the keyed hash is ever written out, never the raw identifier.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

from wfm.abtest.spec import TestSpec


def keyed_hash(salt: bytes, test: str, unit: str) -> str:
    return hmac.new(salt, f"{test}\x1f{unit}".encode(), hashlib.sha256).hexdigest()


def assign(spec: TestSpec, units: pd.Series, salt: bytes) -> pd.DataFrame:
    """``unit_hash`` (first 32 hex digits of the keyed hash) and ``arm`` per unit."""
    digests = [keyed_hash(salt, spec.name, str(u)) for u in units]
    # 52 bits of the hash as a uniform number in [0, 1)
    u = np.array([int(d[:13], 16) for d in digests], dtype=float) / 16 ** 13
    weights = np.array([a.allocation for a in spec.arms], dtype=float)
    edges = np.cumsum(weights) / weights.sum()
    index = np.searchsorted(edges, u, side="right")
    arms = np.array([a.name for a in spec.arms], dtype=object)[index]
    return pd.DataFrame({"unit_hash": [d[:32] for d in digests], "arm": arms})
