"""The user's events file: days the public calendar does not know, or knows wrongly.

Columns: ``date, name, impact`` and optionally ``channel, inquiry_type, site`` to limit an
event to some series. ``impact`` is one of:

* a number: the day's volume relative to a normal day of its weekday (``1.3``, ``0.5``);
* ``closed``: no contacts (same as ``0``);
* ``open``: an ordinary working day even if it is a public holiday (a centre that works on a
  holiday the library lists);
* any other word, a *tag*: days sharing a tag share one effect, measured on the tagged days in
  the history (e.g. ``promo`` for campaign days) and applied to tagged future days.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, expected_found
from wfm.forecast.calendar import UserEvent
from wfm.io.contracts import Column, Contract, first_bad, parse_numbers, validate
from wfm.io.read import RawTable, read_table
from wfm.labels import Vocabulary

OPEN, CLOSED = "open", "closed"


def _check_dates(frame: pd.DataFrame, table: RawTable, vocab: Vocabulary) -> None:
    ts = frame["date"]
    first_bad(table, ts != ts.dt.normalize(), "date", "expected a date without a time of day")


EVENTS_FILE = Contract(
    name="special-day events",
    columns=(
        Column("date", "timestamp", description="the day, e.g. 2026-12-12"),
        Column("name", "text", description="what it is, e.g. 双十二 campaign"),
        Column("impact", "text", description="multiplier, closed, open, or a tag"),
        Column("channel", "label", required=False, vocabulary="channels"),
        Column("inquiry_type", "label", required=False, vocabulary="inquiry_types"),
        Column("site", "label", required=False, vocabulary="sites"),
    ),
    key=("date", "channel", "inquiry_type", "site"),
    extra_checks=(_check_dates,),
)


def read_events_file(path: str | Path, vocab: Vocabulary | None = None) -> list[UserEvent]:
    table = read_table(path)
    frame = validate(table, EVENTS_FILE, vocab)
    impact = frame["impact"].str.strip()
    numbers = parse_numbers(impact)
    events = []
    for pos, row in frame.iterrows():
        word = impact[pos].lower()
        value = numbers[pos]
        if not np.isnan(value):
            if value < 0:
                raise InputError(table.where(pos, "impact"),
                                 expected_found("a multiplier of 0 or more", impact[pos]))
            multiplier, tag = float(value), f"x{value:g}"
        elif word == CLOSED:
            multiplier, tag = 0.0, CLOSED
        elif word == OPEN:
            multiplier, tag = 1.0, OPEN
        else:
            multiplier, tag = None, impact[pos]
        events.append(UserEvent(row["date"].date(), row["name"], multiplier, tag,
                                row["channel"], row["inquiry_type"], row["site"]))
    return events

