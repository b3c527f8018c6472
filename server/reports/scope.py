"""Whose data a caller may report on (the role rules of docs/api.md, "Roles").

MEMBER: only themselves. Team MANAGER: the members of the teams they manage
(and themselves). ADMIN/OWNER: everyone in the organization. Anything outside
the caller's organization is answered 404, like an id that does not exist.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import NotFound
from server.core.ids import parse_uuid
from server.db.models import Team, TeamMember, User
from server.teams.service import can_see_user, managed_team_ids


async def visible_user(session: AsyncSession, principal: Principal, user_id: str | None) -> User:
    """The user a per-person report is about; defaults to the caller."""
    if not user_id:
        return principal.user
    uid = parse_uuid(user_id, "userId")
    if not await can_see_user(session, principal, uid):
        raise NotFound("user")
    user = (
        await session.execute(
            select(User).where(User.id == uid, User.organization_id == principal.org_id)
        )
    ).scalar_one_or_none()
    if user is None:
        raise NotFound("user")
    return user


async def team_of(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    """A team the caller may report on: any team for admins, managed teams otherwise."""
    tid = parse_uuid(team_id, "teamId")
    team = (
        await session.execute(
            select(Team).where(Team.id == tid, Team.organization_id == principal.org_id)
        )
    ).scalar_one_or_none()
    if team is None:
        raise NotFound("team")
    if not principal.is_admin and tid not in await managed_team_ids(session, principal):
        raise NotFound("team")
    return team


async def users_query(
    session: AsyncSession, principal: Principal, team_id: str | None
) -> Select[User]:
    """SELECT of the users in report scope (always filtered on the organization)."""
    stmt = select(User).where(User.organization_id == principal.org_id)
    if team_id:
        team = await team_of(session, principal, team_id)
        members = select(TeamMember.user_id).where(TeamMember.team_id == team.id)
        return stmt.where(User.id.in_(members))
    if principal.is_admin:
        return stmt
    managed = await managed_team_ids(session, principal)
    if not managed:
        return stmt.where(User.id == principal.user_id)
    members = select(TeamMember.user_id).where(
        TeamMember.team_id.in_(managed), TeamMember.organization_id == principal.org_id
    )
    return stmt.where(or_(User.id == principal.user_id, User.id.in_(members)))


async def visible_teams(session: AsyncSession, principal: Principal) -> list[Team]:
    stmt = select(Team).where(Team.organization_id == principal.org_id).order_by(Team.name)
    if not principal.is_admin:
        managed = await managed_team_ids(session, principal)
        if not managed:
            return []
        stmt = stmt.where(Team.id.in_(managed))
    return list((await session.execute(stmt)).scalars())
