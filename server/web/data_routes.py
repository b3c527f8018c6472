"""'Your data' for every signed-in person: ask for an export of everything kept
about you and download the zip (a signed link) when it is ready. The export
itself is the API's data-export job (`server.rights`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import DomainError
from server.http.deps import client_ip
from server.rights import service as rights
from server.rights.routes import JOBS_PATH
from server.runtime.state import AppState
from server.security.limits import enforce
from server.web.auth_routes import WebUser, check_form
from server.web.routes import page


async def data_page(
    web: WebUser,
    session: AsyncSession,
    app_state: AppState,
    *,
    message: str | None = None,
    error: str | None = None,
    code: int = 200,
) -> Template:
    secret = app_state.settings.security.jwt_secret
    jobs = []
    for job in await rights.own_exports(session, web.principal):
        query = rights.download_query(secret, job)
        jobs.append((job, f"{JOBS_PATH}/{job.id}/download?{query}" if query else None))
    tpl = page("my_data.html", web, nav="account", jobs=jobs, message=message, error=error)
    tpl.status_code = code
    return tpl


class DataPages(Controller):
    path = "/app/account/data"

    @get("/")
    async def show(
        self, web: WebUser, db_session: AsyncSession, app_state: AppState, ok: str = ""
    ) -> Template:
        message = "Export started; this page shows when it is ready." if ok else None
        return await data_page(web, db_session, app_state, message=message)

    # A refused export answers the page itself: HTML, not the default JSON type.
    @post("/export", media_type=MediaType.HTML)
    async def export(
        self,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Any:
        form = await request.form()
        check_form(web, {k: v for k, v in form.items() if isinstance(v, str)}, request)
        p = web.principal
        try:
            await enforce(
                app_state,
                f"export:{p.user_id}",
                app_state.settings.security.export_rate,
                "exports; wait for the running ones",
            )
            job = await rights.request_data_export(db_session, p, p.user_id, client_ip(request))
            await rights.start(app_state, job)
        except DomainError as exc:
            await db_session.rollback()
            # A rollback expires every loaded row; the page reads these two.
            await db_session.refresh(p.user)
            await db_session.refresh(p.organization)
            return await data_page(
                web, db_session, app_state, error=exc.detail, code=exc.status_code
            )
        return Redirect(path="/app/account/data?ok=1", status_code=303)
