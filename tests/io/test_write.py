"""Outputs appear whole or not at all; earlier results survive a failed run."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

from wfm.io.excel import Workbook
from wfm.io.write import OutputError, atomic_path, dumps_json, write_csv, write_json


def test_failure_leaves_no_file(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a file")
        raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_output(tmp_path):
    target = tmp_path / "out.json"
    write_json({"run": 1}, target)

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        write_json({"run": 2, "bad": Unserialisable()}, target)
    assert json.loads(target.read_text()) == {"run": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failed_workbook_save_keeps_old_workbook(tmp_path, monkeypatch):
    target = tmp_path / "排班.xlsx"
    book = Workbook()
    book.add_table("v1", pd.DataFrame({"a": [1]}))
    book.save(target)
    before = target.read_bytes()

    book2 = Workbook()
    book2.add_table("v2", pd.DataFrame({"a": [2]}))

    def broken_save(path):
        with open(path, "wb") as fh:
            fh.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(book2._book, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        book2.save(target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["排班.xlsx"]


def test_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(OutputError, match="folder .* does not exist"):
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "nope" / "x.csv")


def test_new_files_get_normal_permissions(tmp_path):
    path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_csv_has_bom_and_cjk(tmp_path):
    path = write_csv(pd.DataFrame({"渠道": ["微信"], "contacts": [3]}), tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == ["渠道,contacts", "微信,3"]


def test_json_keeps_cjk_and_maps_nan_to_null():
    text = dumps_json({"site": "上海", "x": np.float64("nan"), "n": np.int64(3),
                       "t": pd.Timestamp("2026-09-01 08:00"), "arr": np.array([1.5, 2.0])})
    assert json.loads(text) == {"site": "上海", "x": None, "n": 3, "t": "2026-09-01T08:00:00",
                                "arr": [1.5, 2.0]}
    assert "上海" in text
