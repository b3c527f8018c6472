"""HTTP routes: members, agent policy, teams."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.deps import client_ip
from server.ids import path_uuid
from server.orgs import members, policy, teams
from server.orgs.schemas import (
    InviteOut,
    MemberOut,
    MemberPage,
    MemberPatch,
    PolicyPatch,
    TeamIn,
    TeamOut,
    TeamPage,
)
from shared.schemas import InviteRequest, TeamMemberIn, TrackingPolicy


class MembersController(Controller):
    path = "/api/v1/members"
    tags = ["members"]

    @post("/", status_code=HTTP_201_CREATED)
    async def invite(
        self,
        data: InviteRequest,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> InviteOut:
        return await members.invite(db_session, principal, data, client_ip(request))

    @get("/")
    async def list_members(
        self,
        db_session: AsyncSession,
        principal: Principal,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> MemberPage:
        return await members.list_members(db_session, principal, cursor, limit)

    @get("/{member_id:str}")
    async def get_member(
        self, member_id: str, db_session: AsyncSession, principal: Principal
    ) -> MemberOut:
        return await members.get_visible_member(
            db_session, principal, path_uuid(member_id, "member")
        )

    @patch("/{member_id:str}")
    async def update_member(
        self,
        member_id: str,
        data: MemberPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> MemberOut:
        return await members.update_member(
            db_session, principal, path_uuid(member_id, "member"), data, client_ip(request)
        )


class AgentConfigController(Controller):
    path = "/api/v1/agent/config"
    tags = ["agent"]

    @get("/")
    async def get_config(self, principal: Principal) -> TrackingPolicy:
        return policy.policy_of(principal.organization)

    @put("/")
    async def put_config(
        self,
        data: PolicyPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TrackingPolicy:
        return await policy.update_policy(db_session, principal, data, client_ip(request))

    @patch("/")
    async def patch_config(
        self,
        data: PolicyPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TrackingPolicy:
        return await policy.update_policy(db_session, principal, data, client_ip(request))


class TeamsController(Controller):
    path = "/api/v1/teams"
    tags = ["teams"]

    @get("/")
    async def list_teams(
        self,
        db_session: AsyncSession,
        principal: Principal,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> TeamPage:
        return await teams.list_teams(db_session, principal, cursor, limit)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_team(
        self, data: TeamIn, db_session: AsyncSession, principal: Principal
    ) -> TeamOut:
        return await teams.create_team(db_session, principal, data)

    @get("/{team_id:str}")
    async def get_team(
        self, team_id: str, db_session: AsyncSession, principal: Principal
    ) -> TeamOut:
        return await teams.get_team(db_session, principal, path_uuid(team_id, "team"))

    @post("/{team_id:str}/members", status_code=HTTP_201_CREATED)
    async def add_member(
        self, team_id: str, data: TeamMemberIn, db_session: AsyncSession, principal: Principal
    ) -> TeamOut:
        return await teams.add_member(db_session, principal, path_uuid(team_id, "team"), data)

    @delete("/{team_id:str}/members/{user_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove_member(
        self, team_id: str, user_id: str, db_session: AsyncSession, principal: Principal
    ) -> None:
        await teams.remove_member(
            db_session, principal, path_uuid(team_id, "team"), path_uuid(user_id, "team member")
        )
