"""The PDCA registry: every test, its spec, its state transitions and its results, in SQLite.

Plan → Do → Check → Act, each transition timestamped with a note. Every write is one
transaction (``BEGIN IMMEDIATE``), so a crash mid-write loses nothing that was committed and
leaves nothing half-written; WAL mode and a busy timeout let two CLI calls run at once (the
second waits for the first). The database path comes from ``--registry``, else ``$WFM_REGISTRY``,
else ``wfm-registry.sqlite`` in the working directory.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from wfm.abtest.spec import TestSpec
from wfm.errors import UsageError

STATES = ("plan", "do", "check", "act", "monitor", "closed")
ALLOWED = {
    "plan": {"do", "closed"},
    "do": {"check", "closed"},
    "check": {"do", "act", "closed"},  # back to Do: keep running / enlarge the sample
    "act": {"monitor", "closed", "plan"},  # plan: the next cycle
    "monitor": {"closed", "plan"},
    "closed": set(),
}
RUNNING = ("plan", "do", "check")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    factor TEXT NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transitions (
    test_id INTEGER NOT NULL REFERENCES tests(id),
    at TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS results (
    test_id INTEGER NOT NULL REFERENCES tests(id),
    at TEXT NOT NULL,
    analysis TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS monitoring (
    test_id INTEGER NOT NULL REFERENCES tests(id),
    period TEXT NOT NULL,
    n INTEGER NOT NULL,
    conversions INTEGER NOT NULL,
    PRIMARY KEY (test_id, period)
);
"""


def default_path() -> Path:
    return Path(os.environ.get("WFM_REGISTRY", "wfm-registry.sqlite"))


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Registry:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as err:
            raise UsageError(f"registry {self.path}: cannot open it as a SQLite database "
                             f"({err})") from None
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -------------------------------------------------------------------- tests
    def register(self, spec: TestSpec, note: str = "") -> int:
        """A new test in Plan; refused if a running test overlaps (same primary metric and a
        population that can share units) unless the spec allows it."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM tests WHERE name = ?", (spec.name,)).fetchone():
                raise UsageError(f"a test named {spec.name!r} is already registered")
            if not spec.allow_overlap:
                for row in db.execute("SELECT id, name, spec, state FROM tests WHERE state IN "
                                      "(?, ?, ?)", RUNNING):
                    other = TestSpec.model_validate_json(row["spec"])
                    if spec.overlaps(other):
                        raise UsageError(
                            f"test {spec.name!r} overlaps running test #{row['id']} "
                            f"{row['name']!r} ({row['state']}): same metric "
                            f"{spec.primary.name!r} on a shared population, so their effects "
                            "would be confounded; narrow the population, wait, or set "
                            "allow_overlap: true")
            cur = db.execute("INSERT INTO tests (name, factor, spec, state, created) VALUES "
                             "(?, ?, ?, 'plan', ?)", (spec.name, spec.factor,
                                                      spec.model_dump_json(), _now()))
            test_id = int(cur.lastrowid)
            db.execute("INSERT INTO transitions VALUES (?, ?, NULL, 'plan', ?)",
                       (test_id, _now(), note or "registered"))
        return test_id

    def get(self, test_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT * FROM tests WHERE id = ?", (test_id,)).fetchone()
        if row is None:
            raise UsageError(f"no test #{test_id} in the registry {self.path}")
        out = dict(row)
        out["spec"] = TestSpec.model_validate_json(row["spec"])
        out["transitions"] = [dict(r) for r in self.db.execute(
            "SELECT at, from_state, to_state, note FROM transitions WHERE test_id = ? "
            "ORDER BY rowid", (test_id,))]
        out["results"] = [{"at": r["at"], "analysis": json.loads(r["analysis"])}
                          for r in self.db.execute("SELECT at, analysis FROM results WHERE "
                                                   "test_id = ? ORDER BY rowid", (test_id,))]
        return out

    def list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT id, name, factor, state, created FROM tests ORDER BY id")]

    def move(self, test_id: int, to: str, note: str = "") -> None:
        with self._tx() as db:
            row = db.execute("SELECT state FROM tests WHERE id = ?", (test_id,)).fetchone()
            if row is None:
                raise UsageError(f"no test #{test_id} in the registry {self.path}")
            if to not in ALLOWED[row["state"]]:
                raise UsageError(f"test #{test_id} is in {row['state'].title()}; it can move to "
                                 f"{', '.join(sorted(ALLOWED[row['state']])) or 'nothing'}, "
                                 f"not {to}")
            db.execute("UPDATE tests SET state = ? WHERE id = ?", (to, test_id))
            db.execute("INSERT INTO transitions VALUES (?, ?, ?, ?, ?)",
                       (test_id, _now(), row["state"], to, note))

    def record(self, test_id: int, analysis: dict[str, Any], note: str = "") -> None:
        """Store an analysis and move the test to Check (from Do or Check), atomically."""
        with self._tx() as db:
            row = db.execute("SELECT state FROM tests WHERE id = ?", (test_id,)).fetchone()
            if row is None:
                raise UsageError(f"no test #{test_id} in the registry {self.path}")
            if row["state"] not in ("do", "check"):
                raise UsageError(f"test #{test_id} is in {row['state'].title()}: results are "
                                 "recorded while it runs (Do) or is being checked")
            db.execute("INSERT INTO results VALUES (?, ?, ?)",
                       (test_id, _now(), json.dumps(analysis, ensure_ascii=False,
                                                    default=float)))
            if row["state"] == "do":
                db.execute("UPDATE tests SET state = 'check' WHERE id = ?", (test_id,))
                db.execute("INSERT INTO transitions VALUES (?, ?, 'do', 'check', ?)",
                           (test_id, _now(), note or analysis.get("verdict", "")))

    def add_monitoring(self, test_id: int, rows: list[tuple[str, int, int]]) -> None:
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO monitoring VALUES (?, ?, ?, ?)",
                           [(test_id, p, int(n), int(k)) for p, n, k in rows])

    def monitoring(self, test_id: int) -> list[tuple[str, int, int]]:
        return [(r["period"], r["n"], r["conversions"]) for r in self.db.execute(
            "SELECT period, n, conversions FROM monitoring WHERE test_id = ? ORDER BY period",
            (test_id,))]

    def effects(self, factor: str | None = None) -> list[dict[str, Any]]:
        """The latest recorded analysis of every test (of one factor), for history."""
        query = "SELECT t.id, t.name, t.factor, t.state, t.spec, r.at, r.analysis FROM tests t " \
                "JOIN results r ON r.test_id = t.id WHERE r.rowid = (SELECT MAX(rowid) FROM " \
                "results WHERE test_id = t.id)"
        args: tuple = ()
        if factor:
            query += " AND t.factor = ?"
            args = (factor,)
        return [{**dict(r), "analysis": json.loads(r["analysis"])}
                for r in self.db.execute(query + " ORDER BY t.id", args)]
