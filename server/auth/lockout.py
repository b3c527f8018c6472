"""Sign-in lockout per login name, beside the per-IP sign-in limit.

Failures are counted per normalized login name (an email, or a directory
login) whether or not an account has it, in the database (`login_failures`):
every replica sees the same count, and it holds while Redis is down (the
per-IP limits then fail open; this does not). After `lockout_threshold`
failures in a row every further failure blocks the name for base * 2^k
seconds (k = failures past the threshold), capped at `lockout_max_seconds`:
an attacker spreading guesses over many addresses is slowed exponentially,
yet can never lock the owner out for good (the block always ends by itself).
A success resets the count. Unknown names are counted and blocked exactly
like accounts, so neither the 401s nor the 429 say whether an account exists.

Rows are keyed by an HMAC of the name under a key derived from the server
secret: the table holds no plain address of anyone, and a copy of the
database alone cannot test guessed addresses against it. A name without a
failure for FORGET_AFTER starts again from zero, and `purge` (hourly job)
deletes such rows, so addresses sprayed by an attacker do not pile up.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import audit
from server.core.errors import TooManyRequests
from server.db.base import utcnow
from server.db.models import LoginFailure, User
from server.runtime.config import SecuritySettings
from server.security.tokens import derive_key

FORGET_AFTER = timedelta(days=1)
BLOCKED = "too many failed sign-ins for this account"
PURGE_BATCH = 5000


def normalize_login(login: str) -> str:
    """The form accounts are stored and looked up in (emails are lower-cased)."""
    return login.strip().lower()


def address_key(security: SecuritySettings, login: str) -> str:
    """The row key of a login name: HMAC-SHA256 of its normalized form."""
    key = derive_key(security.jwt_secret, "login-lockout")
    return hmac.new(key, normalize_login(login).encode(), hashlib.sha256).hexdigest()


def block_seconds(security: SecuritySettings, failures: int) -> int:
    """How long sign-in is refused after `failures` in a row (0 below the threshold)."""
    past = failures - security.lockout_threshold
    if past < 0:
        return 0
    return int(
        min(security.lockout_base_seconds * 2 ** min(past, 30), security.lockout_max_seconds)
    )


async def check_not_blocked(session: AsyncSession, key: str, now: datetime) -> None:
    """429 with Retry-After while sign-in with this name is blocked (one key probe)."""
    until = (
        await session.execute(select(LoginFailure.blocked_until).where(LoginFailure.key == key))
    ).scalar_one_or_none()
    if until is None or until <= now:
        return
    raise TooManyRequests(max(1, math.ceil((until - now).total_seconds())), BLOCKED)


async def record_failure(
    session: AsyncSession,
    security: SecuritySettings,
    key: str,
    *,
    user: User | None,
    ip: str,
) -> int:
    """Counts one failed sign-in with this name atomically (an upsert, so two
    replicas never lose a count) and blocks the name past the threshold.
    `user`: the account the name belongs to, if any, for the audit log only.
    Returns the failures in a row. The caller commits."""
    now = utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    new = insert(LoginFailure).values(key=key, failures=1, last_failure_at=now)
    stmt = new.on_conflict_do_update(
        index_elements=[LoginFailure.key],
        set_={
            "failures": case(
                (LoginFailure.last_failure_at < now - FORGET_AFTER, 1),
                else_=LoginFailure.failures + 1,
            ),
            "last_failure_at": now,
        },
    ).returning(LoginFailure.failures)
    failures = int((await session.execute(stmt)).scalar_one())
    seconds = block_seconds(security, failures)
    if seconds:
        until = now + timedelta(seconds=seconds)
        await session.execute(
            update(LoginFailure)
            .where(LoginFailure.key == key)
            # Never shortened by a racing failure that counted one less.
            .values(
                blocked_until=case(
                    (LoginFailure.blocked_until > until, LoginFailure.blocked_until),
                    else_=until,
                )
            )
            .execution_options(synchronize_session=False)
        )
    if user is not None:  # names of nobody are not audited (no organization to tell)
        _audit(session, "auth.login_failed", user, ip, failures=failures)
        if seconds:
            _audit(session, "auth.account_locked", user, ip, failures=failures, seconds=seconds)
    return failures


def _audit(session: AsyncSession, action: str, user: User, ip: str, **detail: Any) -> None:
    audit.record(
        session,
        action,
        organization_id=user.organization_id,
        target_type="user",
        target_id=user.id,
        ip=ip,
        **detail,
    )


async def record_success(session: AsyncSession, key: str) -> None:
    """A success (or a new password) starts the count again. The caller commits."""
    await session.execute(delete(LoginFailure).where(LoginFailure.key == key))


async def purge(
    sessions: async_sessionmaker[AsyncSession], now: datetime, batch: int = PURGE_BATCH
) -> int:
    """Deletes the rows of names without a failure for FORGET_AFTER and not
    blocked any more, `batch` at a time (short transactions). Idempotent."""
    stale = (LoginFailure.last_failure_at < now - FORGET_AFTER) & or_(
        LoginFailure.blocked_until.is_(None), LoginFailure.blocked_until <= now
    )
    removed = 0
    while True:
        async with sessions() as session:
            keys = select(LoginFailure.key).where(stale).limit(batch)
            result = await session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))
            await session.commit()
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        removed += count
        if count < batch:
            return removed
