"""Signing up: a new organization and its owner, finished from a mailed link.

A sign-up request answers the same way, in the same time, whether or not the
address already has an account: it checks the input, stores a pending sign-up
and queues a job (`auth.signup`); it never looks the address up. The job
does: for a free address it stores the SHA-256 of a fresh token (24 hours)
and mails the link that finishes the sign-up; for a taken one it deletes
the pending row and tells the address's owner that someone tried to sign up
with it (no link that creates anything).

The password is chosen on confirming, not in the request: a password given
by whoever asked would let someone who knows an address prepare an account
for it and sign in to it once its owner follows the link (pre-registration
takeover). Only the holder of the mailed token sets it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth.service import (
    Issued,
    add_organization,
    issue_tokens,
    normalize_email,
    require_name,
    validate_password,
    validate_timezone,
)
from server.core.errors import BadRequest, Conflict, Forbidden
from server.db.base import utcnow
from server.db.models import PendingSignup, User
from server.mail.message import Mail, signup_mail, signup_taken_mail
from server.mail.outbox import Outbox
from server.runtime.config import SecuritySettings
from server.runtime.state import AppState
from server.security.passwords import hash_password_async
from server.security.tokens import hash_opaque_token, new_opaque_token

SIGNUP_TTL = timedelta(hours=24)
SIGNUP_JOB = "auth.signup"
CONFIRM_PATH = "/signup/confirm"
SIGNUP_ACCEPTED = "check your mail: a link to finish signing up is on its way"
BAD_SIGNUP = (
    "this sign-up link is invalid, already used or expired, or its address has an "
    "account now; sign up again, or sign in"
)


@dataclass(frozen=True)
class Signup:
    email: str
    name: str
    organization_name: str
    timezone: str


def check_open(security: SecuritySettings) -> None:
    if not security.allow_registration:
        raise Forbidden("registration is closed on this server; ask an administrator to invite you")


def owner_fields(signup: Signup) -> dict[str, str]:
    """The checked, normalized fields of a new owner (400 with the reason for bad
    input; nothing here depends on who has an account)."""
    return {
        "email": normalize_email(signup.email),
        "name": require_name(signup.name, "name"),
        "organization_name": require_name(signup.organization_name, "organizationName"),
        "timezone": validate_timezone(signup.timezone),
    }


def _email_key(email: str) -> str:
    return "signup-email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


async def request_signup(
    session: AsyncSession, state: AppState, outbox: Outbox, signup: Signup, ip: str
) -> None:
    """Stores a pending sign-up and queues its mail. Past PASSWORD_RESET_RATE_LIMIT
    for one address the request is dropped silently (the answer is the same 202):
    nobody can flood a mailbox, and an address holds a bounded number of rows."""
    check_open(state.settings.security)
    fields = owner_fields(signup)
    rate = state.settings.security.reset_email_rate
    if not (await state.limiter.hit(_email_key(fields["email"]), rate)).allowed:
        return
    row = PendingSignup(expires_at=utcnow() + SIGNUP_TTL, **fields)
    session.add(row)
    await session.commit()
    await outbox.jobs.enqueue(SIGNUP_JOB, signup_id=str(row.id), base_url=outbox.base_url)


async def create_signup_mail(
    sessions: async_sessionmaker[AsyncSession], outbox: Outbox, signup_id: str
) -> Mail | None:
    """In the job: the link for a free address, the "someone tried" note for a
    taken one (nothing for a deactivated account). Expired rows go first."""
    async with sessions() as session:
        await session.execute(delete(PendingSignup).where(PendingSignup.expires_at <= utcnow()))
        row = await session.get(PendingSignup, uuid.UUID(signup_id))
        if row is None:
            await session.commit()
            return None
        user = (
            await session.execute(select(User).where(User.email == row.email))
        ).scalar_one_or_none()
        if user is not None:
            await session.delete(row)
            await session.commit()
            if not user.active:
                return None
            return signup_taken_mail(
                user.email, user.name, outbox.link("/login"), outbox.link("/forgot")
            )
        token = new_opaque_token()
        row.token_hash = hash_opaque_token(token)
        mail = signup_mail(
            row.email,
            row.name,
            row.organization_name,
            outbox.link(CONFIRM_PATH, token=token),
            int(SIGNUP_TTL.total_seconds() // 3600),
        )
        await session.commit()
        return mail


async def find_signup(session: AsyncSession, token: str) -> PendingSignup:
    """The live sign-up of a link (the confirm page shows its organization)."""
    row = (
        await session.execute(
            select(PendingSignup).where(PendingSignup.token_hash == hash_opaque_token(token))
        )
    ).scalar_one_or_none()
    if row is None or row.expires_at <= utcnow():
        raise BadRequest(BAD_SIGNUP)
    taken = await session.execute(select(User.id).where(User.email == row.email))
    if taken.first() is not None:
        raise BadRequest(BAD_SIGNUP)
    return row


async def confirm_signup(
    session: AsyncSession, security: SecuritySettings, *, token: str, password: str, ip: str
) -> Issued:
    """Creates the organization and its owner, with the password chosen now,
    from a link, in one transaction with the link's end: the row is deleted
    (single use, even under a race), and so are the address's other pending
    sign-ups. A password refused (400, the reason) leaves the link usable."""
    check_open(security)
    row = await find_signup(session, token)
    validate_password(password, row.email, row.name)
    row_id = row.id
    fields = {
        "email": row.email,
        "name": row.name,
        "organization_name": row.organization_name,
        "timezone": row.timezone,
    }
    session.expunge(row)
    # End the read transaction first: the hash may queue behind sign-ins.
    await session.commit()
    fields["password_hash"] = await hash_password_async(password)
    # The claim re-checks what may have changed during the hash: still there
    # (single use under a race), not expired; an address taken meanwhile is
    # the unique email below.
    claimed = await session.execute(
        delete(PendingSignup)
        .where(PendingSignup.id == row_id, PendingSignup.expires_at > utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BadRequest(BAD_SIGNUP)
    await session.execute(
        delete(PendingSignup)
        .where(PendingSignup.email == fields["email"])
        .execution_options(synchronize_session=False)
    )
    try:
        user = await add_organization(session, ip=ip, **fields)
    except Conflict:  # the address was taken a moment ago
        raise BadRequest(BAD_SIGNUP) from None
    pair = await issue_tokens(session, user, security)
    await session.commit()
    return Issued(pair, user)
