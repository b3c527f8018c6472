"""What the queue holds, as Python values, and how a database row becomes one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

# Screenshot states.
WAITING = "waiting"  # file on disk, not yet acknowledged
UPLOADED = "uploaded"  # acknowledged; file removed, thumbnail kept for review
PARKED = "parked"  # rejected for good by the server
DROPPED = "dropped"  # removed by the disk quota before it could be uploaded
DELETED = "deleted"  # deleted by the user before upload


def ts(t: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


@dataclass(slots=True)
class LocalEntry:
    key: str
    revision: int
    project_id: str | None
    task_id: str | None
    start: datetime
    end: datetime | None
    status: str
    timezone: str
    description: str | None
    last_heartbeat: datetime
    synced_revision: int = 0
    parked_reason: str | None = None
    parked_detail: str | None = None

    def seconds(self, now: datetime) -> float:
        end = self.end if self.end is not None else now
        return max(0.0, (end - self.start).total_seconds())


@dataclass(slots=True)
class ActivityRow:
    entry_key: str
    minute: datetime
    keyboard: int
    mouse_moves: int
    mouse_clicks: int
    active_seconds: int
    version: int = 1
    # The minute's input signals (agent/core/signals.py); None in rows of older agents.
    interval_cv: float | None = None
    distinct_positions: int | None = None
    pointer_span: int | None = None
    keyboard_share: float | None = None
    pointer_moves: int | None = None


@dataclass(slots=True)
class AppRow:
    """Seconds of a minute an application (and, by policy, its title) was in front."""

    entry_key: str
    minute: datetime
    app: str
    title: str  # "" when none is kept
    seconds: int
    version: int = 1


@dataclass(slots=True)
class ScreenshotRow:
    key: str
    entry_key: str
    captured_at: datetime
    file: str | None
    size: int
    content_type: str
    blur_level: int
    metadata: dict[str, Any]
    state: str
    server_id: str | None = None
    reason: str | None = None
    thumbnail: bytes | None = None


@dataclass(slots=True)
class PendingBatch:
    entries: list[LocalEntry]
    activity: list[ActivityRow]
    apps: list[AppRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries or self.activity or self.apps)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    entries: int
    activity: int
    screenshots: int
    screenshot_bytes: int
    parked: int
    dropped_screenshots: int

    @property
    def total(self) -> int:
        return self.entries + self.activity + self.screenshots


# Entry fields stored under another column name.
ENTRY_COLUMNS = {"start": "start_time", "end": "end_time"}

T = TypeVar("T")


def _reader(
    cls: Callable[..., T], columns: dict[str, str], **convert: Callable[[Any], Any]
) -> Callable[[sqlite3.Row], T]:
    """Row -> `cls`: every field from its column, converted where a converter
    is given (NULL stays None)."""
    plan = [(f.name, columns.get(f.name, f.name), convert.get(f.name)) for f in fields(cls)]  # type: ignore[arg-type]

    def read(row: sqlite3.Row) -> T:
        values = {}
        for name, column, conv in plan:
            value = row[column]
            values[name] = conv(value) if conv is not None and value is not None else value
        return cls(**values)

    return read


entry_from_row = _reader(
    LocalEntry, ENTRY_COLUMNS, start=parse_ts, end=parse_ts, last_heartbeat=parse_ts
)
activity_from_row = _reader(ActivityRow, {}, minute=parse_ts)
app_from_row = _reader(AppRow, {}, minute=parse_ts)
shot_from_row = _reader(ScreenshotRow, {}, captured_at=parse_ts, metadata=json.loads)
