"""Time sources and discontinuity detection.

Durations are always end - start of wall-clock timestamps (never tick counts);
the monotonic and boot clocks only serve to notice when the wall clock cannot
be trusted: a suspend (boot time advanced while monotonic did not, on Linux)
or a clock change (wall moved, monotonic and boot time did not).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall time, tz-aware UTC."""

    def monotonic(self) -> float:
        """Seconds; never jumps, may stop during suspend."""

    def boottime(self) -> float:
        """Seconds; never jumps, keeps counting during suspend where the OS allows."""


class SystemClock:
    # Linux has a boot clock that keeps counting in suspend; elsewhere a big
    # forward wall jump is taken for a sleep (see JumpDetector).
    counts_suspend = hasattr(time, "CLOCK_BOOTTIME")

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def boottime(self) -> float:
        clock_id = getattr(time, "CLOCK_BOOTTIME", None)
        if clock_id is not None:
            return time.clock_gettime(clock_id)
        return time.monotonic()  # macOS/Windows: monotonic already counts sleep


class FakeClock:
    """Injectable clock for tests and simulations."""

    counts_suspend = True

    def __init__(self, start: datetime | None = None) -> None:
        self._wall = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self._mono = 1000.0
        self._boot = 1000.0

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def boottime(self) -> float:
        return self._boot

    def advance(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)
        self._mono += seconds
        self._boot += seconds

    def suspend(self, seconds: float) -> None:
        """The machine slept: wall and boot time move, monotonic does not."""
        self._wall += timedelta(seconds=seconds)
        self._boot += seconds

    def set_wall(self, seconds: float) -> None:
        """Someone changed the system clock by `seconds` (may be negative)."""
        self._wall += timedelta(seconds=seconds)


class RecordClock:
    """The agent's record time: the wall clock, except that it never runs
    behind what was already recorded.

    When the wall clock was set back into time the agent already recorded
    (NTP correcting a fast clock, someone changing the time), the tracker
    calls `hold` as the next entry begins: from then on record time is the
    wall clock plus `skew`, so that entries go on from the last end at the
    pace of real time instead of overlapping it or being lost. The skew stays
    while tracking goes on and is given up when tracking begins again after a
    break (`hold` with the wall clock already past the last end).
    """

    def __init__(self, inner: Clock) -> None:
        self.inner = inner
        self.skew = timedelta(0)
        self.counts_suspend = getattr(inner, "counts_suspend", True)

    def now(self) -> datetime:
        return self.inner.now() + self.skew

    def monotonic(self) -> float:
        return self.inner.monotonic()

    def boottime(self) -> float:
        return self.inner.boottime()

    def hold(self, floor: datetime | None) -> None:
        """Record time goes on from the wall clock, or from `floor` (the last
        recorded end) while the wall clock is behind it."""
        behind = floor - self.inner.now() if floor is not None else timedelta(0)
        self.skew = max(timedelta(0), behind)


class Jump(StrEnum):
    NONE = "none"
    SUSPEND = "suspend"  # the machine slept or the process was frozen
    CLOCK_CHANGED = "clock_changed"  # the wall clock was set forwards or backwards


@dataclass(frozen=True, slots=True)
class TickGap:
    kind: Jump
    last_wall: datetime  # wall time of the previous tick (the last heartbeat we trust)
    elapsed: float  # seconds that really passed while awake (monotonic)


class JumpDetector:
    """Compares successive ticks of the three clocks.

    `tolerance` absorbs scheduler jitter; `max_gap` is the longest awake pause
    between ticks that still counts as continuous (a frozen or starved process
    beyond it is treated like a suspend: we cannot vouch for that time).
    """

    def __init__(self, clock: Clock, tolerance: float = 5.0, max_gap: float = 90.0) -> None:
        self._clock = clock
        self._tolerance = tolerance
        self._max_gap = max_gap
        self._last: tuple[datetime, float, float] | None = None

    def reset(self) -> None:
        self._last = None

    def check(self) -> TickGap:
        # Detection compares the wall clock itself; `last_wall` is reported in
        # record time (see RecordClock), whose skew may change between ticks.
        skew = self._clock.skew if isinstance(self._clock, RecordClock) else timedelta(0)
        wall = self._clock.now() - skew
        mono, boot = self._clock.monotonic(), self._clock.boottime()
        last = self._last
        self._last = (wall, mono, boot)
        if last is None:
            return TickGap(Jump.NONE, wall + skew, 0.0)
        last_raw, last_mono, last_boot = last
        last_wall = last_raw + skew
        d_wall = (wall - last_raw).total_seconds()
        d_mono = mono - last_mono
        d_boot = boot - last_boot
        if d_boot - d_mono > self._tolerance or d_mono > self._max_gap:
            return TickGap(Jump.SUSPEND, last_wall, min(d_mono, self._max_gap))
        if abs(d_wall - d_mono) > self._tolerance:
            if d_wall - d_mono > self._max_gap and not getattr(self._clock, "counts_suspend", True):
                # No boot clock (macOS, Windows): a large forward jump is most
                # likely a sleep; ending at the last tick is the safe reading.
                return TickGap(Jump.SUSPEND, last_wall, min(d_mono, self._max_gap))
            return TickGap(Jump.CLOCK_CHANGED, last_wall, d_mono)
        return TickGap(Jump.NONE, last_wall, d_mono)


def floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)
