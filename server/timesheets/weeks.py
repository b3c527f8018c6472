"""Week arithmetic, pure: a week starts on Monday 00:00 in the person's time zone.

An entry belongs to the week in which it starts (local time of its person).
The bounds of a week are computed once, when it is submitted, and stored as
UTC instants (`Timesheet.starts_at`, `ends_at`), so everything that asks
"is this entry's week approved?" compares instants; a week across a DST change
is 167 or 169 hours long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.core.errors import BadRequest
from server.core.times import parse_date

WEEK = timedelta(days=7)


def local_midnight(day: date, tz: str) -> datetime:
    """The instant (UTC) at which `day` begins in `tz`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def week_bounds(week_start: date, tz: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of the week starting `week_start`, in UTC."""
    return local_midnight(week_start, tz), local_midnight(week_start + WEEK, tz)


def week_of(instant: datetime, tz: str) -> date:
    """The Monday of the local week that contains `instant`."""
    local = instant.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())


def parse_week_start(value: str | None) -> date:
    """`weekStart`: a date like 2026-01-12 that is a Monday; else a readable 400."""
    day = parse_date(value, "weekStart")
    if day is None:
        raise BadRequest("weekStart is required (the Monday of the week, e.g. 2026-01-12)")
    if day.weekday() != 0:
        monday = day - timedelta(days=day.weekday())
        raise BadRequest(
            f"weekStart must be a Monday: {day} is a {day:%A} (its week starts {monday})"
        )
    return day
