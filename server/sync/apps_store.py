"""The writes of `apps` rows and input signals, at the driver, like the rest of
the sync (`server.sync.store`): one statement per batch for both tables on
PostgreSQL (`INSERT ... SELECT FROM unnest(arrays)`, the signals' insert in a
data-modifying WITH: one round trip, not two), one prepared `executemany` per
table on SQLite; replace-on-conflict, a retry writes nothing.

Rows are tuples in the column order below.
"""

# ruff: noqa: S608  (statements are built from constants only)

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.raw_pg import guarded
from server.sync.store_sqlite import ts

APP_COLUMNS = ("time_entry_id", "minute", "app", "title", "organization_id", "user_id", "seconds")
APP_TYPES = ("uuid", "timestamptz", "text", "text", "uuid", "uuid", "smallint")
APP_KEY = ("time_entry_id", "minute", "app", "title")
SIGNAL_COLUMNS = (
    "time_entry_id",
    "minute",
    "organization_id",
    "user_id",
    "interval_cv",
    "distinct_positions",
    "pointer_span",
    "keyboard_share",
    "pointer_moves",
)
SIGNAL_TYPES = ("uuid", "timestamptz", "uuid", "uuid", "float8", "int", "int", "float8", "int")
SIGNAL_KEY = ("time_entry_id", "minute")


def _pg(
    table: str,
    columns: tuple[str, ...],
    types: tuple[str, ...],
    key: tuple[str, ...],
    first: int = 1,
) -> str:
    values = [c for c in columns if c not in key and c not in ("organization_id", "user_id")]
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=first))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in values)
        + f" WHERE ({', '.join(f'{table}.{c}' for c in values)}) IS DISTINCT FROM"
        f" ({', '.join(f'EXCLUDED.{c}' for c in values)})"
    )


def _sqlite(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    values = [c for c in columns if c not in key and c not in ("organization_id", "user_id")]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in values)
        + " WHERE "
        + " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in values)
    )


_PG_APPS = _pg("app_usage", APP_COLUMNS, APP_TYPES, APP_KEY)
_PG_SIGNALS = _pg("activity_signals", SIGNAL_COLUMNS, SIGNAL_TYPES, SIGNAL_KEY)
# PostgreSQL runs a data-modifying WITH to completion whether or not the outer
# statement reads it.
_PG_BOTH = (
    f"WITH signals AS ({_PG_SIGNALS}) "
    + _pg("app_usage", APP_COLUMNS, APP_TYPES, APP_KEY, first=len(SIGNAL_TYPES) + 1)
)
_SQLITE_APPS = _sqlite("app_usage", APP_COLUMNS, APP_KEY)
_SQLITE_SIGNALS = _sqlite("activity_signals", SIGNAL_COLUMNS, SIGNAL_KEY)


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """UUIDs as 32-digit hex, instants as naive UTC text: as SQLAlchemy stores them."""
    return tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row)


def _arrays(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(c) for c in zip(*rows, strict=True)]


async def write_signals_and_apps(
    session: AsyncSession, signals: list[tuple[Any, ...]], apps: list[tuple[Any, ...]]
) -> None:
    if not signals and not apps:
        return
    conn = await session.connection()
    driver: Any = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name != "postgresql":
        for lite, rows in ((_SQLITE_SIGNALS, signals), (_SQLITE_APPS, apps)):
            if rows:
                await driver.executemany(
                    lite, [_sqlite_row((r[0], ts(r[1]), *r[2:])) for r in rows]
                )
        return
    if signals and apps:
        statement, args = _PG_BOTH, [*_arrays(signals), *_arrays(apps)]
    elif signals:
        statement, args = _PG_SIGNALS, _arrays(signals)
    else:
        statement, args = _PG_APPS, _arrays(apps)
    await guarded(conn, lambda: driver.execute(statement, *args))
