"""Wall-clock seconds: local time as a plain integer, so SQL can split by local
day and hour with integer arithmetic on any database.

A time zone's UTC offset is constant between two transitions. For a range of
UTC instants, `offset_periods` lists those stretches as `(lo, hi, offset)` in
epoch seconds; an entry piece inside one stretch maps to wall seconds
`[start + offset, end + offset)`, whose `// 86400` is the local day (days since
1970-01-01) and `% 86400 // 3600` the local hour. Across a DST change the
pieces are cut at the transition: the spring-forward day has 23 hours, the
fall-back day 25 (its repeated hour counts twice in the hour histogram, once
for each real hour), and half- or quarter-hour offsets need nothing special.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
HOUR = 3_600
_EPOCH_DAY = date(1970, 1, 1)


def epoch(instant: datetime) -> int:
    """Whole seconds since 1970-01-01T00:00Z (floor, like the SQL side)."""
    return int(instant.astimezone(UTC).timestamp() // 1)


def wall_day(day: date) -> int:
    """The wall second at which a local date starts."""
    return (day - _EPOCH_DAY).days * DAY


def date_of_wall(seconds: int) -> date:
    return _EPOCH_DAY + timedelta(days=seconds // DAY)


def _offset(tz: ZoneInfo, at: int) -> int:
    delta = datetime.fromtimestamp(at, UTC).astimezone(tz).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def offset_periods(tz: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[lo, hi) cut at the zone's offset changes: (start, end, offset) each.

    Transitions are found by stepping a day at a time and bisecting to the
    second when the offset differs (no zone changes twice within a day).
    """
    out: list[tuple[int, int, int]] = []
    start, off = lo, _offset(tz, lo)
    probe = lo
    while probe < hi:
        nxt = min(probe + DAY, hi)
        if _offset(tz, nxt) != off:
            a, b = probe, nxt  # offset(a) == off, offset(b) != off
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(tz, mid) == off:
                    a = mid
                else:
                    b = mid
            if b < hi:
                out.append((start, b, off))
                start, off = b, _offset(tz, b)
        probe = nxt
    out.append((start, hi, off))
    return out


def hour_histogram(
    whole_days: int, ends: dict[int, tuple[int, int]], starts: dict[int, tuple[int, int]]
) -> list[int]:
    """Seconds per local hour of day of many pieces [x, y), from sums the
    database grouped by hour: `ends[k]` / `starts[k]` = (how many pieces end /
    start in hour k of their day, the sum of their seconds past that hour).

    The seconds of [0, t) falling in hour h are (t // DAY) * HOUR plus
    min(max(t % DAY - h * HOUR, 0), HOUR): a full hour when t's second of the
    day lies in a later hour, its remainder when in hour h itself, else 0. So
    the total over pieces is whole_days * HOUR + E(h) - S(h), with E and S
    those sums over the pieces' ends and starts.
    """

    def part(sums: dict[int, tuple[int, int]], h: int) -> int:
        later = sum(n for k, (n, _) in sums.items() if k > h)
        return later * HOUR + sums.get(h, (0, 0))[1]

    return [whole_days * HOUR + part(ends, h) - part(starts, h) for h in range(24)]


@dataclass(frozen=True)
class Window:
    """Local dates first..last as wall seconds [lo, hi)."""

    first: date
    last: date

    @property
    def lo(self) -> int:
        return wall_day(self.first)

    @property
    def hi(self) -> int:
        return wall_day(self.last + timedelta(days=1))


def week_windows(last: date) -> tuple[Window, Window]:
    """This week to date (Monday..last) and the same weekdays of the week before."""
    monday = last - timedelta(days=last.weekday())
    week = timedelta(days=7)
    return Window(monday, last), Window(monday - week, last - week)
