"""What the agents record: time entries, activity minutes and rollups, screenshots."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey, utcnow
from server.db.models.columns import ORG_FK, org_id
from shared.enums import (
    EntrySource,
    EntryStatus,
    ScreenshotStatus,
)


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
        # Analytics: time on a project (budget) and on a task (estimate vs tracked).
        Index("ix_time_entries_project", "project_id"),
        Index("ix_time_entries_task", "task_id"),
        # A person's keys: another person's key is just another key (nothing to reveal).
        UniqueConstraint("user_id", "idempotency_key", name="uq_time_entries_user_key"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[uuid.UUID]
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), default=None
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), default=None
    )
    activity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), default=None
    )
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None] = mapped_column(default=None)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.STOPPED.value)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # agent | web | manual | import:<provider>
    source: Mapped[str] = mapped_column(String(32), default=EntrySource.AGENT.value)
    # None: inherit (billable when its project and its activity, if any, are);
    # true/false: set on the entry itself, overriding both.
    billable: Mapped[bool | None] = mapped_column(Boolean, default=None)
    ticket_key: Mapped[str | None] = mapped_column(String(64), default=None)
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
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"))
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
        UniqueConstraint("user_id", "idempotency_key", name="uq_screenshots_user_key"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    time_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("time_entries.id", ondelete="SET NULL"), default=None, index=True
    )
    idempotency_key: Mapped[uuid.UUID]
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
