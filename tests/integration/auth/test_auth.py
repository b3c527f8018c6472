"""Auth flows on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import AuditLog, User
from tests.support.api import PASSWORD, Account, invite, register, unique_email


async def _audit_actions(db, org_id):
    async with db() as s:
        rows = await s.execute(
            select(AuditLog.action).where(AuditLog.organization_id == uuid.UUID(org_id))
        )
        return list(rows.scalars())


async def test_register_login_me(client, db):
    owner = await register(client, "Acme", timezone="Europe/Berlin")
    me = (await owner.get("/api/v1/auth/me")).json()
    assert me["role"] == "OWNER" and me["organization"]["name"] == "Acme"
    assert me["timezone"] == "Europe/Berlin"
    r = await client.post(
        "/api/v1/auth/login", json={"email": owner.email.upper(), "password": PASSWORD}
    )
    assert r.status_code == 200
    assert r.json()["tokenType"] == "Bearer" and r.json()["expiresIn"] == 900
    async with db() as s:
        user = (await s.execute(select(User).where(User.email == owner.email))).scalar_one()
    assert user.password_hash.startswith("$argon2id$")
    assert "auth.login" in await _audit_actions(db, owner.org_id)


async def test_register_rejects_bad_input(client):
    """Input errors do not depend on who has an account (a taken address answers
    like a free one: tests/integration/accounts/test_signup.py)."""
    cases = [
        ({"email": "nope", "name": "X", "organizationName": "Y"}, "email"),
        # The password is chosen on confirming: sent here, it is refused by name.
        (
            {"email": unique_email(), "password": PASSWORD, "name": "X", "organizationName": "Y"},
            "password",
        ),
        (
            {
                "email": unique_email(),
                "name": "X",
                "organizationName": "Y",
                "timezone": "Nowhere/City",
            },
            "timezone",
        ),
        ({"email": unique_email(), "name": "", "organizationName": "Y"}, "name"),
        ({"email": unique_email()}, "name"),
    ]
    for body, word in cases:
        r = await client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 400, (body, r.text)
        assert word in r.json()["detail"].lower(), r.text


async def test_unknown_email_and_wrong_password_answer_the_same(client, db):
    owner = await register(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": "wrong password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": unique_email(), "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "auth.login_failed" in await _audit_actions(db, owner.org_id)


async def test_refresh_rotates_and_reuse_revokes_the_family(client, db):
    owner = await register(client)
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    assert r.status_code == 200
    second = r.json()
    assert second["refreshToken"] != owner.refresh
    # The first token is dead now; presenting it again ends the whole family.
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    assert r.status_code == 401 and "already used" in r.json()["detail"]
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert r.status_code == 401
    assert "auth.refresh_token_reuse" in await _audit_actions(db, owner.org_id)
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": "garbage"})
    assert r.status_code == 401


async def test_logout_one_session_or_all(client):
    owner = await register(client)
    other = (
        await client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    ).json()
    r = await owner.post("/api/v1/auth/logout", json={"refreshToken": owner.refresh})
    assert r.status_code == 204
    assert (
        await client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    ).status_code == 401
    # The signed-out session's access token died with it; the other sign-in's lives on.
    r = await owner.get("/api/v1/auth/me")
    assert r.status_code == 401 and "sign in again" in r.json()["detail"]
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": other["refreshToken"]})
    assert r.status_code == 200
    third = r.json()
    still = Account(client, owner.email, third["accessToken"], third["refreshToken"])
    assert (await still.get("/api/v1/auth/me")).status_code == 200
    assert (await still.post("/api/v1/auth/logout", json={})).status_code == 400
    assert (await still.post("/api/v1/auth/logout", json={"all": True})).status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": third["refreshToken"]})
    assert r.status_code == 401
    assert (await still.get("/api/v1/auth/me")).status_code == 401


async def test_refresh_token_reuse_ends_the_access_tokens_of_that_sign_in(client):
    owner = await register(client)
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    ).json()
    current = Account(client, owner.email, rotated["accessToken"], rotated["refreshToken"])
    assert (await current.get("/api/v1/auth/me")).status_code == 200
    # A thief replays the old refresh token: the family ends, and so do its access tokens.
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": owner.refresh})
    assert r.status_code == 401
    assert (await current.get("/api/v1/auth/me")).status_code == 401
    assert (await owner.get("/api/v1/auth/me")).status_code == 401
    # A separate sign-in of the same person is another family and keeps working.
    fresh = (
        await client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    ).json()
    again = Account(client, owner.email, fresh["accessToken"], fresh["refreshToken"])
    assert (await again.get("/api/v1/auth/me")).status_code == 200


async def test_invite_and_accept(client, db):
    owner = await register(client)
    member = await invite(owner, "MEMBER", name="Mia")
    me = (await member.get("/api/v1/auth/me")).json()
    assert me["role"] == "MEMBER" and me["organization"]["id"] == owner.org_id
    r = await client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    assert r.status_code == 200
    r = await owner.post(
        "/api/v1/members", json={"email": unique_email(), "name": "N", "role": "MEMBER"}
    )
    token = r.json()["invitationToken"]
    assert (
        await client.post("/api/v1/auth/accept-invite", json={"token": token, "password": "x"})
    ).status_code == 400
    assert (
        await client.post("/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD})
    ).status_code == 200
    r = await client.post("/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD})
    assert r.status_code == 400 and "already used" in r.json()["detail"]
    assert "member.invited" in await _audit_actions(db, owner.org_id)
    # An invited user without a password cannot log in yet.
    email = unique_email()
    await owner.post("/api/v1/members", json={"email": email, "name": "N", "role": "MEMBER"})
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 401


async def test_bad_bearer_tokens(client):
    for header in ["Bearer nonsense", "Basic abc", ""]:
        r = await client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["detail"]


async def test_deactivated_user_loses_access(client):
    owner = await register(client)
    member = await invite(owner)
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert (await member.get("/api/v1/auth/me")).status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh})
    assert r.status_code == 401
