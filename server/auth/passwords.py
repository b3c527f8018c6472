"""Password change, and reset by a single-use link sent by email.

A reset request always answers the same way, whether or not the address has
an account: the request only queues a job (`auth.password_reset`), and the
job looks the person up, stores the SHA-256 of a fresh token (1 hour) and
mails the link. So neither the answer nor its timing says who has an account.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import audit
from server.auth import lockout
from server.auth.service import (
    AUTH_LDAP,
    issue_tokens,
    normalize_email,
    validate_password,
)
from server.core.errors import BadRequest
from server.db.base import utcnow
from server.db.models import PasswordReset, RefreshToken, User
from server.mail.message import Mail, password_reset_mail
from server.mail.outbox import Outbox
from server.runtime.config import SecuritySettings
from server.runtime.state import AppState
from server.security.passwords import hash_password_async, verify_password_async
from server.security.tokens import hash_opaque_token, new_opaque_token
from shared.schemas import TokenPair

RESET_TTL = timedelta(hours=1)
RESET_JOB = "auth.password_reset"
RESET_ACCEPTED = "if an account uses this address, a reset link is on its way"
_BAD_RESET = "this reset link is invalid, already used or expired; ask for a new one"


async def _set_password(
    session: AsyncSession,
    security: SecuritySettings,
    user: User,
    password: str,
    *,
    keep_token_hash: str | None,
) -> None:
    """New hash; every other session and every open reset link ends, and the
    address's sign-in lockout with them."""
    user.password_hash = await hash_password_async(password)
    await lockout.record_success(session, lockout.address_key(security, user.email))
    now = utcnow()
    revoke = update(RefreshToken).where(
        RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)
    )
    if keep_token_hash is not None:
        revoke = revoke.where(RefreshToken.token_hash != keep_token_hash)
    await session.execute(revoke.values(revoked_at=now))
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


async def change_password(
    session: AsyncSession,
    security: SecuritySettings,
    user: User,
    *,
    current: str,
    new: str,
    ip: str,
    keep_session: str | None = None,
) -> TokenPair | None:
    """Signed in: check the current password, set the new one, end the other
    sessions. `keep_session`: the web session's token, kept; without it (the
    API) every session ends and a fresh token pair is returned."""
    if user.auth_source == AUTH_LDAP:
        raise BadRequest("this account's password is managed by the directory (LDAP)")
    if not await verify_password_async(user.password_hash, current):
        raise BadRequest("the current password is not correct")
    if new == current:
        raise BadRequest("the new password must differ from the current one")
    validate_password(new, user.email, user.name)
    keep = hash_opaque_token(keep_session) if keep_session else None
    await _set_password(session, security, user, new, keep_token_hash=keep)
    audit.record(
        session,
        "auth.password_changed",
        organization_id=user.organization_id,
        actor_id=user.id,
        ip=ip,
    )
    pair = None if keep_session else await issue_tokens(session, user, security)
    await session.commit()
    return pair


def _email_key(email: str) -> str:
    return "reset-email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


async def request_reset(state: AppState, outbox: Outbox, email: str, ip: str) -> None:
    """Queues a reset for `email`. Past PASSWORD_RESET_RATE_LIMIT for that address
    the request is dropped silently (the answer is the same 202): nobody can
    flood a person's mailbox, and the limit says nothing about the account."""
    email = normalize_email(email)
    decision = await state.limiter.hit(_email_key(email), state.settings.security.reset_email_rate)
    if not decision.allowed:
        return
    await outbox.jobs.enqueue(RESET_JOB, email=email, base_url=outbox.base_url, ip=ip)


async def create_reset(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, email: str, ip: str
) -> Mail | None:
    """In the job: a reset link for an active account with a password, else nothing."""
    async with sessions() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
        if user is None or not user.active or user.password_hash is None:
            return None
        if user.auth_source == AUTH_LDAP:
            return None
        token = new_opaque_token()
        session.add(
            PasswordReset(
                organization_id=user.organization_id,
                user_id=user.id,
                token_hash=hash_opaque_token(token),
                expires_at=utcnow() + RESET_TTL,
            )
        )
        audit.record(
            session,
            "auth.password_reset_requested",
            organization_id=user.organization_id,
            target_type="user",
            target_id=user.id,
            ip=ip,
        )
        await session.commit()
        url = outbox.link("/reset", token=token)
        return password_reset_mail(user.email, user.name, url, int(RESET_TTL.total_seconds() // 60))


async def confirm_reset(
    session: AsyncSession,
    security: SecuritySettings,
    *,
    token: str,
    password: str,
    ip: str,
    email: str | None = None,
) -> User:
    """Sets the new password from a reset link; the link is single-use. `email`,
    when given (the web form), must be the link's account."""
    reset = (
        await session.execute(
            select(PasswordReset).where(PasswordReset.token_hash == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise BadRequest(_BAD_RESET)
    user = await session.get(User, reset.user_id)
    if user is None or not user.active:
        raise BadRequest(_BAD_RESET)
    if email is not None and normalize_email(email) != user.email:
        raise BadRequest("this reset link belongs to another account")
    validate_password(password, user.email, user.name)
    # Single use even under a race: only one request flips used_at.
    claimed = await session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BadRequest(_BAD_RESET)
    await _set_password(session, security, user, password, keep_token_hash=None)
    audit.record(
        session,
        "auth.password_reset",
        organization_id=user.organization_id,
        actor_id=user.id,
        ip=ip,
    )
    await session.commit()
    return user
