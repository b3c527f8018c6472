"""Task use cases. Everyone in the organization reads; ADMIN/OWNER create and
edit; the assignee may also move their own task's status."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Forbidden
from server.core.ids import parse_uuid
from server.core.values import (
    parse_rate,
    parse_seconds,
    parse_tags,
    rate_text,
    require_name,
    sent_fields,
)
from server.db.base import utcnow
from server.db.catalog import search
from server.db.models import Project, Task, User
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.tasks.schemas import MAX_DESCRIPTION, TaskDetail, TaskDetailPage, TaskIn, TaskPatch
from shared.enums import TaskStatus
from shared.schemas import TaskOut

EARLIEST_DUE, LATEST_DUE = date(2000, 1, 1), date(2100, 12, 31)


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        id=str(t.id),
        project_id=str(t.project_id),
        name=t.name,
        archived=t.archived,
        status=TaskStatus(t.status),
    )


def task_detail(t: Task) -> TaskDetail:
    return TaskDetail(
        id=str(t.id),
        project_id=str(t.project_id),
        name=t.name,
        description=t.description,
        status=TaskStatus(t.status),
        priority=t.priority,  # type: ignore[arg-type]  # stored as the enum's value
        due_date=t.due_date,
        estimate_seconds=t.estimate_seconds,
        tags=list(t.tags or []),
        assignee_id=str(t.assignee_id) if t.assignee_id else None,
        ticket_key=t.ticket_key,
        hourly_rate=rate_text(t.hourly_rate),
        done_at=t.done_at,
        archived=t.archived,
        created_at=t.created_at,
    )


async def get_task(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> Task:
    return await get_in_org(session, Task, task_id, principal.org_id, "task")


def _description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION:
        raise BadRequest(f"description must be at most {MAX_DESCRIPTION} characters")
    return value or None


def _due(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DUE <= value <= LATEST_DUE:
        raise BadRequest(f"dueDate must be between {EARLIEST_DUE} and {LATEST_DUE}")
    return value


def _ticket(value: str | None) -> str | None:
    value = (value or "").strip()
    if len(value) > 64:
        raise BadRequest("ticketKey must be at most 64 characters")
    return value or None


async def _assignee(
    session: AsyncSession, principal: Principal, value: str | None
) -> uuid.UUID | None:
    if value is None:
        return None
    user = await get_in_org(
        session, User, parse_uuid(value, "assigneeId"), principal.org_id, "assignee"
    )
    return user.id


def _set_status(task: Task, status: TaskStatus) -> None:
    """`doneAt` is when the task last became done; leaving done clears it."""
    if status == TaskStatus.DONE and task.status != TaskStatus.DONE.value:
        task.done_at = utcnow()
    elif status != TaskStatus.DONE:
        task.done_at = None
    task.status = status.value


def _record(
    session: AsyncSession,
    principal: Principal,
    task: Task,
    action: str,
    ip: str | None,
    **detail: object,
) -> None:
    audit.record_by(
        session,
        principal,
        action,
        target_type="task",
        target_id=task.id,
        ip=ip,
        **detail,
    )


async def create_task(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    data: TaskIn,
    ip: str | None = None,
) -> TaskDetail:
    principal.require_admin()
    project = await get_in_org(session, Project, project_id, principal.org_id, "project")
    task = Task(
        organization_id=principal.org_id,
        project_id=project.id,
        name=require_name(data.name),
        description=_description(data.description),
        priority=data.priority.value,
        due_date=_due(data.due_date),
        estimate_seconds=parse_seconds(data.estimate_seconds, "estimateSeconds"),
        tags=parse_tags(data.tags),
        assignee_id=await _assignee(session, principal, data.assignee_id),
        ticket_key=_ticket(data.ticket_key),
        hourly_rate=parse_rate(data.hourly_rate),
        status=TaskStatus.TODO.value,
    )
    _set_status(task, data.status)
    session.add(task)
    await session.flush()
    _record(session, principal, task, "task.created", ip)
    await session.commit()
    return task_detail(task)


async def project_tasks(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> list[TaskOut]:
    project = await get_in_org(session, Project, project_id, principal.org_id, "project")
    rows = (
        await session.execute(
            select(Task)
            .where(Task.project_id == project.id, Task.organization_id == principal.org_id)
            .order_by(Task.name, Task.id)
        )
    ).scalars()
    return [task_out(t) for t in rows]


async def list_tasks(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: str | None = None,
    status: TaskStatus | None = None,
    assignee_id: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> TaskDetailPage:
    """Filtered, searched, keyset-paged by (name, id); archived tasks only when
    asked for by status."""
    stmt = select(Task).where(Task.organization_id == principal.org_id)
    # An empty id is "not given", like every id in a query (docs/api.md).
    if project_id:
        project = await get_in_org(
            session, Project, parse_uuid(project_id, "projectId"), principal.org_id, "project"
        )
        stmt = stmt.where(Task.project_id == project.id)
    if assignee_id:
        stmt = stmt.where(Task.assignee_id == await _assignee(session, principal, assignee_id))
    if status is None:
        stmt = stmt.where(Task.status != TaskStatus.ARCHIVED.value)
    else:
        stmt = stmt.where(Task.status == status.value)
    rows, nxt = await keyset_page(
        session, search(stmt, Task.name, q), Task.name, Task.id, cursor, limit
    )
    return TaskDetailPage(items=[task_detail(t) for t in rows], next_cursor=nxt)


async def update_task(
    session: AsyncSession,
    principal: Principal,
    task_id: uuid.UUID,
    patch: TaskPatch,
    ip: str | None = None,
) -> TaskDetail:
    principal.require_admin()
    task = await get_task(session, principal, task_id)
    if patch.name is not msgspec.UNSET:
        task.name = require_name(patch.name)
    if patch.description is not msgspec.UNSET:
        task.description = _description(patch.description)
    if patch.priority is not msgspec.UNSET:
        task.priority = patch.priority.value
    if patch.due_date is not msgspec.UNSET:
        task.due_date = _due(patch.due_date)
    if patch.estimate_seconds is not msgspec.UNSET:
        task.estimate_seconds = parse_seconds(patch.estimate_seconds, "estimateSeconds")
    if patch.tags is not msgspec.UNSET:
        task.tags = parse_tags(patch.tags)
    if patch.assignee_id is not msgspec.UNSET:
        task.assignee_id = await _assignee(session, principal, patch.assignee_id)
    if patch.ticket_key is not msgspec.UNSET:
        task.ticket_key = _ticket(patch.ticket_key)
    if patch.hourly_rate is not msgspec.UNSET:
        task.hourly_rate = parse_rate(patch.hourly_rate)
    if patch.status is not msgspec.UNSET:
        _set_status(task, patch.status)
    changed = sent_fields(patch)
    _record(session, principal, task, "task.updated", ip, fields=changed)
    await session.commit()
    return task_detail(task)


async def change_status(
    session: AsyncSession,
    principal: Principal,
    task_id: uuid.UUID,
    status: TaskStatus,
    ip: str | None = None,
) -> TaskDetail:
    """ADMIN/OWNER, or the assignee moving their own task (not archiving it)."""
    task = await get_task(session, principal, task_id)
    own = task.assignee_id == principal.user_id
    if not principal.is_admin and not (own and status != TaskStatus.ARCHIVED):
        raise Forbidden("only an administrator or the task's assignee can change its status")
    before = task.status
    _set_status(task, status)
    if status == TaskStatus.ARCHIVED:
        action = "task.archived"
    elif before == TaskStatus.ARCHIVED.value:
        action = "task.unarchived"
    else:
        action = "task.status"
    if before != status.value:
        _record(session, principal, task, action, ip, before=before, after=status.value)
    await session.commit()
    return task_detail(task)


async def archive_task(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID, ip: str | None = None
) -> None:
    principal.require_admin()
    await change_status(session, principal, task_id, TaskStatus.ARCHIVED, ip)


#: The task states the agent offers for tracking.
OFFERED_STATUSES = (TaskStatus.TODO.value, TaskStatus.IN_PROGRESS.value)

