"""Instants and dates from query strings, form fields and cursors, with
readable errors and one accepted range (shared/wire_dates.py: written with a
date from 2000-01-01 to 2099-12-31), so an extreme value (year 1 or 9999,
where a UTC shift overflows) is a 400, never a 500. What the API documents
(the patterns of shared/wire_dates.py) is what these accept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from server.core.errors import BadRequest
from shared.wire_dates import (
    DATE_EXAMPLE,
    DATE_PATTERN,
    FIRST_DAY,
    INSTANT_EXAMPLE,
    INSTANT_PATTERN,
    LAST_DAY,
    RANGE,
)

# Every accepted instant in UTC lies in [EARLIEST, LATEST): its written date
# is in the range and a UTC offset is less than a day.
EARLIEST = datetime.combine(FIRST_DAY, datetime.min.time(), UTC) - timedelta(days=1)
LATEST = datetime.combine(LAST_DAY, datetime.min.time(), UTC) + timedelta(days=2)

_INSTANT = re.compile(INSTANT_PATTERN)
_DATE = re.compile(DATE_PATTERN)


def to_utc(parsed: datetime) -> datetime | None:
    """The instant in UTC, or None when its written date falls outside the range."""
    if not FIRST_DAY <= parsed.date() <= LAST_DAY:
        return None
    return parsed.astimezone(UTC)


def _out_of_range(value: str, field: str) -> BadRequest:
    return BadRequest(f"{field} must be dated {RANGE}")


def parse_instant(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 time with an offset, in UTC; None for a missing value."""
    if value is None or value == "":
        return None
    if _INSTANT.fullmatch(value) is None:
        if re.match(r"^[0-9]{4}-", value) and not value.startswith("20"):
            raise _out_of_range(value, field)
        if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+$", value):
            raise BadRequest(f"{field} needs a UTC offset (e.g. Z or +02:00)")
        raise BadRequest(f"{field} must be an RFC 3339 time like {INSTANT_EXAMPLE}")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def require_instant(value: str | None, field: str) -> datetime:
    parsed = parse_instant(value, field)
    if parsed is None:
        raise BadRequest(f"{field} is required")
    return parsed


def parse_date(value: str | None, field: str) -> date | None:
    """A calendar date like 2026-01-31 in the accepted range; None when missing."""
    if value is None or value == "":
        return None
    if _DATE.fullmatch(value) is None:
        if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", value) and not value.startswith("20"):
            raise _out_of_range(value, field)
        raise BadRequest(f"{field} must be a date like {DATE_EXAMPLE}")
    return date.fromisoformat(value)


def cursor_instant(value: object) -> datetime:
    """The instant of a keyset cursor the server issued (its `isoformat()`)."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadRequest("cursor is malformed") from None
    instant = to_utc(parsed) if parsed.tzinfo is not None else None
    if instant is None:
        raise BadRequest("cursor is malformed")
    return instant
