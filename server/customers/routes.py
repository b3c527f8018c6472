"""HTTP routes for /api/v1/customers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.customers import service
from server.customers.schemas import CustomerIn, CustomerOut, CustomerPage, CustomerPatch
from server.db.catalog import ListQuery
from server.http.deps import client_ip
from server.http.params import provide_list_query


class CustomersController(Controller):
    path = "/api/v1/customers"
    tags = ["customers"]

    @get("/", dependencies={"listing": Provide(provide_list_query, sync_to_thread=False)})
    async def list_customers(
        self, db_session: AsyncSession, principal: Principal, listing: ListQuery
    ) -> CustomerPage:
        return await service.list_customers(db_session, principal, listing)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_customer(
        self,
        data: CustomerIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> CustomerOut:
        return await service.create_customer(db_session, principal, data, client_ip(request))

    @get("/{customer_id:str}")
    async def get_customer(
        self, customer_id: str, db_session: AsyncSession, principal: Principal
    ) -> CustomerOut:
        customer_uuid = path_uuid(customer_id, "customer")
        return service.customer_out(
            await service.get_customer(db_session, principal, customer_uuid)
        )

    @patch("/{customer_id:str}")
    async def update_customer(
        self,
        customer_id: str,
        data: CustomerPatch,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> CustomerOut:
        return await service.update_customer(
            db_session, principal, path_uuid(customer_id, "customer"), data, client_ip(request)
        )

    @delete("/{customer_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def archive_customer(
        self,
        customer_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        """Archives: time already billed to the customer keeps its name in reports."""
        await service.update_customer(
            db_session,
            principal,
            path_uuid(customer_id, "customer"),
            CustomerPatch(archived=True),
            client_ip(request),
        )
