"""The session's asyncpg connection used directly, with a lost connection
handled as SQLAlchemy handles it for its own statements.

Statements sent past SQLAlchemy skip its disconnect handling: a connection the
database dropped (a restart, a failover) would go back to the pool and fail
every request that draws it, as a 500. Here such an error invalidates the
pooled connection, so the pool opens a fresh one, and is raised as SQLAlchemy's
own `OperationalError` with `connection_invalidated` set, which the outage
handler answers as a 503 with Retry-After (server/core/outages.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

# SQLSTATE classes of a connection the server ended or lost (08: connection
# exception, 57P: operator intervention such as admin_shutdown).
_LOST_STATES = ("08", "57P")


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the connection is gone."""
    current: BaseException | None = exc
    for _ in range(5):
        if current is None:
            return False
        if isinstance(current, ConnectionError | asyncpg.PostgresConnectionError):
            return True
        if isinstance(current, asyncpg.InterfaceError) and "closed" in str(current):
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_LOST_STATES):
            return True
        current = current.__cause__
    return False


async def guarded(conn: AsyncConnection, call: Callable[[], Awaitable[Any]]) -> Any:
    """Awaits `call()`; a lost connection invalidates `conn` and is re-raised
    as a disconnect SQLAlchemy would report."""
    try:
        return await call()
    except Exception as exc:
        if not connection_lost(exc):
            raise
        await conn.invalidate(exc)
        raise OperationalError(None, None, exc, connection_invalidated=True) from exc


class GuardedDriver:
    """The asyncpg connection's query methods, each through `guarded`."""

    __slots__ = ("_conn", "_raw")

    def __init__(self, conn: AsyncConnection, raw: Any) -> None:
        self._conn = conn
        self._raw = raw

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        return await guarded(self._conn, lambda: self._raw.fetch(query, *args))

    async def fetchrow(self, query: str, *args: Any) -> Any:
        return await guarded(self._conn, lambda: self._raw.fetchrow(query, *args))

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await guarded(self._conn, lambda: self._raw.fetchval(query, *args))

    async def copy_records_to_table(self, table: str, **kw: Any) -> Any:
        return await guarded(self._conn, lambda: self._raw.copy_records_to_table(table, **kw))
