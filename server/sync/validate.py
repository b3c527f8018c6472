"""Per-item validation of a sync batch: pure functions, no database.

Each raw item becomes either a typed value or a `Conflict(invalid | forbidden)`,
so that one bad item never blocks the rest of the batch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.enums import ConflictReason, EntryStatus
from shared.limits import MAX_ACTIVE_SECONDS, MAX_DESCRIPTION_LENGTH
from shared.schemas import Conflict, RawActivity, RawEntry

MAX_ENTRY_DURATION = timedelta(days=31)
MAX_CLOCK_SKEW = timedelta(hours=24)
MAX_COUNTER = 10_000_000


@dataclass(frozen=True, slots=True)
class ValidEntry:
    key: uuid.UUID
    revision: int
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    start: datetime
    end: datetime | None
    status: EntryStatus
    timezone: str
    description: str | None

    @property
    def duration_seconds(self) -> int:
        return int((self.end - self.start).total_seconds()) if self.end else 0


@dataclass(frozen=True, slots=True)
class ValidActivity:
    entry_key: uuid.UUID
    minute: datetime
    keyboard_clicks: int
    mouse_movements: int
    active_seconds: int


class _Invalid(Exception):
    pass


def _uuid(value: Any, field: str, *, required: bool = True) -> uuid.UUID | None:
    if value is None:
        if required:
            raise _Invalid(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise _Invalid(f"{field} must be a UUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Invalid(f"{field} must be a UUID string") from None


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"{field} must be a whole number")
    if not low <= value <= high:
        raise _Invalid(f"{field} must be between {low} and {high}")
    return value


def _instant(value: Any, field: str, *, required: bool = True) -> datetime | None:
    if value is None:
        if required:
            raise _Invalid(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise _Invalid(f"{field} must be an RFC 3339 time string")
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise _Invalid(f"{field} is not an RFC 3339 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise _Invalid(f"{field} must include a UTC offset (e.g. 2026-01-15T09:00:00+03:00)")
    return parsed.astimezone(UTC)


def _key_text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _forbidden_user(user_id: Any, caller: uuid.UUID) -> bool:
    return user_id is not None and str(user_id).lower() != str(caller)


def validate_entry(
    raw: RawEntry, caller: uuid.UUID, now: datetime
) -> ValidEntry | Conflict:
    key_text = _key_text(raw.idempotency_key)
    if _forbidden_user(raw.user_id, caller):
        return Conflict(key_text, ConflictReason.FORBIDDEN, "userId is not the signed-in user")
    try:
        key = _uuid(raw.idempotency_key, "idempotencyKey")
        assert key is not None
        revision = _int(raw.revision, "revision", 0, 2**62)
        start = _instant(raw.start_time, "startTime")
        assert start is not None
        end = _instant(raw.end_time, "endTime", required=False)
        try:
            status = EntryStatus(raw.status)
        except ValueError:
            raise _Invalid("status must be RUNNING, PAUSED or STOPPED") from None
        if status == EntryStatus.STOPPED and end is None:
            raise _Invalid("a STOPPED entry needs endTime")
        if end is not None and end < start:
            raise _Invalid("endTime is before startTime")
        if end is not None and end - start > MAX_ENTRY_DURATION:
            raise _Invalid("an entry may last at most 31 days")
        if start > now + MAX_CLOCK_SKEW:
            raise _Invalid("startTime is in the future")
        tz = raw.timezone if raw.timezone is not None else "UTC"
        if not isinstance(tz, str):
            raise _Invalid("timezone must be an IANA name")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise _Invalid(f"unknown timezone {tz[:64]!r}") from None
        description = raw.description
        if description is not None and (
            not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH
        ):
            raise _Invalid(f"description must be text of at most {MAX_DESCRIPTION_LENGTH} characters")
        return ValidEntry(
            key=key,
            revision=revision,
            project_id=_uuid(raw.project_id, "projectId", required=False),
            task_id=_uuid(raw.task_id, "taskId", required=False),
            start=start,
            end=end,
            status=status,
            timezone=tz,
            description=description,
        )
    except _Invalid as exc:
        return Conflict(key_text, ConflictReason.INVALID, str(exc))


def validate_activity(raw: RawActivity, caller: uuid.UUID) -> ValidActivity | Conflict:
    key_text = _key_text(raw.time_entry_key)
    minute_text = raw.minute if isinstance(raw.minute, str) else None
    if _forbidden_user(raw.user_id, caller):
        return Conflict(
            key_text, ConflictReason.FORBIDDEN, "userId is not the signed-in user", minute_text
        )
    try:
        key = _uuid(raw.time_entry_key, "timeEntryKey")
        assert key is not None
        minute = _instant(raw.minute, "minute")
        assert minute is not None
        if minute.second or minute.microsecond:
            raise _Invalid("minute must be the start of a minute (seconds = 0)")
        return ValidActivity(
            entry_key=key,
            minute=minute,
            keyboard_clicks=_int(raw.keyboard_clicks, "keyboardClicks", 0, MAX_COUNTER),
            mouse_movements=_int(raw.mouse_movements, "mouseMovements", 0, MAX_COUNTER),
            active_seconds=_int(raw.active_seconds, "activeSeconds", 0, MAX_ACTIVE_SECONDS),
        )
    except _Invalid as exc:
        return Conflict(key_text, ConflictReason.INVALID, str(exc), minute_text)
