"""Rate limits (in-process and Redis) and the body size limit."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from tests.conftest import make_settings
from tests.support.api import register, unique_email
from tests.support.services import REDIS_URL, require_redis
from tests.support.sync import batch


@pytest.fixture(params=["memory", "redis"])
async def limited(request, backend, tmp_path):
    # Hour-long fixed windows: a test never straddles a window boundary in practice
    # (a minute window did, now and then, and let a 4th request through).
    env = {
        "LOGIN_RATE_LIMIT": "3/hour",
        "SYNC_RATE_LIMIT": "2/hour",
        "EXPORT_RATE_LIMIT": "2/hour",
        "BODY_LIMIT_SYNC": "64kb",
    }
    prefix = f"hubnity-test-{uuid.uuid4().hex[:8]}:"
    if request.param == "redis":
        require_redis()
        env.update({"REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix})
    app = create_app(make_settings(backend, tmp_path, **env))
    async with AsyncTestClient(app=app) as c:
        yield c
    if request.param == "redis":
        import redis.asyncio as aioredis

        r = aioredis.from_url(REDIS_URL)
        keys = [k async for k in r.scan_iter(f"{prefix}*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()


async def test_login_rate_limit_answers_429_with_retry_after(limited):
    statuses = []
    # A fresh address: failures are counted per address too (every address,
    # registered or not), and this one must not reach that lockout.
    email = unique_email("x")
    for _ in range(4):
        r = await limited.post("/api/v1/auth/login", json={"email": email, "password": "whatever1"})
        statuses.append(r.status_code)
    assert statuses == [401, 401, 401, 429]
    assert 1 <= int(r.headers["retry-after"]) <= 3601
    assert "too many login attempts" in r.json()["detail"]


async def test_sync_rate_limit_is_per_user(limited):
    a = await register(limited)
    b = await register(limited)
    codes = [(await a.post("/api/v1/sync/batch", json=batch())).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert (await b.post("/api/v1/sync/batch", json=batch())).status_code == 200


async def test_exports_are_limited_per_person(limited):
    a = await register(limited)
    b = await register(limited)
    params = {"format": "csv", "from": "2026-01-01", "to": "2026-01-02"}
    codes = [(await a.get("/api/v1/reports/export", params=params)).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    r = await a.get("/api/v1/reports/export", params=params)
    assert int(r.headers["retry-after"]) >= 1 and "too many exports" in r.json()["detail"]
    assert (await b.get("/api/v1/reports/export", params=params)).status_code == 202


async def test_body_over_limit_is_413_not_500(limited):
    owner = await register(limited)
    big = {"deviceId": "d", "entries": [], "activity": [], "pad": "x" * 100_000}
    r = await owner.post("/api/v1/sync/batch", json=big)
    assert r.status_code == 413
    assert r.json()["detail"] == "request body too large: at most 64 KiB (65536 bytes) on this route"


async def test_global_rate_limit_per_ip_spares_health_checks(backend, tmp_path):
    app = create_app(make_settings(backend, tmp_path, GLOBAL_RATE_LIMIT="3/hour"))
    async with AsyncTestClient(app=app) as c:
        codes = [(await c.get("/api/v1/auth/me")).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = await c.get("/api/v1/projects")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "too many requests" in r.json()["detail"]
        assert (await c.get("/health")).status_code == 200
