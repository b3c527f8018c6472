"""Per-account lockout, beside the per-IP sign-in limit.

After `lockout_threshold` failed sign-ins in a row, every further failure
blocks the account's sign-in for base * 2^k seconds (k = failures past the
threshold), capped at `lockout_max_seconds`: an attacker spreading guesses
over many addresses is slowed exponentially, yet can never lock the owner
out for good (the block always ends by itself). A success resets the count.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.core.errors import TooManyRequests
from server.db.models import User
from server.runtime.config import SecuritySettings


def block_seconds(security: SecuritySettings, failures: int) -> int:
    """How long sign-in is refused after `failures` in a row (0 below the threshold)."""
    past = failures - security.lockout_threshold
    if past < 0:
        return 0
    return int(
        min(security.lockout_base_seconds * 2 ** min(past, 30), security.lockout_max_seconds)
    )


def check_not_blocked(user: User | None, now: datetime) -> None:
    """429 with Retry-After while the account's sign-in is blocked."""
    if user is None or user.login_blocked_until is None or user.login_blocked_until <= now:
        return
    wait = max(1, math.ceil((user.login_blocked_until - now).total_seconds()))
    raise TooManyRequests(wait, "too many failed sign-ins for this account")


async def record_failure(
    session: AsyncSession, security: SecuritySettings, user: User, ip: str, now: datetime
) -> int:
    """Counts one failed sign-in atomically; blocks the account past the threshold.
    Returns the number of failures in a row. The caller commits."""
    failures = int(
        (
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=User.failed_logins + 1)
                .returning(User.failed_logins)
                .execution_options(synchronize_session=False)
            )
        ).scalar_one()
    )
    audit.record(
        session,
        "auth.login_failed",
        organization_id=user.organization_id,
        target_type="user",
        target_id=user.id,
        ip=ip,
        failures=failures,
    )
    seconds = block_seconds(security, failures)
    if seconds:
        await session.execute(
            update(User)
            .where(User.id == user.id)
            .values(login_blocked_until=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            "auth.account_locked",
            organization_id=user.organization_id,
            target_type="user",
            target_id=user.id,
            ip=ip,
            failures=failures,
            seconds=seconds,
        )
    return failures


def record_success(user: User) -> None:
    if user.failed_logins or user.login_blocked_until is not None:
        user.failed_logins = 0
        user.login_blocked_until = None
