"""Anonymous shift sizing: integral LP path and CP-SAT fallback, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from wfm.schedule.anonymous import min_cost_shifts, shift_matrix


def brute_force(required, cover, cost, upper=2):
    best = None
    for x in itertools.product(range(upper + 1), repeat=cover.shape[0]):
        x = np.array(x)
        if np.all(x @ cover >= required):
            value = float(x @ cost)
            best = value if best is None else min(best, value)
    return best


def test_consecutive_shifts_are_solved_by_the_lp():
    cover, labels = shift_matrix(6, [2, 3])
    cost = np.array([length for _, length in labels])
    required = np.array([[1, 2, 2, 1, 0, 1]])
    result = min_cost_shifts(required, cover, cost)
    assert result.status == "optimal"
    assert result.objective == result.lp_bound == brute_force(required[0], cover, cost)
    assert np.all(result.counts[0] @ cover >= required[0])


def test_split_shifts_fall_back_to_cp_sat():
    """Split shifts break the consecutive-ones property: the LP optimum is fractional
    (1.5 here) and CP-SAT finds the integer optimum (2)."""
    cover = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]])  # three 'split' shifts, an odd cycle
    cost = np.array([1, 1, 1])
    required = np.array([[1, 1, 1]])
    result = min_cost_shifts(required, cover, cost)
    assert result.lp_bound == pytest.approx(1.5)
    assert result.objective == brute_force(required[0], cover, cost) == 2
    assert result.status == "optimal"


def test_several_days_add_up():
    cover, labels = shift_matrix(8, [4])
    cost = np.ones(len(labels))
    required = np.array([[1] * 8, [2] * 8])
    result = min_cost_shifts(required, cover, cost)
    assert result.objective == 2 + 4 and result.counts.shape == (2, len(labels))
