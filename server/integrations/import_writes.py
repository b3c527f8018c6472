# ruff: noqa: S608  (statements are built from constants only)
"""The importer's set-based statements, one per page and kind.

Rows come as tuples in the column order below. On PostgreSQL new rows go in
by binary COPY and changed ones in one UPDATE over `unnest` of one array per
column (one round trip, no per-row statement or ORM work); SQLite gets the
same rows as an executemany.
The lookup of a page's stored records probes the unique (integration,
external id) index once per id (a LATERAL join), so it costs the same on a
fresh table as on an analysed one.

Deletion detection for a window run keeps the external ids the run saw in a
temporary table of the run's connection (`import_seen`): unchanged records
are not written at all, and the sweep at the end is one anti-join. Records
the run creates or updates are not noted there: their `last_run_id` says the
run saw them (a first import notes nothing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import day_refresh
from server.db.models import IntegrationRecord, TimeEntry
from server.db.raw_pg import GuardedDriver
from server.db.session import dialect_of

CHUNK = 1000

# Columns of a new entry and of its record, in the order of the tuples given.
ENTRY_COLUMNS = (
    "id", "user_id", "idempotency_key", "project_id", "start_time", "end_time",
    "duration_seconds", "description", "billable", "ticket_key",
)  # fmt: skip
RECORD_COLUMNS = (
    "id",
    "external_id",
    "time_entry_id",
    "fingerprint",
    "start_time",
    "remote_updated_at",
)
# A changed entry / record: the id first, then the new values.
ENTRY_UPDATE_COLUMNS = (
    "id", "user_id", "project_id", "start_time", "end_time", "duration_seconds",
    "description", "billable", "ticket_key",
)  # fmt: skip
RECORD_UPDATE_COLUMNS = ("id", "fingerprint", "start_time", "remote_updated_at")

_PG_TYPES = {
    "id": "uuid", "user_id": "uuid", "idempotency_key": "uuid", "project_id": "uuid",
    "time_entry_id": "uuid", "start_time": "timestamptz", "end_time": "timestamptz",
    "remote_updated_at": "timestamptz", "duration_seconds": "int", "description": "text",
    "billable": "bool", "ticket_key": "text", "external_id": "text", "fingerprint": "text",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Known:
    """What the importer needs of a stored record."""

    id: uuid.UUID
    fingerprint: str
    time_entry_id: uuid.UUID | None


def _unnest(columns: tuple[str, ...]) -> str:
    arrays = ", ".join(f"CAST(:{c} AS {_PG_TYPES[c]}[])" for c in columns)
    return f"unnest({arrays}) AS u({', '.join(columns)})"


Rows = list[tuple[Any, ...]]


def _arrays(columns: tuple[str, ...], rows: Rows) -> dict[str, list[Any]]:
    """One list per column (the arrays `unnest` takes)."""
    return {c: list(values) for c, values in zip(columns, zip(*rows, strict=True), strict=True)}


def _dicts(columns: tuple[str, ...], rows: Rows) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _spans(columns: tuple[str, ...], rows: Rows) -> list[tuple[Any, Any, Any]]:
    """(user, start, end) of each entry row."""
    u, s, e = (columns.index(c) for c in ("user_id", "start_time", "end_time"))
    return [(row[u], row[s], row[e]) for row in rows]


_PG_KNOWN = text(
    "SELECT r.external_id, r.id, r.fingerprint, r.time_entry_id"
    " FROM unnest(CAST(:ids AS text[])) AS u(external_id)"
    " CROSS JOIN LATERAL (SELECT id, external_id, fingerprint, time_entry_id"
    "  FROM integration_records WHERE integration_id = :integration"
    "  AND external_id = u.external_id) AS r"
)


async def known_records(
    session: AsyncSession, integration_id: uuid.UUID, external_ids: list[str]
) -> dict[str, Known]:
    """The stored records among `external_ids`, by external id."""
    out: dict[str, Known] = {}
    if not external_ids:
        return out
    if dialect_of(session) == "postgresql":
        rows = await session.execute(
            _PG_KNOWN, {"ids": external_ids, "integration": integration_id}
        )
        return {r[0]: Known(r[1], r[2], r[3]) for r in rows}
    for i in range(0, len(external_ids), CHUNK):
        rows = await session.execute(
            select(
                IntegrationRecord.external_id,
                IntegrationRecord.id,
                IntegrationRecord.fingerprint,
                IntegrationRecord.time_entry_id,
            ).where(
                IntegrationRecord.integration_id == integration_id,
                IntegrationRecord.external_id.in_(external_ids[i : i + CHUNK]),
            )
        )
        out.update({r[0]: Known(r[1], r[2], r[3]) for r in rows})
    return out


async def _copy(session: AsyncSession, table: str, columns: tuple[str, ...], rows: Rows) -> None:
    """Binary COPY into `table` inside the session's transaction (PostgreSQL):
    no per-row statement, and asyncpg encodes rows without per-value checks."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        # Outside the page's transaction COPY would commit on its own; a page
        # of unreadable records only has run no statement yet.
        await session.execute(text("SELECT 1"))
    # A connection lost meanwhile is invalidated (not handed back to the pool)
    # and raised as SQLAlchemy's disconnect: the run fails saying so.
    await GuardedDriver(connection, driver).copy_records_to_table(
        table, records=rows, columns=columns
    )


