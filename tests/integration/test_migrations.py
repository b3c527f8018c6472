"""Alembic migrations build exactly the schema the models describe, on both databases,
and downgrade cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from server.db import models  # noqa: F401
from server.db.base import Base
from server.db.migrate import downgrade, upgrade
from tests.support.services import create_pg_database, drop_pg_database


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_db(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "m.db"
        yield f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}"
        return
    name, url = create_pg_database("hubnity_mig")
    try:
        yield url, url.replace("+asyncpg", "+psycopg")
    finally:
        drop_pg_database(name)


def _diff(sync_url: str) -> list:
    engine = create_engine(sync_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_migrations_match_models_and_round_trip(fresh_db):
    async_url, sync_url = fresh_db
    upgrade(async_url)
    assert _diff(sync_url) == []
    downgrade(async_url, "base")
    remaining = _diff(sync_url)
    assert any(op[0] == "add_table" for op in remaining)  # everything is gone again
    upgrade(async_url)
    assert _diff(sync_url) == []


def test_work_catalog_revision_keeps_archived_tasks_archived(fresh_db):
    """Tasks archived before the catalog revision come out with status 'archived',
    the others 'todo'; and back again on downgrade."""
    import uuid as _uuid
    from datetime import UTC, datetime

    from sqlalchemy import Uuid, bindparam, text

    def sql(statement: str):  # ids bound as UUIDs the way each dialect stores them
        names = [n for n in ("id", "org", "p") if f":{n}" in statement]
        return text(statement).bindparams(*(bindparam(n, type_=Uuid()) for n in names))

    async_url, sync_url = fresh_db
    upgrade(async_url, "0002")
    org, project = _uuid.uuid4(), _uuid.uuid4()
    kept, archived = _uuid.uuid4(), _uuid.uuid4()
    now = datetime.now(UTC)
    engine = create_engine(sync_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sql(
                    "INSERT INTO organizations (id, name, timezone, subscription, retention_days,"
                    " screenshot_interval_seconds, blur_level, idle_timeout_seconds,"
                    " screenshots_enabled, allow_screenshot_delete,"
                    " screenshot_delete_window_minutes, created_at)"
                    " VALUES (:id, 'o', 'UTC', 'FREE', 30, 600, 0, 300, true, true, 10, :now)"
                ),
                {"id": org, "now": now},
            )
            conn.execute(
                sql(
                    "INSERT INTO projects (id, organization_id, name, archived, created_at)"
                    " VALUES (:id, :org, 'p', false, :now)"
                ),
                {"id": project, "org": org, "now": now},
            )
            for task_id, flag in ((kept, False), (archived, True)):
                conn.execute(
                    sql(
                        "INSERT INTO tasks (id, organization_id, project_id, name, archived,"
                        " created_at) VALUES (:id, :org, :p, 't', :a, :now)"
                    ),
                    {"id": task_id, "org": org, "p": project, "a": flag, "now": now},
                )
        upgrade(async_url)
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, status FROM tasks")).all())
        assert {_uuid.UUID(hex=str(k).replace("-", "")): v for k, v in rows.items()} == {
            kept: "todo",
            archived: "archived",
        }
        downgrade(async_url, "0002")
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, archived FROM tasks")).all())
        assert {_uuid.UUID(hex=str(k).replace("-", "")): bool(v) for k, v in rows.items()} == {
            kept: False,
            archived: True,
        }
    finally:
        engine.dispose()
