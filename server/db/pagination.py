"""Opaque keyset cursors: stable under inserts, unlike OFFSET."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.core.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# What a cursor is written in (unpadded base64url): anything else is refused
# before decoding, which would skip the other characters.
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    if _CURSOR.fullmatch(cursor) is None:
        raise BadRequest("cursor is malformed")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is malformed") from None
    if not isinstance(values, list) or len(values) != arity:
        raise BadRequest("cursor is malformed")
    return values


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise BadRequest("limit must be at least 1")
    return min(limit, MAX_LIMIT)


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    sort_column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int | None,
) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by (sort_column, id); the cursor is the last row's pair."""
    size = clamp_limit(limit)
    after = decode_cursor(cursor, 2)
    if after:
        try:
            last_id = uuid.UUID(str(after[1]))
        except ValueError:
            raise BadRequest("cursor is malformed") from None
        stmt = stmt.where(
            tuple_(sort_column, id_column) > tuple_(literal(str(after[0])), literal(last_id))
        )
    rows = list(
        (await session.execute(stmt.order_by(sort_column, id_column).limit(size + 1))).scalars()
    )
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], encode_cursor([getattr(last, sort_column.key), last.id])
