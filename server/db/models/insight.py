"""What the agents report beside activity counts: the foreground application per
minute, and the rhythm of each minute's input (for unusual-activity flags).

Both are keyed like `activity_buckets` (time entry, minute) and carry copies of
the entry's organization and user for filtering without a join (no foreign
keys on those, as there); the entry's foreign key cascades, so deleting an
entry, or its person, removes them too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base
from shared.limits import MAX_APP_NAME_LENGTH, MAX_TITLE_LENGTH


class AppUsage(Base):
    """Seconds of a minute an application (and window title) was in the foreground.

    `title` is "" when none is kept: the organization's policy is `apps`, or the
    agent sent none. It is part of the key, so one minute may hold several
    titles of one application.
    """

    __tablename__ = "app_usage"
    __table_args__ = (
        CheckConstraint("seconds >= 0 AND seconds <= 60", name="app_seconds"),
        Index("ix_app_usage_user_minute", "user_id", "minute"),
        Index("ix_app_usage_org_minute", "organization_id", "minute"),
    )

    time_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    app: Mapped[str] = mapped_column(String(MAX_APP_NAME_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH), primary_key=True, default="")
    organization_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    seconds: Mapped[int] = mapped_column(SmallInteger, default=0)


class ActivitySignal(Base):
    """A minute's input rhythm: how regular the gaps between events were, how
    many pointer positions the moves reached and how far apart, and the share
    of key presses. Never which keys, never where the pointer was."""

    __tablename__ = "activity_signals"
    __table_args__ = (Index("ix_activity_signals_user_minute", "user_id", "minute"),)

    time_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    organization_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    interval_cv: Mapped[float | None] = mapped_column(Float, default=None)
    distinct_positions: Mapped[int | None] = mapped_column(Integer, default=None)
    pointer_span: Mapped[int | None] = mapped_column(Integer, default=None)
    keyboard_share: Mapped[float | None] = mapped_column(Float, default=None)
    # Pointer move events alone (keys, clicks and wheel steps are other input).
    pointer_moves: Mapped[int | None] = mapped_column(Integer, default=None)
