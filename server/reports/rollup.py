"""The 15-minute activity rollup, recomputed set-based from per-minute buckets.

Recomputing a slot from its source rows (instead of adding deltas) keeps the
rollup right under the sync's replace-on-conflict semantics and makes every
refresh idempotent: running it twice, or after a retried batch, changes nothing.
The sync keeps it in step with the same statement at the driver, once per
batch (`server.sync.store_pg`, `server.sync.store_sqlite`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    delete,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import ActivityBucket, ActivityRollup

SLOT = timedelta(minutes=15)
_SLOT_SECONDS = int(SLOT.total_seconds())
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def slot_of(instant: datetime) -> datetime:
    seconds = int((instant - _EPOCH).total_seconds()) // _SLOT_SECONDS * _SLOT_SECONDS
    return _EPOCH + timedelta(seconds=seconds)


def _slot_expr(dialect: str) -> ColumnElement[Any]:
    minute = ActivityBucket.minute
    if dialect == "postgresql":
        expr: ColumnElement[Any] = func.date_bin(
            literal_column("INTERVAL '15 minutes'"),
            minute,
            literal_column("TIMESTAMPTZ '2000-01-01 00:00:00+00'"),
        )
    else:
        # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' text; rebuild that format.
        # Floor with `%` (SQLAlchemy renders `/` as true division: no floor).
        epoch = cast(func.strftime("%s", minute), Integer)
        floored = func.datetime(epoch - epoch % _SLOT_SECONDS, "unixepoch")
        expr = func.strftime("%Y-%m-%d %H:%M:%S.000000", floored)
    return type_coerce(expr, ActivityRollup.slot.type)


async def refresh(session: AsyncSession, *where: ColumnElement[bool]) -> None:
    """Recomputes every rollup slot touched by the buckets matching `where`."""
    dialect = session.get_bind().dialect.name
    slot = _slot_expr(dialect).label("slot")
    source = (
        select(
            ActivityBucket.time_entry_id,
            slot,
            ActivityBucket.organization_id,
            ActivityBucket.user_id,
            func.sum(ActivityBucket.active_seconds),
            func.sum(ActivityBucket.keyboard_clicks),
            func.sum(ActivityBucket.mouse_movements),
            func.count(),
        )
        .where(*where)
        .group_by(
            ActivityBucket.time_entry_id,
            slot,
            ActivityBucket.organization_id,
            ActivityBucket.user_id,
        )
    )
    columns = [
        "time_entry_id",
        "slot",
        "organization_id",
        "user_id",
        "active_seconds",
        "keyboard_clicks",
        "mouse_movements",
        "minutes",
    ]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ActivityRollup).from_select(columns, source)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ActivityRollup.time_entry_id, ActivityRollup.slot],
        set_={c: stmt.excluded[c] for c in columns[4:]},
    )
    await session.execute(stmt)


async def rebuild_organization(session: AsyncSession, org_id: uuid.UUID) -> None:
    """Recomputes all rollups of one organization (bulk imports, benchmarks, repairs)."""
    await session.execute(delete(ActivityRollup).where(ActivityRollup.organization_id == org_id))
    await refresh(session, ActivityBucket.organization_id == org_id)
