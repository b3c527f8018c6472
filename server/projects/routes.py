"""HTTP routes for /api/v1/projects."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.conditional import IF_NONE_MATCH, NOT_MODIFIED, conditional
from server.http.deps import client_ip
from server.http.params import Cursor, IncludeArchived, Limit
from server.projects import service
from server.projects.schemas import (
    ActivePage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    TaskPage,
    TaskPatch,
)
from server.tasks.schemas import TaskDetail, TaskIn
from shared.schemas import TaskOut


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]

    @get("/")
    async def list_projects(
        self,
        db_session: AsyncSession,
        principal: Principal,
        cursor: Cursor = None,
        limit: Limit = None,
        include_archived: IncludeArchived = False,
    ) -> ProjectPage:
        return await service.list_projects(db_session, principal, cursor, limit, include_archived)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_project(
        self, data: ProjectIn, db_session: AsyncSession, principal: Principal
    ) -> ProjectOut:
        return await service.create_project(db_session, principal, data)

    @get("/active", responses=NOT_MODIFIED)
    async def active(
        self,
        db_session: AsyncSession,
        principal: Principal,
        if_none_match: Annotated[str | None, IF_NONE_MATCH] = None,
    ) -> Response[ActivePage]:
        """What the agent offers, with an ETag: 304 while the agent's copy is current."""
        return conditional(await service.active_projects(db_session, principal), if_none_match)

    @get("/{project_id:str}")
    async def get_project(
        self, project_id: str, db_session: AsyncSession, principal: Principal
    ) -> ProjectOut:
        return service.project_out(
            await service.get_project(db_session, principal, path_uuid(project_id, "project"))
        )

    @patch("/{project_id:str}")
    async def update_project(
        self,
        project_id: str,
        data: ProjectPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> ProjectOut:
        return await service.update_project(
            db_session, principal, path_uuid(project_id, "project"), data, client_ip(request)
        )

    @delete("/{project_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_project(
        self,
        project_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await service.archive_project(
            db_session, principal, path_uuid(project_id, "project"), client_ip(request)
        )

    @patch("/{project_id:str}/tasks/{task_id:str}")
    async def update_task(
        self,
        project_id: str,
        task_id: str,
        data: TaskPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TaskOut:
        return await service.update_task(
            db_session,
            principal,
            path_uuid(project_id, "project"),
            path_uuid(task_id, "task"),
            data,
            client_ip(request),
        )

    @get("/{project_id:str}/tasks")
    async def list_tasks(
        self, project_id: str, db_session: AsyncSession, principal: Principal
    ) -> TaskPage:
        """Every task of the project, archived ones included (short form)."""
        items = await service.list_tasks(db_session, principal, path_uuid(project_id, "project"))
        return TaskPage(items=items, next_cursor=None)

    @post("/{project_id:str}/tasks", status_code=HTTP_201_CREATED)
    async def create_task(
        self,
        project_id: str,
        data: TaskIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TaskDetail:
        project_uuid = path_uuid(project_id, "project")
        return await service.create_task(
            db_session, principal, project_uuid, data, client_ip(request)
        )
