"""Set-based upserts, one statement per table per batch.

PostgreSQL gets `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT`: one round
trip and a handful of parameters however many rows. SQLite (embedded mode)
uses SQLAlchemy's multi-row upsert, which the driver pages internally.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import ActivityBucket, TimeEntry
from server.db.session import dialect_of

ENTRY_COLUMNS = (
    "id",
    "organization_id",
    "user_id",
    "idempotency_key",
    "revision",
    "project_id",
    "task_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "status",
    "timezone",
    "description",
    "source",
    "device_id",
    "created_at",
    "updated_at",
)
_ENTRY_PG_TYPES = (
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
_ENTRY_UPDATED = (
    "revision",
    "project_id",
    "task_id",
    "start_time",
    "end_time",
    "duration_seconds",
    "status",
    "timezone",
    "description",
    "device_id",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "time_entry_id",
    "minute",
    "organization_id",
    "user_id",
    "keyboard_clicks",
    "mouse_movements",
    "active_seconds",
)
_ACTIVITY_PG_TYPES = ("uuid", "timestamptz", "uuid", "uuid", "int", "int", "smallint")
_ACTIVITY_VALUES = ("keyboard_clicks", "mouse_movements", "active_seconds")


def _unnest_select(columns: Sequence[str], types: Sequence[str]) -> str:
    args = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(columns, types, strict=True))
    return f"SELECT * FROM unnest({args})"  # noqa: S608 (column names are constants)


_PG_ENTRY_UPSERT = text(
    f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) "
    f"{_unnest_select(ENTRY_COLUMNS, _ENTRY_PG_TYPES)} "
    "ON CONFLICT (idempotency_key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _ENTRY_UPDATED)
    + " WHERE time_entries.revision < EXCLUDED.revision"
    " AND time_entries.user_id = EXCLUDED.user_id"
    " RETURNING idempotency_key"
)

_PG_ACTIVITY_UPSERT = text(
    "WITH written AS ("  # noqa: S608 (built from constants only)
    f"INSERT INTO activity_buckets ({', '.join(ACTIVITY_COLUMNS)}) "
    f"{_unnest_select(ACTIVITY_COLUMNS, _ACTIVITY_PG_TYPES)} "
    "ON CONFLICT (time_entry_id, minute) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _ACTIVITY_VALUES)
    + " WHERE (activity_buckets.keyboard_clicks, activity_buckets.mouse_movements,"
    " activity_buckets.active_seconds) IS DISTINCT FROM (EXCLUDED.keyboard_clicks,"
    " EXCLUDED.mouse_movements, EXCLUDED.active_seconds)"
    " RETURNING 1) SELECT count(*) FROM written"
)


def _columns(rows: list[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    return {c: [r[c] for r in rows] for c in columns}


async def upsert_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Inserts new entries and applies higher revisions; returns the keys written."""
    if not rows:
        return set()
    if dialect_of(session) == "postgresql":
        result = await session.execute(_PG_ENTRY_UPSERT, _columns(rows, ENTRY_COLUMNS))
        return {r[0] for r in result}
    insert = sqlite.insert(TimeEntry)
    stmt = insert.on_conflict_do_update(
        index_elements=[TimeEntry.idempotency_key],
        set_={c: insert.excluded[c] for c in _ENTRY_UPDATED},
        where=(TimeEntry.revision < insert.excluded.revision)
        & (TimeEntry.user_id == insert.excluded.user_id),
    ).returning(TimeEntry.idempotency_key)
    result = await session.execute(stmt, rows)
    return set(result.scalars())


async def upsert_activity(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Replace-on-conflict per (entry, minute); returns how many rows changed."""
    if not rows:
        return 0
    if dialect_of(session) == "postgresql":
        result = await session.execute(_PG_ACTIVITY_UPSERT, _columns(rows, ACTIVITY_COLUMNS))
        return int(result.scalar_one())
    insert = sqlite.insert(ActivityBucket)
    stmt = insert.on_conflict_do_update(
        index_elements=[ActivityBucket.time_entry_id, ActivityBucket.minute],
        set_={c: insert.excluded[c] for c in _ACTIVITY_VALUES},
        where=(ActivityBucket.keyboard_clicks != insert.excluded.keyboard_clicks)
        | (ActivityBucket.mouse_movements != insert.excluded.mouse_movements)
        | (ActivityBucket.active_seconds != insert.excluded.active_seconds),
    ).returning(ActivityBucket.time_entry_id)
    result = await session.execute(stmt, rows)
    return len(result.all())
