"""The shared Excel writer: header style, frozen panes, widths, formats, CJK."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from openpyxl import load_workbook

from wfm.io.excel import Workbook, display_width, sheet_title


def _book(tmp_path):
    frame = pd.DataFrame({
        "坐席 agent": ["张伟", "欧阳娜娜"],
        "interval_start": pd.to_datetime(["2026-11-23 08:00", "2026-11-23 08:30"]),
        "required": [14, 20],
        "service_level": [0.88835, 0.91],
        "aht": [180.0, 245.5],
        "talk": [3600.0, 5400.0],
    })
    book = Workbook()
    book.add_table("排班 Roster", frame, {"service_level": "percent", "talk": "duration"},
                   title="上海 week 48", freeze_columns=1)
    path = book.save(tmp_path / "上海排班.xlsx")
    return load_workbook(path)["排班 Roster"]


def test_header_title_and_freeze(tmp_path):
    ws = _book(tmp_path)
    assert ws["A1"].value == "上海 week 48"
    assert ws["A3"].value == "坐席 agent" and ws["A3"].font.bold
    assert ws["A3"].fill.fgColor.rgb.endswith("1F4E78")
    assert ws.freeze_panes == "B4"
    assert ws.auto_filter.ref == "A3:F5"


def test_number_formats(tmp_path):
    ws = _book(tmp_path)
    assert ws["B4"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C4"].number_format == "#,##0" and ws["C4"].value == 14
    assert ws["D4"].number_format == "0.0%" and abs(ws["D4"].value - 0.88835) < 1e-12
    assert ws["E5"].number_format == "#,##0.00"
    # seconds are stored as a day fraction; openpyxl reads a duration format back as timedelta
    assert ws["F4"].number_format == "[h]:mm:ss" and ws["F4"].value == timedelta(hours=1)
    assert ws["A4"].value == "张伟"


def test_widths_count_cjk_double(tmp_path):
    ws = _book(tmp_path)
    # '欧阳娜娜' is 4 wide characters = 8 columns; header '坐席 agent' = 10; +2 padding.
    assert ws.column_dimensions["A"].width == 12
    assert display_width("上海 ab") == 7


def test_sheet_titles_are_legal_and_unique():
    taken: set[str] = set()
    first = sheet_title("a/b:c*?[d]", taken)
    taken.add(first)
    assert first == "a_b_c___d_"
    long = "上海" * 20
    t1 = sheet_title(long, taken)
    taken.add(t1)
    t2 = sheet_title(long, taken)
    assert len(t1) == 31 and len(t2) == 31 and t1 != t2 and t2.endswith("(2)")


def test_empty_workbook_still_opens(tmp_path):
    path = Workbook().save(tmp_path / "e.xlsx")
    assert load_workbook(path).sheetnames == ["Empty"]
