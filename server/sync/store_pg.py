"""The sync's statements on PostgreSQL, on the session's asyncpg connection.

Multi-row writes are `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT`: one
round trip and one parameter per column however many rows, so the statement
text never changes and asyncpg's prepared-statement cache always hits. Writes
answer a count (`WITH written AS (... RETURNING 1) SELECT count(*)`), not rows.
"""

# ruff: noqa: S608  (statements are built from constants only)

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.raw_pg import GuardedDriver, guarded
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
from server.timesheets.locks import LockedWeek, person_lock_key

_ENTRY_TYPES = (
    "uuid",
    "uuid",
    "uuid",
    "uuid",
    "bigint",
    "uuid",
    "uuid",
    "timestamptz",
    "timestamptz",
    "int",
    "text",
    "text",
    "text",
    "text",
    "text",
    "timestamptz",
    "timestamptz",
)
_ACTIVITY_TYPES = ("uuid", "timestamptz", "uuid", "uuid", "int", "int", "smallint")


def _arrays(types: Sequence[str], first: int = 1) -> str:
    """`unnest($1::t1[], $2::t2[], ...)`: one array parameter per column
    (numbered from `first`)."""
    return "unnest(" + ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=first)) + ")"


def _unnest(types: Sequence[str]) -> str:
    return f"SELECT * FROM {_arrays(types)}"


_ENTRY_WRITE = (
    f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) {_unnest(_ENTRY_TYPES)} "
    "ON CONFLICT (user_id, idempotency_key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in ENTRY_UPDATED)
    + " WHERE time_entries.revision < EXCLUDED.revision RETURNING 1"
)
_ENTRY_UPSERT = f"WITH written AS ({_ENTRY_WRITE}) SELECT count(*) FROM written"
_ACTIVITY_NAMES = ", ".join(ACTIVITY_COLUMNS)
# One statement writes the activity and recomputes its rollup slots from what
# the buckets hold after the write: the stored rows of those slots that the
# batch does not replace, plus the batch's rows (the CTEs share one snapshot,
# so the write is not yet visible to the read). No second read of the rows
# just written, one round trip less, and a slot whose sums did not change is
# not rewritten (a retry writes nothing).


def _activity_write(first: int = 1, guard: str = "") -> str:
    """The activity statement, its parameters numbered from `first`; `guard`, a
    condition, lets it write nothing at all when false."""
    p = [f"${i}" for i in range(first + len(_ACTIVITY_TYPES), first + len(_ACTIVITY_TYPES) + 4)]
    when = f" WHERE {guard}" if guard else ""
    also = f" AND {guard}" if guard else ""
    return (
        f"incoming AS (SELECT * FROM {_arrays(_ACTIVITY_TYPES, first)}"
        f" AS t({_ACTIVITY_NAMES}){when}),"
        f" written AS (INSERT INTO activity_buckets ({_ACTIVITY_NAMES}) SELECT * FROM incoming"
        " ON CONFLICT (time_entry_id, minute) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in ACTIVITY_VALUES)
        + " WHERE (activity_buckets.keyboard_clicks, activity_buckets.mouse_movements,"
        " activity_buckets.active_seconds) IS DISTINCT FROM (EXCLUDED.keyboard_clicks,"
        " EXCLUDED.mouse_movements, EXCLUDED.active_seconds) RETURNING 1),"
        f" merged AS (SELECT {', '.join('b.' + c for c in ACTIVITY_COLUMNS)}"
        f" FROM activity_buckets b WHERE b.user_id = {p[0]}"
        f" AND b.time_entry_id = ANY({p[1]}::uuid[])"
        f" AND b.minute >= {p[2]} AND b.minute < {p[3]}{also} AND NOT EXISTS"
        " (SELECT 1 FROM incoming n WHERE n.time_entry_id = b.time_entry_id"
        " AND n.minute = b.minute)"
        " UNION ALL SELECT * FROM incoming),"
        f" rolled AS (INSERT INTO activity_rollups ({', '.join(ROLLUP_COLUMNS)})"
        " SELECT time_entry_id, date_bin(INTERVAL '15 minutes', minute,"
        " TIMESTAMPTZ '2000-01-01 00:00:00+00') AS slot, organization_id, user_id, "
        f"{ROLLUP_SUMS} FROM merged GROUP BY time_entry_id, slot, organization_id, user_id"
        " ON CONFLICT (time_entry_id, slot) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in ROLLUP_COLUMNS[4:])
        + " WHERE ("
        + ", ".join(f"activity_rollups.{c}" for c in ROLLUP_COLUMNS[4:])
        + ") IS DISTINCT FROM ("
        + ", ".join(f"EXCLUDED.{c}" for c in ROLLUP_COLUMNS[4:])
        + ") RETURNING 1)"
    )


