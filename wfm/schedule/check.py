"""An independent checker of a roster against the hard rules.

It shares no code with the model: it reads the assignments as a person would (times,
breaks, skill minutes) and recomputes everything from the config and the roster.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pandas as pd

from wfm.schedule.config import ScheduleConfig


def check_schedule(assignments: list[dict], agents: pd.DataFrame, cfg: ScheduleConfig,
                   requirements: pd.DataFrame | None = None) -> list[str]:
    """Every broken hard rule, one line each; an empty list for a valid roster."""
    problems: list[str] = []
    roster = agents.set_index("agent_id")
    shifts = {s.name: s for s in cfg.shifts}
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for a in assignments:
        by_agent[a["agent_id"]].append(a)
    horizon = _horizon(assignments, requirements)
    for agent_id, items in by_agent.items():
        row = roster.loc[agent_id]
        contract = cfg.contracts[row["contract"]]
        items = sorted(items, key=lambda a: a["start"])
        dates = [a["date"] for a in items]
        if len(set(dates)) != len(dates):
            problems.append(f"{agent_id}: more than one shift on a day")
        paid_minutes = 0.0
        for a in items:
            problems += _check_shift(agent_id, a, shifts, cfg, row)
            unpaid = sum((b["end"] - b["start"]).total_seconds() / 60
                         for b in a["breaks"] if not b["paid"])
            paid_minutes += (a["end"] - a["start"]).total_seconds() / 60 - unpaid
        hours = paid_minutes / 60
        if cfg.rules.contract_hours == "hard" and not (
                contract.min_hours_week - 1e-6 <= hours <= contract.max_hours_week + 1e-6):
            problems.append(f"{agent_id}: {hours:g} paid hours, contract allows "
                            f"{contract.min_hours_week:g}-{contract.max_hours_week:g}")
        if cfg.rules.max_days == "hard" and len(items) > contract.max_days:
            problems.append(f"{agent_id}: {len(items)} working days > {contract.max_days}")
        if cfg.rules.max_consecutive_days == "hard":
            run = best = 0
            previous = None
            for d in sorted(set(dates)):
                run = run + 1 if previous and (d - previous).days == 1 else 1
                best, previous = max(best, run), d
            if best > contract.max_consecutive_days:
                problems.append(f"{agent_id}: {best} consecutive days > "
                                f"{contract.max_consecutive_days}")
        k = contract.min_consecutive_days_off
        if cfg.rules.consecutive_days_off == "hard" and 1 < k <= len(horizon):
            off = [day not in set(dates) for day in horizon]
            if not any(all(off[i:i + k]) for i in range(len(off) - k + 1)):
                problems.append(f"{agent_id}: no {k} consecutive days off")
        for first, second in zip(items, items[1:], strict=False):
            gap = (second["start"] - first["end"]).total_seconds() / 3600
            if gap < 0:
                problems.append(f"{agent_id}: shifts overlap on {second['date']}")
            elif cfg.rules.min_rest == "hard" and (second["date"] - first["date"]).days == 1 \
                    and gap < contract.min_rest_hours - 1e-6:
                problems.append(f"{agent_id}: {gap:g} h rest before {second['date']} < "
                                f"{contract.min_rest_hours:g}")
    if requirements is not None and cfg.rules.coverage == "hard":
        problems += _check_coverage(assignments, requirements, agents)
    return problems


def _horizon(assignments: list[dict], requirements: pd.DataFrame | None) -> list:
    """The scheduled dates: those the requirements cover, else those the roster spans."""
    if requirements is not None and len(requirements):
        first = requirements["interval_start"].min().date()
        last = requirements["interval_start"].max().date()
    elif assignments:
        first, last = min(a["date"] for a in assignments), max(a["date"] for a in assignments)
    else:
        return []
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _check_shift(agent_id: str, a: dict, shifts: dict, cfg: ScheduleConfig, row) -> list[str]:
    out = []
    shift = shifts.get(a["shift"])
    if shift is None:
        return [f"{agent_id}: unknown shift {a['shift']!r}"]
    start, end = a["start"], a["end"]
    if start.hour * 60 + start.minute not in shift.start_minutes:
        out.append(f"{agent_id}: {a['shift']} starts at {start:%H:%M}, not an allowed start")
    if (end - start) != timedelta(minutes=shift.length_minutes):
        out.append(f"{agent_id}: {a['shift']} lasts {end - start}, expected {shift.hours} h")
    if row["site"] != a["site"]:
        out.append(f"{agent_id}: scheduled at {a['site']}, works at {row['site']}")
    names = [b["name"] for b in a["breaks"]]
    if names != shift.breaks:
        out.append(f"{agent_id}: breaks {names} on {a['date']}, expected {shift.breaks}")
    previous_end = start
    for b in a["breaks"]:
        spec = cfg.break_(b["name"])
        offset = (b["start"] - start).total_seconds() / 60
        if not spec.earliest_after_minutes <= offset <= spec.latest_after_minutes:
            out.append(f"{agent_id}: {b['name']} at {b['start']:%H:%M} outside its window")
        if (b["end"] - b["start"]) != timedelta(minutes=spec.minutes):
            out.append(f"{agent_id}: {b['name']} lasts {b['end'] - b['start']}")
        if b["start"] < previous_end or b["end"] > end:
            out.append(f"{agent_id}: {b['name']} overlaps another break or the shift end")
        previous_end = b["end"]
    for block_start, block_end in row["unavailable"]:
        if start < block_end and block_start < end:
            out.append(f"{agent_id}: works {start:%Y-%m-%d %H:%M} while unavailable")
    worked = (end - start).total_seconds() / 60 - sum(
        (b["end"] - b["start"]).total_seconds() / 60 for b in a["breaks"])
    if sum(a["skill_minutes"].values()) > worked + 1e-6:  # less if the shift leaves the horizon
        out.append(f"{agent_id}: {sum(a['skill_minutes'].values())} skill minutes in a shift "
                   f"of {worked:g} working minutes")
    for skill in a["skill_minutes"]:
        if skill not in row["skills"]:
            out.append(f"{agent_id}: works skill {skill!r} they do not have")
    return out


def _check_coverage(assignments: list[dict], requirements: pd.DataFrame,
                    agents: pd.DataFrame) -> list[str]:
    """With hard coverage, two necessary conditions per interval, from the assignments alone:
    enough agents at work (not on a break) who have each skill, and enough agents at the site
    for all its skills together (an agent counts towards one skill at a time)."""
    skills = agents.set_index("agent_id")["skills"]
    out = []
    for (site, ts), part in requirements.groupby(["site", "interval_start"]):
        at_work = [a for a in assignments if a["site"] == site and a["start"] <= ts < a["end"]
                   and not any(b["start"] <= ts < b["end"] for b in a["breaks"])]
        for r in part.itertuples(index=False):
            able = sum(r.skill in skills[a["agent_id"]] for a in at_work)
            if able < r.required - 1e-9:
                out.append(f"{site} {r.skill} at {ts:%Y-%m-%d %H:%M}: {able} agents with the "
                           f"skill at work, {r.required:g} required")
        if len(at_work) < part["required"].sum() - 1e-9:
            out.append(f"{site} at {ts:%Y-%m-%d %H:%M}: {len(at_work)} agents at work for "
                       f"{part['required'].sum():g} required across skills")
    return out
