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
