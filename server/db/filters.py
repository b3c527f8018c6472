"""Query helpers that behave the same on both databases."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.db.session import dialect_of


def in_values(
    session: AsyncSession, column: InstrumentedAttribute[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL it is `= ANY(:array)`: one parameter
    whatever the count, so the statement text (and its cached plan) stays the
    same from batch to batch instead of growing with the IN list."""
    if dialect_of(session) == "postgresql":
        param = bindparam(None, list(values), type_=ARRAY(column.type))
        return column == any_(cast(param, ARRAY(column.type)))
    return column.in_(list(values))
