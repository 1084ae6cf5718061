"""Atomic writers: the file appears complete under its name, or not at all.

Each writer produces a temporary file in the target's folder (same file system, so the final
``os.replace`` is atomic) and renames it only after everything was written and flushed. If
anything fails, the temporary file is removed and an earlier output of the same name is left
untouched.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.errors import WfmError


class OutputError(WfmError):
    """An output that cannot be written (missing folder, no permission)."""


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{target}: cannot write, folder {str(folder)!r} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except PermissionError as err:
        raise OutputError(f"{target}: cannot write ({err.strerror})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:  # make the bytes durable before the name points at them
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except PermissionError as err:
        raise OutputError(f"{target}: cannot write ({err.strerror})") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask
    (mkstemp creates 0600, which would hide outputs from colleagues on a shared server)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_csv(frame: pd.DataFrame, path: str | Path, *, bom: bool = True) -> Path:
    """Write a CSV. With ``bom`` (the default) the file starts with a UTF-8 byte-order mark so
    Excel on Chinese Windows opens CJK labels correctly; wfm and pandas read it either way."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8",
                     date_format="%Y-%m-%d %H:%M:%S")
    return Path(path)


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas/datetime values to plain JSON types; NaN and NaT become null."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, np.ndarray | pd.Series):
        return [to_jsonable(v) for v in value.tolist()]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, pd.Timestamp | datetime | date | time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json"))
    return value


def dumps_json(value: Any) -> str:
    """JSON text with CJK characters kept readable (not ``\\uXXXX`` escaped)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, allow_nan=False)


def write_json(value: Any, path: str | Path) -> Path:
    return write_bytes(path, (dumps_json(value) + "\n").encode("utf-8"))


def write_with(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Run ``writer(tmp_path)`` and atomically move its result onto ``path``."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)
