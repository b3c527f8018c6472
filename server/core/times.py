"""Instants from query strings and form fields, with readable errors."""

from __future__ import annotations

from datetime import UTC, datetime

from server.core.errors import BadRequest


def parse_instant(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 time with an offset, in UTC; None for a missing value."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{field} must be an RFC 3339 time like 2026-01-31T09:00:00Z") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{field} needs a UTC offset (e.g. Z or +02:00)")
    return parsed.astimezone(UTC)


def require_instant(value: str | None, field: str) -> datetime:
    parsed = parse_instant(value, field)
    if parsed is None:
        raise BadRequest(f"{field} is required")
    return parsed
