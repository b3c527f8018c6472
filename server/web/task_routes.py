"""Tasks page: a board by status (to do / in progress / done, archived on
request) with buttons to move a task, which app.js also lets you drag.
ADMIN/OWNER add and edit tasks; a member moves the tasks assigned to them
(the rule of `tasks.change_status`, which decides and audits)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest
from server.core.ids import path_uuid
from server.http.body_limits import body
from server.runtime.body_limits import BodyKind
from server.tasks import service as tasks
from server.tasks.schemas import TaskIn, TaskPatch
from server.web import catalog_views as views
from server.web.auth_routes import WebUser
from server.web.catalog_routes import FORM
from server.web.forms import PageForm, back_to, hours, message_of
from server.web.routes import page
from shared.enums import TaskPriority, TaskStatus


def _choice(kind: Any, value: str, label: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise BadRequest(f"choose a {label} from the list") from None


def _due(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("due date must be a date like 2026-12-31") from None


def _tags(value: str) -> list[str]:
    return [t for t in (part.strip() for part in value.split(",")) if t]


def _task_fields(form: PageForm) -> dict[str, Any]:
    return {
        "name": form.get("name"),
        "description": form.opt("description"),
        "priority": _choice(TaskPriority, form.get("priority") or "medium", "priority"),
        "due_date": _due(form.get("due")),
        "estimate_seconds": hours(form.get("estimate"), "Estimate"),
        "tags": _tags(form.get("tags")),
        "assignee_id": form.opt("assignee"),
        "ticket_key": form.opt("ticket"),
    }


async def board_page(
    web: WebUser,
    session: AsyncSession,
    *,
    project: str = "",
    assignee: str = "",
    q: str = "",
    archived: bool = False,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    mine = assignee == "me"
    board = await views.task_board(
        session,
        p,
        project_id=project if views.is_uuid(project) else None,
        assignee_id=str(p.user_id) if mine else (assignee if views.is_uuid(assignee) else None),
        q=q or None,
        archived=archived,
    )
    project_list = await views.project_options(session, p)
    people = await views.people_options(session, p)
    tpl = page(
        "tasks.html",
        web,
        nav="tasks",
        board=board,
        projects=project_list,
        project_names=views.names(project_list),
        project_colors={o.id: o.color for o in project_list},
        people=people,
        people_names=views.names(people),
        can_move=lambda t: views.can_move(p, t),
        project=project,
        assignee=assignee,
        q=q,
        archived=archived,
        priorities=[x.value for x in TaskPriority],
        message=message_of(ok),
        error=error,
        form=form or {},
    )
    tpl.status_code = status
    return tpl


class TaskPages(Controller):
    path = "/app/tasks"

    @get("/")
    async def board(
        self,
        web: WebUser,
        db_session: AsyncSession,
        project: str = "",
        assignee: str = "",
        q: str = "",
        archived: str = "",
        ok: str | None = None,
    ) -> Template:
        return await board_page(
            web,
            db_session,
            project=project,
            assignee=assignee,
            q=q,
            archived=archived == "1",
            ok=ok,
        )

    @post("/", dependencies=FORM, media_type=MediaType.HTML, opt=body(BodyKind.TEXT))
    async def create(self, form: PageForm) -> Any:
        async def action() -> Any:
            project_id = path_uuid(form.get("project"), "project")
            data = TaskIn(**_task_fields(form))
            await tasks.create_task(form.session, form.web.principal, project_id, data, form.ip)
            return back_to("/app/tasks", "task-created", project=form.get("project"))

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await board_page(form.web, form.session, error=error, form=data, status=status)

        return await form.run(action, render)

    @post("/{task_id:str}/status", dependencies=FORM, media_type=MediaType.HTML)
    async def move(self, task_id: str, form: PageForm) -> Any:
        tid = path_uuid(task_id, "task")

        async def action() -> Any:
            status = _choice(TaskStatus, form.get("status"), "status")
            await tasks.change_status(form.session, form.web.principal, tid, status, form.ip)
            if form.get("back") == "task":
                return back_to(f"/app/tasks/{tid}", "task-moved")
            # Back to the board as it was filtered.
            keep = {k: form.get(k) for k in ("project", "assignee", "q", "archived")}
            return back_to("/app/tasks", "task-moved", **keep)

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await board_page(form.web, form.session, error=error, status=status)

        return await form.run(action, render)

    @get("/{task_id:str}")
    async def edit_page(
        self, task_id: str, web: WebUser, db_session: AsyncSession, ok: str | None = None
    ) -> Template:
        return await task_page(web, db_session, task_id, ok=ok)

    @post(
        "/{task_id:str}", dependencies=FORM, media_type=MediaType.HTML, opt=body(BodyKind.TEXT)
    )
    async def save(self, task_id: str, form: PageForm) -> Any:
        tid = path_uuid(task_id, "task")

        async def action() -> Any:
            patch = TaskPatch(**_task_fields(form))
            await tasks.update_task(form.session, form.web.principal, tid, patch, form.ip)
            return back_to(f"/app/tasks/{tid}", "task-saved")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await task_page(
                form.web, form.session, task_id, error=error, form=data, status=status
            )

        return await form.run(action, render)


async def task_page(
    web: WebUser,
    session: AsyncSession,
    task_id: str,
    *,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    task = tasks.task_detail(await tasks.get_task(session, p, path_uuid(task_id, "task")))
    project_list = await views.project_options(session, p)
    people = await views.people_options(session, p)
    tpl = page(
        "task.html",
        web,
        nav="tasks",
        task=task,
        project_names=views.names(project_list),
        people=people,
        people_names=views.names(people),
        can_move=views.can_move(p, task),
        statuses=[s.value for s in TaskStatus],
        priorities=[x.value for x in TaskPriority],
        message=message_of(ok),
        error=error,
        form=form,
    )
    tpl.status_code = status
    return tpl
