"""Organization-scoped lookups: another organization's row is simply not found."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import NotFound

M = TypeVar("M")


async def get_in_org(
    session: AsyncSession, model: type[M], row_id: uuid.UUID, org_id: uuid.UUID, what: str
) -> M:
    """The row of `model` with this id in this organization, or 404 (never 403)."""
    table: Any = model
    row = (
        await session.execute(
            select(model).where(table.id == row_id, table.organization_id == org_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(what)
    return row
