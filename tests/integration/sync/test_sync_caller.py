"""The sync checks its caller in the batch's own transaction (no principal read
before it): a signed-out sign-in, a deactivated member or a token naming
another organization writes nothing and is answered 401, like every other route."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from server.db.models import TimeEntry
from server.security.tokens import AccessClaims, issue_access_token
from tests.conftest import TEST_ENV
from tests.support.api import PASSWORD, Account, invite, register
from tests.support.sync import BASE, activity, batch, entry

URL = "/api/v1/sync/batch"


async def _stored(db, key: str) -> int:
    async with db() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(TimeEntry)
                .where(TimeEntry.idempotency_key == uuid.UUID(key))
            )
        )


def _one(start_minutes: int = 0) -> tuple[str, dict]:
    from datetime import timedelta

    e = entry(BASE + timedelta(hours=start_minutes), 30)
    return e["idempotencyKey"], batch([e], [activity(e["idempotencyKey"], BASE)])


async def test_a_signed_out_sign_in_cannot_sync_and_another_one_can(client, db):
    owner = await register(client)
    other = (
        await client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    ).json()
    key, body = _one()
    assert (await owner.post(URL, json=body)).json()["processed"] == 1
    r = await owner.post("/api/v1/auth/logout", json={"refreshToken": owner.refresh})
    assert r.status_code == 204
    key, body = _one(2)
    r = await owner.post(URL, json=body)
    assert r.status_code == 401 and "sign in again" in r.json()["detail"]
    assert await _stored(db, key) == 0
    still = Account(client, owner.email, other["accessToken"], other["refreshToken"])
    assert (await still.post(URL, json=body)).json()["processed"] == 1


async def test_a_deactivated_member_cannot_sync_until_back_and_signed_in(client, db):
    owner = await register(client)
    member = await invite(owner)
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"active": False})
    assert r.status_code == 200
    key, body = _one()
    r = await member.post(URL, json=body)
    assert r.status_code == 401 and "deactivated" in r.json()["detail"]
    assert await _stored(db, key) == 0
    await owner.patch(f"/api/v1/members/{member.user_id}", json={"active": True})
    # Deactivation ended the member's sign-ins: their old token stays dead.
    assert (await member.post(URL, json=body)).status_code == 401
    fresh = (
        await client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    ).json()
    back = Account(client, member.email, fresh["accessToken"], fresh["refreshToken"])
    assert (await back.post(URL, json=body)).json()["processed"] == 1


async def test_a_token_naming_another_organization_is_refused(client, db):
    owner = await register(client)
    stranger = await register(client, org_name="Other")
    # Signed with the server's secret, but the person is no member of that organization.
    forged = issue_access_token(
        AccessClaims(uuid.UUID(owner.user_id), uuid.UUID(stranger.org_id), "OWNER"),
        TEST_ENV["JWT_SECRET"],
        300,
    )
    key, body = _one()
    r = await client.post(URL, json=body, headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert await _stored(db, key) == 0
    # The same kind of token for the person's own organization (one without a
    # sign-in, as tokens issued before `sid` existed) is let through.
    own = issue_access_token(
        AccessClaims(uuid.UUID(owner.user_id), uuid.UUID(owner.org_id), "OWNER"),
        TEST_ENV["JWT_SECRET"],
        300,
    )
    r = await client.post(URL, json=body, headers={"Authorization": f"Bearer {own}"})
    assert r.status_code == 200 and r.json()["processed"] == 1


async def test_missing_or_bad_bearer_token(client):
    _, body = _one()
    for header in ["", "Bearer nonsense", "Basic abc"]:
        r = await client.post(URL, json=body, headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["detail"]