async def insert_new(
    session: AsyncSession,
    entries: Rows,
    records: Rows,
    common: dict[str, Any],
) -> None:
    """New entries and their records; `common` holds the values every row shares
    (organization, integration, source, status, now, run)."""
    if not entries:
        return
    day_refresh.touch_many(session, _spans(ENTRY_COLUMNS, entries))  # the analytics' days
    org, now, run = common["organization"], common["now"], common["run"]
    if dialect_of(session) == "postgresql":
        shared = (org, 0, common["status"], "UTC", common["source"], now, now)
        await _copy(
            session,
            "time_entries",
            _SHARED_ENTRY_COLUMNS + ENTRY_COLUMNS,
            [(*shared, *e) for e in entries],
        )
        integration = common["integration"]
        await _copy(
            session,
            "integration_records",
            ("organization_id", "integration_id", "last_run_id", *RECORD_COLUMNS),
            [(org, integration, run, *r) for r in records],
        )
        return
    await session.execute(
        _table(TimeEntry).insert(),
        [
            {
                **row,
                "organization_id": org,
                "revision": 0,
                "status": common["status"],
                "timezone": "UTC",
                "source": common["source"],
                "created_at": now,
                "updated_at": now,
            }
            for row in _dicts(ENTRY_COLUMNS, entries)
        ],
    )
    await session.execute(
        _table(IntegrationRecord).insert(),
        [
            {
                **row,
                "organization_id": org,
                "integration_id": common["integration"],
                "last_run_id": run,
            }
            for row in _dicts(RECORD_COLUMNS, records)
        ],
    )


_SHARED_ENTRY_COLUMNS = (
    "organization_id", "revision", "status", "timezone", "source", "created_at", "updated_at",
)  # fmt: skip


async def update_changed(
    session: AsyncSession,
    entries: Rows,
    records: Rows,
    now: datetime,
    run_id: uuid.UUID,
) -> None:
    """Entries whose record changed at the provider, and those records."""
    if not entries:
        return
    # The analytics' per-day rollup: the days the entries leave and reach.
    for i in range(0, len(entries), CHUNK):
        ids = [row[0] for row in entries[i : i + CHUNK]]
        await day_refresh.touch_entries(session, TimeEntry.id.in_(ids))
    day_refresh.touch_many(session, _spans(ENTRY_UPDATE_COLUMNS, entries))
    if dialect_of(session) == "postgresql":
        sets = ", ".join(f"{c} = u.{c}" for c in ENTRY_UPDATE_COLUMNS[1:])
        await session.execute(
            text(
                f"UPDATE time_entries AS t SET {sets}, updated_at = :now"
                f" FROM {_unnest(ENTRY_UPDATE_COLUMNS)} WHERE t.id = u.id"
            ),
            {**_arrays(ENTRY_UPDATE_COLUMNS, entries), "now": now},
        )
        sets = ", ".join(f"{c} = u.{c}" for c in RECORD_UPDATE_COLUMNS[1:])
        await session.execute(
            text(
                f"UPDATE integration_records AS r SET {sets}, last_run_id = :run"
                f" FROM {_unnest(RECORD_UPDATE_COLUMNS)} WHERE r.id = u.id"
            ),
            {**_arrays(RECORD_UPDATE_COLUMNS, records), "run": run_id},
        )
        return
    # Plain Core UPDATEs by primary key (no ORM session bookkeeping).
    for table, columns, lists, extra in (
        (_table(TimeEntry), ENTRY_UPDATE_COLUMNS, entries, {"updated_at": now}),
        (_table(IntegrationRecord), RECORD_UPDATE_COLUMNS, records, {"last_run_id": run_id}),
    ):
        statement = (
            table.update()
            .where(table.c.id == bindparam("v_id"))
            .values({**{c: bindparam(f"v_{c}") for c in columns[1:]}, **extra})
        )
        params = [{f"v_{k}": v for k, v in row.items()} for row in _dicts(columns, lists)]
        await session.execute(statement, params)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


