"""Whether time may change: the one hook every write of a person's time goes
through (manual create, edit, delete, the timer). An entry belongs to the
week in which it starts; an approved week is locked (server/timesheets/locks.py):
its entries cannot be created, edited (out of it or into it) or deleted.

A refusal is the 409 `{"detail", "extra": {"code": "locked", "timesheetId",
"weekStart"}}` of `server.timesheets.locks.Locked`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import TimeEntry, User
from server.timesheets.locks import ensure_unlocked, lock_index


async def ensure_editable(session: AsyncSession, user: User, starts: Sequence[datetime]) -> None:
    """409 `locked` when any of `starts` (the stored and the new start of the
    entry being written) lies in an approved week of `user`."""
    await ensure_unlocked(session, user.id, *starts)


async def locked_entries(session: AsyncSession, entries: Sequence[TimeEntry]) -> set[uuid.UUID]:
    """Ids of `entries` that start in an approved week of their user (the wire's `locked`)."""
    if not entries:
        return set()
    starts = [e.start_time for e in entries]
    index = await lock_index(session, {e.user_id for e in entries}, min(starts), max(starts))
    return {e.id for e in entries if index.locked(e.user_id, e.start_time)}
