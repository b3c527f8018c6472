"""HTTP routes for /api/v1/audit (ADMIN/OWNER)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.query import list_events
from server.audit.schemas import AuditPage
from server.auth.principal import Principal
from server.http.params import Limit

FromQ = Annotated[str | None, QueryParameter(name="from", required=False)]
ToQ = Annotated[str | None, QueryParameter(name="to", required=False)]
ActorQ = Annotated[str | None, QueryParameter(name="actorId", required=False)]


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/")
    async def list_audit(
        self,
        db_session: AsyncSession,
        principal: Principal,
        actor_id: ActorQ = None,
        action: str | None = None,
        from_time: FromQ = None,
        to_time: ToQ = None,
        cursor: str | None = None,
        limit: Limit = None,
    ) -> AuditPage:
        return await list_events(
            db_session,
            principal,
            actor_id=actor_id,
            action=action,
            start=from_time,
            end=to_time,
            cursor=cursor,
            limit=limit,
        )
