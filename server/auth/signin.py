"""Sign-in: the directory (LDAP) when it is configured, then the local password.

With LDAP_URL set, a login that is not a local password account is tried
against the directory first: a successful bind signs the person in, creating
them in LDAP_ORGANIZATION_ID on their first sign-in with the role their
groups map to (LDAP_GROUP_ROLES), kept in step at every sign-in. The
directory never grants or removes OWNER. A directory that cannot be reached
is a 503 with a clear reason, never a wrong-password answer.

Every login name, local or directory, known or not, is counted and blocked
by the same lockout (server/auth/lockout.py), and every failure costs a
password hash and gets the one 401 `invalid email or password`: no answer
says whether a name is an account here or in the directory.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth import directory, lockout
from server.auth.service import (
    AUTH_LDAP,
    BAD_CREDENTIALS,
    Issued,
    add_user,
    login,
    normalize_email,
    signed_in,
)
from server.core.errors import BadRequest, Conflict, ServiceUnavailable, Unauthorized
from server.db.base import utcnow
from server.db.models import Organization, User
from server.observability.logging import log
from server.runtime.config import LdapSettings, SecuritySettings
from server.security.passwords import verify_password_async
from shared.enums import Role


async def sign_in(
    session: AsyncSession,
    security: SecuritySettings,
    ldap: LdapSettings,
    *,
    login_name: str,
    password: str,
    ip: str,
) -> Issued:
    if ldap.enabled:
        local = (
            await session.execute(
                select(User).where(User.email == lockout.normalize_login(login_name))
            )
        ).scalar_one_or_none()
        if local is None or local.auth_source == AUTH_LDAP:
            key = lockout.address_key(security, login_name)
            await lockout.check_not_blocked(session, key, utcnow())
            await session.commit()  # no connection held during the bind
            issued = await _directory(session, security, ldap, login_name, password, ip, key)
            if issued is not None:
                return issued
            # The work of a wrong local password too: the hash, the count, the 401.
            await verify_password_async(None, password)
            await lockout.record_failure(session, security, key, user=local, ip=ip)
            await session.commit()
            raise Unauthorized(BAD_CREDENTIALS)
    return await login(session, security, email=login_name, password=password, ip=ip)


async def _directory(
    session: AsyncSession,
    security: SecuritySettings,
    ldap: LdapSettings,
    login_name: str,
    password: str,
    ip: str,
    key: str,
) -> Issued | None:
    """Signed in through the directory; None when the directory refuses the
    login or its account here is deactivated (the caller counts the failure)."""
    try:
        person = await asyncio.to_thread(directory.authenticate, ldap, login_name, password)
    except directory.DirectoryDown as exc:
        log.warning("ldap.unreachable", url=ldap.url, error=str(exc))
        raise ServiceUnavailable(
            "the sign-in directory (LDAP) cannot be reached; try again later "
            "or ask your administrator"
        ) from None
    if person is None:
        return None
    if not person.email:
        raise BadRequest("your directory entry has no email address; ask your administrator")
    org = await session.get(Organization, uuid.UUID(str(ldap.organization_id)))
    if org is None:
        raise ServiceUnavailable("LDAP_ORGANIZATION_ID names no organization on this server")
    email = normalize_email(person.email)
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        user = await add_user(
            session,
            User(
                organization_id=org.id,
                email=email,
                name=(person.name or person.login)[:200],
                role=person.role,
                timezone=org.timezone,
                auth_source=AUTH_LDAP,
                password_hash=None,
            ),
        )
        audit.record(
            session,
            "member.created_from_directory",
            organization_id=org.id,
            target_type="user",
            target_id=user.id,
            ip=ip,
            role=user.role,
            groups=list(person.groups),
        )
    elif user.auth_source != AUTH_LDAP or user.organization_id != org.id:
        raise Conflict(
            "an account with your directory email already signs in with a password here; "
            "sign in with it, or ask your administrator"
        )
    elif not user.active:
        return None
    elif user.role != Role.OWNER.value and user.role != person.role:
        audit.record(
            session,
            "member.role_changed",
            organization_id=org.id,
            target_type="user",
            target_id=user.id,
            ip=ip,
            old=user.role,
            new=person.role,
            by="directory",
        )
        user.role = person.role
    return await signed_in(session, security, user, ip, key)
