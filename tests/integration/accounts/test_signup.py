"""Signing up by a mailed link, on SQLite and PostgreSQL, with a real SMTP server:
a taken address answers exactly like a free one, and only its mail differs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from server.db.base import utcnow
from server.db.models import AuditLog, Organization, PendingSignup, User
from tests.support.api import PASSWORD, register, unique_email
from tests.support.signup import CONFIRM, REGISTER, link_token

TAKEN_SUBJECT = "Someone tried to sign up to Hubnity with your address"


def _body(email: str, organization: str = "Globex") -> dict[str, str]:
    return {
        "email": email,
        "name": "Grace",
        "organizationName": organization,
        "timezone": "Europe/Berlin",
    }


async def _link_token(mailed, email: str, count: int = 1) -> str:
    got = await mailed.inbox.wait_for(email, count)
    assert got.subject.startswith("Finish creating "), got.subject
    token = link_token(got.message)
    assert token, got.body()
    return token


async def _users_with(db, email: str) -> int:
    async with db() as s:
        return int((await s.execute(select(func.count()).where(User.email == email))).scalar_one())


async def test_a_taken_address_answers_like_a_free_one(mailed, db):
    owner = await register(mailed.client)
    free = unique_email("free")
    taken = await mailed.client.post(REGISTER, json=_body(owner.email.upper()))
    fresh = await mailed.client.post(REGISTER, json=_body(free))
    assert taken.status_code == fresh.status_code == 202
    assert taken.content == fresh.content  # byte for byte
    assert "check your mail" in fresh.json()["detail"]

    # The free address gets the link; the taken one a note without any token.
    token = await _link_token(mailed, free)
    assert len(token) >= 32
    note = await mailed.inbox.wait_for(owner.email, 2)  # the first was its own sign-up link
    assert note.subject == TAKEN_SUBJECT
    assert link_token(note.message) is None and "token" not in note.body()
    assert note.link("/login") and "/forgot" in note.body()
    # Nothing about the attempt stays stored, and the account is untouched.
    async with db() as s:
        rows = (
            (await s.execute(select(PendingSignup).where(PendingSignup.email == owner.email)))
            .scalars()
            .all()
        )
    assert rows == []
    assert await _users_with(db, owner.email) == 1
    r = await mailed.client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
    )
    assert r.status_code == 200


async def test_confirm_creates_the_organization_and_its_owner_once(mailed, db):
    email = unique_email("grace")
    r = await mailed.client.post(REGISTER, json=_body(email, "Globex"))
    assert r.status_code == 202
    token = await _link_token(mailed, email)
    async with db() as s:  # only the SHA-256 is stored, valid a day
        row = (
            await s.execute(select(PendingSignup).where(PendingSignup.email == email))
        ).scalar_one()
    assert row.token_hash and token not in row.token_hash and len(row.token_hash) == 64
    assert not hasattr(row, "password_hash")  # no password before the link is followed
    assert timedelta(hours=23) < row.expires_at - row.created_at <= timedelta(hours=24)
    assert await _users_with(db, email) == 0  # nothing made before the link is used

    r = await mailed.client.post(CONFIRM, json={"token": token, "password": PASSWORD})
    assert r.status_code == 201, r.text
    pair = r.json()
    me = await mailed.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['accessToken']}"}
    )
    assert me.status_code == 200
    assert me.json()["role"] == "OWNER" and me.json()["organization"]["name"] == "Globex"
    assert me.json()["email"] == email and me.json()["timezone"] == "Europe/Berlin"
    r = await mailed.client.post(
        "/api/v1/auth/refresh", json={"refreshToken": pair["refreshToken"]}
    )
    assert r.status_code == 200
    r = await mailed.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200  # the password chosen on confirming
    async with db() as s:
        org = await s.get(Organization, uuid.UUID(me.json()["organization"]["id"]))
        assert org is not None and org.timezone == "Europe/Berlin"
        actions = set(
            (
                await s.execute(select(AuditLog.action).where(AuditLog.organization_id == org.id))
            ).scalars()
        )
        left = (
            (await s.execute(select(PendingSignup).where(PendingSignup.email == email)))
            .scalars()
            .all()
        )
    assert "organization.created" in actions
    assert left == []  # the row is gone

    again = await mailed.client.post(CONFIRM, json={"token": token, "password": PASSWORD})
    assert again.status_code == 400 and "invalid, already used or expired" in again.json()["detail"]
    assert await _users_with(db, email) == 1


async def test_one_link_confirmed_twice_at_once_makes_one_organization(mailed, db):
    email = unique_email("race")
    assert (await mailed.client.post(REGISTER, json=_body(email))).status_code == 202
    token = await _link_token(mailed, email)
    answers = await asyncio.gather(
        *(mailed.client.post(CONFIRM, json={"token": token, "password": PASSWORD}) for _ in range(3))
    )
    assert sorted(r.status_code for r in answers) == [201, 400, 400]
    assert await _users_with(db, email) == 1


async def test_expired_garbage_and_taken_meanwhile_are_one_400(mailed, db):
    expired_email, taken_email = unique_email("late"), unique_email("taken")
    for email in (expired_email, taken_email):
        assert (await mailed.client.post(REGISTER, json=_body(email))).status_code == 202
    expired = await _link_token(mailed, expired_email)
    meanwhile = await _link_token(mailed, taken_email)
    async with db() as s:
        await s.execute(
            update(PendingSignup)
            .where(PendingSignup.email == expired_email)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    # The address gets an account another way before its link is used.
    owner = await register(mailed.client)
    r = await owner.post(
        "/api/v1/members", json={"email": taken_email, "name": "Taken", "role": "MEMBER"}
    )
    assert r.status_code == 201, r.text

    answers = [
        await mailed.client.post(CONFIRM, json={"token": token, "password": PASSWORD})
        for token in (expired, meanwhile, "garbage")
    ]
    assert {r.status_code for r in answers} == {400}
    assert len({r.content for r in answers}) == 1  # one reason, not which
    assert "sign up again" in answers[0].json()["detail"]
    assert await _users_with(db, taken_email) == 1  # the invited one, no second
    assert await _users_with(db, expired_email) == 0


async def test_closed_registration_and_the_per_address_limit(backend, session_tmp, inbox, db):
    from tests.integration.accounts.conftest import mailed_app

    data_dir = session_tmp / f"signup-limits-{uuid.uuid4().hex[:6]}"
    async with await mailed_app(backend, data_dir, inbox, PASSWORD_RESET_RATE_LIMIT="2/hour") as c:
        email = unique_email("flood")
        for _ in range(3):  # the third is dropped silently: same 202, no third mail
            r = await c.post(REGISTER, json=_body(email))
            assert r.status_code == 202
        await inbox.wait_for(email, 2)
        await asyncio.sleep(0.5)
        assert len(inbox.for_address(email)) == 2
        async with db() as s:
            rows = (
                await s.execute(select(func.count()).where(PendingSignup.email == email))
            ).scalar_one()
        assert rows == 2
        token = link_token(inbox.for_address(email)[0].message)
    async with await mailed_app(backend, data_dir, inbox, ALLOW_REGISTRATION="false") as closed:
        ghost = unique_email("closed")
        r = await closed.post(REGISTER, json=_body(ghost))
        assert r.status_code == 403 and "registration is closed" in r.json()["detail"]
        # A link mailed while it was open does not create anything once it is closed.
        r = await closed.post(CONFIRM, json={"token": token, "password": PASSWORD})
        assert r.status_code == 403
        await asyncio.sleep(0.3)
        assert inbox.for_address(ghost) == []
    assert await _users_with(db, email) == 0


async def test_expired_rows_are_purged_by_the_next_sign_up(mailed, db):
    old = unique_email("old")
    assert (await mailed.client.post(REGISTER, json=_body(old))).status_code == 202
    await _link_token(mailed, old)
    async with db() as s:
        await s.execute(
            update(PendingSignup)
            .where(PendingSignup.email == old)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    new = unique_email("new")
    assert (await mailed.client.post(REGISTER, json=_body(new))).status_code == 202
    await _link_token(mailed, new)
    async with db() as s:
        emails = set((await s.execute(select(PendingSignup.email))).scalars())
    assert old not in emails and new in emails


async def test_the_password_is_chosen_by_whoever_holds_the_link(mailed, db):
    """Pre-registration takeover: a password given with the request would be
    the account's once the address's owner followed the link. None is taken."""
    email = unique_email("prehijack")
    r = await mailed.client.post(REGISTER, json={**_body(email), "password": "attacker-chose-1"})
    assert r.status_code == 400 and "password" in r.json()["detail"], r.text
    assert (await mailed.client.post(REGISTER, json=_body(email))).status_code == 202
    token = await _link_token(mailed, email)
    weak = await mailed.client.post(CONFIRM, json={"token": token, "password": "password"})
    assert weak.status_code == 400 and "common" in weak.json()["detail"], weak.text
    assert await _users_with(db, email) == 0
    r = await mailed.client.post(CONFIRM, json={"token": token, "password": PASSWORD})
    assert r.status_code == 201, r.text  # the refused password left the link usable
    login = {"email": email, "password": PASSWORD}
    assert (await mailed.client.post("/api/v1/auth/login", json=login)).status_code == 200
