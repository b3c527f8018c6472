"""HTTP routes for /api/v1/teams."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.http.params import Cursor, Limit
from server.teams import service as teams
from server.teams.schemas import TeamIn, TeamMemberIn, TeamOut, TeamPage, TeamPatch


class TeamsController(Controller):
    path = "/api/v1/teams"
    tags = ["teams"]

    @get("/")
    async def list_teams(
        self,
        db_session: AsyncSession,
        principal: Principal,
        cursor: Cursor = None,
        limit: Limit = None,
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

    @patch("/{team_id:str}")
    async def rename_team(
        self,
        team_id: str,
        data: TeamPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TeamOut:
        return await teams.rename_team(
            db_session, principal, path_uuid(team_id, "team"), data, client_ip(request)
        )

    @delete("/{team_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_team(
        self,
        team_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await teams.delete_team(
            db_session, principal, path_uuid(team_id, "team"), client_ip(request)
        )

    @delete("/{team_id:str}/members/{user_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove_member(
        self,
        team_id: str,
        user_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await teams.remove_member(
            db_session,
            principal,
            path_uuid(team_id, "team"),
            path_uuid(user_id, "team member"),
            client_ip(request),
        )
