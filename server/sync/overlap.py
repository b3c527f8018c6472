"""Overlap detection between a user's time entries: pure, O(n log n).

Stored entries of one user never overlap (this module is what keeps it so),
so in a list sorted by start the ends are sorted too, and a candidate only
needs comparing with its nearest predecessor that is not its own old version.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import datetime

_FAR_FUTURE = datetime.max.replace(year=9999)


@dataclass(frozen=True, slots=True)
class Interval:
    key: uuid.UUID
    start: datetime
    end: datetime | None  # None: still open (RUNNING without a heartbeat yet)

    @property
    def stop(self) -> datetime:
        return self.end if self.end is not None else _FAR_FUTURE.replace(tzinfo=self.start.tzinfo)


class Timeline:
    """A user's non-overlapping intervals, kept sorted by start."""

    def __init__(self, stored: list[Interval]) -> None:
        self._items = sorted((i for i in stored if i.stop > i.start), key=lambda i: i.start)
        self._starts = [i.start for i in self._items]
        self._by_key = {i.key: i for i in self._items}

    def _remove(self, key: uuid.UUID) -> None:
        old = self._by_key.pop(key, None)
        if old is None:
            return
        idx = bisect.bisect_left(self._starts, old.start)
        while self._items[idx].key != key:
            idx += 1
        del self._items[idx]
        del self._starts[idx]

    def clash(self, cand: Interval) -> Interval | None:
        """The stored interval `cand` would overlap (ignoring cand's own old version)."""
        if cand.stop <= cand.start:  # an empty interval overlaps nothing
            return None
        idx = bisect.bisect_left(self._starts, cand.stop) - 1
        while idx >= 0 and self._items[idx].key == cand.key:
            idx -= 1
        if idx >= 0 and self._items[idx].stop > cand.start:
            return self._items[idx]
        return None

    def accept(self, cand: Interval) -> None:
        self._remove(cand.key)
        if cand.stop <= cand.start:
            return
        idx = bisect.bisect_right(self._starts, cand.start)
        self._items.insert(idx, cand)
        self._starts.insert(idx, cand.start)
        self._by_key[cand.key] = cand
