"""The sign-in lockout says nothing about who has an account (both databases):
a registered address and an unknown one answer alike, try for try, through
the API and through the web form; the registered account is still blocked for
real, even for the right password, until the block ends by itself. Directory
(LDAP) accounts: tests/integration/accounts/test_ldap.py."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from sqlalchemy import func, select

from server.runtime.config import SecuritySettings
from tests.conftest import TEST_ENV
from tests.integration.web.test_web_session import _sign_in
from tests.support.api import PASSWORD, register, unique_email
from tests.support.lockout import BLOCK, THRESHOLD, TRIES, assert_alike, lockout_env

SECURITY = SecuritySettings(jwt_secret=TEST_ENV["JWT_SECRET"])


async def _lockout_app(backend: str, session_tmp: Any) -> Any:
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(
        backend, session_tmp / f"oracle-{uuid.uuid4().hex[:6]}", **lockout_env()
    )
    return AsyncTestClient(app=create_app(settings), timeout=60)


async def _api_login(client: Any, email: str, password: str) -> Any:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_api_answers_alike_for_a_registered_and_an_unknown_address(backend, session_tmp, db):
    async with await _lockout_app(backend, session_tmp) as client:
        owner = await register(client)
        nobody = unique_email("nobody")
        registered, unknown = [], []
        for i in range(TRIES):  # interleaved: both blocks start at about the same time
            registered.append(await _api_login(client, owner.email, f"wrong guess {i}"))
            unknown.append(await _api_login(client, nobody, f"wrong guess {i}"))
        assert_alike(registered, unknown)
        assert "for this account" in registered[-1].json()["detail"]
        # The block is real: the right password waits too ...
        r = await _api_login(client, owner.email, PASSWORD)
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= BLOCK
        # ... until it ends by itself.
        await asyncio.sleep(BLOCK + 0.2)
        assert (await _api_login(client, owner.email, PASSWORD)).status_code == 200
        # The success reset the count: one more failure does not block again
        # (without the reset it would be the 6th in a row: a 4 s block).
        assert (await _api_login(client, owner.email, "wrong again")).status_code == 401
        assert (await _api_login(client, owner.email, PASSWORD)).status_code == 200
        # The unknown address is still counted: its next failure blocks it for 4 s.
        assert (await _api_login(client, nobody, "wrong again")).status_code == 401
        r = await _api_login(client, nobody, PASSWORD)
        assert r.status_code == 429 and 2 <= int(r.headers["Retry-After"]) <= 2 * BLOCK
    from server.auth.lockout import address_key
    from server.db.models import LoginFailure

    async with db() as s:
        # Keyed by a MAC of the address: no plain address of a non-user is stored.
        keys = set((await s.execute(select(LoginFailure.key))).scalars())
        assert all("@" not in k for k in keys)
        rows = await s.execute(
            select(func.count()).where(LoginFailure.key == address_key(SECURITY, nobody.upper()))
        )
        assert rows.scalar_one() == 1  # the same row whatever the case of the address


async def test_web_form_answers_alike_for_a_registered_and_an_unknown_address(backend, session_tmp):
    async def web_login(client: Any, email: str, password: str) -> tuple[Any, str]:
        r = await _sign_in(client, email, password)
        token = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        return r, token.group(1) if token else "-"

    async with await _lockout_app(backend, session_tmp) as client:
        owner = await register(client)
        nobody = unique_email("nobody")
        registered, unknown, masks = [], [], [owner.email, nobody]
        for i in range(TRIES):
            for email, answers in ((owner.email, registered), (nobody, unknown)):
                r, token = await web_login(client, email, f"wrong guess {i}")
                answers.append(r)
                masks.append(token)
        assert_alike(registered, unknown, *masks)
        assert "do not match" in registered[0].text and "Too many" in registered[-1].text
        r, _ = await web_login(client, owner.email, PASSWORD)
        assert r.status_code == 429
        await asyncio.sleep(BLOCK + 0.2)
        r, _ = await web_login(client, owner.email, PASSWORD)
        assert r.status_code == 303
        client.cookies.clear()


async def test_web_form_and_api_share_the_count(backend, session_tmp):
    async with await _lockout_app(backend, session_tmp) as client:
        owner = await register(client)
        for i in range(THRESHOLD - 1):
            assert (await _api_login(client, owner.email, f"wrong {i}")).status_code == 401
        assert (await _sign_in(client, owner.email, "wrong 5")).status_code == 401
        assert (await _api_login(client, owner.email, PASSWORD)).status_code == 429
        client.cookies.clear()


async def test_quiet_names_are_forgotten_and_their_rows_purged(backend, db):
    """A day without a failure starts the count again; the hourly job deletes
    such rows (never one still blocked), so sprayed addresses do not pile up."""
    from datetime import timedelta

    from server.auth import lockout
    from server.db.base import utcnow
    from server.db.models import LoginFailure
    from server.jobs.registry import PERIODIC

    assert any(p.name == "auth.purge_login_failures" and p.every_seconds == 3600 for p in PERIODIC)
    now = utcnow()
    day = lockout.FORGET_AFTER
    rows = {
        "quiet": (9, None, now - day - timedelta(minutes=1)),
        "quiet-block-over": (9, now - timedelta(seconds=1), now - day - timedelta(minutes=1)),
        "quiet-still-blocked": (40, now + timedelta(hours=1), now - day - timedelta(minutes=1)),
        "recent": (3, None, now - day + timedelta(minutes=5)),
    }
    keys = {name: lockout.address_key(SECURITY, f"{name}-{uuid.uuid4().hex}") for name in rows}
    async with db() as s:
        for name, (failures, until, last) in rows.items():
            s.add(
                LoginFailure(
                    key=keys[name], failures=failures, blocked_until=until, last_failure_at=last
                )
            )
        await s.commit()
        # A failure after a quiet day counts as the first; a recent count goes on.
        assert await lockout.record_failure(s, SECURITY, keys["quiet"], user=None, ip="-") == 1
        assert await lockout.record_failure(s, SECURITY, keys["recent"], user=None, ip="-") == 4
        await s.rollback()
    removed = await lockout.purge(db, now, batch=1)  # batches of one: the loop ends too
    assert removed >= 2
    async with db() as s:
        left = set((await s.execute(select(LoginFailure.key))).scalars())
    assert keys["quiet"] not in left and keys["quiet-block-over"] not in left
    assert keys["quiet-still-blocked"] in left and keys["recent"] in left
