"""Bodies of /api/v1/teams."""

from __future__ import annotations

from server.core.values import Name
from shared.enums import TeamRole
from shared.schemas import Wire


class TeamIn(Wire):
    name: Name
    project_id: str | None = None


class TeamMemberIn(Wire):
    user_id: str
    role: TeamRole = TeamRole.MEMBER


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


class TeamPatch(Wire):
    name: Name | None = None
