"""Organizations, people and their credentials."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey
from server.db.models.columns import org_id
from shared.enums import (
    AppTracking,
    ManualTimeApproval,
    Role,
    Subscription,
)


class Organization(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    subscription: Mapped[str] = mapped_column(String(16), default=Subscription.FREE.value)
    retention_days: Mapped[int] = mapped_column(Integer, default=365)
    # Tracking policy (docs/api.md, "Agent config"), sent to agents by GET /api/v1/agent/config.
    screenshot_interval_seconds: Mapped[int] = mapped_column(Integer, default=600)
    blur_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    idle_timeout_seconds: Mapped[int] = mapped_column(Integer, default=300)
    screenshots_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_screenshot_delete: Mapped[bool] = mapped_column(Boolean, default=True)
    screenshot_delete_window_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # Hours a person is expected to stay within per week (shown by the agent); None: no limit.
    weekly_limit_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    # The agent says so each time it takes a screenshot.
    notify_on_screenshot: Mapped[bool] = mapped_column(Boolean, default=False)
    # Foreground application tracking: off | apps | titles (docs/privacy.md), and the
    # regexes whose matches in window titles are replaced before they are kept.
    app_tracking: Mapped[str] = mapped_column(String(8), default=AppTracking.APPS.value)
    redaction_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "off" | "required": manual time counts as pending until its week is approved.
    manual_time_approval: Mapped[str] = mapped_column(
        String(16), default=ManualTimeApproval.OFF.value
    )


class User(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "users"

    organization_id: Mapped[uuid.UUID] = org_id()
    # Stored lower-cased: email uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "local" (password stored here) or "ldap" (the directory checks it; none stored).
    auth_source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    # Unused since revision 0019 (the lockout counts per login name in
    # login_failures). Kept so that replicas of the previous version, which
    # read them with every User, keep working while a rolling update replaces
    # them after the migration; a later revision drops them.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    login_blocked_until: Mapped[datetime | None] = mapped_column(default=None)


class LoginFailure(Base):
    """Failed sign-ins in a row per login name (server/auth/lockout.py), whether
    or not an account has it: keyed by an HMAC of the normalized name, so no
    plain address of a non-user is stored. Rows quiet for a day are purged."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    # Until when the next sign-in with this name is refused (None: not blocked).
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)


class Invitation(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "invitations"

    organization_id: Mapped[uuid.UUID] = org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when an admin revokes it or sends a new one (the old link dies).
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordReset(UUIDPrimaryKey, Timestamped, Base):
    """A single-use password reset link; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    organization_id: Mapped[uuid.UUID] = org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class RefreshToken(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "refresh_tokens"

    organization_id: Mapped[uuid.UUID] = org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the opaque token: a database leak does not leak sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class PendingSignup(UUIDPrimaryKey, Timestamped, Base):
    """A sign-up waiting for its mailed link (POST /api/v1/auth/register).

    Stored by the request whether or not the address has an account; the mail
    job sets `token_hash` (the SHA-256 of the link's token) only when it has
    none, and deletes the row when it has one. Confirming deletes the row (the
    single use), so no address outlives the sign-up. No password: it is chosen
    on confirming (server/auth/signup.py says why)."""

    __tablename__ = "pending_signups"

    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    expires_at: Mapped[datetime] = mapped_column(index=True)
