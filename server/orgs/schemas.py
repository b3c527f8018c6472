"""Server-side response and request bodies for the orgs domain."""

from __future__ import annotations

from shared.enums import Role, TeamRole
from shared.schemas import Wire


class MemberOut(Wire):
    id: str
    email: str
    name: str
    role: Role
    timezone: str
    active: bool
    invited: bool


class MemberPage(Wire):
    items: list[MemberOut]
    next_cursor: str | None


class InviteOut(Wire):
    member: MemberOut
    invitation_token: str


class MemberPatch(Wire):
    name: str | None = None
    role: Role | None = None
    active: bool | None = None
    timezone: str | None = None


class PolicyPatch(Wire):
    screenshot_interval_seconds: int | None = None
    blur_level: int | None = None
    idle_timeout_seconds: int | None = None
    screenshots_enabled: bool | None = None
    allow_screenshot_delete: bool | None = None
    screenshot_delete_window_minutes: int | None = None
    retention_days: int | None = None
    timezone: str | None = None


class TeamIn(Wire):
    name: str
    project_id: str | None = None


class TeamMemberOut(Wire):
    user_id: str
    name: str
    role: TeamRole


class TeamOut(Wire):
    id: str
    name: str
    project_id: str | None
    members: list[TeamMemberOut] = []


class TeamPage(Wire):
    items: list[TeamOut]
    next_cursor: str | None
