"""The foreground application per minute of the running entry.

Every tick (one second) while an entry runs, the platform probe
(`agent.platform.foreground`) says which application has the focus; that
second is counted to (minute, application, title). What is kept follows the
organization's policy as the agent last received it: under `off` the probe is
not even asked; under `apps` only the executable name is asked for and kept;
under `titles`
the window title too, after the organization's redaction patterns (and cut to
the wire's limit), so an unredacted title never reaches the queue file.
Rows are written to the outbox with the activity and replaced as the minute
grows, like activity buckets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from agent.core.clock import floor_minute
from agent.core.outbox import AppRow, Outbox
from shared.enums import AppTracking
from shared.redaction import app_name, redact, safe_patterns
from shared.schemas import TrackingPolicy


@dataclass(frozen=True, slots=True)
class Foreground:
    app: str  # executable name, without directory (and without .exe on Windows)
    title: str | None = None


class Probe(Protocol):
    def __call__(self, titles: bool = True) -> Foreground | None:
        """The application in front now; its window title only when `titles`
        (otherwise the window system is not even asked for it)."""


class AppMinutes:
    def __init__(self, probe: Probe | None = None) -> None:
        self.probe = probe
        self.entry_key: str | None = None
        self._seconds: dict[tuple[datetime, str, str], int] = {}
        self._dirty: set[tuple[datetime, str, str]] = set()
        self._patterns: tuple[tuple[str, ...], list[re.Pattern[str]]] = ((), [])
        self.last: Foreground | None = None  # for diagnostics and tests

    def _compiled(self, patterns: list[str]) -> list[re.Pattern[str]]:
        key = tuple(patterns)
        if self._patterns[0] != key:
            self._patterns = (key, safe_patterns(patterns))
        return self._patterns[1]

    def sample(self, entry_key: str, now: datetime, policy: TrackingPolicy) -> None:
        """One second of the running entry: count it to the application in front."""
        if entry_key != self.entry_key:
            self._seconds.clear()
            self._dirty.clear()
            self.entry_key = entry_key
        if policy.app_tracking is AppTracking.OFF or self.probe is None:
            return
        try:
            fg = self.probe(policy.app_tracking is AppTracking.TITLES)
        except Exception:  # a window that closed mid-query: this second is unknown
            fg = None
        self.last = fg
        if fg is None or not fg.app.strip():
            return
        title = ""
        if policy.app_tracking is AppTracking.TITLES and fg.title:
            title = redact(fg.title, self._compiled(policy.redaction_patterns))
        key = (floor_minute(now), app_name(fg.app), title)
        self._seconds[key] = min(60, self._seconds.get(key, 0) + 1)
        self._dirty.add(key)

    def flush(self, outbox: Outbox, now: datetime, *, final: bool = False) -> None:
        """Write changed rows; forget minutes that are over (all of them if final)."""
        if self.entry_key is not None and self._dirty:
            outbox.put_apps(
                [
                    AppRow(self.entry_key, minute, app, title, self._seconds[(minute, app, title)])
                    for minute, app, title in sorted(self._dirty)
                ]
            )
            self._dirty.clear()
        current = floor_minute(now)
        for key in [k for k in self._seconds if final or k[0] < current]:
            del self._seconds[key]
        if final:
            self.entry_key = None
