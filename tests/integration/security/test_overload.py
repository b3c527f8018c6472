"""An overloaded process: every pooled database connection busy for longer than
DB_POOL_TIMEOUT. The request is answered 503 with Retry-After (the agent
retries its outbox later; nothing is half-written), never a 500, and the
process serves again as soon as a connection is free."""

from __future__ import annotations

import time

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from tests.conftest import make_settings
from tests.support.api import register
from tests.support.sync import batch, entry


@pytest.fixture
async def tight(backend, tmp_path):
    env = {"DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "0", "DB_POOL_TIMEOUT": "1"}
    app = create_app(make_settings(backend, tmp_path, **env))
    async with AsyncTestClient(app=app, timeout=30) as c:
        yield c


async def test_pool_exhausted_is_503_busy_with_retry_after(tight):
    owner = await register(tight)
    engine = tight.app.state.app_state.engine
    assert engine.pool.size() == 1  # DB_POOL_SIZE reached the engine

    sent = batch([entry()])
    async with engine.connect():  # the only connection, held as a long request would
        started = time.monotonic()
        r = await owner.post("/api/v1/sync/batch", json=sent)
        waited = time.monotonic() - started
        listed = await owner.get("/api/v1/projects")
    assert r.status_code == 503, r.text
    assert r.json()["detail"] == "the server is temporarily unavailable; retry shortly"
    assert int(r.headers["retry-after"]) >= 1
    assert 0.9 <= waited < 10  # DB_POOL_TIMEOUT, not the default 30 s
    assert listed.status_code == 503

    # The connection is back: the same batch is stored, once.
    r = await owner.post("/api/v1/sync/batch", json=sent)
    assert r.status_code == 200, r.text
    assert r.json()["processed"] == 1
    again = await owner.post("/api/v1/sync/batch", json=sent)
    assert (again.status_code, again.json()["processed"], again.json()["skipped"]) == (200, 0, 1)
