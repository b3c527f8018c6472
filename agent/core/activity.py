"""Input counting and per-minute activity buckets.

`InputCounter` is what the OS listeners call. `key()` takes no argument on
purpose: a listener cannot hand it a key even by mistake, so no key identity
can reach storage or the network. `move(x, y)` takes the pointer position,
which stays in memory for the minute and only leaves as counts (how many
distinct positions, how far apart). `MinuteBuckets` rolls the counts into
(entry, minute) buckets with `activeSeconds` = distinct seconds of that minute
with any input, and the minute's input signals (`signals.minute_signals`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent.core.clock import Clock, floor_minute
from agent.core.outbox import ActivityRow, Outbox
from agent.core.signals import minute_signals


@dataclass(slots=True)
class Drained:
    keys: int = 0
    moves: int = 0  # pointer moves and scroll steps (the wire's mouse movements)
    clicks: int = 0
    seconds: set[int] = field(default_factory=set)  # epoch seconds with any input
    pointer_moves: int = 0  # moves alone (no scrolls)
    times: list[float] = field(default_factory=list)  # monotonic instant of every event
    positions: set[tuple[int, int]] = field(default_factory=set)  # reached by the moves


class InputCounter:
    """Thread-safe counters fed by the input listeners (counts only)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._d = Drained()
        self.last_input_mono = clock.monotonic()
        self.last_input_wall = clock.now()
        self.total_keys = 0  # lifetime counts, for tests and diagnostics
        self.total_moves = 0
        self.total_clicks = 0

    def _touch(self) -> None:
        now = self._clock.now()
        mono = self._clock.monotonic()
        self._d.seconds.add(int(now.timestamp()))
        self._d.times.append(mono)
        self.last_input_mono = mono
        self.last_input_wall = now

    def key(self) -> None:
        with self._lock:
            self._d.keys += 1
            self.total_keys += 1
            self._touch()

    def move(self, x: int | None = None, y: int | None = None) -> None:
        with self._lock:
            self._d.moves += 1
            self._d.pointer_moves += 1
            self.total_moves += 1
            if x is not None and y is not None and len(self._d.positions) < 100_000:
                self._d.positions.add((int(x), int(y)))
            self._touch()

    def scroll(self) -> None:
        """A wheel step: a mouse movement on the wire, not a pointer move."""
        with self._lock:
            self._d.moves += 1
            self.total_moves += 1
            self._touch()

    def click(self) -> None:
        with self._lock:
            self._d.clicks += 1
            self.total_clicks += 1
            self._touch()

    def mark_active(self) -> None:
        """A deliberate user action in our own UI (start, resume) counts as presence."""
        with self._lock:
            self.last_input_mono = self._clock.monotonic()
            self.last_input_wall = self._clock.now()

    def drain(self) -> Drained:
        with self._lock:
            d, self._d = self._d, Drained()
        return d


@dataclass(slots=True)
class _Bucket:
    keys: int = 0
    moves: int = 0
    clicks: int = 0
    seconds: set[int] = field(default_factory=set)
    dirty: bool = False
    pointer_moves: int = 0
    times: list[float] = field(default_factory=list)
    positions: set[tuple[int, int]] = field(default_factory=set)


class MinuteBuckets:
    """In-memory buckets of the running entry, written to the outbox by `flush`.

    Rows are written with replace semantics (the bucket holds the whole
    minute's totals), so a bucket is kept in memory until its minute is over
    and written; counts that arrive later for an evicted minute go to the
    current minute instead of overwriting the stored row with a partial one.
    """

    def __init__(self) -> None:
        self.entry_key: str | None = None
        self._buckets: dict[datetime, _Bucket] = {}

    def absorb(
        self, entry_key: str, d: Drained, now: datetime, since: datetime | None = None
    ) -> None:
        """Count `d` into the entry's minutes up to `now`'s and from `since`'s
        (the entry's start): input stamped just before the wall clock was set
        back lies before a new entry's start, and the server refuses minutes
        outside their entry."""
        if entry_key != self.entry_key:
            self._buckets.clear()
            self.entry_key = entry_key
        if not (d.keys or d.moves or d.clicks or d.seconds):
            return
        first = floor_minute(since) if since is not None else None
        current = floor_minute(now) if first is None else max(floor_minute(now), first)
        by_minute: dict[datetime, set[int]] = {}
        for s in d.seconds:
            minute = floor_minute(datetime.fromtimestamp(s, UTC))
            if minute > current:
                minute = current
            elif first is not None and minute < first:
                minute = first
            by_minute.setdefault(minute, set()).add(s)
        # Counts go to the latest minute of this drain (a drain spans ~1 s).
        count_minute = max(by_minute) if by_minute else current
        for minute, secs in by_minute.items():
            bucket = self._bucket(minute, current)
            bucket.seconds |= secs
            bucket.dirty = True
        bucket = self._bucket(count_minute, current)
        bucket.keys += d.keys
        bucket.moves += d.moves
        bucket.clicks += d.clicks
        bucket.pointer_moves += d.pointer_moves
        bucket.times.extend(d.times)
        bucket.positions |= d.positions
        bucket.dirty = True

    def _bucket(self, minute: datetime, current: datetime) -> _Bucket:
        bucket = self._buckets.get(minute)
        if bucket is None:
            if self._buckets and minute < min(self._buckets) and minute < current:
                # Its minute was already written and evicted: count it now instead.
                minute = current
            bucket = self._buckets.setdefault(minute, _Bucket())
        return bucket

    def row(self, minute: datetime, b: _Bucket) -> ActivityRow:
        """The bucket as the outbox keeps it: counts and the minute's signals."""
        assert self.entry_key is not None
        sig = minute_signals(b.times, b.positions, b.keys, b.moves + b.clicks, b.pointer_moves)
        return ActivityRow(
            entry_key=self.entry_key,
            minute=minute,
            keyboard=b.keys,
            mouse_moves=b.moves,
            mouse_clicks=b.clicks,
            active_seconds=min(60, len(b.seconds)),
            interval_cv=sig.interval_cv,
            distinct_positions=sig.distinct_positions,
            pointer_span=sig.pointer_span,
            keyboard_share=sig.keyboard_share,
            pointer_moves=sig.pointer_moves,
        )

    def flush(self, outbox: Outbox, now: datetime, *, final: bool = False) -> None:
        """Write dirty buckets; forget minutes that are over (all of them if final)."""
        if self.entry_key is None:
            return
        current = floor_minute(now)
        for minute, b in sorted(self._buckets.items()):
            if b.dirty:
                outbox.put_activity(self.row(minute, b))
                b.dirty = False
        for minute in [m for m in self._buckets if final or m < current]:
            del self._buckets[minute]
        if final:
            self.entry_key = None