_ACTIVITY_WRITE = f"WITH {_activity_write()} SELECT count(*) FROM written"
# The entries and their activity in one round trip (the agent's usual batch: a
# running entry's next revision and its minute). The activity is written only
# if every entry row was ($N: how many the batch writes); a row not written
# lost a race, and the caller reads back what the activity may name and writes
# it on its own (`ingest_batch`), as when the two statements ran apart.
_BOTH_PARAM = len(_ENTRY_TYPES) + len(_ACTIVITY_TYPES) + 4 + 1
_ENTRIES_AND_ACTIVITY = (
    f"WITH entries AS ({_ENTRY_WRITE}),"
    f" whole AS (SELECT count(*) = ${_BOTH_PARAM} AS ok FROM entries), "
    + _activity_write(len(_ENTRY_TYPES) + 1, "(SELECT ok FROM whole)")
    + " SELECT (SELECT count(*) FROM entries),"
    " CASE WHEN (SELECT ok FROM whole) THEN (SELECT count(*) FROM written) END"
)
_ENTRY_FIELDS = "idempotency_key, user_id, revision, start_time, end_time, id, source"
_STORED = (
    f"SELECT {_ENTRY_FIELDS} FROM time_entries"
    " WHERE (user_id = $2 AND idempotency_key = ANY($1::uuid[]))"
    " OR (user_id = $2 AND start_time >= $5 AND start_time < $4"
    " AND (end_time IS NULL OR end_time > $3))"
    " OR (user_id = $2 AND end_time IS NULL AND start_time < $4)"
)
_OWN = (
    f"SELECT {_ENTRY_FIELDS} FROM time_entries"
    " WHERE user_id = $1 AND idempotency_key = ANY($2::uuid[])"
)
_DELETED = (
    "SELECT idempotency_key FROM deleted_time_entries"
    " WHERE user_id = $1 AND idempotency_key = ANY($2::uuid[])"
)
# A batch's reads in one round trip: its stored entries (1), the approved weeks
# meeting its starts or the stored starts of its keys (2), tombstones (3),
# projects (4) and tasks (5) it names, tagged by kind in one column list.
_KEY_STARTS = "(SELECT {0}(start_time) FROM s WHERE idempotency_key = ANY($1::uuid[]))"
_READ_BATCH = (
    f"WITH s AS ({_STORED}) SELECT 1, idempotency_key, user_id, revision, start_time,"
    " end_time, id, source::text, NULL::date FROM s"
    " UNION ALL SELECT 2, id, NULL, NULL, starts_at, ends_at, NULL, NULL, week_start"
    " FROM timesheets WHERE "
    + LOCKED_WEEKS_WHERE.format(
        "$2",
        f"GREATEST($7, {_KEY_STARTS.format('max')})",
        f"LEAST($6, {_KEY_STARTS.format('min')})",
    )
    + " UNION ALL SELECT 3, idempotency_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM deleted_time_entries WHERE user_id = $2 AND idempotency_key = ANY($1::uuid[])"
    " UNION ALL SELECT 4, id, NULL, archived::int, NULL, NULL, NULL, NULL, NULL"
    " FROM projects WHERE organization_id = $8 AND id = ANY($9::uuid[])"
    " UNION ALL SELECT 5, id, project_id, NULL, NULL, NULL, NULL, status::text, NULL"
    " FROM tasks WHERE organization_id = $8 AND id = ANY($10::uuid[])"
)
_LOCK = "SELECT pg_advisory_xact_lock($1)"
# The lock is taken only on the row that passes the check (one at most).
_LOCK_MEMBER = (
    "SELECT pg_advisory_xact_lock($1), o.app_tracking, o.redaction_patterns"
    " FROM users u JOIN organizations o ON o.id = u.organization_id WHERE "
    + MEMBER_WHERE.format("$2", "$3", "$4")
)
_LOCKED = "SELECT id, week_start, starts_at, ends_at FROM timesheets WHERE " + (
    LOCKED_WEEKS_WHERE.format("$1", "$2", "$3")
)


def _entry(r: Any) -> StoredEntry:
    # asyncpg's UUID type hashes and compares like uuid.UUID, but is not one.
    return StoredEntry(
        uuid.UUID(bytes=r[0].bytes),
        uuid.UUID(bytes=r[1].bytes),
        r[2],
        r[3],
        r[4],
        uuid.UUID(bytes=r[5].bytes),
        r[6],
    )


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[Any]:
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


