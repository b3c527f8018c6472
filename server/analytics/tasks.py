"""Completed tasks of a dashboard: how many, on time or late, and how close
their estimates came to the time tracked on them (one SQL statement).

A task counts when it was marked done within the range, in its assignee's
local days (the viewer's for a task without an assignee, which only an
admin's unfiltered view includes). On time: done on or before its due date,
in that same zone; a task without a due date is neither on time nor late.
Estimate accuracy over the done tasks with an estimate and tracked time:
100 x (1 - sum|tracked - estimate| / sum estimate), at least 0; tracked is all
the time anyone recorded on the task, not only within the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.analytics.facts import entry_bounds, started_before_end
from server.analytics.scope import Scope
from server.analytics.wall import DAY
from server.db.models import Task, TimeEntry, User
from shared.enums import TaskStatus


@dataclass(frozen=True)
class Completed:
    completed: int
    on_time: int
    late: int
    accuracy: float | None


async def completed(session: AsyncSession, scope: Scope, now: datetime) -> Completed:
    sql, per, w = scope.sql, scope.periods.c, scope.window
    assignee = aliased(User)
    done_at = sql.epoch(Task.done_at)
    wall = done_at + per.p_off
    due_end = sql.epoch(Task.due_date) + DAY  # the wall second after the due date
    whose = scope.whose(Task.assignee_id)  # an admin's view: unassigned tasks too
    done = (
        select(
            Task.id.label("id"),
            Task.estimate_seconds.label("estimate"),
            case((Task.due_date.is_(None), 0), (wall < due_end, 1), else_=0).label("on_time"),
            case((Task.due_date.is_(None), 0), (wall >= due_end, 1), else_=0).label("late"),
        )
        .select_from(Task)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .join(
            scope.periods,
            and_(
                per.tz == func.coalesce(assignee.timezone, literal(scope.viewer_tz)),
                done_at >= per.p_lo,
                done_at < per.p_hi,
            ),
        )
        .where(
            Task.organization_id == scope.org_id,
            Task.status == TaskStatus.DONE.value,
            Task.done_at >= scope.utc_lo,
            Task.done_at < scope.utc_hi,
            wall >= w.lo,
            wall < w.hi,
            whose,
        )
        .cte("done")
    )
    start, end = entry_bounds(sql, now)
    actual = (
        select(TimeEntry.task_id.label("task_id"), func.sum(end - start).label("seconds"))
        .where(
            TimeEntry.organization_id == scope.org_id,
            TimeEntry.task_id.in_(select(done.c.id)),
            started_before_end(now),
        )
        .group_by(TimeEntry.task_id)
        .subquery()
    )
    judged = and_(done.c.estimate > 0, actual.c.seconds > 0)
    stmt = (
        select(
            func.count(done.c.id),
            func.sum(done.c.on_time),
            func.sum(done.c.late),
            func.sum(case((judged, func.abs(actual.c.seconds - done.c.estimate)), else_=0)),
            func.sum(case((judged, done.c.estimate), else_=0)),
        )
        .select_from(done)
        .outerjoin(actual, actual.c.task_id == done.c.id)
    )
    count, on_time, late, error, estimated = (await session.execute(stmt)).one()
    accuracy = None
    if estimated:
        accuracy = round(max(0.0, 100.0 * (1 - float(error) / float(estimated))), 1)
    return Completed(int(count or 0), int(on_time or 0), int(late or 0), accuracy)
