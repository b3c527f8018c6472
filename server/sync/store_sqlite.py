"""The sync's statements on SQLite, on the session's aiosqlite connection.

Values go in the form SQLAlchemy stores them (`server.db.base`): UUIDs as
32-digit hex text, instants as naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`.
Writes are `executemany` of one prepared upsert (rows bound in C, counted by
the driver's change counter, no RETURNING); key lists are one JSON parameter
(`IN (SELECT value FROM json_each(?))`), so statement text, and SQLite's
prepared statement, stays the same from batch to batch.

A step of several statements (the batch's reads; the activity write with its
rollup) runs as one function on aiosqlite's thread (`_in_thread`): one
hand-over to that thread and back per step instead of one per statement, and
the event loop never runs SQLite itself (a statement waiting for the file's
lock must not stall every other request).

Embedded mode is one process; within it one asyncio lock lets one batch write
at a time (SQLite has one writer anyway), so batches queue in order instead of
meeting in SQLite's busy handler, which sleeps.
"""

# ruff: noqa: S608  (statements are built from constants only)

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
import weakref
from datetime import UTC, date, datetime
from typing import Any

from server.sync.store import (
    ACTIVITY_COLUMNS,
    ACTIVITY_VALUES,
    ENTRY_COLUMNS,
    ENTRY_UPDATED,
    LOCKED_WEEKS_WHERE,
    MEMBER_WHERE,
    ROLLUP_COLUMNS,
    ROLLUP_SUMS,
    BatchReads,
    BatchWindow,
    Member,
    StoredEntry,
)
from server.timesheets.locks import LockedWeek


def _marks(n: int) -> str:
    return ", ".join("?" * n)


_IN = "IN (SELECT value FROM json_each(?))"
_ENTRY_UPSERT = (
    f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) VALUES ({_marks(len(ENTRY_COLUMNS))})"
    " ON CONFLICT (user_id, idempotency_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ENTRY_UPDATED)
    + " WHERE time_entries.revision < excluded.revision"
)
_ACTIVITY_UPSERT = (
    f"INSERT INTO activity_buckets ({', '.join(ACTIVITY_COLUMNS)})"
    f" VALUES ({_marks(len(ACTIVITY_COLUMNS))})"
    " ON CONFLICT (time_entry_id, minute) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ACTIVITY_VALUES)
    + " WHERE "
    + " OR ".join(f"activity_buckets.{c} != excluded.{c}" for c in ACTIVITY_VALUES)
)
_ENTRY_FIELDS = "idempotency_key, user_id, revision, start_time, end_time, id, source"
# Three index ranges: the keys, the window by start, the open entries. As one
# OR, SQLite read the open entries through (user_id, start_time < end), i.e.
# every entry the person ever recorded, on every sync (docs/benchmarks.md,
# "A sync that read all of a person's entries"); the partial index of open
# entries is named so that it cannot pick that range again.
_STORED = (
    f"SELECT {_ENTRY_FIELDS} FROM time_entries"
    " WHERE user_id = ?2 AND idempotency_key IN (SELECT value FROM json_each(?1))"
    f" UNION SELECT {_ENTRY_FIELDS} FROM time_entries"
    " WHERE user_id = ?2 AND start_time >= ?5 AND start_time < ?4"
    " AND (end_time IS NULL OR end_time > ?3)"
    f" UNION SELECT {_ENTRY_FIELDS} FROM time_entries INDEXED BY ix_time_entries_user_open"
    " WHERE user_id = ?2 AND end_time IS NULL AND start_time < ?4"
)
_LOCKED = "SELECT id, week_start, starts_at, ends_at FROM timesheets WHERE " + (
    LOCKED_WEEKS_WHERE.format("?1", "?2", "?3")
)
_OWN = f"SELECT {_ENTRY_FIELDS} FROM time_entries WHERE user_id = ? AND idempotency_key {_IN}"
_DELETED = (
    f"SELECT idempotency_key FROM deleted_time_entries WHERE user_id = ? AND idempotency_key {_IN}"
)
_MEMBER = (
    "SELECT o.app_tracking, o.redaction_patterns FROM users u"
    " JOIN organizations o ON o.id = u.organization_id WHERE " + MEMBER_WHERE.format("?", "?", "?")
)
_PROJECTS = f"SELECT id, archived FROM projects WHERE organization_id = ? AND id {_IN}"
_TASKS = f"SELECT id, project_id, status FROM tasks WHERE organization_id = ? AND id {_IN}"
# 15-minute slots from the Unix epoch (= from 2000-01-01 UTC), integer division.
_SLOT = (
    "strftime('%Y-%m-%d %H:%M:%S.000000',"
    " datetime(CAST(strftime('%s', minute) AS INTEGER) / 900 * 900, 'unixepoch'))"
)
_ROLLUP_WHERE = f"WHERE user_id = ? AND time_entry_id {_IN}"
# The slots are recomputed whole: clear them first (this also drops rows an
# older server wrote per minute in the same slots, so nothing counts twice).
_ROLLUP_CLEAR = f"DELETE FROM activity_rollups {_ROLLUP_WHERE} AND slot >= ? AND slot < ?"
_ROLLUP = (
    f"INSERT INTO activity_rollups ({', '.join(ROLLUP_COLUMNS)}) "
    f"SELECT time_entry_id, {_SLOT} AS slot, organization_id, user_id, {ROLLUP_SUMS}"
    f" FROM activity_buckets {_ROLLUP_WHERE} AND minute >= ? AND minute < ?"
    " GROUP BY time_entry_id, slot, organization_id, user_id"
    " ON CONFLICT (time_entry_id, slot) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ROLLUP_COLUMNS[4:])
)


