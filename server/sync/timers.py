"""One running entry per user whatever its source, on the agent's side: new
agent time that meets the user's open web timer, started before it, ends the
timer at the agent entry's start (the latest start wins, like starting one
timer stops the other). The reverse, a web timer started while the agent
tracks, is refused by the timer (docs/api.md, "Timer and the desktop agent")."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.spans import MAX_ENTRY_DURATION
from server.db.models import TimeEntry
from server.sync.overlap import Interval, Timeline
from server.sync.store import StoredEntry
from shared.enums import EntrySource, EntryStatus

# (entry id, its start, where it ends now)
TimerStop = tuple[uuid.UUID, datetime, datetime]


def clash_ending_timer(
    timeline: Timeline,
    stored: dict[uuid.UUID, StoredEntry],
    user_id: uuid.UUID,
    cand: Interval,
    stops: list[TimerStop],
) -> Interval | None:
    """What `cand` overlaps, once an open web timer it meets (started before
    it) is ended at its start; that stop is added to `stops`."""
    other = timeline.clash(cand)
    if other is None or other.end is not None:
        return other
    row = stored.get(other.key)
    if (
        row is None
        or row.owner != user_id
        or row.source != EntrySource.WEB.value
        or row.start >= cand.start
    ):
        return other
    # A timer forgotten for longer than an entry may last ends at that limit.
    stops.append((row.id, row.start, min(cand.start, row.start + MAX_ENTRY_DURATION)))
    timeline.accept(Interval(other.key, other.start, cand.start))
    return timeline.clash(cand)


async def stop_timers(session: AsyncSession, stops: list[TimerStop], now: datetime) -> None:
    """Ends the timers (rare: once per agent start over a running web timer)."""
    for entry_id, start, end in stops:
        await session.execute(
            update(TimeEntry)
            .where(TimeEntry.id == entry_id, TimeEntry.end_time.is_(None))
            .values(
                end_time=end,
                status=EntryStatus.STOPPED.value,
                duration_seconds=int((end - start).total_seconds()),
                updated_at=now,
            )
        )
