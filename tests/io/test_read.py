"""Reading CSV in the encodings Chinese Excel produces, XLSX and Parquet."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from tests.conftest import HISTORY_HEADER, HISTORY_ROWS
from wfm.errors import InputError
from wfm.io.inputs import read_history
from wfm.io.read import decode_text, read_table

TEXT = HISTORY_HEADER + HISTORY_ROWS


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"),
    ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_detects_encoding_and_keeps_cjk(write, encoding, expected):
    path = write("h.csv", TEXT, encoding)
    table = read_table(path)
    assert table.encoding == expected
    assert list(table.frame.columns) == HISTORY_HEADER.strip().split(",")
    assert table.frame["inquiry_type"].tolist() == ["出险报案", "出险报案", "业务查询"]
    assert table.frame["site"].tolist() == ["上海", "上海", "成都"]


def test_gbk_file_validates_as_history(write):
    frame = read_history(write("h.csv", TEXT, "gbk"))
    assert frame["contacts"].sum() == 31
    assert set(frame["site"]) == {"上海", "成都"}


def test_gb18030_only_characters(write):
    """GB18030 covers characters GBK lacks (e.g. 𠮷 in a name): still read."""
    path = write("a.csv", "agent_id,name\nA1,𠮷野\n", "gb18030")
    assert read_table(path).frame["name"].tolist() == ["𠮷野"]


def test_undecodable_bytes_name_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\xff\n")
    with pytest.raises(InputError, match=r"bad.csv, row 3: cannot decode the text"):
        read_table(path)


def test_tab_and_semicolon_delimiters(write):
    tab = read_table(write("h.tsv", TEXT.replace(",", "\t")))
    semi = read_table(write("h.txt", TEXT.replace(",", ";")))
    assert tab.frame.shape == semi.frame.shape == (3, 6)


def test_header_is_normalised(write):
    table = read_table(write("h.csv", "\ufeffInterval_Start , Contacts\n2026-09-01 08:00,3\n"))
    assert list(table.frame.columns) == ["interval_start", "contacts"]


def test_gzip_csv(tmp_path):
    path = tmp_path / "h.csv.gz"
    path.write_bytes(gzip.compress(TEXT.encode("gbk")))
    assert read_history(path)["contacts"].sum() == 31


def test_xlsx_round_trip_with_cjk(tmp_path):
    from wfm.io.excel import Workbook

    frame = pd.read_csv(pd.io.common.StringIO(TEXT))
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    book = Workbook()
    book.add_table("来量 history", frame)
    path = book.save(tmp_path / "历史来量.xlsx")
    back = read_history(path)
    assert back["contacts"].tolist() == [12, 15, 4]  # sorted by site, channel, type, time
    assert set(back["inquiry_type"]) == {"出险报案", "业务查询"}
    assert back["interval_start"].min() == pd.Timestamp("2026-09-01 08:00")


def test_xlsx_title_row_is_not_the_header(tmp_path):
    """A workbook written with a caption row is read by naming the sheet; the error for a
    sheet that does not exist lists the real ones."""
    from wfm.io.excel import Workbook

    book = Workbook()
    book.add_table("data", pd.DataFrame({"a": [1]}))
    path = book.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match=r"no sheet 'other': the workbook has \['data'\]"):
        read_table(path, sheet="other")


def test_parquet(tmp_path):
    frame = pd.DataFrame({
        "interval_start": pd.to_datetime(["2026-09-01 08:00", "2026-09-01 08:30"]),
        "channel": ["微信", "微信"], "inquiry_type": ["业务查询", "业务查询"],
        "contacts": [3, 5],
    })
    path = tmp_path / "h.parquet"
    frame.to_parquet(path)
    back = read_history(path)
    assert back["contacts"].tolist() == [3.0, 5.0]
    assert back["site"].tolist() == ["all", "all"]


def test_parquet_rows_are_numbered_from_one(tmp_path):
    frame = pd.DataFrame({"interval_start": ["2026-09-01 08:00", "x"], "channel": ["phone"] * 2,
                          "inquiry_type": ["a"] * 2, "contacts": [1, 2]})
    path = tmp_path / "h.parquet"
    frame.to_parquet(path)
    with pytest.raises(InputError, match=r"h.parquet, row 2, column 'interval_start'"):
        read_history(path)


@pytest.mark.parametrize("name,content,message", [
    ("h.xls", b"x", "old .xls workbooks are not supported"),
    ("h.json", b"{}", "expected a .csv, .tsv, .xlsx or .parquet file, found '.json'"),
    ("h.csv", b"", "the file is empty"),
    ("h.xlsx", b"not a zip", "not a readable .xlsx workbook"),
    ("h.parquet", b"not parquet", "not a readable Parquet file"),
])
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="expected a file, found a directory"):
        read_table(tmp_path)


def test_decode_prefers_utf8_for_ascii():
    assert decode_text(b"a,b\n", "x") == ("a,b\n", "utf-8")
