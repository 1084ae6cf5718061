"""The one error hierarchy of wfm.

Every error a user can fix carries where it happened (file, row, column, or config key) and what
was expected versus found. The CLI prints ``Error: <message>`` on one line and exits with status 2
(see :data:`EXIT_USER_ERROR`); anything not derived from :class:`WfmError` is a bug and exits 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_USER_ERROR = 2
EXIT_BUG = 1


def _show(value: object, limit: int = 40) -> str:
    """Render a found value for a message: quoted, shortened, one line."""
    text = str(value).replace("\n", "\\n")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if not isinstance(value, int | float) else text


class WfmError(Exception):
    """Base class: an error the user can fix. ``str(err)`` is the one-line message."""

    def __str__(self) -> str:  # one line, whatever the subclass builds
        return " ".join(super().__str__().split("\n"))


class UsageError(WfmError):
    """A command-line value that makes no sense (e.g. a horizon of ``-2w``)."""


@dataclass(frozen=True)
class Location:
    """Where in an input file a problem sits. ``row`` is the 1-based line/row a person sees
    in a text editor or Excel (the header is row 1), ``None`` for file-level problems."""

    file: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class InputError(WfmError):
    """A data file that cannot be read or breaks its contract."""

    def __init__(self, where: Location | str | Path, message: str, *, more: int = 0):
        self.where = where if isinstance(where, Location) else Location(str(where))
        self.detail = message
        self.more = more
        suffix = f" (and {more} more row{'s' if more != 1 else ''} like it)" if more else ""
        super().__init__(f"{self.where}: {message}{suffix}")


def expected_found(expected: str, found: object) -> str:
    """The standard phrasing: ``expected <what>, found <value>``."""
    return f"expected {expected}, found {_show(found)}"


class ConfigError(WfmError):
    """A configuration file (YAML) with a bad or missing key."""

    def __init__(self, file: str | Path, key: str | None, message: str, line: int | None = None):
        self.file, self.key, self.line, self.detail = str(file), key, line, message
        where = self.file + (f":{line}" if line else "")
        if key:
            where += f", key {key!r}"
        super().__init__(f"{where}: {message}")


class DataError(WfmError):
    """Inputs that are individually valid but cannot be used together
    (e.g. a roster whose skills match no requirement)."""


class SolverError(WfmError):
    """A model the solver proved impossible, with the reason."""
