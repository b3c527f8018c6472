"""HTTP routes for /api/v1/audit (ADMIN/OWNER)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.query import MAX_ACTION, list_events
from server.audit.schemas import AuditPage
from server.auth.principal import Principal
from server.http.params import Cursor, FromInstant, Limit, ToInstant

ActorQ = Annotated[str | None, QueryParameter(name="actorId", required=False)]
ActionQ = Annotated[
    str | None,
    QueryParameter(
        required=False,
        description="an action, or a prefix of actions ending in *",
        schema_extra={"max_length": MAX_ACTION},
    ),
]


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/")
    async def list_audit(
        self,
        db_session: AsyncSession,
        principal: Principal,
        actor_id: ActorQ = None,
        action: ActionQ = None,
        from_time: FromInstant = None,
        to_time: ToInstant = None,
        cursor: Cursor = None,
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
