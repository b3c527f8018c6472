"""The queue's tables and their versions.

The file records its schema version in `PRAGMA user_version`. `MIGRATIONS`
is the ordered list of steps: step *n* brings a file from version *n - 1*
to *n*. Opening the queue runs the missing steps in one transaction (all of
them or none); a fresh file goes through all of them and so starts at the
latest version. A file with a newer version than this agent knows was
written by a newer agent: it is refused, never "repaired".

Version 1 is the schema of release 0.1.0, which set no user_version (0):
its step creates the tables only where they are missing, so a 0.1.0 file
keeps its rows and simply gets the number.

Rules for a new step: append it, never edit an old one; keep it additive
(add a table, column or index; do not rename or drop), because `status` and
`login` open and so migrate the file beside a running agent, which may still
be the older version after a package upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

# The 0.1.0 schema, statement for statement.
_V1 = (
    """CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    project_id TEXT,
    task_id TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT,
    status TEXT NOT NULL,
    timezone TEXT NOT NULL,
    description TEXT,
    last_heartbeat TEXT NOT NULL,
    synced_revision INTEGER NOT NULL DEFAULT 0,
    parked_revision INTEGER,
    parked_reason TEXT,
    parked_detail TEXT
)""",
    "CREATE INDEX IF NOT EXISTS entries_start ON entries(start_time)",
    "CREATE INDEX IF NOT EXISTS entries_status ON entries(status)",
    """CREATE TABLE IF NOT EXISTS activity (
    entry_key TEXT NOT NULL,
    minute TEXT NOT NULL,
    keyboard INTEGER NOT NULL,
    mouse_moves INTEGER NOT NULL,
    mouse_clicks INTEGER NOT NULL,
    active_seconds INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    synced_version INTEGER NOT NULL DEFAULT 0,
    parked_version INTEGER,
    parked_reason TEXT,
    PRIMARY KEY (entry_key, minute)
)""",
    """CREATE TABLE IF NOT EXISTS screenshots (
    key TEXT PRIMARY KEY,
    entry_key TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    file TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL,
    blur_level INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    thumbnail BLOB,
    state TEXT NOT NULL,
    server_id TEXT,
    reason TEXT
)""",
    "CREATE INDEX IF NOT EXISTS screenshots_state ON screenshots(state, captured_at)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

Migration = Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Migration:
    def step(db: sqlite3.Connection) -> None:
        for statement in sql:
            db.execute(statement)

    return step


# Release 0.3: the activity minute's input signals, and the foreground
# application per minute (docs/privacy.md).
_V2 = (
    "ALTER TABLE activity ADD COLUMN interval_cv REAL",
    "ALTER TABLE activity ADD COLUMN distinct_positions INTEGER",
    "ALTER TABLE activity ADD COLUMN pointer_span INTEGER",
    "ALTER TABLE activity ADD COLUMN keyboard_share REAL",
    "ALTER TABLE activity ADD COLUMN pointer_moves INTEGER",
    """CREATE TABLE IF NOT EXISTS apps (
    entry_key TEXT NOT NULL,
    minute TEXT NOT NULL,
    app TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    seconds INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    synced_version INTEGER NOT NULL DEFAULT 0,
    parked_version INTEGER,
    parked_reason TEXT,
    PRIMARY KEY (entry_key, minute, app, title)
)""",
)

MIGRATIONS: tuple[Migration, ...] = (_statements(*_V1), _statements(*_V2))
LATEST_VERSION = len(MIGRATIONS)

# What "waiting for upload" and "refused for good" mean, in SQL.
PENDING_ENTRY = (
    "revision > synced_revision AND (parked_revision IS NULL OR revision > parked_revision)"
)
PENDING_ACTIVITY = (
    "a.version > a.synced_version AND (a.parked_version IS NULL OR a.version > a.parked_version)"
)
PENDING_APP = (
    "p.version > p.synced_version AND (p.parked_version IS NULL OR p.version > p.parked_version)"
)
PARKED_ENTRY = "parked_revision IS NOT NULL AND revision <= parked_revision"
PARKED_ACTIVITY = "parked_version IS NOT NULL AND version <= parked_version"


class QueueTooNew(RuntimeError):
    """The queue file was written by a newer agent than this one."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__(
            f"{path} was written by a newer Hubnity agent (queue version {found}; this "
            f"agent knows versions up to {known}). Install the newer agent again: the "
            "queue was left untouched, so nothing in it is lost."
        )
        self.found = found
        self.known = known


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    db: sqlite3.Connection, path: Path, migrations: Sequence[Migration] | None = None
) -> int:
    """Bring the file to the latest version inside the caller's (write)
    transaction; returns the version it had. Raises QueueTooNew."""
    if migrations is None:
        migrations = MIGRATIONS
    found = schema_version(db)
    if found > len(migrations):
        raise QueueTooNew(path, found, len(migrations))
    for step in migrations[found:]:
        step(db)
    if found < len(migrations):
        # Part of the transaction: a failed step leaves the old number too.
        db.execute(f"PRAGMA user_version = {len(migrations):d}")
    return found
