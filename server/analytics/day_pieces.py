"""Closed entries and activity slots cut into a person's local days, in Python:
what `server.analytics.day_refresh` writes to the per-day rollup.

The cuts are the dashboard's (`server.analytics.facts`, `wall`): whole epoch
seconds (floored), pieces at each offset change in wall-clock seconds, local
day = wall // DAY, hour of day = wall % DAY // HOUR. An activity slot belongs
to the local day whose UTC bounds (`reports.days.day_bounds`) hold it, as in
the dashboard's range filter.
"""

from __future__ import annotations

import uuid
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.analytics.wall import DAY, HOUR, epoch, offset_periods
from server.reports import days as d

_EPOCH_DAY = date(1970, 1, 1)

#: (day, project, task, activity, the entry's billable setting)
Key = tuple[int, uuid.UUID | None, uuid.UUID | None, uuid.UUID | None, bool | None]


def day_number(day: date) -> int:
    return (day - _EPOCH_DAY).days


def slot_day(slot: datetime, tz: ZoneInfo, starts: dict[date, datetime] | None = None) -> int:
    """The local day whose [day_start, next day_start) holds the instant
    (`starts`: a cache of day starts, for many slots of the same days)."""
    cache = {} if starts is None else starts

    def start(day: date) -> datetime:
        got = cache.get(day)
        if got is None:
            got = cache[day] = d.day_start(day, tz)
        return got

    day = d.local_date(slot, tz)
    if slot < start(day):
        day -= timedelta(days=1)
    elif slot >= start(day + timedelta(days=1)):
        day += timedelta(days=1)
    return day_number(day)


def span_days(start: datetime, end: datetime, tz: ZoneInfo) -> range:
    """Every local day an entry or slot in [start, end] can count on."""
    lo = min(day_number(d.local_date(start, tz)), slot_day(start, tz))
    hi = max(day_number(d.local_date(end, tz)), slot_day(end, tz))
    return range(lo, hi + 1)


@dataclass
class Days:
    """One person's figures per local day, for the days in `wanted` only."""

    wanted: Container[int]
    totals: dict[Key, list[int]] = field(default_factory=dict)  # [seconds, manual]
    hours: dict[int, list[int]] = field(default_factory=dict)  # day -> 24 hour sums
    _starts: dict[date, datetime] = field(default_factory=dict)

    def _hours(self, day: int) -> list[int]:
        got = self.hours.get(day)
        if got is None:
            got = self.hours[day] = [0] * 24
        return got

    def add_entry(
        self,
        tz: ZoneInfo,
        start: datetime,
        end: datetime,
        catalog: tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None, bool | None],
        manual: bool,
    ) -> None:
        if not start < end:
            return
        for lo, hi, off in offset_periods(tz, epoch(start), epoch(end)):
            ws, we = lo + off, hi + off
            while ws < we:
                day = ws // DAY
                cut = min(we, (day + 1) * DAY)
                if day in self.wanted:
                    self._add_piece(day, ws, cut, catalog, manual)
                ws = cut

    def _add_piece(
        self,
        day: int,
        ws: int,
        we: int,
        catalog: tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None, bool | None],
        manual: bool,
    ) -> None:
        sums = self.totals.setdefault((day, *catalog), [0, 0])
        sums[0] += we - ws
        if manual:
            sums[1] += we - ws
        hours = self._hours(day)
        at = ws
        while at < we:
            nxt = min(we, (at // HOUR + 1) * HOUR)
            hours[at % DAY // HOUR] += nxt - at
            at = nxt
