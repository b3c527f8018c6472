"""The batch's read of stored entries stays an index lookup on SQLite, however
much time a person has recorded: the open entries come from their partial
index, never from the (user, start) range before the batch's end, which holds
every entry the person ever recorded (docs/benchmarks.md, "Quiet machine, and
a sync that read all of a person's entries")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.db.migrate import upgrade
from server.sync.store_sqlite import _STORED


def test_stored_entries_read_open_ones_through_their_partial_index(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    upgrade(f"sqlite+aiosqlite:///{path}")  # the schema as migrations make it
    with sqlite3.connect(path) as conn:
        params = ('["k"]', "u", "2026-01-01", "2026-01-02", "2025-12-31")
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {_STORED}", params)]
    assert any("ix_time_entries_user_open" in step for step in plan), plan
    # Each (user, start) range has a lower bound: a range open to the past
    # (`start_time<?` alone) would read the person's whole history.
    ranges = [s for s in plan if "ix_time_entries_user_start" in s]
    assert ranges and all("start_time>?" in s for s in ranges), plan
