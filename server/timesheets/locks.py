"""Locked weeks: an approved timesheet locks the time of its week.

An entry belongs to the week in which it starts (see `weeks`). It is locked
when that week is approved: it cannot be created there, edited (from or into
the week) or deleted. People's writes answer 409 with `extra.code = "locked"`
(`ensure_unlocked`, called from the time-entries guard); the batch sync makes
the item a per-item conflict `locked` (`server.sync`, one query per batch at
the driver level, with the same rule). Activity minutes are not time and are
accepted in a locked week.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Conflict
from server.db.models import Timesheet
from shared.enums import ConflictReason, TimesheetStatus

LOCKED = ConflictReason.LOCKED.value
APPROVED = TimesheetStatus.APPROVED.value


@dataclass(frozen=True, slots=True)
class LockedWeek:
    timesheet_id: uuid.UUID
    week_start: date
    starts_at: datetime
    ends_at: datetime


class Locked(Conflict):
    """409 `{"detail", "extra": {"code": "locked", "timesheetId", "weekStart"}}`."""

    def __init__(self, week: LockedWeek) -> None:
        super().__init__(
            f"the week of {week.week_start} is approved and locked; an admin may reopen the week",
            extra={
                "code": LOCKED,
                "timesheetId": str(week.timesheet_id),
                "weekStart": week.week_start.isoformat(),
            },
        )
        self.week = week


def locked_detail(week_start: date) -> str:
    """The sync conflict's detail for an item in a locked week."""
    return f"the week of {week_start} is approved and locked; ask an admin to reopen it"


@dataclass
class LockIndex:
    """Approved weeks per user, sorted, answering "is this instant locked?" in O(log n)."""

    weeks: dict[uuid.UUID, list[LockedWeek]] = field(default_factory=dict)

    def add(self, user_id: uuid.UUID, week: LockedWeek) -> None:
        items = self.weeks.setdefault(user_id, [])
        bisect.insort(items, week, key=lambda w: w.starts_at)

    def week_at(self, user_id: uuid.UUID, instant: datetime) -> LockedWeek | None:
        """The approved week of `user_id` that contains `instant`, if any."""
        items = self.weeks.get(user_id)
        if not items:
            return None
        idx = bisect.bisect_right(items, instant, key=lambda w: w.starts_at) - 1
        if idx >= 0 and items[idx].starts_at <= instant < items[idx].ends_at:
            return items[idx]
        return None

    def locked(self, user_id: uuid.UUID, instant: datetime) -> bool:
        return self.week_at(user_id, instant) is not None


async def lock_index(
    session: AsyncSession, user_ids: Iterable[uuid.UUID], first: datetime, last: datetime
) -> LockIndex:
    """One query: the approved weeks of `user_ids` that contain any instant in
    [first, last]. Use it to mark a list of entries `locked` (week view,
    time-entries list): `index.locked(entry.user_id, entry.start_time)`."""
    index = LockIndex()
    ids = list(set(user_ids))
    if not ids:
        return index
    rows = await session.execute(
        select(
            Timesheet.user_id,
            Timesheet.id,
            Timesheet.week_start,
            Timesheet.starts_at,
            Timesheet.ends_at,
        ).where(
            Timesheet.user_id.in_(ids),
            Timesheet.status == APPROVED,
            Timesheet.starts_at <= last,
            Timesheet.ends_at > first,
        )
    )
    for user_id, ts_id, week_start, starts_at, ends_at in rows:
        index.add(user_id, LockedWeek(ts_id, week_start, starts_at, ends_at))
    return index


async def ensure_unlocked(
    session: AsyncSession, user_id: uuid.UUID, *starts: datetime | None
) -> None:
    """409 `locked` when any of these entry starts lies in an approved week of
    `user_id`. Pass the stored start of an entry being edited or deleted AND
    its new start (an entry may neither leave nor enter a locked week)."""
    instants = [s for s in starts if s is not None]
    if not instants:
        return
    index = await lock_index(session, [user_id], min(instants), max(instants))
    for instant in instants:
        week = index.week_at(user_id, instant)
        if week is not None:
            raise Locked(week)


def person_lock_key(user_id: uuid.UUID) -> int:
    """The PostgreSQL advisory-lock key of a person's time: the batch sync holds
    it while it writes their entries (`server.sync.store_pg`), and an approval
    takes it too, so the two never interleave."""
    return int.from_bytes(user_id.bytes[:8], "big", signed=True)


async def serialize_with_sync(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Waits for a batch of this person in flight, and holds their batches back
    until the caller's transaction ends (PostgreSQL; embedded SQLite has a
    single writer). Then an approval's totals include every batch committed
    before it, and every batch after it sees the lock."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": person_lock_key(user_id)}
        )
