"""Root fixtures. The environment is set before any server module is imported.

The API suite runs on both databases: `backend` is parametrized over SQLite
(embedded default) and the local PostgreSQL (a fresh database per run).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

os.environ.setdefault("HUBNITY_ENV", "test")
os.environ.setdefault("LOG_JSON", "false")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import pytest

from tests.support.services import create_pg_database, drop_pg_database

# Generous limits for the shared app; rate-limit tests build their own app.
TEST_ENV = {
    "LOGIN_RATE_LIMIT": "100000/min",
    "SYNC_RATE_LIMIT": "100000/min",
    "JWT_SECRET": "test-secret-test-secret-test-secret-0123456789",
}


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hubnity-tests-") as d:
        yield Path(d)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, session_tmp: Path) -> Iterator[str]:
    """A migrated database URL; the id shows in test names as [sqlite]/[postgres]."""
    from server.db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{session_tmp / 'api.db'}"
        upgrade(url)
        yield url
        return
    name, url = create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        drop_pg_database(name)


def make_settings(db_url: str, data_dir: Path, **env: str):  # type: ignore[no-untyped-def]
    """Settings from the real loader with test overrides (no global env mutation)."""
    from server.runtime.config import load_settings

    saved = dict(os.environ)
    try:
        os.environ.update(
            {**TEST_ENV, "DATABASE_URL": db_url, "HUBNITY_DATA_DIR": str(data_dir), **env}
        )
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
async def client(backend: str, session_tmp: Path) -> AsyncIterator[object]:
    from litestar.testing import AsyncTestClient

    from server.app import create_app

    data_dir = session_tmp / f"data-{'pg' if backend.startswith('postgresql') else 'sqlite'}"
    app = create_app(make_settings(backend, data_dir))
    async with AsyncTestClient(app=app, timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
async def db(backend: str) -> AsyncIterator[object]:
    """A session factory on the same database as `client`, for checking rows directly."""
    from server.db.session import create_engine, session_factory
    from server.runtime.config import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=backend))
    yield session_factory(engine)
    await engine.dispose()
