"""Customers and Projects pages: list (everyone), add, edit, archive (ADMIN/OWNER).

Each form calls the same service function as the JSON API, which checks the
role and audits; a refused change shows the reason above the form.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.di import Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.ids import path_uuid
from server.customers import service as customers
from server.customers.schemas import CustomerIn, CustomerPatch
from server.db.catalog import ListQuery
from server.http.body_limits import body
from server.projects import service as projects
from server.projects.schemas import ProjectIn, ProjectPatch
from server.runtime.body_limits import BodyKind
from server.web import catalog_views as views
from server.web.auth_routes import WebUser
from server.web.forms import PageForm, back_to, hours, message_of, provide_page_form
from server.web.routes import page

FORM = {"form": Provide(provide_page_form)}


def _status(tpl: Template, status: int) -> Template:
    tpl.status_code = status
    return tpl


# -- customers -----------------------------------------------------------------
async def customers_page(
    web: WebUser,
    session: AsyncSession,
    *,
    q: str = "",
    archived: bool = False,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    listing = await customers.list_customers(
        session, web.principal, ListQuery(q=q or None, include_archived=archived, limit=200)
    )
    return _status(
        page(
            "customers.html",
            web,
            nav="customers",
            customers=listing.items,
            more=listing.next_cursor is not None,
            q=q,
            archived=archived,
            message=message_of(ok),
            error=error,
            form=form or {},
        ),
        status,
    )


async def customer_page(
    web: WebUser,
    session: AsyncSession,
    customer_id: str,
    *,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    row = await customers.get_customer(session, web.principal, path_uuid(customer_id, "customer"))
    return _status(
        page(
            "customer.html",
            web,
            nav="customers",
            customer=customers.customer_out(row),
            message=message_of(ok),
            error=error,
            form=form,
        ),
        status,
    )


class CustomerPages(Controller):
    path = "/app/customers"

    @get("/")
    async def list_page(
        self,
        web: WebUser,
        db_session: AsyncSession,
        q: str = "",
        archived: str = "",
        ok: str | None = None,
    ) -> Template:
        return await customers_page(web, db_session, q=q, archived=archived == "1", ok=ok)

    @post("/", dependencies=FORM, media_type=MediaType.HTML)
    async def create(self, form: PageForm) -> Any:
        async def action() -> Any:
            data = CustomerIn(
                name=form.get("name"),
                currency=form.get("currency") or "EUR",
                hourly_rate=form.opt("rate"),
            )
            await customers.create_customer(form.session, form.web.principal, data, form.ip)
            return back_to("/app/customers", "customer-created")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await customers_page(
                form.web, form.session, error=error, form=data, status=status
            )

        return await form.run(action, render)

    @get("/{customer_id:str}")
    async def edit_page(
        self, customer_id: str, web: WebUser, db_session: AsyncSession, ok: str | None = None
    ) -> Template:
        return await customer_page(web, db_session, customer_id, ok=ok)

    @post("/{customer_id:str}", dependencies=FORM, media_type=MediaType.HTML)
    async def save(self, customer_id: str, form: PageForm) -> Any:
        cid = path_uuid(customer_id, "customer")

        async def action() -> Any:
            patch = CustomerPatch(
                name=form.get("name"),
                currency=form.get("currency") or "EUR",
                hourly_rate=form.opt("rate"),
            )
            await customers.update_customer(form.session, form.web.principal, cid, patch, form.ip)
            return back_to(f"/app/customers/{cid}", "customer-saved")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await customer_page(
                form.web, form.session, customer_id, error=error, form=data, status=status
            )

        return await form.run(action, render)

    @post("/{customer_id:str}/archive", dependencies=FORM, media_type=MediaType.HTML)
    async def archive(self, customer_id: str, form: PageForm) -> Any:
        cid = path_uuid(customer_id, "customer")
        archived = form.get("archived") != "0"

        async def action() -> Any:
            patch = CustomerPatch(archived=archived)
            await customers.update_customer(form.session, form.web.principal, cid, patch, form.ip)
            return back_to(
                "/app/customers", "customer-archived" if archived else "customer-restored"
            )

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await customers_page(form.web, form.session, error=error, status=status)

        return await form.run(action, render)


# -- projects ------------------------------------------------------------------
async def projects_page(
    web: WebUser,
    session: AsyncSession,
    *,
    archived: bool = False,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    listing = await projects.list_projects(session, web.principal, None, 200, archived)
    clients = await views.customer_options(session, web.principal)
    return _status(
        page(
            "projects.html",
            web,
            nav="projects",
            projects=listing.items,
            more=listing.next_cursor is not None,
            customers=clients,
            customer_names=views.names(clients),
            archived=archived,
            message=message_of(ok),
            error=error,
            form=form or {"billable": "on"},
        ),
        status,
    )


async def project_page(
    web: WebUser,
    session: AsyncSession,
    project_id: str,
    *,
    ok: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    row = await projects.get_project(session, web.principal, path_uuid(project_id, "project"))
    return _status(
        page(
            "project.html",
            web,
            nav="projects",
            project=projects.project_out(row),
            customers=await views.customer_options(session, web.principal),
            message=message_of(ok),
            error=error,
            form=form,
        ),
        status,
    )


def _project_fields(form: PageForm) -> dict[str, Any]:
    return {
        "name": form.get("name"),
        "description": form.opt("description"),
        "customer_id": form.opt("customer"),
        "billable": form.has("billable"),
        "hourly_rate": form.opt("rate"),
        "budget_seconds": hours(form.get("budget"), "Budget"),
        "color": form.opt("color"),
    }


class ProjectPages(Controller):
    path = "/app/projects"

    @get("/")
    async def list_page(
        self, web: WebUser, db_session: AsyncSession, archived: str = "", ok: str | None = None
    ) -> Template:
        return await projects_page(web, db_session, archived=archived == "1", ok=ok)

    @post("/", dependencies=FORM, media_type=MediaType.HTML, opt=body(BodyKind.TEXT))
    async def create(self, form: PageForm) -> Any:
        async def action() -> Any:
            data = ProjectIn(**_project_fields(form))
            await projects.create_project(form.session, form.web.principal, data)
            return back_to("/app/projects", "project-created")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await projects_page(
                form.web, form.session, error=error, form=data, status=status
            )

        return await form.run(action, render)

    @get("/{project_id:str}")
    async def edit_page(
        self, project_id: str, web: WebUser, db_session: AsyncSession, ok: str | None = None
    ) -> Template:
        return await project_page(web, db_session, project_id, ok=ok)

    @post(
        "/{project_id:str}", dependencies=FORM, media_type=MediaType.HTML, opt=body(BodyKind.TEXT)
    )
    async def save(self, project_id: str, form: PageForm) -> Any:
        pid = path_uuid(project_id, "project")

        async def action() -> Any:
            patch = ProjectPatch(**_project_fields(form))
            await projects.update_project(form.session, form.web.principal, pid, patch, form.ip)
            return back_to(f"/app/projects/{pid}", "project-saved")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await project_page(
                form.web, form.session, project_id, error=error, form=data, status=status
            )

        return await form.run(action, render)

    @post("/{project_id:str}/archive", dependencies=FORM, media_type=MediaType.HTML)
    async def archive(self, project_id: str, form: PageForm) -> Any:
        pid = path_uuid(project_id, "project")
        archived = form.get("archived") != "0"

        async def action() -> Any:
            patch = ProjectPatch(archived=archived)
            await projects.update_project(form.session, form.web.principal, pid, patch, form.ip)
            return back_to("/app/projects", "project-archived" if archived else "project-restored")

        async def render(error: str, data: dict[str, str], status: int) -> Template:
            return await projects_page(form.web, form.session, error=error, status=status)

        return await form.run(action, render)
