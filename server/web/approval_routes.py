"""Approvals: the submitted weeks of the people a manager sees (their teams;
everyone for ADMIN/OWNER), approve or reject with a reason, approved weeks
shown locked (an admin may reopen one). The rules and the audit are in
`server.timesheets.service`; nobody decides on their own week."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Forbidden
from server.core.ids import path_uuid
from server.reports.scope import visible_teams
from server.timesheets import service as timesheets
from server.web.auth_routes import WebUser
from server.web.catalog_routes import FORM
from server.web.catalog_views import is_uuid
from server.web.forms import PageForm, back_to, message_of
from server.web.routes import page
from shared.enums import TimesheetStatus

TABS = [
    ("submitted", "To decide"),
    ("approved", "Approved (locked)"),
    ("rejected", "Rejected"),
    ("reopened", "Reopened"),
    ("all", "All"),
]


def _require_manager(web: WebUser) -> None:
    if not web.is_manager:
        raise Forbidden("Approvals are for team managers and administrators.")


async def approvals_page(
    web: WebUser,
    session: AsyncSession,
    *,
    status: str = "submitted",
    team: str = "",
    ok: str | None = None,
    error: str | None = None,
    code: int = 200,
) -> Template:
    _require_manager(web)
    p = web.principal
    chosen = None if status == "all" else TimesheetStatus(status)
    listing = await timesheets.list_timesheets(
        session, p, status=chosen, team_id=team if is_uuid(team) else None, limit=200
    )
    tpl = page(
        "approvals.html",
        web,
        nav="approvals",
        sheets=listing.items,
        more=listing.next_cursor is not None,
        tabs=TABS,
        status=status,
        teams=await visible_teams(session, p),
        team=team,
        me_id=str(p.user_id),
        message=message_of(ok),
        error=error,
    )
    tpl.status_code = code
    return tpl


class ApprovalPages(Controller):
    path = "/app/approvals"

    @get("/")
    async def list_page(
        self,
        web: WebUser,
        db_session: AsyncSession,
        status: str = "submitted",
        team: str = "",
        ok: str | None = None,
    ) -> Template:
        if status not in dict(TABS):
            status = "submitted"
        return await approvals_page(web, db_session, status=status, team=team, ok=ok)

    async def _decide(self, form: PageForm, sheet_id: str, action: str) -> Any:
        sid = path_uuid(sheet_id, "timesheet")
        status, team = form.get("tab") or "submitted", form.get("team")

        async def run() -> Any:
            p, s = form.web.principal, form.session
            if action == "approve":
                await timesheets.approve(s, p, sid, form.ip)
            elif action == "reject":
                await timesheets.reject(s, p, sid, form.get("reason"), form.ip)
            else:
                await timesheets.reopen(s, p, sid, form.get("reason"), form.ip)
            tab = status if status in dict(TABS) else "submitted"
            return back_to("/app/approvals", f"week-{action}d", status=tab, team=team)

        async def render(error: str, data: dict[str, str], code: int) -> Template:
            tab = status if status in dict(TABS) else "submitted"
            return await approvals_page(
                form.web, form.session, status=tab, team=team, error=error, code=code
            )

        return await form.run(run, render)

    @post("/{sheet_id:str}/approve", dependencies=FORM, media_type=MediaType.HTML)
    async def approve(self, sheet_id: str, form: PageForm) -> Any:
        return await self._decide(form, sheet_id, "approve")

    @post("/{sheet_id:str}/reject", dependencies=FORM, media_type=MediaType.HTML)
    async def reject(self, sheet_id: str, form: PageForm) -> Any:
        return await self._decide(form, sheet_id, "reject")

    @post("/{sheet_id:str}/reopen", dependencies=FORM, media_type=MediaType.HTML)
    async def reopen(self, sheet_id: str, form: PageForm) -> Any:
        return await self._decide(form, sheet_id, "reopen")
