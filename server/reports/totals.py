"""Aggregate queries behind the reports: tracked and active seconds per user.

Tracked time comes from time entries (few rows per user and day): entries that
lie wholly inside the range are summed in SQL from `duration_seconds`; only
those crossing a range edge (or still running) are clipped in Python. Active
time comes from the 15-minute rollup, summed in SQL on its (user_id, slot)
index. Users are grouped by time zone because each user's range is their own
local days.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import ActivityRollup, TimeEntry, User
from server.reports.days import clipped_seconds, range_bounds, zone


@dataclass
class Totals:
    tracked: float = 0.0
    active: int = 0


def overlapping(lo: datetime, hi: datetime) -> ColumnElement[bool]:
    """Entries that share at least one instant with [lo, hi)."""
    return and_(
        TimeEntry.start_time < hi, or_(TimeEntry.end_time.is_(None), TimeEntry.end_time > lo)
    )


async def user_totals(
    session: AsyncSession,
    org_id: uuid.UUID,
    users: Iterable[User],
    first: date,
    last: date,
    now: datetime,
) -> dict[uuid.UUID, Totals]:
    by_zone: dict[str, list[uuid.UUID]] = defaultdict(list)
    out: dict[uuid.UUID, Totals] = {}
    for u in users:
        by_zone[u.timezone or "UTC"].append(u.id)
        out[u.id] = Totals()
    for tz_name, ids in by_zone.items():
        lo, hi = range_bounds(first, last, zone(tz_name))
        inside = and_(
            TimeEntry.start_time >= lo, TimeEntry.end_time.is_not(None), TimeEntry.end_time <= hi
        )
        mine = and_(TimeEntry.organization_id == org_id, TimeEntry.user_id.in_(ids))
        whole = await session.execute(
            select(TimeEntry.user_id, func.sum(TimeEntry.duration_seconds))
            .where(mine, inside)
            .group_by(TimeEntry.user_id)
        )
        for uid, seconds in whole:
            out[uid].tracked += float(seconds or 0)
        edges = await session.execute(
            select(TimeEntry.user_id, TimeEntry.start_time, TimeEntry.end_time).where(
                mine, overlapping(lo, hi), not_(inside)
            )
        )
        for uid, start, end in edges:
            out[uid].tracked += clipped_seconds(start, end or max(now, start), lo, hi)
        active = await session.execute(
            select(ActivityRollup.user_id, func.sum(ActivityRollup.active_seconds))
            .where(
                ActivityRollup.organization_id == org_id,
                ActivityRollup.user_id.in_(ids),
                ActivityRollup.slot >= lo,
                ActivityRollup.slot < hi,
            )
            .group_by(ActivityRollup.user_id)
        )
        for uid, seconds in active:
            out[uid].active += int(seconds or 0)
    return out
