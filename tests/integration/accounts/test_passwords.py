"""Password change and reset by email, on SQLite and PostgreSQL, with a real SMTP server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from server.db.base import utcnow
from server.db.models import AuditLog, PasswordReset, User
from tests.support.api import PASSWORD, register

NEW_PASSWORD = "a brand new passphrase"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def _reset_link(mailed, email: str, count: int = 1) -> str:
    r = await mailed.client.post("/api/v1/auth/password-reset", json={"email": email})
    assert r.status_code == 202, r.text
    got = await mailed.inbox.wait_for(email, count + 1)  # the first: the sign-up link
    assert got.subject == "Reset your Hubnity password"
    assert "/reset?token=" in got.body("html")
    return got.link("/reset")


async def test_reset_by_email_end_to_end(mailed, db):
    owner = await register(mailed.client)
    link = await _reset_link(mailed, owner.email)
    token = token_of(link)
    async with db() as s:  # only the SHA-256 is stored, valid one hour
        row = (
            await s.execute(
                select(PasswordReset).where(PasswordReset.user_id == uuid.UUID(owner.user_id))
            )
        ).scalar_one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)

    weak = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "newPassword": "password123!"}
    )
    assert weak.status_code == 400 and "common" in weak.json()["detail"]
    r = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert r.status_code == 204, r.text
    # The old password and every old session are dead; the new password works.
    old = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    assert old.status_code == 401
    r = await mailed.client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    assert r.status_code == 401
    r = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": NEW_PASSWORD}
    )
    assert r.status_code == 200
    # Single use.
    again = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "newPassword": "yet another passphrase"},
    )
    assert again.status_code == 400 and "used" in again.json()["detail"]
    async with db() as s:
        actions = set(
            (
                await s.execute(
                    select(AuditLog.action).where(
                        AuditLog.organization_id == uuid.UUID(owner.org_id)
                    )
                )
            ).scalars()
        )
    assert {"auth.password_reset_requested", "auth.password_reset"} <= actions


async def test_unknown_address_answers_the_same_and_sends_nothing(mailed):
    ghost = f"ghost-{uuid.uuid4().hex[:8]}@example.test"
    r = await mailed.client.post("/api/v1/auth/password-reset", json={"email": ghost})
    assert r.status_code == 202
    owner = await register(mailed.client)
    real = await mailed.client.post("/api/v1/auth/password-reset", json={"email": owner.email})
    assert real.status_code == 202 and real.content == r.content  # the same answer
    # A real one arrives (after the owner's sign-up link), the ghost's never did.
    assert (await mailed.inbox.wait_for(owner.email, 2)).subject == "Reset your Hubnity password"
    assert mailed.inbox.for_address(ghost) == []
    bad = await mailed.client.post("/api/v1/auth/password-reset", json={"email": "not-an-email"})
    assert bad.status_code == 400 and "email" in bad.json()["detail"]


async def test_expired_foreign_and_garbage_tokens_are_refused(mailed, db):
    owner = await register(mailed.client)
    other = await register(mailed.client)
    token = token_of(await _reset_link(mailed, owner.email))
    # A link for another account (the web form sends the address it was opened for).
    r = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "newPassword": NEW_PASSWORD, "email": other.email},
    )
    assert r.status_code == 400 and "another account" in r.json()["detail"]
    async with db() as s:
        await s.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == uuid.UUID(owner.user_id))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    r = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert r.status_code == 400 and "expired" in r.json()["detail"]
    r = await mailed.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": "garbage", "newPassword": NEW_PASSWORD},
    )
    assert r.status_code == 400
    r = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    assert r.status_code == 200  # nothing changed


async def test_reset_is_limited_per_address_and_per_ip(backend, session_tmp, inbox):
    from tests.integration.accounts.conftest import mailed_app

    data_dir = session_tmp / f"limits-{uuid.uuid4().hex[:6]}"
    async with await mailed_app(
        backend, data_dir, inbox, PASSWORD_RESET_RATE_LIMIT="2/hour", LOGIN_RATE_LIMIT="6/min"
    ) as client:
        owner = await register(client)
        for _ in range(3):  # the third is dropped silently: same 202, no third mail
            r = await client.post("/api/v1/auth/password-reset", json={"email": owner.email})
            assert r.status_code == 202
        await inbox.wait_for(owner.email, 3)  # the sign-up link, then two resets
        await asyncio.sleep(0.5)
        assert len(inbox.for_address(owner.email)) == 3
        # Per IP (LOGIN_RATE_LIMIT, 6/min, fixed windows): three more pass this
        # minute at most; even across a window's edge a 429 comes within 13.
        statuses = []
        for _ in range(13):
            r = await client.post(
                "/api/v1/auth/password-reset", json={"email": f"x{uuid.uuid4().hex[:6]}@e.test"}
            )
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
        assert statuses[-1] == 429 and "Retry-After" in r.headers, statuses
        assert statuses.count(202) <= 9, statuses


async def test_change_password(mailed, db):
    owner = await register(mailed.client)
    second = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    other_refresh = second.json()["refreshToken"]
    cases = [
        ({"currentPassword": "wrong one!", "newPassword": NEW_PASSWORD}, "current password"),
        ({"currentPassword": PASSWORD, "newPassword": "short"}, "at least 8"),
        ({"currentPassword": PASSWORD, "newPassword": "qwerty123456"}, "common"),
        ({"currentPassword": PASSWORD, "newPassword": PASSWORD}, "differ"),
        ({"currentPassword": PASSWORD, "newPassword": "aaaaaaaaaaaa"}, "different characters"),
    ]
    for body, reason in cases:
        r = await owner.put("/api/v1/auth/password", json=body)
        assert r.status_code == 400 and reason in r.json()["detail"], (body, r.text)
    r = await owner.put(
        "/api/v1/auth/password", json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    )
    assert r.status_code == 200, r.text
    fresh = r.json()
    # Every other session ended; the answer carries a working new pair.
    for dead in (owner.refresh, other_refresh):
        r = await mailed.client.post("/api/v1/auth/refresh", json={"refreshToken": dead})
        assert r.status_code == 401
    r = await mailed.client.post(
        "/api/v1/auth/refresh", json={"refreshToken": fresh["refreshToken"]}
    )
    assert r.status_code == 200
    r = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": NEW_PASSWORD}
    )
    assert r.status_code == 200
    async with db() as s:
        user = await s.get(User, uuid.UUID(owner.user_id))
        assert user.password_hash.startswith("$argon2id$")
