"""The one Excel writer every area uses.

A :class:`Workbook` collects sheets built from DataFrames with a styled header, frozen panes,
an auto-filter, column widths that account for wide CJK characters, and per-column number
formats (integer, decimal, percent, duration, date/time). Areas that need more (charts,
conditional colours) get the openpyxl worksheet back from :meth:`Workbook.add_table` and
decorate it. :meth:`Workbook.save` writes atomically.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from wfm.io.write import write_with

Format = Literal["text", "int", "number", "percent", "duration", "time", "date", "datetime"]

NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "int": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
    "duration": "[h]:mm:ss",  # stored as a fraction of a day
    "time": "hh:mm",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def display_width(text: str) -> int:
    """Columns a string occupies: East Asian wide/full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(name: str, taken: set[str]) -> str:
    """A legal, unique sheet title: Excel forbids []:*?/\\ and allows 31 characters."""
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in {t.lower() for t in taken}:
        tag = f" ({n})"
        title, n = base[: 31 - len(tag)] + tag, n + 1
    return title


def guess_format(series: pd.Series) -> Format:
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "number"
    if pd.api.types.is_timedelta64_dtype(series):
        return "duration"
    return "text"


def _cell_value(value: object, fmt: Format) -> object:
    """Turn pandas/numpy scalars into what openpyxl stores natively."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, list | tuple | set | frozenset):  # e.g. a roster's skills
        return ";".join(str(v) for v in value)
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if fmt == "duration" and isinstance(value, int | float):
        return value / 86400.0  # seconds -> Excel day fraction
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones
    return value


class Workbook:
    """An Excel workbook built sheet by sheet and saved atomically."""

    def __init__(self) -> None:
        self._book = _OpenpyxlWorkbook()
        self._book.remove(self._book.active)
        self._titles: set[str] = set()

    @property
    def sheetnames(self) -> list[str]:
        return list(self._book.sheetnames)

    def add_sheet(self, name: str) -> Worksheet:
        """An empty sheet (for free-form layouts such as a roster grid)."""
        title = sheet_title(name, self._titles)
        self._titles.add(title)
        return self._book.create_sheet(title)

    def add_table(
        self,
        name: str,
        frame: pd.DataFrame,
        formats: Mapping[str, Format] | None = None,
        *,
        title: str | None = None,
        freeze_columns: int = 0,
    ) -> Worksheet:
        """Write ``frame`` as a table with a styled header row.

        ``formats`` maps column names to a :data:`Format`; other columns are guessed from the
        dtype. ``title`` adds a bold caption row above the header. ``freeze_columns`` keeps the
        first N columns (e.g. agent and name) in view when scrolling right.
        """
        ws = self.add_sheet(name)
        formats = dict(formats or {})
        columns = [str(c) for c in frame.columns]
        fmts: list[Format] = [formats.get(c, guess_format(frame[c])) for c in frame.columns]
        top = 1
        if title:
            ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
            top = 3
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(row=top, column=j, value=col)
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(bottom=THIN)
        widths = [display_width(c) + 2 for c in columns]
        for i, row in enumerate(frame.itertuples(index=False, name=None), start=top + 1):
            for j, (value, fmt) in enumerate(zip(row, fmts, strict=True), start=1):
                cell = ws.cell(row=i, column=j, value=_cell_value(value, fmt))
                if cell.value is None:
                    continue
                cell.number_format = NUMBER_FORMATS[fmt]
                widths[j - 1] = max(widths[j - 1], _shown_width(cell.value, fmt) + 2)
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(width, MAX_WIDTH)
        ws.freeze_panes = ws.cell(row=top + 1, column=freeze_columns + 1)
        if len(frame):
            last = get_column_letter(max(len(columns), 1))
            ws.auto_filter.ref = f"A{top}:{last}{top + len(frame)}"
        return ws

    def save(self, path: str | Path) -> Path:
        """Write the workbook atomically; an earlier file of the same name survives a failure."""
        if not self._book.worksheets:
            self.add_sheet("Empty")
        return write_with(path, lambda tmp: self._book.save(tmp))


def _shown_width(value: object, fmt: Format) -> int:
    if fmt in ("datetime",) or isinstance(value, datetime):
        return 16
    if fmt == "date" or isinstance(value, date):
        return 10
    if fmt in ("percent", "time", "duration"):
        return 8
    if isinstance(value, int | float) and not isinstance(value, bool):
        return len(f"{value:,.2f}") if fmt == "number" else len(f"{value:,}")
    if isinstance(value, datetime):
        return 16
    return display_width(str(value))
