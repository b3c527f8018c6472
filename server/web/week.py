"""Page data of "My time": one person's week (Monday to Sunday in their own
time zone), their entries by local day with totals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest
from server.db.models import Project, Task, TimeEntry, User
from server.reports import days as d
from server.reports.entries import entry_seconds
from server.time_entries.classes import Span, classify


@dataclass
class EntryRow:
    id: str
    start: datetime
    end: datetime | None
    seconds: int
    project_id: str | None
    project: str | None
    task_id: str | None
    task: str | None
    description: str | None
    source: str
    entry_class: str = "plain"
    color: str | None = None
    gap_before: int = 0  # seconds since the previous entry of the day ended (class pause)

    @property
    def running(self) -> bool:
        return self.end is None


@dataclass
class Day:
    day: date
    entries: list[EntryRow] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return sum(e.seconds for e in self.entries)


@dataclass
class Week:
    start: date
    zone: ZoneInfo
    days: list[Day]
    today: date

    @property
    def seconds(self) -> int:
        return sum(day.seconds for day in self.days)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def prev(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=7)

    @property
    def is_current(self) -> bool:
        return self.start <= self.today <= self.end


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_start(value: str | None, today: date) -> date:
    """The Monday of `?week=` (any day of it), or of today."""
    if not value:
        return monday(today)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest("week must be a date like 2026-11-30") from None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise BadRequest("week must be between 2000 and 2100")
    return monday(day)


async def week_of(session: AsyncSession, user: User, week: str | None, now: datetime) -> Week:
    tz = d.zone(user.timezone)
    start = week_start(week, d.local_date(now, tz))
    lo, hi = d.range_bounds(start, start + timedelta(days=6), tz)
    rows = await session.execute(
        select(TimeEntry, Project.name, Project.color, Task.name)
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .where(
            TimeEntry.organization_id == user.organization_id,
            TimeEntry.user_id == user.id,
            TimeEntry.start_time < hi,
            or_(TimeEntry.end_time.is_(None), TimeEntry.end_time > lo),
        )
        .order_by(TimeEntry.start_time, TimeEntry.id)
    )
    by_day = {day: Day(day) for day in d.days(start, start + timedelta(days=6))}
    found = list(rows)
    classes = classify([Span(e.id, e.start_time, e.end_time) for e, *_ in found], tz)
    for entry, project, color, task in found:
        local = max(d.local_date(entry.start_time, tz), start)
        row = row_of(entry, project, color, task, now)
        row.entry_class = classes[entry.id].value
        by_day[local].entries.append(row)
    for day in by_day.values():
        mark_gaps(day.entries)
    return Week(start, tz, list(by_day.values()), d.local_date(now, tz))


def mark_gaps(rows: list[EntryRow]) -> None:
    """How long the gap before each `pause` entry was (after the latest end so far)."""
    reach: datetime | None = None
    for row in rows:
        if row.entry_class == "pause" and reach is not None:
            row.gap_before = int((row.start - reach).total_seconds())
        if row.end is None:
            return
        reach = row.end if reach is None else max(reach, row.end)


def row_of(
    entry: TimeEntry, project: str | None, color: str | None, task: str | None, now: datetime
) -> EntryRow:
    return EntryRow(
        id=str(entry.id),
        start=entry.start_time,
        end=entry.end_time,
        seconds=entry_seconds(entry, now),
        project_id=_str(entry.project_id),
        project=project,
        task_id=_str(entry.task_id),
        task=task,
        description=entry.description,
        source=entry.source,
        color=color,
    )


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None
