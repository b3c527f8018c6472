"""All tables. Every row that belongs to an organization carries organization_id."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey, utcnow
from shared.enums import (
    EntrySource,
    EntryStatus,
    JobStatus,
    Role,
    ScreenshotStatus,
    Subscription,
    TaskPriority,
    TaskStatus,
)
from shared.enums import TeamRole as TeamRoleEnum

_ORG_FK = "organizations.id"


def _org_id() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey(_ORG_FK, ondelete="CASCADE"), index=True)


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


class User(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "users"

    organization_id: Mapped[uuid.UUID] = _org_id()
    # Stored lower-cased: email uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "local" (password stored here) or "ldap" (the directory checks it; none stored).
    auth_source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    # Account lockout: failed sign-ins in a row, and until when the next is refused.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    login_blocked_until: Mapped[datetime | None] = mapped_column(default=None)


class Invitation(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "invitations"

    organization_id: Mapped[uuid.UUID] = _org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when an admin revokes it or sends a new one (the old link dies).
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordReset(UUIDPrimaryKey, Timestamped, Base):
    """A single-use password reset link; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    organization_id: Mapped[uuid.UUID] = _org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


# Money: Numeric(12, 2) — exact cents, up to 9,999,999,999.99 per hour.
_MONEY = Numeric(12, 2, asdecimal=True)


class Customer(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = _org_id()
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    hourly_rate: Mapped[Decimal | None] = mapped_column(_MONEY, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Activity(UUIDPrimaryKey, Timestamped, Base):
    """A kind of work (development, meeting, support), billable or not."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = _org_id()
    name: Mapped[str] = mapped_column(String(200))
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Project(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = _org_id()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Overrides the customer's rate when set.
    hourly_rate: Mapped[Decimal | None] = mapped_column(_MONEY, default=None)
    budget_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)
    color: Mapped[str | None] = mapped_column(String(7), default=None)


class Task(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # The task list's filters, each ending in the keyset order (name, id).
        Index("ix_tasks_org_name", "organization_id", "name", "id"),
        Index("ix_tasks_project_status_name", "project_id", "status", "name", "id"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
    )

    organization_id: Mapped[uuid.UUID] = _org_id()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.TODO.value)
    priority: Mapped[str] = mapped_column(String(8), default=TaskPriority.MEDIUM.value)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    estimate_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    ticket_key: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    done_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def archived(self) -> bool:
        return self.status == TaskStatus.ARCHIVED.value


class Team(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "teams"

    organization_id: Mapped[uuid.UUID] = _org_id()
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(String(200))


class TeamMember(Timestamped, Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    organization_id: Mapped[uuid.UUID] = _org_id()
    role: Mapped[str] = mapped_column(String(16), default=TeamRoleEnum.MEMBER.value)


class TimeEntry(UUIDPrimaryKey, Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        # Hot path: a user's entries by time (overlap checks, reports).
        Index("ix_time_entries_user_start", "user_id", "start_time"),
        Index("ix_time_entries_org_start", "organization_id", "start_time"),
        # Sync: a user's open entries (no end yet), whenever they started.
        Index(
            "ix_time_entries_user_open",
            "user_id",
            postgresql_where=text("end_time IS NULL"),
            sqlite_where=text("end_time IS NULL"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_ORG_FK, ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), default=None
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), default=None
    )
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None] = mapped_column(default=None)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.STOPPED.value)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    description: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str] = mapped_column(String(16), default=EntrySource.AGENT.value)
    device_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityBucket(Base):
    __tablename__ = "activity_buckets"
    __table_args__ = (
        CheckConstraint("active_seconds >= 0 AND active_seconds <= 60", name="active_seconds"),
        # Hot path: a user's activity by minute (reports).
        Index("ix_activity_buckets_user_minute", "user_id", "minute"),
    )

    time_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    # Copies of the entry's organization and user, for filtering without a join.
    # No foreign keys on purpose: the entry's FK already ties them (and cascades),
    # and two more FK checks per row cost ~40% of the sync's biggest insert.
    organization_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    keyboard_clicks: Mapped[int] = mapped_column(Integer, default=0)
    mouse_movements: Mapped[int] = mapped_column(Integer, default=0)
    active_seconds: Mapped[int] = mapped_column(SmallInteger, default=0)


class ActivityRollup(Base):
    """Activity coarsened to 15-minute UTC slots per time entry, kept in step on ingest.

    Reports sum these instead of per-minute buckets (15x fewer rows). 15 minutes
    divides every current UTC offset, so any local day is a whole number of
    slots; the per-10-minute activity view reads the per-minute buckets.
    """

    __tablename__ = "activity_rollups"
    __table_args__ = (
        Index(
            "ix_activity_rollups_user_slot",
            "user_id",
            "slot",
            postgresql_include=["active_seconds", "organization_id", "time_entry_id"],
        ),
    )

    time_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[datetime] = mapped_column(primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_ORG_FK, ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    keyboard_clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    mouse_movements: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes: Mapped[int] = mapped_column(SmallInteger, default=0)


class Screenshot(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "screenshots"
    __table_args__ = (
        Index("ix_screenshots_user_captured", "user_id", "captured_at"),
        Index("ix_screenshots_org_captured", "organization_id", "captured_at"),
        Index("ix_screenshots_status_next", "status", "next_attempt_at"),
    )

    organization_id: Mapped[uuid.UUID] = _org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    time_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("time_entries.id", ondelete="SET NULL"), default=None, index=True
    )
    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    storage_key: Mapped[str] = mapped_column(String(512))
    thumbnail_key: Mapped[str | None] = mapped_column(String(512), default=None)
    blur_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    captured_at: Mapped[datetime]
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ScreenshotStatus.PENDING.value)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the sweep may (re-)enqueue processing: recovers lost enqueues and
    # spaces retries; for an unconfirmed presigned upload, when it is abandoned.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class RefreshToken(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "refresh_tokens"

    organization_id: Mapped[uuid.UUID] = _org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the opaque token: a database leak does not leak sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditLog(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_org_created", "organization_id", "created_at"),)

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_ORG_FK, ondelete="CASCADE"), default=None
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32), default=None)
    target_id: Mapped[str | None] = mapped_column(String(64), default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExportJob(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "export_jobs"

    organization_id: Mapped[uuid.UUID] = _org_id()
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    storage_key: Mapped[str | None] = mapped_column(String(512), default=None)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
