"""Project and task use cases. Writes need ADMIN/OWNER; everyone in the org reads."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, NotFound
from server.db.models import Project, Task
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.db.unique import unique_or_conflict
from server.projects.schemas import (
    ActivePage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    TaskIn,
    TaskPatch,
)
from shared.schemas import ActiveProject, TaskOut


def _name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise BadRequest("name must be 1 to 200 characters")
    return value


def project_out(p: Project) -> ProjectOut:
    return ProjectOut(id=str(p.id), name=p.name, description=p.description, archived=p.archived)


def task_out(t: Task) -> TaskOut:
    return TaskOut(id=str(t.id), project_id=str(t.project_id), name=t.name, archived=t.archived)


async def get_project(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> Project:
    return await get_in_org(session, Project, project_id, principal.org_id, "project")


async def create_project(
    session: AsyncSession, principal: Principal, data: ProjectIn
) -> ProjectOut:
    principal.require_admin()
    project = Project(
        organization_id=principal.org_id, name=_name(data.name), description=data.description
    )
    session.add(project)
    async with unique_or_conflict(session, f"a project named {data.name.strip()!r} already exists"):
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


async def active_projects(session: AsyncSession, principal: Principal) -> ActivePage:
    projects = list(
        (
            await session.execute(
                select(Project)
                .where(Project.organization_id == principal.org_id, Project.archived.is_(False))
                .order_by(Project.name)
            )
        ).scalars()
    )
    tasks = (
        await session.execute(
            select(Task)
            .where(Task.organization_id == principal.org_id, Task.archived.is_(False))
            .order_by(Task.name)
        )
    ).scalars()
    by_project: dict[uuid.UUID, list[TaskOut]] = {p.id: [] for p in projects}
    for t in tasks:
        if t.project_id in by_project:
            by_project[t.project_id].append(task_out(t))
    return ActivePage(
        items=[ActiveProject(id=str(p.id), name=p.name, tasks=by_project[p.id]) for p in projects]
    )


def _audit_archive(
    session: AsyncSession,
    principal: Principal,
    kind: str,
    row: Project | Task,
    archived: bool,
    ip: str | None,
) -> None:
    if row.archived == archived:
        return
    audit.record(
        session,
        f"{kind}.{'archived' if archived else 'unarchived'}",
        organization_id=principal.org_id,
        actor_id=principal.user_id,
        target_type=kind,
        target_id=row.id,
        ip=ip,
        name=row.name,
    )
    row.archived = archived


async def update_project(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    patch: ProjectPatch,
    ip: str | None = None,
) -> ProjectOut:
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    if patch.name is not None:
        project.name = _name(patch.name)
    if patch.description is not None:
        project.description = patch.description
    if patch.archived is not None:
        _audit_archive(session, principal, "project", project, patch.archived, ip)
    async with unique_or_conflict(session, "a project with this name already exists"):
        await session.commit()
    return project_out(project)


async def archive_project(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, ip: str | None = None
) -> None:
    """DELETE archives: tracked time keeps its project in historical reports."""
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    _audit_archive(session, principal, "project", project, True, ip)
    await session.commit()


async def update_task(
    session: AsyncSession,
    principal: Principal,
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    patch: TaskPatch,
    ip: str | None = None,
) -> TaskOut:
    """Rename, archive or unarchive a task (archived tasks leave the agent's list)."""
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    task = await get_in_org(session, Task, task_id, principal.org_id, "task")
    if task.project_id != project.id:
        raise NotFound("task")
    if patch.name is not None:
        task.name = _name(patch.name)
    if patch.archived is not None:
        _audit_archive(session, principal, "task", task, patch.archived, ip)
    await session.commit()
    return task_out(task)


async def create_task(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, data: TaskIn
) -> TaskOut:
    principal.require_admin()
    project = await get_project(session, principal, project_id)
    task = Task(organization_id=principal.org_id, project_id=project.id, name=_name(data.name))
    session.add(task)
    await session.commit()
    return task_out(task)


async def list_tasks(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID
) -> list[TaskOut]:
    project = await get_project(session, principal, project_id)
    rows = (
        await session.execute(
            select(Task)
            .where(Task.project_id == project.id, Task.organization_id == principal.org_id)
            .order_by(Task.name, Task.id)
        )
    ).scalars()
    return [task_out(t) for t in rows]


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
    tasks = (
        await session.execute(
            select(Task).where(Task.organization_id == principal.org_id).order_by(Task.name)
        )
    ).scalars()
    by_project: dict[uuid.UUID, list[TaskOut]] = {}
    for t in tasks:
        by_project.setdefault(t.project_id, []).append(task_out(t))
    return [(project_out(p), by_project.get(p.id, [])) for p in projects]
