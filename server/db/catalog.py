"""Lists of an organization's named things (customers, activities, tasks):
optional text search, archived rows hidden unless asked for, keyset pages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.pagination import keyset_page


def search(stmt: Select[Any], column: Any, q: str | None) -> Select[Any]:
    """Case-insensitive substring match; `%` and `_` in `q` match themselves."""
    q = (q or "").strip()
    return stmt.where(column.icontains(q, autoescape=True)) if q else stmt


async def named_page(
    session: AsyncSession,
    model: Any,
    org_id: uuid.UUID,
    *,
    q: str | None,
    include_archived: bool,
    cursor: str | None,
    limit: int | None,
) -> tuple[list[Any], str | None]:
    stmt = select(model).where(model.organization_id == org_id)
    if not include_archived:
        stmt = stmt.where(model.archived.is_(False))
    stmt = search(stmt, model.name, q)
    return await keyset_page(session, stmt, model.name, model.id, cursor, limit)
