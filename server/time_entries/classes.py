"""Entry classes: where each entry sits in its user's local day. Pure.

Per user and local day (the day of the entry's start in the user's time
zone), entries ordered by start: the first is `daybreak`; one that starts
after the latest end so far that day is `pause` (a gap); one that starts
before it is `overlap` (stored entries of one user never overlap, except
imported time); otherwise `plain`. Instants compare at whole seconds, so an
entry that resumes within the same second as the previous one ended is plain.
An open entry (no end yet) reaches to the end of time.

Used by the time-entry list, and by the week view and the timesheet export.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from shared.enums import EntryClass

_OPEN = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Span:
    key: Hashable
    start: datetime
    end: datetime | None  # None: still open


def _second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def local_day(instant: datetime, tz: tzinfo) -> date:
    return instant.astimezone(tz).date()


def classify(spans: Iterable[Span], tz: tzinfo) -> dict[Hashable, EntryClass]:
    """The class of each span (one user's entries) by key, in the user's zone `tz`."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end or _OPEN, str(s.key)))
    result: dict[Hashable, EntryClass] = {}
    day: date | None = None
    reach = _OPEN
    for span in ordered:
        start = _second(span.start)
        end = _OPEN if span.end is None else _second(span.end)
        this_day = local_day(span.start, tz)
        if this_day != day:
            result[span.key] = EntryClass.DAYBREAK
            day, reach = this_day, end
            continue
        if start < reach:
            result[span.key] = EntryClass.OVERLAP
        elif start > reach:
            result[span.key] = EntryClass.PAUSE
        else:
            result[span.key] = EntryClass.PLAIN
        reach = max(reach, end)
    return result
