"""Settings for ADMIN/OWNER: tracking policy, members and invites, teams, projects.

Each form posts to its own route, is CSRF-checked, calls the same service
function as the JSON API and re-renders the page with a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, DomainError, Forbidden
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.members import service as members
from server.members.schemas import InviteRequest
from server.policy import service as policy
from server.policy.schemas import PolicyPatch
from server.projects import service as projects
from server.projects.schemas import ProjectIn
from server.runtime.state import AppState
from server.teams import service as teams
from server.teams.schemas import TeamIn, TeamMemberIn
from server.web.auth_routes import Form, WebUser, check_form
from server.web.routes import page
from shared.enums import Role, TeamRole


def _require_admin(web: WebUser) -> None:
    if not web.is_admin:
        raise Forbidden("Only administrators and owners can change settings.")


def _int(form: dict[str, str], name: str, label: str, scale: int = 1) -> int:
    try:
        return int(form.get(name, "").strip()) * scale
    except ValueError:
        raise BadRequest(f"{label} must be a whole number") from None


async def _render(
    web: WebUser,
    session: AsyncSession,
    *,
    message: str | None = None,
    error: str | None = None,
    invitation: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    p = web.principal
    people = await members.list_members(session, p, None, 200)
    team_page = await teams.list_teams(session, p, None, 200)
    project_page = await projects.list_projects(session, p, None, 200, include_archived=False)
    tpl = page(
        "settings.html",
        web,
        policy=policy.policy_of(p.organization),
        retention=p.organization.retention_days,
        people=people.items,
        teams=team_page.items,
        projects=project_page.items,
        roles=[r.value for r in Role],
        team_roles=[r.value for r in TeamRole],
        message=message,
        error=error,
        invitation=invitation,
        nav="settings",
    )
    tpl.status_code = status
    return tpl


class SettingsPages(Controller):
    path = "/app/settings"

    @get("/")
    async def settings(self, web: WebUser, db_session: AsyncSession) -> Template:
        _require_admin(web)
        return await _render(web, db_session)

    async def _submit(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        session: AsyncSession,
        action: Callable[[], Awaitable[dict[str, str] | None]],
        ok: str,
    ) -> Template:
        """Every settings form: CSRF and admin checks, then `action`; a refused
        change re-renders the page with the reason and nothing half-written."""
        check_form(web, data, request)
        _require_admin(web)
        try:
            invitation = await action()
        except DomainError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            await session.rollback()
            # A rollback expires every loaded row; the page reads these two.
            await session.refresh(web.principal.organization)
            await session.refresh(web.principal.user)
            return await _render(web, session, error=exc.detail, status=exc.status_code)
        return await _render(web, session, message=ok, invitation=invitation)

    @post("/policy")
    async def save_policy(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Template:
        async def action() -> None:
            patch = PolicyPatch(
                screenshot_interval_seconds=_int(data, "interval", "Screenshot interval", 60),
                blur_level=_int(data, "blur", "Blur level"),
                idle_timeout_seconds=_int(data, "idle", "Idle timeout", 60),
                screenshots_enabled="screenshots" in data,
                allow_screenshot_delete="allow_delete" in data,
                screenshot_delete_window_minutes=_int(data, "delete_window", "Delete window"),
                retention_days=_int(data, "retention", "Retention"),
                timezone=data.get("timezone", "").strip() or None,
            )
            await policy.update_policy(db_session, web.principal, patch, client_ip(request))

        return await self._submit(request, data, web, db_session, action, "Tracking policy saved.")

    @post("/invite")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Template:
        async def action() -> dict[str, str]:
            try:
                role = Role(data.get("role", "MEMBER"))
            except ValueError:
                raise BadRequest("choose a role from the list") from None
            out = await members.invite(
                db_session,
                web.principal,
                InviteRequest(email=data.get("email", ""), name=data.get("name", ""), role=role),
                client_ip(request),
            )
            base = app_state.settings.server.public_url or str(request.base_url)
            link = f"{base.rstrip('/')}/invite?token={quote(out.invitation_token)}"
            return {"email": out.member.email, "token": out.invitation_token, "url": link}

        return await self._submit(request, data, web, db_session, action, "Invitation created.")

    @post("/teams")
    async def create_team(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Template:
        async def action() -> None:
            await teams.create_team(
                db_session,
                web.principal,
                TeamIn(name=data.get("name", ""), project_id=data.get("project") or None),
            )

        return await self._submit(request, data, web, db_session, action, "Team created.")

    @post("/teams/{team_id:str}/members")
    async def add_team_member(
        self,
        request: Request[Any, Any, Any],
        team_id: str,
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Template:
        async def action() -> None:
            try:
                role = TeamRole(data.get("role", "MEMBER"))
            except ValueError:
                raise BadRequest("choose MEMBER or MANAGER") from None
            await teams.add_member(
                db_session,
                web.principal,
                path_uuid(team_id, "team"),
                TeamMemberIn(user_id=data.get("user", ""), role=role),
            )

        return await self._submit(request, data, web, db_session, action, "Team updated.")

    @post("/projects")
    async def create_project(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        web: WebUser,
        db_session: AsyncSession,
    ) -> Template:
        async def action() -> None:
            await projects.create_project(
                db_session,
                web.principal,
                ProjectIn(name=data.get("name", ""), description=data.get("description") or None),
            )

        return await self._submit(request, data, web, db_session, action, "Project created.")
