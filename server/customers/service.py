"""Customer use cases. Everyone in the organization reads; ADMIN/OWNER write."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.values import parse_currency, parse_rate, rate_text, require_name, sent_fields
from server.customers.schemas import CustomerIn, CustomerOut, CustomerPage, CustomerPatch
from server.db.catalog import ListQuery, named_page
from server.db.models import Customer
from server.db.scoped import get_in_org
from server.db.unique import unique_or_conflict

_TAKEN = "a customer with this name already exists"


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(
        id=str(c.id),
        name=c.name,
        currency=c.currency,
        hourly_rate=rate_text(c.hourly_rate),
        archived=c.archived,
    )


async def get_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID
) -> Customer:
    return await get_in_org(session, Customer, customer_id, principal.org_id, "customer")


async def list_customers(
    session: AsyncSession, principal: Principal, query: ListQuery
) -> CustomerPage:
    rows, nxt = await named_page(session, Customer, principal.org_id, query)
    return CustomerPage(items=[customer_out(row) for row in rows], next_cursor=nxt)


async def create_customer(
    session: AsyncSession, principal: Principal, data: CustomerIn, ip: str | None = None
) -> CustomerOut:
    principal.require_admin()
    customer = Customer(
        organization_id=principal.org_id,
        name=require_name(data.name),
        currency=parse_currency(data.currency),
        hourly_rate=parse_rate(data.hourly_rate),
    )
    session.add(customer)
    async with unique_or_conflict(session, _TAKEN):
        await session.flush()
    audit.record_by(
        session,
        principal,
        "customer.created",
        target_type="customer",
        target_id=customer.id,
        ip=ip,
    )
    await session.commit()
    return customer_out(customer)


async def update_customer(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    patch: CustomerPatch,
    ip: str | None = None,
) -> CustomerOut:
    principal.require_admin()
    customer = await get_customer(session, principal, customer_id)
    if patch.name is not msgspec.UNSET:
        customer.name = require_name(patch.name)
    if patch.currency is not msgspec.UNSET:
        customer.currency = parse_currency(patch.currency)
    if patch.hourly_rate is not msgspec.UNSET:
        customer.hourly_rate = parse_rate(patch.hourly_rate)
    if patch.archived is not msgspec.UNSET:
        customer.archived = patch.archived
    audit.record_by(
        session,
        principal,
        "customer.updated",
        target_type="customer",
        target_id=customer.id,
        ip=ip,
        fields=sent_fields(patch),
    )
    async with unique_or_conflict(session, _TAKEN):
        await session.commit()
    return customer_out(customer)
