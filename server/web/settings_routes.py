"""Settings for ADMIN/OWNER: tracking policy, members and invites, teams, projects.

Each form posts to its own route, is CSRF-checked, calls the same service
function as the JSON API and re-renders the page with a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, DomainError, Forbidden
from server.core.ids import path_uuid
from server.http.body_limits import body
from server.http.deps import client_ip
from server.mail.outbox import Outbox
from server.members import service as members
from server.members.schemas import InviteOut, InviteRequest
from server.policy import service as policy
from server.policy.schemas import PolicyPatch
from server.projects import service as projects
from server.projects.schemas import ProjectIn
from server.runtime.body_limits import BodyKind
from server.teams import service as teams
from server.teams.schemas import TeamIn, TeamMemberIn
from server.web.auth_routes import WebUser, check_form
from server.web.routes import page
from shared.enums import AppTracking, ManualTimeApproval, Role, TeamRole


def invitation_shown(out: InviteOut, outbox: Outbox) -> dict[str, str]:
    """What the page shows the admin once: the link (mailed too), and the code."""
    link = outbox.link("/invite", token=out.invitation_token)
    return {"email": out.member.email, "token": out.invitation_token, "url": link}


def _require_admin(web: WebUser) -> None:
    if not web.is_admin:
        raise Forbidden("Only administrators and owners can change settings.")


def _int(form: dict[str, str], name: str, label: str, scale: int = 1) -> int:
    try:
        return int(form.get(name, "").strip()) * scale
    except ValueError:
        raise BadRequest(f"{label} must be a whole number") from None


async def render(
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
    catalog = await projects.catalog(session, p)
    pending = await members.list_invitations(session, p)
    tpl = page(
        "settings.html",
        web,
        policy=policy.policy_of(p.organization),
        retention=p.organization.retention_days,
        people=people.items,
        teams=team_page.items,
        projects=[proj for proj, _ in catalog if not proj.archived],
        catalog=catalog,
        pending=pending.items,
        roles=[r.value for r in Role],
        team_roles=[r.value for r in TeamRole],
        message=message,
        error=error,
        invitation=invitation,
        nav="settings",
    )
    tpl.status_code = status
    return tpl


def _app_tracking(value: str) -> AppTracking:
    try:
        return AppTracking(value)
    except ValueError:
        raise BadRequest("Application tracking must be off, apps or titles") from None


@dataclass(frozen=True)
class SettingsForm:
    """One posted settings form, with what every form handler needs."""

    request: Request[Any, Any, Any]
    data: dict[str, str]
    web: WebUser
    session: AsyncSession

    def get(self, name: str) -> str:
        return self.data.get(name, "")

    @property
    def ip(self) -> str:
        return client_ip(self.request)

    async def submit(
        self, action: Callable[[], Awaitable[dict[str, str] | None]], ok: str
    ) -> Template:
        """CSRF and admin checks, then `action`; a refused change re-renders the
        page with the reason, rolled back so nothing is half-written."""
        check_form(self.web, self.data, self.request)
        _require_admin(self.web)
        try:
            invitation = await action()
        except DomainError as exc:
            if exc.status_code in (401, 403, 404):
                raise
            await self.session.rollback()
            # A rollback expires every loaded row; the page reads these two.
            await self.session.refresh(self.web.principal.organization)
            await self.session.refresh(self.web.principal.user)
            return await render(self.web, self.session, error=exc.detail, status=exc.status_code)
        return await render(self.web, self.session, message=ok, invitation=invitation)


async def provide_settings_form(
    request: Request[Any, Any, Any], web: WebUser, db_session: AsyncSession
) -> SettingsForm:
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    return SettingsForm(request, data, web, db_session)


def choice(kind: type[Role] | type[TeamRole], value: str, hint: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise BadRequest(hint) from None


class SettingsPages(Controller):
    path = "/app/settings"
    dependencies = {"form": Provide(provide_settings_form)}

    @get("/")
    async def settings(self, web: WebUser, db_session: AsyncSession) -> Template:
        _require_admin(web)
        return await render(web, db_session)

    @post("/policy", opt=body(BodyKind.TEXT))
    async def save_policy(self, form: SettingsForm) -> Template:
        async def action() -> None:
            data = form.data
            patch = PolicyPatch(
                screenshot_interval_seconds=_int(data, "interval", "Screenshot interval", 60),
                blur_level=_int(data, "blur", "Blur level"),
                idle_timeout_seconds=_int(data, "idle", "Idle timeout", 60),
                screenshots_enabled="screenshots" in data,
                allow_screenshot_delete="allow_delete" in data,
                screenshot_delete_window_minutes=_int(data, "delete_window", "Delete window"),
                retention_days=_int(data, "retention", "Retention"),
                timezone=form.get("timezone").strip() or None,
                weekly_limit_seconds=_int(data, "weekly_limit", "Weekly limit", 3600)
                if form.get("weekly_limit").strip()
                else 0,
                notify_on_screenshot="notify_screenshot" in data,
                manual_time_approval=ManualTimeApproval.REQUIRED
                if "manual_approval" in data
                else ManualTimeApproval.OFF,
                app_tracking=_app_tracking(form.get("app_tracking"))
                if "app_tracking" in data
                else None,
                # One pattern a line; a form without the field leaves them as they are.
                redaction_patterns=[
                    x.strip() for x in form.get("redaction").splitlines() if x.strip()
                ]
                if "redaction" in data
                else None,
            )
            await policy.update_policy(form.session, form.web.principal, patch, form.ip)

        return await form.submit(action, "Tracking policy saved.")

    @post("/invite")
    async def invite(self, form: SettingsForm, outbox: Outbox) -> Template:
        async def action() -> dict[str, str]:
            role = choice(Role, form.get("role") or "MEMBER", "choose a role from the list")
            out = await members.invite(
                form.session,
                form.web.principal,
                InviteRequest(email=form.get("email"), name=form.get("name"), role=role),
                form.ip,
                outbox,
            )
            return invitation_shown(out, outbox)

        return await form.submit(action, "Invitation created and sent by email.")

    @post("/teams")
    async def create_team(self, form: SettingsForm) -> Template:
        async def action() -> None:
            team = TeamIn(name=form.get("name"), project_id=form.get("project") or None)
            await teams.create_team(form.session, form.web.principal, team)

        return await form.submit(action, "Team created.")

    @post("/teams/{team_id:str}/members")
    async def add_team_member(self, team_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            role = choice(TeamRole, form.get("role") or "MEMBER", "choose MEMBER or MANAGER")
            member = TeamMemberIn(user_id=form.get("user"), role=role)
            await teams.add_member(
                form.session, form.web.principal, path_uuid(team_id, "team"), member
            )

        return await form.submit(action, "Team updated.")

    @post("/projects", opt=body(BodyKind.TEXT))
    async def create_project(self, form: SettingsForm) -> Template:
        async def action() -> None:
            project = ProjectIn(name=form.get("name"), description=form.get("description") or None)
            await projects.create_project(form.session, form.web.principal, project)

        return await form.submit(action, "Project created.")
