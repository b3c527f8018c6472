"""Tracked time per person and local day, kept in step with the time entries
(`server.analytics.day_refresh`), so the analytics dashboard sums a few rows
per person and day instead of cutting every entry at local midnights.

Days are the person's local dates in their current time zone, as whole days
since 1970-01-01 (`server.analytics.wall`); a change of zone recomputes all
their days. Only closed entries are here: a running entry grows with the
clock, so the dashboard adds open entries itself. Rows are derived data:
recomputed from the entries (and the 15-minute activity rollup), never edited.
"""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base
from server.db.models.columns import ORG_FK

HOURS = tuple(f"h{h:02d}" for h in range(24))
# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing row id.
_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class TrackedDay(Base):
    """Seconds of one person's local day on one project, task and activity,
    with the entries' own billable setting (None: inherit), so that a change
    of a project's or activity's billable flag needs no recompute."""

    __tablename__ = "tracked_days"
    __table_args__ = (
        Index("ix_tracked_days_user_day", "user_id", "day"),
        Index("ix_tracked_days_org_day", "organization_id", "day"),
    )

    id: Mapped[int] = mapped_column(_ROW_ID, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(Integer)
    # SET NULL as on time_entries: a deleted project leaves the same rows as its entries.
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), default=None
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), default=None
    )
    activity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), default=None
    )
    billable: Mapped[bool | None] = mapped_column(Boolean, default=None)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    manual_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class TrackedDayHours(Base):
    """One person's local day: tracked seconds per local hour of day (the
    repeated hour of a fall-back day counts twice). Active seconds are not
    kept here: they change with every agent minute, and keeping them in step
    doubled the CPU of the agent's per-minute sync; the dashboard sums them
    from the activity rollup instead."""

    __tablename__ = "tracked_day_hours"
    __table_args__ = (Index("ix_tracked_day_hours_org_day", "organization_id", "day"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"))
    h00: Mapped[int] = mapped_column(Integer, default=0)
    h01: Mapped[int] = mapped_column(Integer, default=0)
    h02: Mapped[int] = mapped_column(Integer, default=0)
    h03: Mapped[int] = mapped_column(Integer, default=0)
    h04: Mapped[int] = mapped_column(Integer, default=0)
    h05: Mapped[int] = mapped_column(Integer, default=0)
    h06: Mapped[int] = mapped_column(Integer, default=0)
    h07: Mapped[int] = mapped_column(Integer, default=0)
    h08: Mapped[int] = mapped_column(Integer, default=0)
    h09: Mapped[int] = mapped_column(Integer, default=0)
    h10: Mapped[int] = mapped_column(Integer, default=0)
    h11: Mapped[int] = mapped_column(Integer, default=0)
    h12: Mapped[int] = mapped_column(Integer, default=0)
    h13: Mapped[int] = mapped_column(Integer, default=0)
    h14: Mapped[int] = mapped_column(Integer, default=0)
    h15: Mapped[int] = mapped_column(Integer, default=0)
    h16: Mapped[int] = mapped_column(Integer, default=0)
    h17: Mapped[int] = mapped_column(Integer, default=0)
    h18: Mapped[int] = mapped_column(Integer, default=0)
    h19: Mapped[int] = mapped_column(Integer, default=0)
    h20: Mapped[int] = mapped_column(Integer, default=0)
    h21: Mapped[int] = mapped_column(Integer, default=0)
    h22: Mapped[int] = mapped_column(Integer, default=0)
    h23: Mapped[int] = mapped_column(Integer, default=0)
