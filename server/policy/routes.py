"""HTTP routes for /api/v1/agent/config: the tracking policy agents obey."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, route
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.http.body_limits import body
from server.http.conditional import IF_NONE_MATCH, NOT_MODIFIED, conditional
from server.http.deps import client_ip
from server.policy import service as policy
from server.policy.schemas import PolicyPatch
from server.runtime.body_limits import BodyKind
from shared.schemas import TrackingPolicy


class AgentConfigController(Controller):
    path = "/api/v1/agent/config"
    tags = ["agent"]

    @get("/", responses=NOT_MODIFIED)
    async def get_config(
        self,
        principal: Principal,
        if_none_match: Annotated[str | None, IF_NONE_MATCH] = None,
    ) -> Response[TrackingPolicy]:
        """The policy, with an ETag: 304 while the agent's copy is current."""
        return conditional(policy.policy_of(principal.organization), if_none_match)

    @route("/", http_method=["PUT", "PATCH"], opt=body(BodyKind.TEXT))
    async def update_config(
        self,
        data: PolicyPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> TrackingPolicy:
        """ADMIN: change some fields of the policy (PUT and PATCH both merge)."""
        return await policy.update_policy(db_session, principal, data, client_ip(request))
