"""Invitation links: create (the previous link dies), revoke, list pending, accept."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.service import Issued, issue_tokens, validate_password
from server.core.errors import BadRequest
from server.db.base import utcnow
from server.db.models import Invitation, User
from server.runtime.config import SecuritySettings
from server.security.passwords import hash_password_async
from server.security.tokens import hash_opaque_token, new_opaque_token

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Pending:
    user: User
    created_at: datetime
    expires_at: datetime

    @property
    def expired(self) -> bool:
        return self.expires_at <= utcnow()


async def revoke_pending(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Ends every unused link of this person; returns how many were live."""
    result = await session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def create_invitation(session: AsyncSession, user: User) -> str:
    """A new link for `user`; any earlier unused link stops working."""
    await revoke_pending(session, user.id)
    token = new_opaque_token()
    session.add(
        Invitation(
            organization_id=user.organization_id,
            user_id=user.id,
            token_hash=hash_opaque_token(token),
            expires_at=utcnow() + INVITATION_TTL,
        )
    )
    return token


async def pending(session: AsyncSession, org_id: uuid.UUID) -> list[Pending]:
    """Unused, unrevoked links of people who have not joined yet (expired ones too,
    so an admin sees whom to invite again), newest first."""
    rows = await session.execute(
        select(User, Invitation.created_at, Invitation.expires_at)
        .join(Invitation, Invitation.user_id == User.id)
        .where(
            Invitation.organization_id == org_id,
            User.organization_id == org_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            User.password_hash.is_(None),
            User.active.is_(True),
        )
        .order_by(Invitation.created_at.desc(), User.email)
    )
    return [Pending(user, created, expires) for user, created, expires in rows]


async def accept_invite(
    session: AsyncSession, security: SecuritySettings, *, token: str, password: str, ip: str
) -> Issued:
    invitation = (
        await session.execute(
            select(Invitation).where(Invitation.token_hash == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if invitation is None or invitation.accepted_at is not None:
        raise BadRequest("invitation is invalid or already used")
    if invitation.revoked_at is not None:
        raise BadRequest("invitation was withdrawn or replaced by a newer one")
    if invitation.expires_at <= utcnow():
        raise BadRequest("invitation expired; ask for a new one")
    user = await session.get(User, invitation.user_id)
    if user is None or not user.active:
        raise BadRequest("invitation is invalid or already used")
    validate_password(password, user.email, user.name)
    invitation.accepted_at = utcnow()
    user.password_hash = await hash_password_async(password)
    audit.record(
        session,
        "auth.invite_accepted",
        organization_id=user.organization_id,
        actor_id=user.id,
        ip=ip,
    )
    pair = await issue_tokens(session, user, security)
    await session.commit()
    return Issued(pair, user)