async def delete_entries(session: AsyncSession, ids: list[Any], sync: Any = "auto") -> None:
    """Entries deleted by id (their days of the analytics' rollup marked first);
    `sync`: the ORM's synchronize_session."""
    for i in range(0, len(ids), CHUNK):
        chunk = TimeEntry.id.in_(ids[i : i + CHUNK])
        await day_refresh.touch_entries(session, chunk)
        await session.execute(
            delete(TimeEntry).where(chunk), execution_options={"synchronize_session": sync}
        )


async def remove_records(session: AsyncSession, records: list[Any]) -> None:
    """Deletes the entries of records deleted at the provider, and the records."""
    entry_ids = [r.time_entry_id for r in records if r.time_entry_id is not None]
    record_ids = [r.id for r in records]
    for i in range(0, len(record_ids), CHUNK):
        await session.execute(
            delete(IntegrationRecord).where(IntegrationRecord.id.in_(record_ids[i : i + CHUNK]))
        )
    await delete_entries(session, entry_ids)


# --- what a window run saw ---------------------------------------------------


async def open_seen(session: AsyncSession) -> None:
    """An empty `import_seen` on this connection (left over from a crashed run: emptied)."""
    # No unique key: an id listed on two pages is noted twice (COPY cannot skip it).
    await session.execute(
        text("CREATE TEMPORARY TABLE IF NOT EXISTS import_seen (external_id VARCHAR(255))")
    )
    await session.execute(
        text("CREATE INDEX IF NOT EXISTS ix_import_seen ON import_seen (external_id)")
    )
    await session.execute(text("DELETE FROM import_seen"))


async def add_seen(session: AsyncSession, external_ids: list[str]) -> None:
    if not external_ids:
        return
    if dialect_of(session) == "postgresql":
        await _copy(session, "import_seen", ("external_id",), [(i,) for i in external_ids])
        return
    await session.execute(
        text("INSERT INTO import_seen (external_id) VALUES (:id)"),
        [{"id": i} for i in external_ids],
    )


async def close_seen(session: AsyncSession) -> None:
    await session.execute(text("DROP TABLE IF EXISTS import_seen"))


async def stale_records(
    session: AsyncSession,
    integration_id: uuid.UUID,
    start: datetime,
    end: datetime,
    run_id: uuid.UUID,
) -> list[Any]:
    """Records in the window this (complete) run did not see: deleted at the
    provider. Those it created or updated (`last_run_id`) it saw without noting them."""
    rows = await session.execute(
        select(IntegrationRecord.id, IntegrationRecord.time_entry_id).where(
            IntegrationRecord.integration_id == integration_id,
            IntegrationRecord.start_time >= start,
            IntegrationRecord.start_time < end,
            or_(IntegrationRecord.last_run_id.is_(None), IntegrationRecord.last_run_id != run_id),
            text(
                "NOT EXISTS (SELECT 1 FROM import_seen s"
                " WHERE s.external_id = integration_records.external_id)"
            ),
        )
    )
    return list(rows.all())
