"""Telling a dependency's outage (database, Redis, object storage) from a bug.

An outage is nobody's fault in the request: the client should retry, so it is
answered 503 with `Retry-After`, and logged as a warning without a traceback.
Anything else unexpected stays a 500 with the traceback in the log."""

from __future__ import annotations

import sqlite3

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

_REDIS = (RedisConnectionError, RedisTimeoutError)
_STORAGE = (BotoConnectionError, HTTPClientError)

# PostgreSQL says so while it starts or stops (SQLSTATE class 57P: operator
# intervention, 08: connection exception).
_PG_TRANSIENT_STATES = ("57P", "08")
_SQLITE_TRANSIENT = ("database is locked", "disk i/o error", "database or disk is full")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _database_down(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):  # "connection is closed"
        return True
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and state.startswith(_PG_TRANSIENT_STATES):
        return True
    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        return any(m in str(exc).lower() for m in _SQLITE_TRANSIENT)
    return False


def outage_of(exc: BaseException) -> str | None:
    """Which dependency `exc` says is unreachable ("database", "Redis",
    "object storage", "the server" when overloaded), or None when it is not
    an outage."""
    for link in _chain(exc):
        if isinstance(link, PoolTimeout):
            # Every pooled connection stayed busy for DB_POOL_TIMEOUT: this
            # process is overloaded, not broken; the retry goes elsewhere or later.
            return "the server"
        if isinstance(link, _REDIS):
            return "Redis"
        if isinstance(link, _STORAGE):
            return "object storage"
        if _database_down(link):
            return "the database"
        if isinstance(link, ConnectionError | TimeoutError):
            # A refused or reset socket below SQLAlchemy, asyncpg or aiosqlite.
            return "a backing service"
    return None