def ts(value: datetime | None) -> str | None:
    """An aware instant as SQLite stores it (naive UTC text, microseconds)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _keys(values: list[uuid.UUID]) -> str:
    return json.dumps([v.hex for v in values])


def _entry(r: Any) -> StoredEntry:
    return StoredEntry(
        uuid.UUID(r[0]),
        uuid.UUID(r[1]),
        r[2],
        _instant(r[3]),  # type: ignore[arg-type]
        _instant(r[4]),
        uuid.UUID(r[5]),
        r[6],
    )


def _week(r: Any) -> LockedWeek:
    return LockedWeek(uuid.UUID(r[0]), date.fromisoformat(r[1]), _instant(r[2]), _instant(r[3]))  # type: ignore[arg-type]


_UUID_FIELDS = frozenset(
    i for i, c in enumerate(ENTRY_COLUMNS) if c.endswith("id") and c != "device_id"
) | {ENTRY_COLUMNS.index("idempotency_key")}
_TIME_FIELDS = frozenset(i for i, c in enumerate(ENTRY_COLUMNS) if c.endswith(("_time", "_at")))


def _entry_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        _hex(v) if i in _UUID_FIELDS else ts(v) if i in _TIME_FIELDS else v
        for i, v in enumerate(row)
    )


def _activity_row(r: tuple[Any, ...]) -> tuple[Any, ...]:
    return (r[0].hex, ts(r[1]), r[2].hex, r[3].hex, r[4], r[5], r[6])


_writers: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


class SqliteStore:
    def __init__(self, driver: Any, database: str) -> None:
        self._db = driver  # aiosqlite.Connection, inside the session's transaction
        self._database = database
        self._lock: asyncio.Lock | None = None

    async def lock_user(self, user_id: uuid.UUID) -> None:
        """One writer per database file in this process, held until `release()`."""
        lock = _writers.get(self._database)
        if lock is None:
            lock = _writers[self._database] = asyncio.Lock()
        await lock.acquire()
        self._lock = lock

    async def lock_member(
        self, user_id: uuid.UUID, org_id: uuid.UUID, sign_in: uuid.UUID | None
    ) -> Member | None:
        rows = await self._db.execute_fetchall(_MEMBER, (user_id.hex, org_id.hex, _hex(sign_in)))
        if not rows:
            return None
        await self.lock_user(user_id)
        app_tracking, patterns = rows[0]
        return Member(app_tracking, json.loads(patterns) if patterns else [])

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def _in_thread(self, fn: Any, *args: Any) -> Any:
        """`fn(sqlite3_connection, *args)` on the connection's own thread, in
        the session's transaction (aiosqlite queues it like its statements)."""
        return await self._db._execute(fn, self._db._conn, *args)

    async def read_batch(self, w: BatchWindow) -> BatchReads:
        return await self._in_thread(_read_batch, w)

    async def own_entries(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> list[StoredEntry]:
        rows = await self._db.execute_fetchall(_OWN, (user_id.hex, _keys(keys)))
        return [_entry(r) for r in rows]

    async def deleted_keys(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._db.execute_fetchall(_DELETED, (user_id.hex, _keys(keys)))
        return {uuid.UUID(r[0]) for r in rows}

    async def locked_weeks(
        self, user_id: uuid.UUID, first: datetime, last: datetime
    ) -> list[LockedWeek]:
        rows = await self._db.execute_fetchall(_LOCKED, (user_id.hex, ts(last), ts(first)))
        return [_week(r) for r in rows]

    async def write_entries(
        self,
        rows: list[tuple[Any, ...]],
        activity: list[tuple[Any, ...]],
        user_id: uuid.UUID,
        first: datetime,
        end: datetime,
    ) -> tuple[int, int | None]:
        return await self._in_thread(_write_entries, rows, activity, user_id, first, end)

    async def write_activity(
        self, rows: list[tuple[Any, ...]], user_id: uuid.UUID, first: datetime, end: datetime
    ) -> int:
        if not rows:
            return 0
        return await self._in_thread(_write_activity, rows, user_id, first, end)


def _read_batch(c: sqlite3.Connection, w: BatchWindow) -> BatchReads:
    """The batch's reads, on the connection's thread. In-process statements:
    nothing to gain from folding them into one, so the weeks are looked up for
    exactly the starts that are checked."""
    reads = BatchReads()
    params = (_keys(w.keys), w.user_id.hex, ts(w.start), ts(w.end), ts(w.since))
    reads.stored = [_entry(r) for r in c.execute(_STORED, params).fetchall()]
    keys = set(w.keys)
    starts = [w.first, w.last]
    starts += [e.start for e in reads.stored if e.key in keys and e.owner == w.user_id]
    weeks = c.execute(_LOCKED, (w.user_id.hex, ts(max(starts)), ts(min(starts)))).fetchall()
    reads.weeks = [_week(r) for r in weeks]
    unknown = keys - {e.key for e in reads.stored}
    if unknown:
        found = c.execute(_DELETED, (w.user_id.hex, _keys(list(unknown)))).fetchall()
        reads.deleted = {uuid.UUID(r[0]) for r in found}
    org = w.org_id.hex
    if w.project_ids:
        found = c.execute(_PROJECTS, (org, _keys(w.project_ids))).fetchall()
        reads.projects = [(uuid.UUID(r[0]), bool(r[1])) for r in found]
    if w.task_ids:
        found = c.execute(_TASKS, (org, _keys(w.task_ids))).fetchall()
        reads.tasks = [(uuid.UUID(r[0]), uuid.UUID(r[1]), r[2]) for r in found]
    return reads


def _write_entries(
    c: sqlite3.Connection,
    rows: list[tuple[Any, ...]],
    activity: list[tuple[Any, ...]],
    user_id: uuid.UUID,
    first: datetime,
    end: datetime,
) -> tuple[int, int | None]:
    """`SyncStore.write_entries` as one step on the connection's thread."""
    written = 0
    if rows:
        written = int(c.executemany(_ENTRY_UPSERT, [_entry_row(r) for r in rows]).rowcount)
    if written < len(rows) and activity:
        return written, None
    return written, _write_activity(c, activity, user_id, first, end) if activity else 0


def _write_activity(
    c: sqlite3.Connection,
    rows: list[tuple[Any, ...]],
    user_id: uuid.UUID,
    first: datetime,
    end: datetime,
) -> int:
    """The activity upsert and its rollup slots' recompute, on the connection's thread."""
    changed = int(c.executemany(_ACTIVITY_UPSERT, [_activity_row(r) for r in rows]).rowcount)
    if changed:  # a pure retry changes nothing, so nothing to recompute
        params = (user_id.hex, _keys(list({r[0] for r in rows})), ts(first), ts(end))
        c.execute(_ROLLUP_CLEAR, params)
        c.execute(_ROLLUP, params)
    return changed
