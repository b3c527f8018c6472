"""Instants and dates from query strings, form fields and cursors, with
readable errors and one accepted range, so an extreme value (year 1 or 9999,
where a UTC shift overflows) is a 400, never a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime

from server.core.errors import BadRequest

# Anything a person or an agent records or asks about lies in this range.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_RANGE = f"between {EARLIEST.date()} and {LATEST.date()}"


def to_utc(parsed: datetime) -> datetime | None:
    """The instant in UTC, or None when it falls outside the accepted range."""
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        return None
    return instant if EARLIEST <= instant < LATEST else None


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
    instant = to_utc(parsed)
    if instant is None:
        raise BadRequest(f"{field} must be {_RANGE}")
    return instant


def require_instant(value: str | None, field: str) -> datetime:
    parsed = parse_instant(value, field)
    if parsed is None:
        raise BadRequest(f"{field} is required")
    return parsed


def parse_date(value: str | None, field: str) -> date | None:
    """A calendar date like 2026-01-31 in the accepted range; None when missing."""
    if value is None or value == "":
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{field} must be a date like 2026-01-31") from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise BadRequest(f"{field} must be {_RANGE}")
    return day
