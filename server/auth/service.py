"""Auth use cases, free of HTTP: each takes a session and returns data or raises."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth import lockout
from server.core.codes import is_zone
from server.core.errors import BadRequest, Unauthorized
from server.db.base import utcnow
from server.db.models import Organization, RefreshToken, User
from server.db.unique import unique_or_conflict
from server.runtime.config import SecuritySettings
from server.security.passwords import (
    WeakPasswordError,
    check_password_policy,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from server.security.tokens import (
    AccessClaims,
    hash_opaque_token,
    issue_access_token,
    new_opaque_token,
)
from shared.enums import Role
from shared.schemas import TokenPair

AUTH_LDAP = "ldap"
BAD_CREDENTIALS = "invalid email or password"


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 320 or " " in email:
        raise BadRequest("email is not a valid address")
    return email


def validate_timezone(tz: str) -> str:
    """One of the zones the OpenAPI document lists (server/core/codes.py)."""
    if not is_zone(tz):
        raise BadRequest(f"unknown timezone {tz!r} (use an IANA name such as Europe/Berlin)")
    return tz


def validate_password(password: str, *personal: str) -> None:
    """400 with the reason for a weak password; `personal`: the account's email, name."""
    try:
        check_password_policy(password, personal=personal)
    except WeakPasswordError as exc:
        raise BadRequest(str(exc)) from None


async def add_user(session: AsyncSession, user: User) -> User:
    """Inserts a person; an email already in use is a 409, not a half-made account."""
    session.add(user)
    async with unique_or_conflict(session, "an account with this email already exists"):
        await session.flush()
    return user


def require_name(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise BadRequest(f"{field} must be 1 to 200 characters")
    return value


@dataclass(frozen=True)
class Issued:
    pair: TokenPair
    user: User


async def issue_tokens(
    session: AsyncSession,
    user: User,
    security: SecuritySettings,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    refresh = new_opaque_token()
    family_id = family_id or uuid.uuid4()
    session.add(
        RefreshToken(
            organization_id=user.organization_id,
            user_id=user.id,
            token_hash=hash_opaque_token(refresh),
            family_id=family_id,
            expires_at=utcnow() + timedelta(seconds=security.refresh_ttl_seconds),
        )
    )
    access = issue_access_token(
        AccessClaims(user.id, user.organization_id, user.role, session_id=family_id),
        security.jwt_secret,
        security.access_ttl_seconds,
    )
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=security.access_ttl_seconds
    )


async def add_organization(
    session: AsyncSession,
    *,
    email: str,
    password_hash: str,
    name: str,
    organization_name: str,
    timezone: str,
    ip: str | None = None,
) -> User:
    """A new organization and its owner, flushed, not committed. Reached from a
    confirmed sign-up link (server/auth/signup.py) and from `hubnity-server
    create-organization`; an address already in use is a 409."""
    org = Organization(name=require_name(organization_name, "organizationName"), timezone=timezone)
    session.add(org)
    await session.flush()
    user = await add_user(
        session,
        User(
            organization_id=org.id,
            email=email,
            name=require_name(name, "name"),
            password_hash=password_hash,
            timezone=timezone,
            role=Role.OWNER.value,
        ),
    )
    audit.record(session, "organization.created", organization_id=org.id, actor_id=user.id, ip=ip)
    return user


async def login(
    session: AsyncSession, security: SecuritySettings, *, email: str, password: str, ip: str
) -> Issued:
    """A password sign-in. Every failure, whether the address has an account,
    is a directory (LDAP) account, is deactivated or the password is wrong,
    costs the same hash and gets the same 401, and is counted per address
    alike (server/auth/lockout.py): no answer says whether an account exists."""
    key = lockout.address_key(security, email)
    await lockout.check_not_blocked(session, key, utcnow())
    user = (
        await session.execute(select(User).where(User.email == lockout.normalize_login(email)))
    ).scalar_one_or_none()
    # End the read transaction first: the hash may wait behind other sign-ins
    # (one at a time per process), and a pooled connection held meanwhile is one
    # that syncs cannot have (capacity bench: a sign-in storm emptied the pool).
    await session.commit()
    # A directory account has no password here: it fails like an unknown email.
    local = user if user is not None and user.auth_source != AUTH_LDAP else None
    # The hash is verified even for an unknown email: same answer, same time.
    ok = await verify_password_async(local.password_hash if local else None, password)
    if not ok or local is None or not local.active:
        await lockout.record_failure(session, security, key, user=user, ip=ip)
        await session.commit()
        raise Unauthorized(BAD_CREDENTIALS)
    if local.password_hash and needs_rehash(local.password_hash):
        local.password_hash = await hash_password_async(password)
    return await signed_in(session, security, local, ip, key)


async def signed_in(
    session: AsyncSession, security: SecuritySettings, user: User, ip: str, key: str
) -> Issued:
    """A successful sign-in (password or directory) with the login name whose
    lockout key is `key`: its count reset, audited, tokens."""
    await lockout.record_success(session, key)
    audit.record(
        session, "auth.login", organization_id=user.organization_id, actor_id=user.id, ip=ip
    )
    pair = await issue_tokens(session, user, security)
    await session.commit()
    return Issued(pair, user)


async def refresh(
    session: AsyncSession, security: SecuritySettings, *, token: str, ip: str
) -> TokenPair:
    # The token and its owner in one round trip (every agent refreshes every 15 min).
    found = (
        await session.execute(
            select(RefreshToken, User)
            .join(User, User.id == RefreshToken.user_id)
            .where(RefreshToken.token_hash == hash_opaque_token(token))
        )
    ).one_or_none()
    if found is None:
        raise Unauthorized("refresh token is invalid")
    row, user = found
    now = utcnow()
    # Conditional update: of two racing refreshes with one token, only one wins.
    rotated = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now)
    )
    if rotated.rowcount != 1:  # type: ignore[attr-defined]
        # A dead token presented again: assume theft, end the whole family.
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.record(
            session,
            "auth.refresh_token_reuse",
            organization_id=row.organization_id,
            target_type="user",
            target_id=row.user_id,
            ip=ip,
            family=str(row.family_id),
        )
        await session.commit()
        raise Unauthorized("refresh token was already used; all sessions of this sign-in ended")
    if row.expires_at <= now:
        await session.rollback()
        raise Unauthorized("refresh token expired; sign in again")
    if not user.active:
        await session.rollback()
        raise Unauthorized("user is unknown or deactivated")
    pair = await issue_tokens(session, user, security, family_id=row.family_id)
    await session.commit()
    return pair


async def logout(session: AsyncSession, user: User, *, token: str | None, everywhere: bool) -> None:
    stmt = update(RefreshToken).where(
        RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None)
    )
    if not everywhere:
        if not token:
            raise BadRequest("give refreshToken, or all=true to end every session")
        stmt = stmt.where(RefreshToken.token_hash == hash_opaque_token(token))
    await session.execute(stmt.values(revoked_at=utcnow()))
    await session.commit()
