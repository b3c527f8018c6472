"""Teams and their members; a team MANAGER sees the team's reports."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, NotFound
from server.core.ids import parse_uuid
from server.db.models import Project, Team, TeamMember, User
from server.db.pagination import keyset_page
from server.db.scoped import get_in_org
from server.teams.schemas import (
    TeamIn,
    TeamMemberIn,
    TeamMemberOut,
    TeamOut,
    TeamPage,
    TeamPatch,
)
from shared.enums import TeamRole


async def _team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    return await get_in_org(session, Team, team_id, principal.org_id, "team")


async def _members(
    session: AsyncSession, team_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TeamMemberOut]]:
    out: dict[uuid.UUID, list[TeamMemberOut]] = {t: [] for t in team_ids}
    if not team_ids:
        return out
    rows = await session.execute(
        select(TeamMember.team_id, TeamMember.user_id, TeamMember.role, User.name)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(User.name)
    )
    for team_id, user_id, role, name in rows:
        out[team_id].append(TeamMemberOut(user_id=str(user_id), name=name, role=TeamRole(role)))
    return out


def _name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise BadRequest("name must be 1 to 200 characters")
    return value


def _team_out(team: Team, members: list[TeamMemberOut]) -> TeamOut:
    return TeamOut(
        id=str(team.id),
        name=team.name,
        project_id=str(team.project_id) if team.project_id else None,
        members=members,
    )


async def managed_team_ids(session: AsyncSession, principal: Principal) -> set[uuid.UUID]:
    rows = await session.execute(
        select(TeamMember.team_id).where(
            TeamMember.user_id == principal.user_id,
            TeamMember.organization_id == principal.org_id,
            TeamMember.role == TeamRole.MANAGER.value,
        )
    )
    return set(rows.scalars())


async def can_see_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> bool:
    """ADMIN/OWNER: anyone in the org; team MANAGER: their teams' members; else self."""
    if user_id == principal.user_id:
        return True
    if principal.is_admin:
        return (
            await session.execute(
                select(User.id).where(User.id == user_id, User.organization_id == principal.org_id)
            )
        ).first() is not None
    managed = await managed_team_ids(session, principal)
    if not managed:
        return False
    return (
        await session.execute(
            select(TeamMember.user_id).where(
                TeamMember.team_id.in_(managed), TeamMember.user_id == user_id
            )
        )
    ).first() is not None


async def create_team(session: AsyncSession, principal: Principal, data: TeamIn) -> TeamOut:
    principal.require_admin()
    name = _name(data.name)
    project_id = None
    if data.project_id:
        project_id = parse_uuid(data.project_id, "projectId")
        found = await session.execute(
            select(Project.id).where(
                Project.id == project_id, Project.organization_id == principal.org_id
            )
        )
        if found.first() is None:
            raise NotFound("project")
    team = Team(organization_id=principal.org_id, name=name, project_id=project_id)
    session.add(team)
    await session.commit()
    return _team_out(team, [])


async def list_teams(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int | None
) -> TeamPage:
    stmt = select(Team).where(Team.organization_id == principal.org_id)
    if not principal.is_admin:
        mine = select(TeamMember.team_id).where(TeamMember.user_id == principal.user_id)
        stmt = stmt.where(Team.id.in_(mine))
    teams, nxt = await keyset_page(session, stmt, Team.name, Team.id, cursor, limit)
    members = await _members(session, [t.id for t in teams])
    return TeamPage(items=[_team_out(t, members[t.id]) for t in teams], next_cursor=nxt)


async def get_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> TeamOut:
    team = await _team(session, principal, team_id)
    members = await _members(session, [team.id])
    if not principal.is_admin and not any(
        m.user_id == str(principal.user_id) for m in members[team.id]
    ):
        raise NotFound("team")
    return _team_out(team, members[team.id])


async def add_member(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, data: TeamMemberIn
) -> TeamOut:
    principal.require_admin()
    team = await _team(session, principal, team_id)
    user_id = parse_uuid(data.user_id, "userId")
    found = await session.execute(
        select(User.id).where(User.id == user_id, User.organization_id == principal.org_id)
    )
    if found.first() is None:
        raise NotFound("member")
    existing = await session.get(TeamMember, (team.id, user_id))
    if existing is None:
        session.add(
            TeamMember(
                team_id=team.id,
                user_id=user_id,
                organization_id=principal.org_id,
                role=data.role.value,
            )
        )
    else:
        existing.role = data.role.value
    await session.commit()
    return await get_team(session, principal, team.id)


async def remove_member(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    ip: str | None = None,
) -> None:
    principal.require_admin()
    team = await _team(session, principal, team_id)
    result = await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("team member")
    audit.record_by(
        session,
        principal,
        "team.member_removed",
        target_type="team",
        target_id=team.id,
        ip=ip,
        user=str(user_id),
    )
    await session.commit()


async def rename_team(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID,
    patch: TeamPatch,
    ip: str | None = None,
) -> TeamOut:
    principal.require_admin()
    team = await _team(session, principal, team_id)
    if patch.name is not None and _name(patch.name) != team.name:
        audit.record_by(
            session,
            principal,
            "team.renamed",
            target_type="team",
            target_id=team.id,
            ip=ip,
            old=team.name,
            new=_name(patch.name),
        )
        team.name = _name(patch.name)
    await session.commit()
    return await get_team(session, principal, team.id)


async def delete_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, ip: str | None = None
) -> None:
    """Deletes the team and its memberships; people and their time stay."""
    principal.require_admin()
    team = await _team(session, principal, team_id)
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    audit.record_by(
        session,
        principal,
        "team.deleted",
        target_type="team",
        target_id=team.id,
        ip=ip,
        name=team.name,
    )
    await session.delete(team)
    await session.commit()
