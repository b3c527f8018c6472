"""Your own connections (every member): connect your personal token for each
two-way integration (Jira, Zammad, Kimai), see its state (a connection that
needs re-authorisation says why), replace or remove it.

The forms are CSRF-checked and call the same service as the JSON API
(`server/integrations/connections.py`); a refusal returns here with its reason.
A Jira OAuth pair is connected through the API (the app's own consent flow).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import DomainError
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.integrations import connections
from server.integrations.connection_schemas import ConnectionIn
from server.integrations.jobs import context_of
from server.runtime.state import AppState
from server.web.auth_routes import WebUser, check_form
from server.web.integration_routes import PROVIDERS
from server.web.routes import page


async def _back(work: Awaitable[object], done: str) -> Redirect:
    try:
        await work
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return Redirect("/app/connections", query_params={"error": exc.detail}, status_code=303)
    return Redirect("/app/connections", query_params={"message": done}, status_code=303)


class ConnectionPages(Controller):
    path = "/app/connections"

    @get("/")
    async def connections_page(
        self, web: WebUser, db_session: AsyncSession, error: str = "", message: str = ""
    ) -> Template:
        listing = await connections.list_mine(db_session, web.principal)
        return page(
            "connections.html",
            web,
            nav="account",
            items=listing.items,
            providers=PROVIDERS,
            error=error or None,
            message=message or None,
        )

    @post("/{integration_id:str}")
    async def connect_own(
        self,
        integration_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Redirect:
        form = dict(await request.form())
        check_form(web, form, request)
        iid = path_uuid(integration_id, "integration")
        fields = ("email", "apiToken")
        credentials = {k: str(form[k]) for k in fields if str(form.get(k) or "").strip()}
        return await _back(
            connections.put_mine(
                db_session,
                web.principal,
                iid,
                ConnectionIn(credentials=credentials),
                context_of(app_state),
                client_ip(request),
            ),
            "Connected: your worklogs are now written as you.",
        )

    @post("/{integration_id:str}/delete")
    async def remove_own(
        self,
        integration_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
    ) -> Redirect:
        form = dict(await request.form())
        check_form(web, form, request)
        iid = path_uuid(integration_id, "integration")
        return await _back(
            connections.delete_mine(db_session, web.principal, iid, client_ip(request)),
            "Removed: your worklogs are written with the organization's account again.",
        )
