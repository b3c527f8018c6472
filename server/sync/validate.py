"""Per-item validation of a sync batch: pure functions, no database.

Each raw item becomes either a typed value or a `Conflict(invalid | forbidden)`,
so that one bad item never blocks the rest of the batch.

Two paths give the same answers: a fast one, where msgspec decodes the whole
body into strict types in C (the normal case: agents send well-formed
batches), and a lenient one, item by item, used only when the strict decode
fails somewhere, so that the bad items can be named one by one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from server.core.spans import ENDS_BEFORE_START, span_refusal
from server.core.times import to_utc
from server.sync.schemas import RawActivity, RawBatch, RawEntry
from shared.enums import ConflictReason, EntryStatus
from shared.limits import (
    MAX_ACTIVE_SECONDS,
    MAX_COUNTER,
    MAX_DESCRIPTION_LENGTH,
    MAX_POINTER_POSITIONS,
    MAX_REVISION,
)
from shared.schemas import ActivityIn, Conflict, EntryIn, SyncBatch
from shared.wire_dates import RANGE

MAX_CLOCK_SKEW = timedelta(hours=24)


class ValidEntry(msgspec.Struct, frozen=True, gc=False):
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


class ValidActivity(msgspec.Struct, frozen=True, gc=False):
    entry_key: uuid.UUID
    minute: datetime
    keyboard_clicks: int
    mouse_movements: int
    active_seconds: int
    # The minute's input rhythm (optional; older agents send none).
    interval_cv: float | None = None
    distinct_positions: int | None = None
    pointer_span: int | None = None
    keyboard_share: float | None = None
    pointer_moves: int | None = None


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
    instant = to_utc(parsed)
    if instant is None:
        raise _Invalid(_out_of_range(field))
    return instant


def _hint(value: Any, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= high else None


def _whole_hint(value: Any, high: int = MAX_POINTER_POSITIONS) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= high else None


def _out_of_range(field: str) -> str:
    return f"{field} must be dated {RANGE}"


@lru_cache(maxsize=1024)
def _timezone_ok(tz: str) -> bool:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_timezone(tz: str) -> None:
    if not _timezone_ok(tz):
        raise _Invalid(f"unknown timezone {tz[:64]!r}")


def _check_entry_times(
    status: EntryStatus, start: datetime, end: datetime | None, now: datetime
) -> None:
    if status == EntryStatus.STOPPED and end is None:
        raise _Invalid("a STOPPED entry needs endTime")
    problem = span_refusal(start, end) if end is not None else None
    if problem is not None:
        raise _Invalid("endTime is before startTime" if problem == ENDS_BEFORE_START else problem)
    if start > now + MAX_CLOCK_SKEW:
        raise _Invalid("startTime is in the future")


def _key_text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _forbidden_user(user_id: Any, caller: uuid.UUID) -> bool:
    return user_id is not None and str(user_id).lower() != str(caller)


def validate_entry(raw: RawEntry, caller: uuid.UUID, now: datetime) -> ValidEntry | Conflict:
    key_text = _key_text(raw.idempotency_key)
    if _forbidden_user(raw.user_id, caller):
        return Conflict(key_text, ConflictReason.FORBIDDEN, "userId is not the signed-in user")
    try:
        key = _uuid(raw.idempotency_key, "idempotencyKey")
        assert key is not None
        revision = _int(raw.revision, "revision", 0, MAX_REVISION)
        start = _instant(raw.start_time, "startTime")
        assert start is not None
        end = _instant(raw.end_time, "endTime", required=False)
        try:
            status = EntryStatus(raw.status)
        except ValueError:
            raise _Invalid("status must be RUNNING, PAUSED or STOPPED") from None
        _check_entry_times(status, start, end, now)
        tz = raw.timezone if raw.timezone is not None else "UTC"
        if not isinstance(tz, str):
            raise _Invalid("timezone must be an IANA name")
        _check_timezone(tz)
        description = raw.description
        if description is not None and (
            not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH
        ):
            raise _Invalid(
                f"description must be text of at most {MAX_DESCRIPTION_LENGTH} characters"
            )
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
            # Hints, not records: a malformed one is left out rather than refusing the minute.
            interval_cv=_hint(raw.interval_cv, 1000.0),
            distinct_positions=_whole_hint(raw.distinct_positions),
            pointer_span=_whole_hint(raw.pointer_span),
            keyboard_share=_hint(raw.keyboard_share, 1.0),
            pointer_moves=_whole_hint(raw.pointer_moves, MAX_COUNTER),
        )
    except _Invalid as exc:
        return Conflict(key_text, ConflictReason.INVALID, str(exc), minute_text)


# --- fast path: strict decode in C ------------------------------------------

_strict_decoder = msgspec.json.Decoder(SyncBatch)


def decode_strict(body: bytes) -> SyncBatch | None:
    """The whole batch in strict types, or None when any item needs the lenient path."""
    try:
        return _strict_decoder.decode(body)
    except msgspec.MsgspecError:
        return None


def check_strict_entry(e: EntryIn, caller: uuid.UUID, now: datetime) -> ValidEntry | Conflict:
    key_text = str(e.idempotency_key)
    if e.user_id is not None and e.user_id != caller:
        return Conflict(key_text, ConflictReason.FORBIDDEN, "userId is not the signed-in user")
    start = to_utc(e.start_time)
    end = to_utc(e.end_time) if e.end_time is not None else None
    if start is None or (e.end_time is not None and end is None):
        field = "startTime" if start is None else "endTime"
        return Conflict(key_text, ConflictReason.INVALID, _out_of_range(field))
    try:
        _check_entry_times(e.status, start, end, now)
        _check_timezone(e.timezone)
    except _Invalid as exc:
        return Conflict(key_text, ConflictReason.INVALID, str(exc))
    return ValidEntry(
        key=e.idempotency_key,
        revision=e.revision,
        project_id=e.project_id,
        task_id=e.task_id,
        start=start,
        end=end,
        status=e.status,
        timezone=e.timezone,
        description=e.description,
    )


def check_strict_activity(a: ActivityIn, caller: uuid.UUID) -> ValidActivity | Conflict:
    if a.user_id is not None and a.user_id != caller:
        return Conflict(
            str(a.time_entry_key), ConflictReason.FORBIDDEN, "userId is not the signed-in user"
        )
    minute = to_utc(a.minute)
    if minute is None:
        return Conflict(str(a.time_entry_key), ConflictReason.INVALID, _out_of_range("minute"))
    if minute.second or minute.microsecond:
        return Conflict(
            str(a.time_entry_key),
            ConflictReason.INVALID,
            "minute must be the start of a minute (seconds = 0)",
        )
    return ValidActivity(
        a.time_entry_key,
        minute,
        a.keyboard_clicks,
        a.mouse_movements,
        a.active_seconds,
        a.interval_cv,
        a.distinct_positions,
        a.pointer_span,
        a.keyboard_share,
        a.pointer_moves,
    )


def validate_batch(
    batch: RawBatch, strict: SyncBatch | None, caller: uuid.UUID, now: datetime
) -> tuple[list[ValidEntry | Conflict], list[ValidActivity | Conflict]]:
    """Every item of the batch, validated. The fast path is taken only when it
    finds nothing wrong; otherwise the lenient path names each problem exactly
    as the client sent it (keys and minutes echoed verbatim)."""
    if strict is not None:
        entries = [check_strict_entry(e, caller, now) for e in strict.entries]
        activity = [check_strict_activity(a, caller) for a in strict.activity]
        if not any(isinstance(x, Conflict) for x in entries) and not any(
            isinstance(x, Conflict) for x in activity
        ):
            return entries, activity
    return (
        [validate_entry(raw, caller, now) for raw in batch.entries],
        [validate_activity(raw, caller) for raw in batch.activity],
    )
