"""The three input contracts: contact history, agent roster, event log.

Each ``read_*`` function reads a file, validates it and returns a typed DataFrame; the README's
"Input files" section documents the same columns.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, expected_found
from wfm.io.contracts import GRID_STEPS_MINUTES, Column, Contract, first_bad, read_validated
from wfm.io.read import RawTable
from wfm.labels import Vocabulary

DEFAULT_SITE = "all"

# ----------------------------------------------------------------------------- history


def _check_grid(frame: pd.DataFrame, table: RawTable, vocab: Vocabulary) -> None:
    """Interval starts must sit on a 5..60-minute grid (what ACD exports produce)."""
    ts = frame["interval_start"]
    off_minute = (ts.dt.second != 0) | (ts.dt.microsecond != 0)
    first_bad(table, off_minute, "interval_start",
              "expected an interval start on a whole minute, found seconds in it")
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    for step in GRID_STEPS_MINUTES:
        off = minute % step != 0
        if not off.any():
            return
        if off.mean() < 0.05:  # a few stray rows on an otherwise clean grid: name them
            pos = int(np.flatnonzero(off)[0])
            raise InputError(
                table.where(pos, "interval_start"),
                expected_found(f"an interval start on the {step}-minute grid",
                               ts.iloc[pos].strftime("%Y-%m-%d %H:%M")),
                more=int(off.sum()) - 1,
            )
    raise InputError(table.source, "column 'interval_start': expected interval starts on a "
                     "5, 10, 15, 20, 30 or 60-minute grid, found irregular times")


def _check_aht(frame: pd.DataFrame, table: RawTable, vocab: Vocabulary) -> None:
    aht = frame["aht_seconds"]
    bad = (aht <= 0) & (frame["contacts"] > 0)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        first_bad(table, bad, "aht_seconds",
                  expected_found("a handle time above 0 seconds where contacts > 0",
                                 aht.iloc[pos]))


def _check_types_on_channels(frame: pd.DataFrame, table: RawTable, vocab: Vocabulary) -> None:
    if not vocab.types_by_channel:
        return
    pairs = frame[["channel", "inquiry_type"]].drop_duplicates()
    for pos, channel, itype in pairs.itertuples(name=None):
        served = vocab.types_by_channel.get(channel)
        if served is not None and itype not in served:
            raise InputError(
                table.where(pos, "inquiry_type"),
                f"inquiry type {itype!r} is not served on channel {channel!r}: expected one "
                f"of {', '.join(sorted(served))} ({vocab.source})",
            )


HISTORY = Contract(
    name="contact history",
    columns=(
        Column("interval_start", "timestamp",
               description="start of the interval, local time, e.g. 2026-09-01 08:30"),
        Column("channel", "label", vocabulary="channels",
               description="channel label, e.g. phone / 电话, wechat / 微信"),
        Column("inquiry_type", "label", vocabulary="inquiry_types",
               description="inquiry type, e.g. 出险报案"),
        Column("contacts", "count", description="contacts offered in the interval (≥ 0)"),
        Column("aht_seconds", "number", required=False,
               description="average handle time of those contacts, seconds"),
        Column("site", "label", required=False, vocabulary="sites",
               description=f"site label, e.g. 上海; '{DEFAULT_SITE}' when absent"),
    ),
    key=("interval_start", "channel", "inquiry_type", "site"),
    extra_checks=(_check_grid, _check_aht, _check_types_on_channels),
)


def read_history(path: str | Path, vocab: Vocabulary | None = None, *,
                 sheet: str | int | None = None) -> pd.DataFrame:
    """Contact history, one row per interval × channel × inquiry type × site."""
    frame = read_validated(path, HISTORY, vocab, sheet=sheet)
    frame["site"] = frame["site"].replace("", DEFAULT_SITE)
    return frame.sort_values(["site", "channel", "inquiry_type", "interval_start"],
                             kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- agents

WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate([
    ("mon", "monday", "周一", "星期一", "一"), ("tue", "tuesday", "周二", "星期二", "二"),
    ("wed", "wednesday", "周三", "星期三", "三"), ("thu", "thursday", "周四", "星期四", "四"),
    ("fri", "friday", "周五", "星期五", "五"), ("sat", "saturday", "周六", "星期六", "六"),
    ("sun", "sunday", "周日", "星期日", "周天", "星期天", "日", "天"),
]):
    WEEKDAYS.update(dict.fromkeys(_names, _i))

_UNAVAILABLE = re.compile(
    r"^(?P<d1>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:\s*\.\.\s*(?P<d2>\d{4}-\d{1,2}-\d{1,2})|\s+(?P<t1>\d{1,2}:\d{2})\s*-\s*(?P<t2>\d{1,2}:\d{2}))?$"
)


def parse_unavailable(entry: str) -> tuple[datetime, datetime]:
    """'2026-12-01', '2026-12-01..2026-12-03' or '2026-12-01 09:00-12:00' → [start, end)."""
    m = _UNAVAILABLE.match(entry.strip())
    if not m:
        raise ValueError(entry)
    d1 = datetime.strptime(m["d1"], "%Y-%m-%d")
    if m["d2"]:
        d2 = datetime.strptime(m["d2"], "%Y-%m-%d")
        if d2 < d1:
            raise ValueError(entry)
        return d1, d2 + timedelta(days=1)
    if m["t1"]:
        h1, m1 = map(int, m["t1"].split(":"))
        h2, m2 = map(int, m["t2"].split(":"))
        if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60):
            raise ValueError(entry)
        start, end = d1 + timedelta(hours=h1, minutes=m1), d1 + timedelta(hours=h2, minutes=m2)
        if end <= start:  # a night block such as 22:00-06:00 ends the next day
            end += timedelta(days=1)
        return start, end
    return d1, d1 + timedelta(days=1)


def _parse_agent_columns(frame: pd.DataFrame, table: RawTable, vocab: Vocabulary) -> None:
    parsed: list[tuple[tuple[datetime, datetime], ...]] = []
    for pos, entries in enumerate(frame["unavailable"]):
        blocks = []
        for entry in entries:
            try:
                blocks.append(parse_unavailable(entry))
            except ValueError:
                raise InputError(table.where(pos, "unavailable"), expected_found(
                    "dates like 2026-12-01, 2026-12-01..2026-12-03 or 2026-12-01 09:00-12:00",
                    entry)) from None
        parsed.append(tuple(blocks))
    frame["unavailable"] = pd.Series(parsed, index=frame.index, dtype=object)
    days: list[tuple[int, ...]] = []
    for pos, entries in enumerate(frame["preferred_days_off"]):
        try:
            days.append(tuple(sorted({WEEKDAYS[e.strip().lower()] for e in entries})))
        except KeyError as err:
            raise InputError(table.where(pos, "preferred_days_off"), expected_found(
                "weekday names such as Sat;Sun or 周六;周日", err.args[0])) from None
    frame["preferred_days_off"] = pd.Series(days, index=frame.index, dtype=object)
    no_skill = frame["skills"].map(len).eq(0).to_numpy()
    first_bad(table, no_skill, "skills", "expected at least one skill, found none")


AGENTS = Contract(
    name="agent roster",
    columns=(
        Column("agent_id", "id", description="unique agent identifier"),
        Column("name", "text", description="display name, e.g. 张伟"),
        Column("site", "label", vocabulary="sites", description="the agent's site"),
        Column("skills", "list", vocabulary="skills",
               description="';'-separated skills, e.g. phone;wechat"),
        Column("contract", "label", description="contract name, defined in the schedule config"),
        Column("team", "label", required=False, vocabulary="teams",
               description="team or group, e.g. VIP"),
        Column("unavailable", "list", required=False,
               description="';'-separated dates, date ranges or date + time blocks"),
        Column("preferred_shifts", "list", required=False,
               description="';'-separated shift template names"),
        Column("preferred_days_off", "list", required=False,
               description="';'-separated weekdays, e.g. Sat;Sun or 周六;周日"),
    ),
    key=("agent_id",),
    extra_checks=(_parse_agent_columns,),
)


def read_agents(path: str | Path, vocab: Vocabulary | None = None, *,
                sheet: str | int | None = None) -> pd.DataFrame:
    """The agent roster, one row per agent."""
    return read_validated(path, AGENTS, vocab, sheet=sheet)


# ----------------------------------------------------------------------------- events

EVENTS = Contract(
    name="event log",
    columns=(
        Column("timestamp", "timestamp", description="when the event happened, local time"),
        Column("contact_id", "id", description="the contact (call, session, message)"),
        Column("customer_id", "id",
               description="the customer; a keyed hash, never a raw phone number"),
        Column("channel", "label", vocabulary="channels", description="channel of the contact"),
        Column("inquiry_type", "label", vocabulary="inquiry_types",
               description="inquiry type of the contact"),
        Column("agent_id", "id", allow_empty=True,
               description="agent who handled it (blank for self-service)"),
        Column("team", "label", allow_empty=True, vocabulary="teams", description="agent's team"),
        Column("event", "label", description="what happened, e.g. reached, invited, added"),
        Column("value", "number", required=False,
               description="a number carried by the event, e.g. premium or a survey score"),
    ),
    key=("timestamp", "contact_id", "event"),
)


def read_events(path: str | Path, vocab: Vocabulary | None = None, *,
                sheet: str | int | None = None) -> pd.DataFrame:
    """The event log for funnels, journeys and tests, sorted by time."""
    frame = read_validated(path, EVENTS, vocab, sheet=sheet)
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


CONTRACTS: dict[str, Contract] = {"history": HISTORY, "agents": AGENTS, "events": EVENTS}
READERS = {"history": read_history, "agents": read_agents, "events": read_events}


def guess_kind(columns: list[str]) -> str | None:
    """Which contract a header most likely belongs to (for ``wfm data check``)."""
    scores = {k: sum(c.name in columns for c in v.columns if c.required) / len(v.required)
              for k, v in CONTRACTS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 0.5 else None
