"""Project use cases. Writes need ADMIN/OWNER; everyone in the org reads.
Tasks live in `server.tasks`; the project-scoped task calls here delegate to it."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import NotFound
from server.core.ids import parse_uuid
from server.core.values import parse_color, parse_rate, parse_seconds, rate_text, require_name
from server.db.models import Customer, Project, Task
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.db.unique import unique_or_conflict
from server.projects.schemas import (
    ActivePage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    TaskPatch,
)
from server.tasks import schemas as task_schemas
from server.tasks import service as tasks
from server.tasks.schemas import TaskDetail, TaskIn
from server.tasks.service import OFFERED_STATUSES, task_out
from shared.enums import TaskStatus
from shared.schemas import ActiveProject, TaskOut

_TAKEN = "a project with this name already exists"


def project_out(p: Project) -> ProjectOut:
    return ProjectOut(
        id=str(p.id),
        name=p.name,
        description=p.description,
        archived=p.archived,
        customer_id=str(p.customer_id) if p.customer_id else None,
        billable=p.billable,
        hourly_rate=rate_text(p.hourly_rate),
        budget_seconds=p.budget_seconds,
        color=p.color,
    )


async def get_project(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> Project:
    return await get_in_org(session, Project, project_id, principal.org_id, "project")


async def _customer(
    session: AsyncSession, principal: Principal, value: str | None
) -> uuid.UUID | None:
    if value is None:
        return None
    customer_id = parse_uuid(value, "customerId")
    return (await get_in_org(session, Customer, customer_id, principal.org_id, "customer")).id


async def create_project(
    session: AsyncSession, principal: Principal, data: ProjectIn
) -> ProjectOut:
    principal.require_admin()
    project = Project(
        organization_id=principal.org_id,
        name=require_name(data.name),
        description=data.description,
        customer_id=await _customer(session, principal, data.customer_id),
        billable=data.billable,
        hourly_rate=parse_rate(data.hourly_rate),
        budget_seconds=parse_seconds(data.budget_seconds, "budgetSeconds"),
        color=parse_color(data.color),
    )
    session.add(project)
    async with unique_or_conflict(session, f"a project named {project.name!r} already exists"):
        await session.commit()
    return project_out(project)


async def list_projects(
    session: AsyncSession,
    principal: Principal,
    cursor: str | None,
    limit: int | None,
    include_archived: bool,
) -> ProjectPage:
    stmt = select(Project).where(Project.organization_id == principal.org_id)
    if not include_archived:
        stmt = stmt.where(Project.archived.is_(False))
    rows, nxt = await keyset_page(session, stmt, Project.name, Project.id, cursor, limit)
    return ProjectPage(items=[project_out(p) for p in rows], next_cursor=nxt)


# Every agent polls this every 10 minutes: one statement, built once (its
# cache key too), plain columns, no ORM objects. Each offered project with its
# open tasks (todo or in progress), by name; ids break ties, so the answer, and
# its ETag, stay the same from poll to poll.
_ACTIVE = (
    select(Project.id, Project.name, Task.id, Task.name, Task.status)
    .outerjoin(
        Task,
        and_(
            Task.project_id == Project.id,
            Task.organization_id == bindparam("org_id"),
            Task.status.in_(OFFERED_STATUSES),
        ),
    )
    .where(Project.organization_id == bindparam("org_id"), Project.archived.is_(False))
    .order_by(Project.name, Project.id, Task.name, Task.id)
)


async def active_projects(session: AsyncSession, principal: Principal) -> ActivePage:
    """What the agent offers: projects not archived, with their open tasks
    (todo or in progress)."""
    rows = await session.execute(_ACTIVE, {"org_id": principal.org_id})
    items: list[ActiveProject] = []
    last: uuid.UUID | None = None
    for project_id, project_name, task_id, task_name, status in rows:
        if project_id != last:
            last = project_id
            items.append(ActiveProject(id=str(project_id), name=project_name, tasks=[]))
        if task_id is not None:
            items[-1].tasks.append(
                TaskOut(
                    id=str(task_id),
                    project_id=str(project_id),
                    name=task_name,
                    archived=False,  # an offered status is never ARCHIVED
                    status=TaskStatus(status),
                )
            )
    return ActivePage(items=items)


def _archive(
    session: AsyncSession, principal: Principal, project: Project, archived: bool, ip: str | None
) -> None:
    if project.archived == archived:
        return
    audit.record_by(
        session,
        principal,
        f"project.{'archived' if archived else 'unarchived'}",
        target_type="project",
        target_id=project.id,
        ip=ip,
        name=project.name,
    )
    project.archived = archived


async def update_project(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    patch: ProjectPatch,
    ip: str | None = None,
) -> ProjectOut:
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    # A new name is flushed with the commit below, not by the customer lookup's
    # autoflush: a taken name must be the 409 from `unique_or_conflict`, not a 500.
    with session.no_autoflush:
        if patch.name is not msgspec.UNSET:
            project.name = require_name(patch.name)
        if patch.description is not msgspec.UNSET:
            project.description = patch.description
        if patch.archived is not msgspec.UNSET:
            _archive(session, principal, project, patch.archived, ip)
        if patch.customer_id is not msgspec.UNSET:
            project.customer_id = await _customer(session, principal, patch.customer_id)
        if patch.billable is not msgspec.UNSET:
            project.billable = patch.billable
        if patch.hourly_rate is not msgspec.UNSET:
            project.hourly_rate = parse_rate(patch.hourly_rate)
        if patch.budget_seconds is not msgspec.UNSET:
            project.budget_seconds = parse_seconds(patch.budget_seconds, "budgetSeconds")
        if patch.color is not msgspec.UNSET:
            project.color = parse_color(patch.color)
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return project_out(project)


async def archive_project(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, ip: str | None = None
) -> None:
    """DELETE archives: tracked time keeps its project in historical reports."""
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    _archive(session, principal, project, True, ip)
    await session.commit()


async def create_task(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    data: TaskIn,
    ip: str | None = None,
) -> TaskDetail:
    return await tasks.create_task(session, principal, project_id, data, ip)


async def list_tasks(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> list[TaskOut]:
    return await tasks.project_tasks(session, principal, project_id)


async def update_task(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    patch: TaskPatch,
    ip: str | None = None,
) -> TaskOut:
    """Rename, archive or unarchive a task of this project (an unarchived task
    is open again: `todo`)."""
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    task = await tasks.get_task(session, principal, task_id)
    if task.project_id != project.id:
        raise NotFound("task")
    if patch.name is not None:
        await tasks.update_task(
            session, principal, task_id, task_schemas.TaskPatch(name=patch.name), ip
        )
    if patch.archived is not None and patch.archived != task.archived:
        status = TaskStatus.ARCHIVED if patch.archived else TaskStatus.TODO
        await tasks.change_status(session, principal, task_id, status, ip)
    return task_out(task)


async def catalog(
    session: AsyncSession, principal: Principal
) -> list[tuple[ProjectOut, list[TaskOut]]]:
    """Every project (archived too) with all its tasks, by name: the admin's view."""
    projects = (
        await session.execute(
            select(Project)
            .where(Project.organization_id == principal.org_id)
            .order_by(Project.archived, Project.name)
        )
    ).scalars()
    rows = (
        await session.execute(
            select(Task).where(Task.organization_id == principal.org_id).order_by(Task.name)
        )
    ).scalars()
    by_project: dict[uuid.UUID, list[TaskOut]] = {}
    for t in rows:
        by_project.setdefault(t.project_id, []).append(task_out(t))
    return [(project_out(p), by_project.get(p.id, [])) for p in projects]
