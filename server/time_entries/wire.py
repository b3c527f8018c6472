"""Time entries as the API answers them: with their customer, effective
billable flag, entry class (computed over each whole local day) and lock."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import Activity, Project, TimeEntry, User
from server.time_entries.classes import Span, classify, local_day
from server.time_entries.guards import locked_entries
from server.time_entries.schemas import TimeEntryOut
from shared.enums import EntryClass, EntryStatus


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def effective_billable(
    own: bool | None, project_billable: bool | None, activity_billable: bool | None
) -> bool:
    """The entry's own flag when set; else billable when its project is (no
    project: not billable) and its activity, if any, is."""
    if own is not None:
        return own
    return bool(project_billable) and activity_billable is not False


def duration(e: TimeEntry, now: datetime) -> int:
    if e.end_time is None:
        return max(0, int((now - e.start_time).total_seconds()))
    return int((e.end_time - e.start_time).total_seconds())


async def day_classes(
    session: AsyncSession, entries: Sequence[TimeEntry]
) -> dict[uuid.UUID, EntryClass]:
    """Classes of `entries` by id, computed over every entry of the same
    user-days (whatever the caller loaded): for lists, the week view and exports."""
    if not entries:
        return {}
    users = {e.user_id for e in entries}
    zones = {
        uid: zone(tz)
        for uid, tz in await session.execute(
            select(User.id, User.timezone).where(User.id.in_(users))
        )
    }
    days: dict[uuid.UUID, set] = defaultdict(set)
    for e in entries:
        days[e.user_id].add(local_day(e.start_time, zones.get(e.user_id, zone(None))))
    first = min(min(d) for d in days.values())
    last = max(max(d) for d in days.values())
    # Wide enough for every zone: local midnights lie within ±14 h of UTC's.
    lo = datetime.combine(first, time(), zone(None)) - timedelta(hours=15)
    hi = datetime.combine(last + timedelta(days=1), time(), zone(None)) + timedelta(hours=15)
    rows = await session.execute(
        select(TimeEntry.id, TimeEntry.user_id, TimeEntry.start_time, TimeEntry.end_time).where(
            TimeEntry.user_id.in_(users),
            TimeEntry.start_time >= lo,
            TimeEntry.start_time < hi,
        )
    )
    spans: dict[uuid.UUID, list[Span]] = defaultdict(list)
    for eid, uid, start, end in rows:
        if local_day(start, zones.get(uid, zone(None))) in days[uid]:
            spans[uid].append(Span(eid, start, end))
    result: dict[uuid.UUID, EntryClass] = {}
    for uid, items in spans.items():
        result.update(classify(items, zones.get(uid, zone(None))))  # type: ignore[arg-type]
    return result


async def entries_out(session: AsyncSession, entries: Sequence[TimeEntry]) -> list[TimeEntryOut]:
    if not entries:
        return []
    now = utcnow()
    project_ids = {e.project_id for e in entries if e.project_id}
    activity_ids = {e.activity_id for e in entries if e.activity_id}
    projects: dict[uuid.UUID, tuple[uuid.UUID | None, bool]] = {}
    if project_ids:
        for pid, customer, billable in await session.execute(
            select(Project.id, Project.customer_id, Project.billable).where(
                Project.id.in_(project_ids)
            )
        ):
            projects[pid] = (customer, billable)
    activities: dict[uuid.UUID, bool] = {}
    if activity_ids:
        for aid, billable in await session.execute(
            select(Activity.id, Activity.billable).where(Activity.id.in_(activity_ids))
        ):
            activities[aid] = billable
    classes = await day_classes(session, entries)
    locked = await locked_entries(session, entries)
    out = []
    for e in entries:
        customer, project_billable = projects.get(e.project_id, (None, None))  # type: ignore[arg-type]
        activity_billable = activities.get(e.activity_id) if e.activity_id else None
        out.append(
            TimeEntryOut(
                id=str(e.id),
                user_id=str(e.user_id),
                project_id=str(e.project_id) if e.project_id else None,
                task_id=str(e.task_id) if e.task_id else None,
                activity_id=str(e.activity_id) if e.activity_id else None,
                customer_id=str(customer) if customer else None,
                start_time=e.start_time,
                end_time=e.end_time,
                duration_seconds=duration(e, now),
                description=e.description,
                billable=effective_billable(e.billable, project_billable, activity_billable),
                ticket_key=e.ticket_key,
                source=e.source,
                status=EntryStatus(e.status),
                entry_class=classes.get(e.id, EntryClass.DAYBREAK),
                locked=e.id in locked,
                created_at=e.created_at,
                updated_at=e.updated_at,
            )
        )
    return out


async def entry_out(session: AsyncSession, entry: TimeEntry) -> TimeEntryOut:
    return (await entries_out(session, [entry]))[0]
