"""HTTP routes for /api/v1/tasks (creating a task is under its project)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.http.params import AssigneeId, Cursor, Limit, ProjectId, Search
from server.tasks import service
from server.tasks.schemas import TaskDetail, TaskDetailPage, TaskPatch, TaskStatusIn
from shared.enums import TaskStatus


class TasksController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]

    @get("/")
    async def list_tasks(
        self,
        db_session: AsyncSession,
        principal: Principal,
        project_id: ProjectId = None,
        status: TaskStatus | None = None,
        assignee_id: AssigneeId = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> TaskDetailPage:
        """Archived tasks are listed only with `status=archived`."""
        return await service.list_tasks(
            db_session,
            principal,
            project_id=project_id,
            status=status,
            assignee_id=assignee_id,
            q=q,
            cursor=cursor,
            limit=limit,
        )

    @get("/{task_id:str}")
    async def get_task(
        self, task_id: str, db_session: AsyncSession, principal: Principal
    ) -> TaskDetail:
        task = await service.get_task(db_session, principal, path_uuid(task_id, "task"))
        return service.task_detail(task)

    @patch("/{task_id:str}")
    async def update_task(
        self,
        task_id: str,
        data: TaskPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TaskDetail:
        return await service.update_task(
            db_session, principal, path_uuid(task_id, "task"), data, client_ip(request)
        )

    @patch("/{task_id:str}/status")
    async def change_status(
        self,
        task_id: str,
        data: TaskStatusIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TaskDetail:
        return await service.change_status(
            db_session, principal, path_uuid(task_id, "task"), data.status, client_ip(request)
        )

    @delete("/{task_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def archive_task(
        self,
        task_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        """Archives (status `archived`): tracked time keeps its task in reports."""
        await service.archive_task(
            db_session, principal, path_uuid(task_id, "task"), client_ip(request)
        )
