"""Report use cases, free of HTTP: each takes a session and a Principal."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import ActivityBucket, ActivityRollup, Project, Task, TimeEntry, User
from server.errors import BadRequest
from server.pagination import clamp_limit, decode_cursor, encode_cursor
from server.reports import days as d
from server.reports.schemas import (
    ActivityDay,
    ActivitySlot,
    DailyReport,
    DayReport,
    EntryPage,
    EntryRow,
    ProjectTotal,
    TaskTotal,
    TeamReport,
    UserTotal,
)
from server.reports.scope import users_query, visible_user
from server.reports.totals import overlapping, user_totals

SLOT_MINUTES = 10
NO_PROJECT = "No project"
NO_TASK = "No task"

Key = tuple[uuid.UUID | None, uuid.UUID | None]  # (project_id, task_id)


def iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else None


async def _names(
    session: AsyncSession, org_id: uuid.UUID, keys: set[Key]
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    pids = {p for p, _ in keys if p}
    tids = {t for _, t in keys if t}
    projects: dict[uuid.UUID, str] = {}
    tasks: dict[uuid.UUID, str] = {}
    if pids:
        rows = await session.execute(
            select(Project.id, Project.name).where(
                Project.organization_id == org_id, Project.id.in_(pids)
            )
        )
        projects = {i: n for i, n in rows}
    if tids:
        rows = await session.execute(
            select(Task.id, Task.name).where(Task.organization_id == org_id, Task.id.in_(tids))
        )
        tasks = {i: n for i, n in rows}
    return projects, tasks


def _projects_of(
    tracked: dict[Key, float],
    active: dict[Key, int],
    projects: dict[uuid.UUID, str],
    tasks: dict[uuid.UUID, str],
) -> list[ProjectTotal]:
    grouped: dict[uuid.UUID | None, list[Key]] = defaultdict(list)
    for key in set(tracked) | set(active):
        grouped[key[0]].append(key)
    out: list[ProjectTotal] = []
    for pid, keys in grouped.items():
        task_rows = [
            TaskTotal(
                task_id=str(t) if t else None,
                name=tasks.get(t, NO_TASK) if t else NO_TASK,
                seconds=round(tracked.get((pid, t), 0)),
                active_seconds=active.get((pid, t), 0),
            )
            for _, t in keys
        ]
        task_rows.sort(key=lambda r: (-r.seconds, r.name))
        out.append(
            ProjectTotal(
                project_id=str(pid) if pid else None,
                name=projects.get(pid, NO_PROJECT) if pid else NO_PROJECT,
                seconds=sum(r.seconds for r in task_rows),
                active_seconds=sum(r.active_seconds for r in task_rows),
                tasks=task_rows,
            )
        )
    out.sort(key=lambda p: (-p.seconds, p.name))
    return out


async def daily_report(
    session: AsyncSession,
    principal: Principal,
    user_id: str | None,
    from_date: str | None,
    to_date: str | None,
    now: datetime | None = None,
) -> DailyReport:
    """One item per local day in the user's zone, split at local midnight."""
    now = now or utcnow()
    user = await visible_user(session, principal, user_id)
    tz = d.zone(user.timezone)
    first, last = d.date_range(from_date, to_date, tz, now)
    lo, hi = d.range_bounds(first, last, tz)
    tracked: dict[date, dict[Key, float]] = defaultdict(lambda: defaultdict(float))
    active: dict[date, dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    entries = await session.execute(
        select(
            TimeEntry.project_id, TimeEntry.task_id, TimeEntry.start_time, TimeEntry.end_time
        ).where(
            TimeEntry.organization_id == principal.org_id,
            TimeEntry.user_id == user.id,
            overlapping(lo, hi),
        )
    )
    for pid, tid, start, end in entries:
        for day, seconds in d.split_by_day(start, end or max(now, start), tz, first, last):
            tracked[day][(pid, tid)] += seconds
    slots = await session.execute(
        select(
            ActivityRollup.slot,
            ActivityRollup.active_seconds,
            TimeEntry.project_id,
            TimeEntry.task_id,
        )
        .join(TimeEntry, TimeEntry.id == ActivityRollup.time_entry_id)
        .where(
            ActivityRollup.organization_id == principal.org_id,
            ActivityRollup.user_id == user.id,
            ActivityRollup.slot >= lo,
            ActivityRollup.slot < hi,
        )
    )
    for slot, seconds, pid, tid in slots:
        active[d.local_date(slot, tz)][(pid, tid)] += seconds
    keys: set[Key] = set()
    for t_day in tracked.values():
        keys.update(t_day)
    for a_day in active.values():
        keys.update(a_day)
    projects, tasks = await _names(session, principal.org_id, keys)
    out: list[DayReport] = []
    for day in d.days(first, last):
        t = round(sum(tracked[day].values())) if day in tracked else 0
        a = sum(active[day].values()) if day in active else 0
        out.append(
            DayReport(
                date=day.isoformat(),
                tracked_seconds=t,
                active_seconds=a,
                activity_percent=d.percent(a, t),
                projects=_projects_of(tracked.get(day, {}), active.get(day, {}), projects, tasks),
            )
        )
    total_t = sum(x.tracked_seconds for x in out)
    total_a = sum(x.active_seconds for x in out)
    return DailyReport(
        user_id=str(user.id),
        name=user.name,
        timezone=tz.key,
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        tracked_seconds=total_t,
        active_seconds=total_a,
        activity_percent=d.percent(total_a, total_t),
        days=out,
    )


def _after_user(stmt: Select[User], cursor: str | None) -> Select[User]:
    after = decode_cursor(cursor, 2)
    if not after:
        return stmt
    try:
        name, uid = str(after[0]), uuid.UUID(str(after[1]))
    except ValueError:
        raise BadRequest("cursor is malformed") from None
    return stmt.where(or_(User.name > name, and_(User.name == name, User.id > uid)))


async def team_report(
    session: AsyncSession,
    principal: Principal,
    team_id: str | None,
    from_date: str | None,
    to_date: str | None,
    cursor: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> TeamReport:
    """Totals per user over local dates; pages are keyset on (name, id), so
    people or time added between two page requests never shift a page."""
    now = now or utcnow()
    size = clamp_limit(limit)
    first, last = d.date_range(from_date, to_date, d.zone(principal.user.timezone), now)
    stmt = _after_user(await users_query(session, principal, team_id), cursor)
    page = stmt.order_by(User.name, User.id).limit(size + 1)
    users = list((await session.execute(page)).scalars())
    nxt = encode_cursor([users[size - 1].name, users[size - 1].id]) if len(users) > size else None
    users = users[:size]
    totals = await user_totals(session, principal.org_id, users, first, last, now)
    items = []
    for u in users:
        t = totals[u.id]
        tracked = round(t.tracked)
        items.append(
            UserTotal(
                user_id=str(u.id),
                name=u.name,
                email=u.email,
                timezone=u.timezone,
                tracked_seconds=tracked,
                active_seconds=t.active,
                activity_percent=d.percent(t.active, tracked),
            )
        )
    return TeamReport(
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        team_id=team_id,
        items=items,
        next_cursor=nxt,
    )


def entry_active_seconds() -> ScalarSelect[Any]:
    """Correlated sum over the rollup's primary key (time_entry_id, slot)."""
    return (
        select(func.coalesce(func.sum(ActivityRollup.active_seconds), 0))
        .where(ActivityRollup.time_entry_id == TimeEntry.id)
        .scalar_subquery()
    )


def entries_select(org_id: uuid.UUID) -> Select[Any]:
    """Timesheet rows: entry, person, project, task and the entry's active seconds."""
    return (
        select(
            TimeEntry,
            User.name,
            User.email,
            User.timezone,
            Project.name,
            Task.name,
            entry_active_seconds().label("active"),
        )
        .join(User, User.id == TimeEntry.user_id)
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .where(TimeEntry.organization_id == org_id)
    )


def entry_seconds(entry: TimeEntry, now: datetime) -> int:
    if entry.end_time is None:
        return max(0, round((now - entry.start_time).total_seconds()))
    return entry.duration_seconds


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: str | None,
    team_id: str | None,
    start: str | None,
    end: str | None,
    cursor: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> EntryPage:
    """Entries overlapping [from, to) (RFC 3339 instants), oldest first."""
    now = now or utcnow()
    size = clamp_limit(limit)
    hi = d.parse_instant(end, "to") or now
    lo = d.parse_instant(start, "from") or hi - timedelta(days=7)
    if lo >= hi:
        raise BadRequest("from must be before to")
    if user_id:
        person = await visible_user(session, principal, user_id)
        people = select(User.id).where(User.id == person.id)
    else:
        people = (await users_query(session, principal, team_id)).with_only_columns(User.id)
    stmt = entries_select(principal.org_id).where(
        TimeEntry.user_id.in_(people), overlapping(lo, hi)
    )
    after = decode_cursor(cursor, 2)
    if after:
        try:
            at, eid = d.parse_instant(str(after[0]), "cursor"), uuid.UUID(str(after[1]))
        except (ValueError, BadRequest):
            raise BadRequest("cursor is malformed") from None
        stmt = stmt.where(
            or_(TimeEntry.start_time > at, and_(TimeEntry.start_time == at, TimeEntry.id > eid))
        )
    rows = (
        await session.execute(stmt.order_by(TimeEntry.start_time, TimeEntry.id).limit(size + 1))
    ).all()
    nxt = None
    if len(rows) > size:
        last = rows[size - 1][0]
        nxt = encode_cursor([iso(last.start_time), last.id])
    items = []
    for e, uname, _email, _tz, pname, tname, act in rows[:size]:
        seconds = entry_seconds(e, now)
        items.append(
            EntryRow(
                id=str(e.id),
                user_id=str(e.user_id),
                user_name=uname,
                project_id=str(e.project_id) if e.project_id else None,
                project_name=pname,
                task_id=str(e.task_id) if e.task_id else None,
                task_name=tname,
                description=e.description,
                status=e.status,
                start_time=iso(e.start_time) or "",
                end_time=iso(e.end_time),
                duration_seconds=seconds,
                active_seconds=int(act),
                activity_percent=d.percent(int(act), seconds),
            )
        )
    return EntryPage(items=items, next_cursor=nxt)


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
    the_day = d.parse_date(day, "date") or d.local_date(now, tz)
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
            start=iso(lo + i * width) or "",
            end=iso(min(hi, lo + (i + 1) * width)) or "",
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


async def team_days(
    session: AsyncSession,
    principal: Principal,
    team_id: str | None,
    from_date: str | None,
    to_date: str | None,
    now: datetime | None = None,
) -> list[tuple[date, int]]:
    """Tracked seconds per local date over everyone in scope (the reports chart)."""
    now = now or utcnow()
    first, last = d.date_range(from_date, to_date, d.zone(principal.user.timezone), now)
    users = (await session.execute(await users_query(session, principal, team_id))).scalars()
    by_zone: dict[str, list[uuid.UUID]] = defaultdict(list)
    for u in users:
        by_zone[u.timezone or "UTC"].append(u.id)
    per_day: dict[date, float] = defaultdict(float)
    for tz_name, ids in by_zone.items():
        tz = d.zone(tz_name)
        lo, hi = d.range_bounds(first, last, tz)
        rows = await session.execute(
            select(TimeEntry.start_time, TimeEntry.end_time).where(
                TimeEntry.organization_id == principal.org_id,
                TimeEntry.user_id.in_(ids),
                overlapping(lo, hi),
            )
        )
        for start, end in rows:
            for day, seconds in d.split_by_day(start, end or max(now, start), tz, first, last):
                per_day[day] += seconds
    return [(day, round(per_day.get(day, 0))) for day in d.days(first, last)]