class PgStore:
    def __init__(self, conn: AsyncConnection, driver: Any, adapter: Any = None) -> None:
        self._conn = conn
        # asyncpg.Connection, inside the session's transaction; a dropped
        # connection is invalidated and reported as SQLAlchemy would.
        self._db = GuardedDriver(conn, driver)
        self._adapter = adapter  # SQLAlchemy's wrapper of it (it owns the transaction)

    async def lock_user(self, user_id: uuid.UUID) -> None:
        # Through SQLAlchemy once: it also opens the transaction the raw
        # statements below join. Transaction-scoped, so it works across
        # processes and replicas and ends with COMMIT/ROLLBACK.
        await self._conn.exec_driver_sql(_LOCK, (person_lock_key(user_id),))

    async def lock_member(
        self, user_id: uuid.UUID, org_id: uuid.UUID, sign_in: uuid.UUID | None
    ) -> Member | None:
        # One round trip for what was two (the principal's read, the lock).
        params = (person_lock_key(user_id), user_id, org_id, sign_in)
        row: Any
        start = getattr(self._adapter, "_start_transaction", None)
        if start is not None and getattr(self._adapter, "_transaction", 0) is None:
            # SQLAlchemy's asyncpg adapter opens its transaction lazily, on its
            # first statement; opening it as it would (its own BEGIN, which it
            # then commits or rolls back) spares an SQLAlchemy statement here,
            # a tenth of a small sync's CPU (py-spy).
            await guarded(self._conn, start)
            row = await self._db.fetchrow(_LOCK_MEMBER, *params)
        else:  # a transaction already open, or an adapter without that hook
            row = (await self._conn.exec_driver_sql(_LOCK_MEMBER, params)).first()
        if row is None:
            return None
        patterns = row[2]
        return Member(row[1], json.loads(patterns) if isinstance(patterns, str) else patterns or [])

    async def read_batch(self, w: BatchWindow) -> BatchReads:
        rows = await self._db.fetch(
            _READ_BATCH,
            w.keys,
            w.user_id,
            w.start,
            w.end,
            w.since,
            w.first,
            w.last,
            w.org_id,
            w.project_ids,
            w.task_ids,
        )
        reads = BatchReads()
        tombstones = set()
        for r in rows:
            kind, ident = r[0], uuid.UUID(bytes=r[1].bytes)
            if kind == 1:
                reads.stored.append(_entry(r[1:8]))
            elif kind == 2:
                reads.weeks.append(LockedWeek(ident, r[8], r[4], r[5]))
            elif kind == 3:
                tombstones.add(ident)
            elif kind == 4:
                reads.projects.append((ident, bool(r[3])))
            else:
                reads.tasks.append((ident, uuid.UUID(bytes=r[2].bytes), r[7]))
        reads.deleted = tombstones - {e.key for e in reads.stored}
        return reads

    async def own_entries(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> list[StoredEntry]:
        return [_entry(r) for r in await self._db.fetch(_OWN, user_id, keys)]

    async def deleted_keys(self, user_id: uuid.UUID, keys: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._db.fetch(_DELETED, user_id, keys)
        return {uuid.UUID(bytes=r[0].bytes) for r in rows}

    async def locked_weeks(
        self, user_id: uuid.UUID, first: datetime, last: datetime
    ) -> list[LockedWeek]:
        rows = await self._db.fetch(_LOCKED, user_id, last, first)
        return [LockedWeek(uuid.UUID(bytes=r[0].bytes), r[1], r[2], r[3]) for r in rows]

    async def _upsert_entries(self, rows: list[tuple[Any, ...]]) -> int:
        if not rows:
            return 0
        return int(await self._db.fetchval(_ENTRY_UPSERT, *_columns(rows, len(ENTRY_COLUMNS))))

    async def write_entries(
        self,
        rows: list[tuple[Any, ...]],
        activity: list[tuple[Any, ...]],
        user_id: uuid.UUID,
        first: datetime,
        end: datetime,
    ) -> tuple[int, int | None]:
        if not rows or not activity:
            written = await self._upsert_entries(rows)
            return written, await self.write_activity(activity, user_id, first, end)
        entry_ids = list({r[0] for r in activity})
        row = await self._db.fetchrow(
            _ENTRIES_AND_ACTIVITY,
            *_columns(rows, len(ENTRY_COLUMNS)),
            *_columns(activity, len(ACTIVITY_COLUMNS)),
            user_id,
            entry_ids,
            first,
            end,
            len(rows),
        )
        return int(row[0]), None if row[1] is None else int(row[1])

    async def write_activity(
        self, rows: list[tuple[Any, ...]], user_id: uuid.UUID, first: datetime, end: datetime
    ) -> int:
        if not rows:
            return 0
        cols = _columns(rows, len(ACTIVITY_COLUMNS))
        entry_ids = list({r[0] for r in rows})
        changed = await self._db.fetchval(_ACTIVITY_WRITE, *cols, user_id, entry_ids, first, end)
        return int(changed)
