"""Timesheets: a person's week, submitted for approval; an approved week is locked."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey, utcnow
from server.db.models.columns import org_id
from shared.enums import TimesheetStatus

_STATUSES = ", ".join(f"'{s.value}'" for s in TimesheetStatus)


class Timesheet(UUIDPrimaryKey, Timestamped, Base):
    """One row per person and week. `starts_at`/`ends_at` are the week's bounds
    in UTC (local Monday 00:00 to the next Monday 00:00 in `timezone`, the
    person's zone when the week was last submitted): locks and the
    pending/approved split compare instants only, so they cost no time-zone
    arithmetic in SQL."""

    __tablename__ = "timesheets"
    __table_args__ = (
        UniqueConstraint("user_id", "week_start", name="uq_timesheets_user_week"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        # The lock check (sync, entry edits, pending time): a user's approved weeks
        # ending after an instant (recent time: few or none), covering both bounds.
        Index("ix_timesheets_user_status_ends", "user_id", "status", "ends_at", "starts_at"),
        # The approvals list: an organization's weeks by status, newest first.
        Index("ix_timesheets_org_status_week", "organization_id", "status", "week_start"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=TimesheetStatus.SUBMITTED.value)
    tracked_seconds: Mapped[int] = mapped_column(Integer, default=0)
    manual_seconds: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Why it was rejected or reopened (shown to the person); cleared on submission.
    reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
