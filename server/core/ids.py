"""Parsing ids from paths, queries and bodies into UUIDs with readable errors."""

from __future__ import annotations

import uuid
from typing import Any

from server.core.errors import BadRequest, NotFound


def parse_uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(f"{field} must be a UUID") from None


def path_uuid(value: str, what: str) -> uuid.UUID:
    """A malformed id in a path names nothing: 404, like an id of another org."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(what) from None
