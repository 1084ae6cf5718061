"""Data contracts: the columns each input file must have, checked on read.

A contract turns a :class:`~wfm.io.read.RawTable` into a typed DataFrame or raises an
:class:`~wfm.errors.InputError` naming the file, row and column, what was expected and what was
found. Each kind of problem has its own message: missing column, wrong type, negative count,
unparseable timestamp, duplicate key, unknown label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from wfm.errors import InputError, expected_found
from wfm.io.read import RawTable, read_table
from wfm.labels import Vocabulary

Kind = Literal["timestamp", "label", "id", "text", "count", "number", "list"]

LIST_SEPARATORS = re.compile(r"[;；]")
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
GRID_STEPS_MINUTES = (60, 30, 20, 15, 10, 5)


Check = Callable[[pd.DataFrame, "RawTable", Vocabulary], None]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    description: str = ""
    allow_empty: bool = False  # may a cell be blank (optional columns are always allowed)
    vocabulary: str | None = None  # "channels", "sites", "inquiry_types", "skills"


@dataclass(frozen=True)
class Contract:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    extra_checks: tuple[Check, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]


# --------------------------------------------------------------------------- cell checks


def first_bad(table: RawTable, bad: np.ndarray | pd.Series, column: str, message: str) -> None:
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        positions = np.flatnonzero(mask)
        raise InputError(table.where(positions[0], column), message, more=len(positions) - 1)


def _is_blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype(str).str.strip().eq("")


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings; whole floats from Excel (1001.0) print as ints (1001)."""

    def one(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return series.map(one).astype(object)


def parse_numbers(series: pd.Series) -> pd.Series:
    """Numbers from cells: accepts '1,200' thousands separators; bad cells become NaN."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    text = _as_text(series)
    text = text.where(~text.str.match(_THOUSANDS), text.str.replace(",", "", regex=False))
    return pd.to_numeric(text, errors="coerce").astype(float)


def parse_timestamps(series: pd.Series, timezone: str = "Asia/Shanghai") -> pd.Series:
    """Naive local timestamps. ISO 8601 first (fast), then any other common layout
    ('2026/9/1 8:00'); values with a UTC offset are converted to ``timezone``."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
    else:
        text = _as_text(series)
        has_tz = text.str.contains(_TZ_SUFFIX)
        if has_tz.any():
            out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
            aware = pd.to_datetime(text[has_tz], format="ISO8601", errors="coerce", utc=True)
            out[has_tz] = aware.dt.tz_convert(timezone).dt.tz_localize(None)
            rest = ~has_tz
            out[rest] = _parse_naive(text[rest])
        else:
            out = _parse_naive(text)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(timezone).dt.tz_localize(None)
    return out


def _parse_naive(text: pd.Series) -> pd.Series:
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    retry = out.isna() & text.ne("")
    if retry.any():
        out[retry] = pd.to_datetime(text[retry], format="mixed", errors="coerce")
    return out


def _check_one_time_zone(table: RawTable, name: str, raw: pd.Series, blank: np.ndarray) -> None:
    """Local times and times with a UTC offset in one column cannot be aligned safely."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return
    has_tz = _as_text(raw).str.contains(_TZ_SUFFIX).to_numpy() & ~blank
    if has_tz.any() and not has_tz[~blank].all():
        minority = ~has_tz & ~blank if has_tz.sum() > (~has_tz & ~blank).sum() else has_tz
        pos = int(np.flatnonzero(minority)[0])
        raise InputError(table.where(pos, name), expected_found(
            "every timestamp in the same form (all local times, or all with a UTC offset)",
            raw.iloc[pos]), more=int(minority.sum()) - 1)


def _convert(table: RawTable, column: Column, timezone: str) -> pd.Series:
    raw = table.frame[column.name]
    blank = _is_blank(raw).to_numpy()
    may_be_blank = column.allow_empty or not column.required
    if not may_be_blank:
        first_bad(table, blank, column.name, f"expected {_WANT[column.kind]}, found an empty cell")
    if column.kind in ("label", "id", "text"):
        return _as_text(raw)
    if column.kind == "list":
        return _as_text(raw).map(
            lambda s: tuple(p.strip() for p in LIST_SEPARATORS.split(s) if p.strip())
        )
    if column.kind == "timestamp":
        _check_one_time_zone(table, column.name, raw, blank)
        values = parse_timestamps(raw, timezone)
        bad = values.isna().to_numpy() & ~blank
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            first_bad(table, bad, column.name, expected_found(
                "a date and time such as '2026-09-01 08:30'", raw.iloc[first]))
        return values
    values = parse_numbers(raw)
    bad = (values.isna() | ~np.isfinite(values)).to_numpy() & ~blank
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        first_bad(table, bad, column.name, expected_found("a number", raw.iloc[first]))
    if column.kind == "count":
        negative = (values < 0).to_numpy()
        if negative.any():
            first = int(np.flatnonzero(negative)[0])
            first_bad(table, negative, column.name,
                       expected_found("a count of zero or more", raw.iloc[first]))
    return values


_WANT = {
    "timestamp": "a date and time",
    "label": "a label",
    "id": "an identifier",
    "text": "text",
    "count": "a count",
    "number": "a number",
    "list": "a ';'-separated list",
}


# --------------------------------------------------------------------------- table checks


def _check_columns(table: RawTable, contract: Contract) -> None:
    cols = list(table.frame.columns)
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise InputError(table.source, f"column {dupes[0]!r} appears more than once in the header")
    missing = [c for c in contract.required if c not in cols]
    if missing:
        found = ", ".join(c for c in cols if c) or "nothing"
        raise InputError(
            table.source,
            f"missing column {missing[0]!r} for a {contract.name} file: expected "
            f"{', '.join(contract.required)}"
            + (f" (optional: {', '.join(contract.optional)})" if contract.optional else "")
            + f", found {found}",
        )
    if table.frame.empty:
        raise InputError(table.source, f"no data rows: expected at least one {contract.name} row")


def _check_labels(frame: pd.DataFrame, table: RawTable, contract: Contract,
                  vocab: Vocabulary) -> None:
    for column in contract.columns:
        if column.vocabulary is None or column.name not in frame:
            continue
        values = frame[column.name]
        if column.kind == "list":
            exploded = values.explode()
            positions = exploded.index.to_numpy()
            flat = exploded.fillna("").to_numpy()
        else:
            positions, flat = values.index.to_numpy(), values.to_numpy()
        for label in pd.unique(flat):
            if label == "":
                continue
            problem = vocab.unknown(column.vocabulary, label)
            if problem:
                hits = positions[flat == label]
                raise InputError(table.where(hits[0], column.name), problem,
                                 more=len(np.unique(hits)) - 1)


def _check_duplicates(frame: pd.DataFrame, table: RawTable, contract: Contract) -> None:
    key = [k for k in contract.key if k in frame]
    if not key:
        return
    dup = frame.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return
    later = frame.duplicated(key, keep="first").to_numpy()
    pos = int(np.flatnonzero(later)[0])
    row = frame.iloc[pos]
    same = (frame[key] == row[key]).all(axis=1).to_numpy()
    first = int(np.flatnonzero(same)[0])
    shown = ", ".join(f"{k}={_short(row[k])}" for k in key)
    raise InputError(
        table.where(pos),
        f"duplicate {contract.name} row: expected one row per {', '.join(key)}, found the same "
        f"key as row {table.first_data_row + first} ({shown})",
        more=int(later.sum()) - 1,
    )


def _short(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return repr(value)


def validate(table: RawTable, contract: Contract, vocab: Vocabulary | None = None,
             timezone: str = "Asia/Shanghai") -> pd.DataFrame:
    """Check ``table`` against ``contract`` and return the typed frame.

    Extra columns are kept (breakdowns may use them), typed as text.
    """
    _check_columns(table, contract)
    frame = table.frame.reset_index(drop=True)
    table = RawTable(frame, table.source, table.encoding, table.sheet, table.first_data_row)
    out = pd.DataFrame(index=frame.index)
    known = {c.name: c for c in contract.columns}
    for name in frame.columns:
        if name in known:
            out[name] = _convert(table, known[name], timezone)
        elif name:
            out[name] = _as_text(frame[name])
    for column in contract.columns:  # optional columns the file lacks
        if column.name not in out:
            out[column.name] = _default(column, len(out))
    vocab = vocab or Vocabulary()
    _check_labels(out, table, contract, vocab)
    _check_duplicates(out, table, contract)
    for check in contract.extra_checks:
        check(out, table, vocab)
    return out


def _default(column: Column, n: int) -> pd.Series:
    if column.kind in ("count", "number"):
        return pd.Series(np.nan, index=range(n), dtype=float)
    if column.kind == "list":
        return pd.Series([()] * n, index=range(n), dtype=object)
    if column.kind == "timestamp":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]")
    return pd.Series([""] * n, index=range(n), dtype=object)


def read_validated(path, contract: Contract, vocab: Vocabulary | None = None, *,
                   sheet: str | int | None = None, timezone: str = "Asia/Shanghai") -> pd.DataFrame:
    """Read a file and validate it against a contract in one call."""
    return validate(read_table(path, sheet=sheet), contract, vocab, timezone)
