"""HTTP routes for a person's own connection to a two-way integration."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, put
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.deps import client_ip
from server.integrations import connections
from server.integrations.connection_schemas import (
    ConnectedUserList,
    ConnectionIn,
    ConnectionOut,
    MyConnectionList,
)
from server.integrations.jobs import context_of
from server.runtime.state import AppState


class OwnConnectionController(Controller):
    path = "/api/v1/integrations/{integration_id:str}"
    tags = ["integrations"]

    @get("/connection")
    async def get_own_connection(
        self, integration_id: str, db_session: AsyncSession, principal: Principal
    ) -> ConnectionOut:
        """The caller's own connection, masked; 404 when they have none."""
        return await connections.get_mine(
            db_session, principal, path_uuid(integration_id, "integration")
        )

    @put("/connection")
    async def put_own_connection(
        self,
        integration_id: str,
        data: ConnectionIn,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> ConnectionOut:
        """Connects or replaces the caller's own token (or Jira OAuth pair), checked
        with the provider as that person: 422 with the provider's reason."""
        return await connections.put_mine(
            db_session,
            principal,
            path_uuid(integration_id, "integration"),
            data,
            context_of(app_state),
            client_ip(request),
        )

    @delete("/connection", status_code=HTTP_204_NO_CONTENT)
    async def delete_own_connection(
        self,
        integration_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await connections.delete_mine(
            db_session, principal, path_uuid(integration_id, "integration"), client_ip(request)
        )

    @get("/connections")
    async def list_connected(
        self, integration_id: str, db_session: AsyncSession, principal: Principal
    ) -> ConnectedUserList:
        """ADMIN/OWNER: who connected their own account, and its state; never a token."""
        return await connections.list_connected(
            db_session, principal, path_uuid(integration_id, "integration")
        )


class MyConnectionsController(Controller):
    path = "/api/v1/integration-connections"
    tags = ["integrations"]

    @get("/")
    async def list_my_connections(
        self, db_session: AsyncSession, principal: Principal
    ) -> MyConnectionList:
        """Every two-way integration of the organization with the caller's own connection."""
        return await connections.list_mine(db_session, principal)
