from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

HISTORY_HEADER = "interval_start,channel,inquiry_type,contacts,aht_seconds,site\n"
HISTORY_ROWS = (
    "2026-09-01 08:00,phone,出险报案,12,300,上海\n"
    "2026-09-01 08:30,phone,出险报案,15,310.5,上海\n"
    "2026-09-01 08:00,wechat,业务查询,4,400,成都\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text, encoding='utf-8') -> path of a small fixture file."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture
def centre_path() -> Path:
    return ROOT / "configs" / "centre.yaml"
