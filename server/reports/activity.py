"""Activity per 10-minute slot of one person's local day (the person page bars)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.times import parse_date
from server.db.base import utcnow
from server.db.models import ActivityBucket, TimeEntry
from server.reports import days as d
from server.reports.schemas import ActivityDay, ActivitySlot
from server.reports.scope import visible_user
from server.reports.totals import overlapping

SLOT_MINUTES = 10


async def activity_day(
    session: AsyncSession,
    principal: Principal,
    user_id: str | None,
    day: str | None,
    now: datetime | None = None,
) -> ActivityDay:
    """Tracked and active seconds per 10-minute slot of one local day (non-empty slots)."""
    now = now or utcnow()
    user = await visible_user(session, principal, user_id)
    tz = d.zone(user.timezone)
    the_day = parse_date(day, "date") or d.local_date(now, tz)
    lo, hi = d.day_bounds(the_day, tz)
    width = timedelta(minutes=SLOT_MINUTES)
    count = int((hi - lo) / width) + 1
    tracked = [0.0] * count
    active = [0] * count
    keys = [0] * count
    mouse = [0] * count
    entries = await session.execute(
        select(TimeEntry.start_time, TimeEntry.end_time).where(
            TimeEntry.organization_id == principal.org_id,
            TimeEntry.user_id == user.id,
            overlapping(lo, hi),
        )
    )
    for start, end in entries:
        s, e = max(start, lo), min(end or max(now, start), hi)
        i = int((s - lo) / width)
        while i < count and lo + i * width < e:
            tracked[i] += d.clipped_seconds(s, e, lo + i * width, lo + (i + 1) * width)
            i += 1
    buckets = await session.execute(
        select(
            ActivityBucket.minute,
            ActivityBucket.active_seconds,
            ActivityBucket.keyboard_clicks,
            ActivityBucket.mouse_movements,
        ).where(
            ActivityBucket.organization_id == principal.org_id,
            ActivityBucket.user_id == user.id,
            ActivityBucket.minute >= lo,
            ActivityBucket.minute < hi,
        )
    )
    for minute, act, kb, mv in buckets:
        i = int((minute - lo) / width)
        active[i] += act
        keys[i] += kb
        mouse[i] += mv
    slots = [
        ActivitySlot(
            start=d.iso(lo + i * width) or "",
            end=d.iso(min(hi, lo + (i + 1) * width)) or "",
            tracked_seconds=round(tracked[i]),
            active_seconds=active[i],
            activity_percent=d.percent(active[i], tracked[i]),
            keyboard_clicks=keys[i],
            mouse_movements=mouse[i],
        )
        for i in range(count)
        if tracked[i] > 0 or active[i] > 0
    ]
    return ActivityDay(
        user_id=str(user.id),
        date=the_day.isoformat(),
        timezone=tz.key,
        slot_minutes=SLOT_MINUTES,
        slots=slots,
    )
