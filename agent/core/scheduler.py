"""Screenshot schedule: one capture at a random moment inside each interval.

Intervals are counted on the monotonic clock from the moment tracking
started, so a wall-clock change does not bunch or skip captures. A moment
that falls while the user is idle is skipped (no capture in that interval).
"""

from __future__ import annotations

import random


class CaptureScheduler:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self.interval = 600.0
        self._start: float | None = None
        self._due = 0.0

    def reset(self, now_mono: float, interval: float) -> None:
        self.interval = max(1.0, float(interval))
        self._start = now_mono
        self._due = now_mono + self._rng.uniform(0, self.interval)

    def stop(self) -> None:
        self._start = None

    @property
    def due(self) -> float | None:
        return self._due if self._start is not None else None

    def poll(self, now_mono: float, idle: bool) -> bool:
        """True when a capture should be taken now (at most once per interval)."""
        if self._start is None or now_mono < self._due:
            return False
        # Move to the interval that contains `now` (missed ones are skipped,
        # e.g. after the process was frozen), then pick its random moment.
        passed = int((now_mono - self._start) // self.interval)
        fire_interval = int((self._due - self._start) // self.interval)
        self._start += self.interval * max(passed, fire_interval + 1)
        self._due = self._start + self._rng.uniform(0, self.interval)
        return not idle and passed == fire_interval
