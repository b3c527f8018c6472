"""Invitations by email: sent, re-sent (the old link dies), revoked, listed; on both databases."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import AuditLog
from tests.integration.accounts.test_passwords import token_of
from tests.support.api import PASSWORD, invite, register, unique_email


async def test_invite_resend_revoke_and_list(mailed, db):
    owner = await register(mailed.client, "Mailers")
    email = unique_email("new")
    r = await owner.post("/api/v1/members", json={"email": email, "name": "Nina New"})
    assert r.status_code == 201, r.text
    member_id = r.json()["member"]["id"]
    first = await mailed.inbox.wait_for(email)
    assert first.subject == "Owner invited you to Mailers on Hubnity"
    assert "Hello Nina New" in first.body() and "expires in 7 days" in first.body()
    first_token = token_of(first.link("/invite"))
    assert first_token == r.json()["invitationToken"]

    pending = (await owner.get("/api/v1/members/invitations")).json()["items"]
    assert [p["member"]["email"] for p in pending] == [email]
    assert pending[0]["expired"] is False and pending[0]["expiresAt"] > pending[0]["invitedAt"]

    # Re-invite: a second POST for someone who has not joined sends a new link.
    r = await owner.post("/api/v1/members", json={"email": email, "name": "Nina New"})
    assert r.status_code == 201 and r.json()["member"]["id"] == member_id
    second_token = token_of((await mailed.inbox.wait_for(email, 2)).link("/invite"))
    # Resend: yet another link; each new one kills the one before.
    r = await owner.post(f"/api/v1/members/{member_id}/invitation")
    assert r.status_code == 201
    third_token = token_of((await mailed.inbox.wait_for(email, 3)).link("/invite"))
    assert len({first_token, second_token, third_token}) == 3
    for dead in (first_token, second_token):
        r = await mailed.client.post(
            "/api/v1/auth/accept-invite", json={"token": dead, "password": PASSWORD}
        )
        assert r.status_code == 400 and "newer" in r.json()["detail"], r.text
    assert len((await owner.get("/api/v1/members/invitations")).json()["items"]) == 1

    # Revoke: the live link dies too, and the person leaves the pending list.
    r = await owner.delete(f"/api/v1/members/{member_id}/invitation")
    assert r.status_code == 204
    r = await mailed.client.post(
        "/api/v1/auth/accept-invite", json={"token": third_token, "password": PASSWORD}
    )
    assert r.status_code == 400
    assert (await owner.get("/api/v1/members/invitations")).json()["items"] == []
    assert (await owner.delete(f"/api/v1/members/{member_id}/invitation")).status_code == 404

    # A new invitation after revoking works end to end.
    r = await owner.post(f"/api/v1/members/{member_id}/invitation")
    token = r.json()["invitationToken"]
    r = await mailed.client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD}
    )
    assert r.status_code == 200
    # Joined: nothing left to resend or revoke; inviting the address again is a conflict.
    assert (await owner.post(f"/api/v1/members/{member_id}/invitation")).status_code == 409
    r = await owner.post("/api/v1/members", json={"email": email, "name": "Nina"})
    assert r.status_code == 409
    async with db() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditLog.action).where(
                        AuditLog.organization_id == uuid.UUID(owner.org_id)
                    )
                )
            ).scalars()
        )
    assert actions.count("member.reinvited") == 3 and "member.invitation_revoked" in actions


async def test_only_admins_handle_invitations_and_other_orgs_see_nothing(mailed):
    owner = await register(mailed.client)
    manager = await invite(owner, "MANAGER")
    r = await owner.post("/api/v1/members", json={"email": unique_email(), "name": "P"})
    pending_id = r.json()["member"]["id"]
    assert (await manager.get("/api/v1/members/invitations")).status_code == 403
    assert (await manager.post(f"/api/v1/members/{pending_id}/invitation")).status_code == 403
    assert (await manager.delete(f"/api/v1/members/{pending_id}/invitation")).status_code == 403
    stranger = await register(mailed.client)
    assert (await stranger.post(f"/api/v1/members/{pending_id}/invitation")).status_code == 404
    assert (await stranger.get("/api/v1/members/invitations")).json()["items"] == []
    # Inviting another organization's person is still a conflict, not a takeover.
    r = await stranger.post("/api/v1/members", json={"email": manager.email, "name": "X"})
    assert r.status_code == 409


async def test_deactivating_an_invited_person_kills_the_link(mailed):
    owner = await register(mailed.client)
    r = await owner.post("/api/v1/members", json={"email": unique_email(), "name": "P"})
    token, member_id = r.json()["invitationToken"], r.json()["member"]["id"]
    assert (
        await owner.patch(f"/api/v1/members/{member_id}", json={"active": False})
    ).status_code == 200
    r = await mailed.client.post(
        "/api/v1/auth/accept-invite", json={"token": token, "password": PASSWORD}
    )
    assert r.status_code == 400


async def test_an_expired_invitation_is_listed_and_can_be_sent_again(mailed, db):
    from datetime import timedelta

    from sqlalchemy import update

    from server.db.base import utcnow
    from server.db.models import Invitation

    owner = await register(mailed.client)
    r = await owner.post("/api/v1/members", json={"email": unique_email("late"), "name": "Late"})
    old_token, member_id = r.json()["invitationToken"], r.json()["member"]["id"]
    async with db() as s:  # eight days later
        await s.execute(
            update(Invitation)
            .where(Invitation.user_id == uuid.UUID(member_id))
            .values(expires_at=utcnow() - timedelta(days=1))
        )
        await s.commit()
    r = await mailed.client.post(
        "/api/v1/auth/accept-invite", json={"token": old_token, "password": PASSWORD}
    )
    assert r.status_code == 400 and "expired" in r.json()["detail"]
    (pending,) = (await owner.get("/api/v1/members/invitations")).json()["items"]
    assert pending["member"]["id"] == member_id and pending["expired"] is True
    r = await owner.post(f"/api/v1/members/{member_id}/invitation")
    assert r.status_code == 201
    r = await mailed.client.post(
        "/api/v1/auth/accept-invite",
        json={"token": r.json()["invitationToken"], "password": PASSWORD},
    )
    assert r.status_code == 200
