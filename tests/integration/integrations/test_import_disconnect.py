"""An import whose PostgreSQL connection dies just before its binary COPY (the
writer's statement sent past SQLAlchemy): the run fails saying so, the dead
connection is not handed back to the pool, and the next import on the same
one-connection pool goes through. The backend is ended with
pg_terminate_backend (the shared server keeps running)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from server.db.migrate import upgrade
from server.db.session import session_factory
from tests.integration.integrations.helpers import upload, wait_run
from tests.integration.screenshots.helpers import app_client
from tests.support.api import invite, register
from tests.support.services import create_pg_database, drop_pg_database, pg_admin_dsn

pytestmark = pytest.mark.postgres

HEADER = "Email,Start,Duration,Notes"
MAPPING = '{"email": "Email", "start": "Start", "duration": "Duration", "description": "Notes"}'


def _csv(email: str, day: int) -> bytes:
    return f"{HEADER}\n{email},2026-04-{day:02d}T08:00:00Z,1.5,day {day}\n".encode()


class _KillBeforeCopy:
    """Ends the run's backend right after the page's look-up of stored
    records, the statement before the COPY of its new entries (when armed)."""

    def __init__(self) -> None:
        self.armed = False
        self.killed: list[int] = []

    def __call__(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not (self.armed and "CROSS JOIN LATERAL" in statement):
            return
        self.armed = False
        pid = conn.connection.driver_connection.get_server_pid()
        with psycopg.connect(pg_admin_dsn(), autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
        assert ended == (True,)
        self.killed.append(pid)


async def test_import_after_its_connection_died_before_the_copy(tmp_path: Path) -> None:
    name, url = create_pg_database()
    try:
        upgrade(url)
        kill = _KillBeforeCopy()

        def one_connection(app_state: Any) -> None:
            # One pooled connection: a dead one handed back would be the next
            # import's (and every request's) connection.
            engine = create_async_engine(url, pool_size=1, max_overflow=0)
            event.listen(engine.sync_engine, "after_cursor_execute", kill)
            app_state.engine, app_state.sessions = engine, session_factory(engine)

        async with app_client(url, tmp_path / "data", state_hook=one_connection) as client:
            owner = await register(client)
            ada = await invite(owner, name="Ada")

            async def run(day: int) -> dict[str, Any]:
                r = await upload(owner, _csv(ada.email, day), "generic", mapping=MAPPING)
                assert r.status_code == 202, r.text
                return await wait_run(owner, r.json()["id"], timeout=20)

            first = await run(1)  # learns Ada's mapping: the next page writes by COPY only
            assert first["status"] == "done" and first["counts"]["created"] == 1, first

            kill.armed = True
            broken = await run(2)
            assert kill.killed, "the look-up before the COPY never ran"
            assert broken["status"] == "failed", broken
            assert "database" in broken["detail"] and "run it again" in broken["detail"], broken

            after = await run(3)
            assert after["status"] == "done" and after["counts"]["created"] == 1, after
            with psycopg.connect(pg_admin_dsn().rsplit("/", 1)[0] + f"/{name}") as conn:
                rows = conn.execute(
                    "SELECT description FROM time_entries WHERE user_id = %s ORDER BY 1",
                    (uuid.UUID(ada.user_id),),
                ).fetchall()
            assert rows == [("day 1",), ("day 3",)], rows  # the broken page left nothing
    finally:
        drop_pg_database(name)
