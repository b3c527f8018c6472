"""Engine and session factory, built from settings in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from server.analytics import day_events
from server.runtime.config import DatabaseSettings

# Every session keeps the per-day analytics rollup in step with its ORM writes.
day_events.install()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers proceed during a write; busy_timeout waits instead of
    # failing with "database is locked" when two writers meet.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Per connection: up to 16 MiB of page cache (default 2 MiB; 12 pooled
    # connections at most, so 192 MiB at worst), temporary b-trees
    # (GROUP BY, sorts) in memory, and reads through a memory map of the file.
    cur.execute("PRAGMA cache_size=-16384")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA mmap_size=268435456")
    cur.close()


def create_engine(db: DatabaseSettings) -> AsyncEngine:
    if db.is_sqlite:
        path = db.url.split("///", 1)[1] if "///" in db.url else ""
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Pooled: a new aiosqlite connection is a new thread plus the pragmas
        # above, which cost more than a small sync itself. Connections are
        # checked and reset by the pool; WAL lets them read side by side.
        engine = create_async_engine(
            db.url,
            echo=db.echo,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=db.pool_size or 4,
            max_overflow=8 if db.max_overflow is None else db.max_overflow,
            pool_timeout=db.pool_timeout,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it is a round trip on every checkout (a tenth of a small
    # sync). A connection found dead (database restart) fails its request and
    # SQLAlchemy invalidates the whole pool, so the next checkout reconnects;
    # recycling after an hour keeps idle connections from going stale.
    return create_async_engine(
        db.url,
        echo=db.echo,
        pool_size=db.pool_size or 10,
        max_overflow=10 if db.max_overflow is None else db.max_overflow,
        # Waiting longer than this for a connection means the process is
        # overloaded: the request is answered 503 "busy" with Retry-After
        # (server/core/outages.py) and the agent retries later, instead of
        # queueing until its own timeout.
        pool_timeout=db.pool_timeout,
        pool_recycle=3600,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_of(session: AsyncSession) -> str:
    """'postgresql' or 'sqlite': the few set-based statements that differ ask this."""
    bind = session.get_bind()
    return bind.dialect.name
