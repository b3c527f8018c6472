"""Lists of an organization's named things (customers, activities, tasks):
optional text search, archived rows hidden unless asked for, keyset pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.pagination import keyset_page


def search(stmt: Select[Any], column: Any, q: str | None) -> Select[Any]:
    """Case-insensitive substring match; `%` and `_` in `q` match themselves."""
    q = (q or "").strip()
    return stmt.where(column.icontains(q, autoescape=True)) if q else stmt


@dataclass(frozen=True)
class ListQuery:
    """What a list call asks for: search text, archived rows too, which page."""

    q: str | None = None
    include_archived: bool = False
    cursor: str | None = None
    limit: int | None = None


async def named_page(
    session: AsyncSession, model: Any, org_id: uuid.UUID, query: ListQuery
) -> tuple[list[Any], str | None]:
    stmt = select(model).where(model.organization_id == org_id)
    if not query.include_archived:
        stmt = stmt.where(model.archived.is_(False))
    stmt = search(stmt, model.name, query.q)
    return await keyset_page(session, stmt, model.name, model.id, query.cursor, query.limit)
