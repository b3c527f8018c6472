"""Timesheet entries: the list behind the API, the person page and exports."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import BadRequest
from server.core.times import cursor_instant, parse_instant
from server.db.base import utcnow
from server.db.models import ActivityRollup, Project, Task, TimeEntry, User
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor
from server.reports import days as d
from server.reports.schemas import EntryPage, EntryRow
from server.reports.scope import users_query, visible_user
from server.reports.totals import overlapping


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
    hi = parse_instant(end, "to") or now
    lo = parse_instant(start, "from") or hi - timedelta(days=7)
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
            at, eid = cursor_instant(after[0]), uuid.UUID(str(after[1]))
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
        nxt = encode_cursor([d.iso(last.start_time), last.id])
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
                start_time=d.iso(e.start_time) or "",
                end_time=d.iso(e.end_time),
                duration_seconds=seconds,
                active_seconds=int(act),
                activity_percent=d.percent(int(act), seconds),
            )
        )
    return EntryPage(items=items, next_cursor=nxt)
