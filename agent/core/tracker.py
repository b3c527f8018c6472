"""The tracker state machine: STOPPED / RUNNING / PAUSED.

Every stretch of tracked time is one entry with its own idempotency key;
pausing, stopping, switching project, a suspend or discarding idle time end
the current entry and (when tracking goes on) begin the next one. Durations
are always end - start of wall-clock timestamps, and the open entry carries a
heartbeat so that after a crash it ends where the agent was last alive.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from agent.core.clock import Clock, RecordClock
from agent.core.outbox import LocalEntry, Outbox
from shared.enums import EntryStatus


class State(StrEnum):
    STOPPED = "stopped"
    RUNNING = "running"
    PAUSED = "paused"


class Tracker:
    def __init__(self, outbox: Outbox, clock: Clock, timezone: str) -> None:
        self._outbox = outbox
        # Shared with the rest of the agent when it is a RecordClock already.
        self._clock = clock if isinstance(clock, RecordClock) else RecordClock(clock)
        self.timezone = timezone
        self.state = State.STOPPED
        self.project_id: str | None = None
        self.task_id: str | None = None
        self.description: str | None = None
        self.current: LocalEntry | None = None
        # A new entry never starts before the previous one ended, even if the
        # wall clock was set backwards: the server refuses overlapping entries,
        # so record time goes on from here (RecordClock.hold).
        self._last_end: datetime | None = None

    # --- commands -----------------------------------------------------------------

    def start(self, project_id: str | None = None, task_id: str | None = None) -> None:
        if project_id is not None:
            if self.state is State.RUNNING and (project_id, task_id) != (
                self.project_id,
                self.task_id,
            ):
                self.switch(project_id, task_id)
                return
            self.project_id, self.task_id = project_id, task_id
        if self.state is State.RUNNING:
            return
        self._begin_now()

    def pause(self) -> None:
        if self.state is State.RUNNING:
            self._end(self._clock.now(), EntryStatus.PAUSED)
            self.state = State.PAUSED

    def resume(self) -> None:
        if self.state is State.PAUSED:
            self._begin_now()

    def stop(self) -> None:
        if self.state is State.RUNNING:
            self._end(self._clock.now(), EntryStatus.STOPPED)
        self.state = State.STOPPED

    def switch(self, project_id: str | None, task_id: str | None) -> None:
        """Change project/task; a running entry ends and the next one begins now."""
        if (project_id, task_id) == (self.project_id, self.task_id):
            return
        self.project_id, self.task_id = project_id, task_id
        if self.state is State.RUNNING:
            now = self._clock.now()
            self._end(now, EntryStatus.STOPPED)
            self._begin(now)

    def heartbeat(self) -> None:
        if self.current is not None:
            now = self._clock.now()
            self._outbox.heartbeat(self.current.key, now)
            self.current.last_heartbeat = self.current.end = now

    # --- interruptions ---------------------------------------------------------------------

    def interrupt(self, ended_at: datetime, resume: bool) -> None:
        """Time between `ended_at` and now cannot be vouched for (suspend, clock
        change): the entry ends at `ended_at`; tracking goes on now in a new
        entry (never before `ended_at`), or stops."""
        if self.state is not State.RUNNING or self.current is None:
            return
        ended_at = max(ended_at, self.current.start)
        self._end(ended_at, EntryStatus.STOPPED)
        if resume:
            self._begin_now()
        else:
            self.state = State.STOPPED

    def split(self, at: datetime) -> str | None:
        """End the running entry at `at` and go on in a new one from there
        (the user came back from idling: what happens to the idle stretch is
        decided later on the old entry alone). Returns the old entry's key."""
        if self.state is not State.RUNNING or self.current is None:
            return None
        old = self.current.key
        at = max(at, self.current.start)
        self._end(at, EntryStatus.STOPPED)
        self._begin(at)
        return old

    def trim_end(self, key: str, end: datetime) -> None:
        """Move a finished entry's end earlier (discarded idle time)."""
        entry = self._outbox.get_entry(key)
        if entry is None or entry.end is None or end >= entry.end:
            return
        self._outbox.update_entry(key, end=max(end, entry.start))

    def add_closed(
        self, start: datetime, end: datetime, project_id: str | None, task_id: str | None
    ) -> str:
        """A finished entry (idle time reassigned to another project)."""
        entry = LocalEntry(
            key=str(uuid.uuid4()),
            revision=1,
            project_id=project_id,
            task_id=task_id,
            start=start,
            end=end,
            status=EntryStatus.STOPPED,
            timezone=self.timezone,
            description=None,
            last_heartbeat=end,
        )
        self._outbox.insert_entry(entry)
        return entry.key

    # --- start-up -----------------------------------------------------------------------------

    def recover(self) -> int:
        """After a crash or kill, open entries end at their last heartbeat.
        The next entry begins after the latest recorded end, even if the
        wall clock was set back while the agent was not running."""
        open_entries = self._outbox.running_entries()
        for e in open_entries:
            self._outbox.update_entry(
                e.key, end=max(e.last_heartbeat, e.start), status=EntryStatus.STOPPED.value
            )
        self._last_end = self._outbox.latest_end()
        return len(open_entries)

    # --- reading ---------------------------------------------------------------------------------

    def today_seconds(self) -> float:
        now = self._clock.now()
        tz = ZoneInfo(self.timezone)
        midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        total = 0.0
        for e in self._outbox.entries_since(midnight):
            end = now if self.current is not None and e.key == self.current.key else e.end
            if end is None:
                continue
            total += max(0.0, (end - max(e.start, midnight)).total_seconds())
        return total

    def elapsed(self) -> timedelta:
        if self.current is None:
            return timedelta(0)
        return max(timedelta(0), self._clock.now() - self.current.start)

    # --- internals -----------------------------------------------------------------------------

    def _begin_now(self) -> None:
        self._clock.hold(self._last_end)
        self._begin(self._clock.now())

    def _begin(self, at: datetime) -> None:
        if self._last_end is not None and at < self._last_end:
            at = self._last_end
        entry = LocalEntry(
            key=str(uuid.uuid4()),
            revision=1,
            project_id=self.project_id,
            task_id=self.task_id,
            start=at,
            end=None,
            status=EntryStatus.RUNNING,
            timezone=self.timezone,
            description=self.description,
            last_heartbeat=at,
        )
        self._outbox.insert_entry(entry)
        self.current = entry
        self.state = State.RUNNING

    def _end(self, at: datetime, status: EntryStatus) -> None:
        assert self.current is not None
        at = max(at, self.current.start)
        self._outbox.update_entry(self.current.key, end=at, status=status.value, last_heartbeat=at)
        self._last_end = at
        self.current = None
