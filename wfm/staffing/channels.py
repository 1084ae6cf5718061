"""Staffing models for non-queue channels.

* **Chat / WeChat sessions** (``chat`` kind): an agent holds ``concurrency`` sessions at once.
  Each session slot is a server of an Erlang queue whose handle time is the session's elapsed
  handling time: the single-session AHT × (1 + ``stretch`` × (concurrency − 1)), since a
  session waits while its agent types in the others. When the AHT in the data is already the
  elapsed session time (as chat platforms report it), ``stretch`` is 0. Agents = ⌈slots /
  concurrency⌉.
* **Deferred work** (email, WeChat messages, SMS) with a response-time promise: every item must
  be handled within the promise, working only in open intervals, with the backlog carried
  across intervals. The requirement profile is the Yao-Demers-Shenker schedule (see
  :func:`deferred_rate`): the smoothest staffing that meets every deadline. Items due after
  the horizon are handled in the opening hours that follow it (the last promise period's
  hours repeated), with no new arrivals assumed there.
* **Outbound and callbacks**: productive hours; agents = workload / (interval × occupancy).
"""

from __future__ import annotations

import numpy as np


def chat_load(sessions, aht_seconds, interval_seconds, concurrency: float, stretch: float = 0.0):
    """(load in session-slot Erlangs, elapsed session handle time in seconds)."""
    elapsed = np.asarray(aht_seconds, float) * (1 + stretch * (concurrency - 1))
    return np.asarray(sessions, float) * elapsed / interval_seconds, elapsed


def deferred_rate(work_seconds: np.ndarray, open_: np.ndarray, interval_seconds: float,
                  due_slots: int) -> np.ndarray:
    """Least agents (fractional) per interval so that the work arriving in each interval is
    done within ``due_slots`` intervals (its own included), in open intervals only.

    Yao-Demers-Shenker: the densest window [s, e] (work released and due inside it over its
    open time) must run at that density and no schedule can do better there; fix it, remove
    it, collapse the timeline and repeat. The result is feasible (earliest deadline first meets
    every deadline) and minimises the peak, then the next peak, and so on. Deadlines here are
    first-in first-out, so each round is one vectorised pass over all windows.
    """
    horizon = len(work_seconds)
    if horizon == 0:
        return np.zeros(0)
    # Items arriving near the end are due after the horizon: extend the timeline by one
    # promise period, repeating the last period's opening hours, with no new arrivals.
    tail = np.asarray(open_, bool)[-due_slots:]
    o = np.concatenate([np.asarray(open_, bool), np.resize(tail, due_slots)])
    w = np.concatenate([np.asarray(work_seconds, float), np.zeros(due_slots)])
    t = len(w)
    rate = np.zeros(t)
    slots = np.arange(t)  # original index of each remaining slot
    release = np.arange(t)
    deadline = np.arange(t) + due_slots - 1
    keep = w > 0
    release, deadline, w = release[keep], deadline[keep], w[keep]
    while w.size:
        n = len(slots)
        cw = np.concatenate([[0.0], np.cumsum(w)])
        co = np.concatenate([[0.0], np.cumsum(o[slots])]) * interval_seconds
        last_job = np.searchsorted(deadline, np.arange(n), side="right") - 1  # due ≤ e
        first_job = np.searchsorted(release, np.arange(n), side="left")  # released ≥ s
        s_idx, e_idx = np.arange(n)[:, None], np.arange(n)[None, :]
        work = np.where(last_job[None, :] >= first_job[:, None],
                        cw[last_job[None, :] + 1] - cw[first_job[:, None]], 0.0)
        capacity = co[e_idx + 1] - co[s_idx]
        valid = e_idx >= s_idx
        if np.any(valid & (capacity <= 0) & (work > 0)):
            raise ValueError("work is due in a window with no open time")
        with np.errstate(divide="ignore", invalid="ignore"):
            density = np.where(valid & (capacity > 0), work / capacity, -1.0)
        s, e = np.unravel_index(int(np.argmax(density)), density.shape)
        if density[s, e] <= 0:
            break
        window = slots[s:e + 1]
        rate[window[o[window]]] = density[s, e]
        inside = (release >= s) & (deadline <= e)
        length = e - s + 1
        release, deadline, w = release[~inside], deadline[~inside], w[~inside]
        release = np.where(release > e, release - length, np.minimum(release, s))
        deadline = np.where(deadline > e, deadline - length, np.minimum(deadline, s - 1))
        slots = np.concatenate([slots[:s], slots[e + 1:]])
        if np.any(deadline < release):
            raise ValueError("deferred work cannot meet its deadlines")  # pragma: no cover
    return rate[:horizon]


def outbound_agents(contacts, aht_seconds, interval_seconds, occupancy: float = 0.85):
    """Agents for planned outbound work: productive time / (interval × target occupancy)."""
    work = np.asarray(contacts, float) * np.asarray(aht_seconds, float)
    return work / (interval_seconds * occupancy)
