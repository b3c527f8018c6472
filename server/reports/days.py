"""Local-day arithmetic: pure functions, no database.

A local day is [local midnight, next local midnight) in the user's zone,
converted to UTC. On DST days that span is 23 or 25 hours; on the rare days
where midnight itself does not exist the day starts at the first instant that
does (zoneinfo's fold=0 mapping gives exactly that).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.core.errors import BadRequest
from server.core.times import parse_date

MAX_RANGE_DAYS = 366


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a stored zone that tzdata no longer knows: report in UTC


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def range_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) covering the inclusive local dates first..last."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def days(first: date, last: date) -> Iterator[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def split_by_day(
    start: datetime, end: datetime, tz: ZoneInfo, first: date, last: date
) -> Iterator[tuple[date, float]]:
    """Seconds of [start, end) that fall on each local day within first..last."""
    lo, hi = range_bounds(first, last, tz)
    start, end = max(start, lo), min(end, hi)
    if end <= start:
        return
    d = local_date(start, tz)
    while True:
        d_lo, d_hi = day_bounds(d, tz)
        piece = (min(end, d_hi) - max(start, d_lo)).total_seconds()
        if piece > 0:
            yield d, piece
        if d_hi >= end:
            return
        d += timedelta(days=1)


def clipped_seconds(start: datetime, end: datetime, lo: datetime, hi: datetime) -> float:
    return max(0.0, (min(end, hi) - max(start, lo)).total_seconds())


def date_range(
    first: str | None, last: str | None, tz: ZoneInfo, now: datetime, default_days: int = 7
) -> tuple[date, date]:
    """Parses inclusive from/to dates; missing ends default to the last week up to today."""
    to_day = parse_date(last, "to") or local_date(now, tz)
    from_day = parse_date(first, "from") or to_day - timedelta(days=default_days - 1)
    if from_day > to_day:
        raise BadRequest("from must not be after to")
    if (to_day - from_day).days + 1 > MAX_RANGE_DAYS:
        raise BadRequest(f"a report covers at most {MAX_RANGE_DAYS} days")
    return from_day, to_day


def percent(active: float, tracked: float) -> float:
    """Activity % of a period; capped at 100 (activity outside a shortened entry)."""
    if tracked <= 0:
        return 0.0
    return round(min(100.0, active * 100.0 / tracked), 1)


def iso(instant: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, as the wire contract writes instants."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else None
