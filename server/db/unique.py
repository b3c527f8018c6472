"""A unique constraint that refuses a write becomes a readable 409."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Conflict


@asynccontextmanager
async def unique_or_conflict(session: AsyncSession, detail: str) -> AsyncIterator[None]:
    """Around a flush or commit: on an integrity error the transaction is
    rolled back (nothing half-written) and the caller gets `Conflict(detail)`."""
    try:
        yield
    except IntegrityError:
        await session.rollback()
        raise Conflict(detail) from None
