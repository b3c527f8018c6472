"""One project's analytics: budget against tracked time, and per task the
estimate against tracked time, over all time recorded on it by the people the
caller may see (everyone for admins)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics.facts import (
    DEFAULT_CURRENCY,
    Sql,
    billable_flag,
    entry_bounds,
    started_before_end,
    with_catalog,
)
from server.analytics.money import Money
from server.analytics.schemas import ProjectAnalytics, TaskProgress
from server.analytics.scope import people_in_scope
from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import Customer, Project, Task, TimeEntry
from server.db.scoped import get_in_org
from server.reports import days as d

NO_TASK = "No task"


def _percent(part: int, whole: int | None) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


async def project_analytics(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    *,
    team_id: str | None = None,
    user_id: str | None = None,
    now: datetime | None = None,
) -> ProjectAnalytics:
    now = now or utcnow()
    project = await get_in_org(session, Project, project_id, principal.org_id, "project")
    people = await people_in_scope(session, principal, team_id, user_id)
    customer = await session.get(Customer, project.customer_id) if project.customer_id else None
    currency = customer.currency if customer else DEFAULT_CURRENCY
    sql = Sql(session.get_bind().dialect.name)
    start, end = entry_bounds(sql, now)
    seconds = end - start
    stmt = (
        with_catalog(
            select(
                TimeEntry.task_id, func.sum(seconds), func.sum(seconds * billable_flag())
            ).select_from(TimeEntry)
        )
        .where(
            TimeEntry.organization_id == principal.org_id,
            TimeEntry.project_id == project.id,
            TimeEntry.user_id.in_(people),
            started_before_end(now),
        )
        .group_by(TimeEntry.task_id)
    )
    tracked = {tid: (int(s or 0), int(b or 0)) for tid, s, b in await session.execute(stmt)}
    task_ids = [t for t in tracked if t is not None]
    tasks = (
        (
            await session.execute(
                select(Task)
                .where(
                    Task.organization_id == principal.org_id,
                    Task.project_id == project.id,
                    or_(Task.estimate_seconds.is_not(None), Task.id.in_(task_ids)),
                )
                .order_by(Task.name, Task.id)
            )
        )
        .scalars()
        .all()
    )
    base_rate = project.hourly_rate
    if base_rate is None and customer is not None:
        base_rate = customer.hourly_rate
    total = Money()
    rows: list[TaskProgress] = []
    for task in [*tasks, None]:
        tid = task.id if task else None
        secs, billable = tracked.get(tid, (0, 0))
        if task is None and secs == 0:
            continue
        rate = task.hourly_rate if task and task.hourly_rate is not None else base_rate
        money = Money()
        money.add(currency, rate, billable)
        total.merge(money)
        estimate = task.estimate_seconds if task else None
        amounts = money.amounts()
        rows.append(
            TaskProgress(
                id=str(tid) if tid else None,
                name=task.name if task else NO_TASK,
                status=task.status if task else None,
                assignee_id=str(task.assignee_id) if task and task.assignee_id else None,
                due_date=task.due_date.isoformat() if task and task.due_date else None,
                done_at=d.iso(task.done_at) if task else None,
                estimate_seconds=estimate,
                tracked_seconds=secs,
                billable_seconds=billable,
                remaining_seconds=estimate - secs if estimate is not None else None,
                estimate_used_percent=_percent(secs, estimate),
                amount=amounts[0] if amounts else None,
            )
        )
    rows.sort(key=lambda r: (-r.tracked_seconds, r.name))
    tracked_total = sum(s for s, _ in tracked.values())
    budget = project.budget_seconds
    return ProjectAnalytics(
        id=str(project.id),
        name=project.name,
        color=project.color,
        customer_id=str(customer.id) if customer else None,
        customer_name=customer.name if customer else None,
        billable=project.billable,
        currency=currency,
        budget_seconds=budget,
        tracked_seconds=tracked_total,
        billable_seconds=sum(b for _, b in tracked.values()),
        remaining_seconds=budget - tracked_total if budget is not None else None,
        budget_used_percent=_percent(tracked_total, budget),
        amounts=total.amounts(),
        tasks=rows,
    )
