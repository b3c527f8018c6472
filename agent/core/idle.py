"""Idle detection: no input for the policy timeout.

The idle period starts at the last input (not when it was noticed) and ends
at the first input after it; what happens to that time (keep, discard,
reassign) is the user's answer, applied by the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IdleAction(StrEnum):
    KEEP = "keep"
    DISCARD = "discard"
    REASSIGN = "reassign"


@dataclass(frozen=True, slots=True)
class IdlePeriod:
    start: datetime
    end: datetime
    entry_key: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


class IdleDetector:
    def __init__(self, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        self.idle_since: datetime | None = None
        self._input_mono_at_detection = 0.0

    @property
    def idle(self) -> bool:
        return self.idle_since is not None

    def reset(self) -> None:
        self.idle_since = None

    def observe(
        self, now_mono: float, last_input_mono: float, last_input_wall: datetime
    ) -> tuple[datetime, datetime] | None:
        """Returns (idle start, return time) once input comes back after idling."""
        if self.idle_since is None:
            if now_mono - last_input_mono >= self.timeout:
                self.idle_since = last_input_wall
                self._input_mono_at_detection = last_input_mono
            return None
        if last_input_mono > self._input_mono_at_detection:
            period = (self.idle_since, last_input_wall)
            self.idle_since = None
            return period
        return None
