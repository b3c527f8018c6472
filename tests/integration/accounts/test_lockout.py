"""Per-account lockout: exponential, temporary, reset on success, audited (both databases).
Across several client IPs with a real server process: tests/e2e/server/test_account_lockout.py.
Unknown addresses are counted alike: tests/integration/accounts/test_lockout_oracle.py."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select

from server.auth.lockout import address_key, block_seconds
from server.db.models import AuditLog, LoginFailure
from server.runtime.config import SecuritySettings
from tests.conftest import TEST_ENV
from tests.support.api import PASSWORD, register


def test_block_grows_exponentially_and_is_capped():
    s = SecuritySettings(
        jwt_secret="x" * 32, lockout_threshold=5, lockout_base_seconds=30, lockout_max_seconds=900
    )
    assert [block_seconds(s, n) for n in (1, 4, 5, 6, 7, 8, 9, 10, 100)] == [
        0,
        0,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]


async def test_account_lockout_then_release_and_reset(backend, session_tmp, inbox, db):
    from tests.integration.accounts.conftest import mailed_app

    data_dir = session_tmp / f"lock-{uuid.uuid4().hex[:6]}"
    async with await mailed_app(
        backend, data_dir, inbox, LOGIN_LOCKOUT_THRESHOLD="3", LOGIN_LOCKOUT_SECONDS="3"
    ) as client:
        owner = await register(client)
        wrong = {"email": owner.email, "password": "not the password"}
        for _ in range(2):
            assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
        # The third failure starts a 3 s block: even the right password waits.
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
        right = {"email": owner.email, "password": PASSWORD}
        r = await client.post("/api/v1/auth/login", json=right)
        assert r.status_code == 429 and "this account" in r.json()["detail"]
        assert 1 <= int(r.headers["Retry-After"]) <= 3
        # Another account is not affected.
        other = await register(client)
        r = await client.post(
            "/api/v1/auth/login", json={"email": other.email, "password": PASSWORD}
        )
        assert r.status_code == 200
        await asyncio.sleep(3.1)
        # A failure after the block doubles it (6 s) ...
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
        r = await client.post("/api/v1/auth/login", json=right)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 4
        await asyncio.sleep(6.1)
        # ... and a success resets the count.
        assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200
        async with db() as s:
            key = address_key(SecuritySettings(jwt_secret=TEST_ENV["JWT_SECRET"]), owner.email)
            assert await s.get(LoginFailure, key) is None  # the count starts again
            locks = (
                await s.execute(
                    select(AuditLog.detail).where(
                        AuditLog.action == "auth.account_locked",
                        AuditLog.target_id == owner.user_id,
                    )
                )
            ).scalars()
            assert sorted(d["seconds"] for d in locks) == [3, 6]
