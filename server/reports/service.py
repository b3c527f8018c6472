"""Daily and team reports, free of HTTP: each takes a session and a Principal.

Timesheet entries live in `entries`, the 10-minute activity view in `activity`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import BadRequest
from server.db.base import utcnow
from server.db.models import ActivityRollup, Project, Task, TimeEntry, User
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor
from server.reports import days as d
from server.reports.schemas import (
    DailyReport,
    DayReport,
    ProjectTotal,
    TaskTotal,
    TeamReport,
    UserTotal,
)
from server.reports.scope import users_query, visible_user
from server.reports.totals import overlapping, user_totals

NO_PROJECT = "No project"
NO_TASK = "No task"

Key = tuple[uuid.UUID | None, uuid.UUID | None]  # (project_id, task_id)


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
