"""HTTP routes for /api/v1/members."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.http.params import Cursor, Limit
from server.mail.outbox import Outbox
from server.members import service as members
from server.members.schemas import (
    InvitationPage,
    InviteOut,
    InviteRequest,
    MemberOut,
    MemberPage,
    MemberPatch,
)


class MembersController(Controller):
    path = "/api/v1/members"
    tags = ["members"]

    @post("/", status_code=HTTP_201_CREATED)
    async def invite(
        self,
        data: InviteRequest,
        db_session: AsyncSession,
        principal: Principal,
        outbox: Outbox,
        request: Request[Any, Any, Any],
    ) -> InviteOut:
        return await members.invite(db_session, principal, data, client_ip(request), outbox)

    @get("/invitations")
    async def list_invitations(
        self, db_session: AsyncSession, principal: Principal
    ) -> InvitationPage:
        return await members.list_invitations(db_session, principal)

    @post("/{member_id:str}/invitation", status_code=HTTP_201_CREATED)
    async def resend_invitation(
        self,
        member_id: str,
        db_session: AsyncSession,
        principal: Principal,
        outbox: Outbox,
        request: Request[Any, Any, Any],
    ) -> InviteOut:
        return await members.resend_invitation(
            db_session, principal, path_uuid(member_id, "member"), client_ip(request), outbox
        )

    @delete("/{member_id:str}/invitation", status_code=HTTP_204_NO_CONTENT)
    async def revoke_invitation(
        self,
        member_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await members.revoke_invitation(
            db_session, principal, path_uuid(member_id, "member"), client_ip(request)
        )

    @get("/")
    async def list_members(
        self,
        db_session: AsyncSession,
        principal: Principal,
        cursor: Cursor = None,
        limit: Limit = None,
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
