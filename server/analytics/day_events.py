"""Session events that keep the per-day rollup in step with ORM writes.

After each flush, the time entries added, changed or deleted (their old and
new spans) and the people whose time zone changed are marked
(`day_refresh.touch*`); before the transaction commits, the marked days
are recomputed on its connection. Core and driver statements are not seen
here: their callers mark what they touch.
Installed once, for every session, when `server.db.session` is imported.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from server.analytics import day_refresh
from server.db.models import TimeEntry, User


def _old(obj: Any, name: str) -> Any:
    """The attribute's value before this flush's change (or its value)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, name)


def _entry(session: Session, entry: TimeEntry, old: bool) -> None:
    start, end = (_old(entry, "start_time"), _old(entry, "end_time")) if old else (None, None)
    if start is not None:
        day_refresh.touch(session, _old(entry, "user_id"), start, end)
    if entry.start_time is not None:
        day_refresh.touch(session, entry.user_id, entry.start_time, entry.end_time)


def _after_flush(session: Session, _context: Any) -> None:
    for obj in session.new:
        if isinstance(obj, TimeEntry):
            _entry(session, obj, old=False)
    for obj in session.dirty:
        if isinstance(obj, TimeEntry):
            _entry(session, obj, old=True)
        elif isinstance(obj, User) and inspect(obj).attrs["timezone"].history.has_changes():
            day_refresh.touch_person(session, obj.id)
    for obj in session.deleted:
        if isinstance(obj, TimeEntry):
            _entry(session, obj, old=True)


def _before_commit(session: Session) -> None:
    session.flush()  # the pending changes' marks first
    todo = day_refresh.marked(session, pop=True)
    if todo:
        day_refresh.refresh(session.connection(), todo)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    # The outermost transaction only: a savepoint's marks stay (a recompute
    # too many is harmless, one too few is drift).
    if transaction.parent is None:
        day_refresh.marked(session, pop=True)


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
