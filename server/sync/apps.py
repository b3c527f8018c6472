"""The optional `apps` array of a sync batch, and the activity minutes' input
signals: validation, the organization's app-tracking policy, and the rows to
write (server/sync/apps_store.py writes them).

The policy is applied here, whatever the agent sent: under `off` nothing is
kept, under `apps` every title is dropped before anything is written (the
rows of one application in one minute then merge), under `titles` titles are
redacted with the organization's patterns (again: an agent may hold an older
policy) and cut to MAX_TITLE_LENGTH.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.times import to_utc
from server.db.models import Organization
from server.sync.schemas import RawApp
from server.sync.store import Member
from server.sync.validate import ValidActivity, _instant, _int, _Invalid, _key_text, _uuid
from shared.enums import AppTracking, ConflictReason
from shared.limits import MAX_ACTIVE_SECONDS, MAX_APP_NAME_LENGTH
from shared.redaction import app_name, redact, safe_patterns
from shared.schemas import ActivityResult, AppIn, Conflict

# key -> (entry id, first minute, end): as in server.sync.service.
Known = dict[uuid.UUID, tuple[uuid.UUID, datetime, datetime | None]]


class ValidApp(msgspec.Struct, frozen=True, gc=False):
    entry_key: uuid.UUID
    minute: datetime
    app: str
    title: str | None
    seconds: int


def _conflict(key: str | None, minute: str | None, app: Any, reason: ConflictReason, detail: str):
    name = app if isinstance(app, str) else "?"
    return Conflict(key, reason, f"app {name[:64]!r}: {detail}", minute)


def _minute_text(m: datetime) -> str:
    return m.isoformat().replace("+00:00", "Z")


def validate_app(raw: RawApp, caller: uuid.UUID) -> ValidApp | Conflict:
    key_text = _key_text(raw.time_entry_key)
    minute_text = raw.minute if isinstance(raw.minute, str) else None
    if raw.user_id is not None and str(raw.user_id).lower() != str(caller):
        return _conflict(
            key_text, minute_text, raw.app, ConflictReason.FORBIDDEN, "userId is not you"
        )
    try:
        key = _uuid(raw.time_entry_key, "timeEntryKey")
        minute = _instant(raw.minute, "minute")
        assert key is not None and minute is not None
        if minute.second or minute.microsecond:
            raise _Invalid("minute must be the start of a minute (seconds = 0)")
        if not isinstance(raw.app, str) or not raw.app.strip():
            raise _Invalid("app must be a non-empty name")
        if raw.title is not None and not isinstance(raw.title, str):
            raise _Invalid("title must be text")
        seconds = _int(raw.seconds, "seconds", 0, MAX_ACTIVE_SECONDS)
        return ValidApp(key, minute, raw.app, raw.title, seconds)
    except _Invalid as exc:
        return _conflict(key_text, minute_text, raw.app, ConflictReason.INVALID, str(exc))


def check_strict_app(a: AppIn, caller: uuid.UUID) -> ValidApp | Conflict:
    minute = to_utc(a.minute)
    if (
        (a.user_id is not None and a.user_id != caller)
        or minute is None
        or minute.second
        or minute.microsecond
        or not a.app.strip()
    ):
        # Rare: the lenient path names the problem exactly.
        raw = RawApp(str(a.time_entry_key), a.minute.isoformat(), a.app, a.title, a.seconds)
        raw.user_id = str(a.user_id) if a.user_id is not None else None
        return validate_app(raw, caller)
    return ValidApp(a.time_entry_key, minute, a.app, a.title, a.seconds)


def validate_apps(
    raw: Sequence[RawApp], strict: Sequence[AppIn] | None, caller: uuid.UUID
) -> list[ValidApp | Conflict]:
    if strict is not None:
        checked = [check_strict_app(a, caller) for a in strict]
        if not any(isinstance(x, Conflict) for x in checked):
            return checked
    return [validate_app(r, caller) for r in raw]


async def _policy(session: AsyncSession, org_id: uuid.UUID) -> tuple[AppTracking, list[str]]:
    # The request's principal loaded the organization into this session: `get`
    # answers from the identity map, one round trip less per sync (capacity bench).
    org = await session.get(Organization, org_id)
    if org is None:
        raise LookupError(f"organization {org_id} is gone")
    return AppTracking(org.app_tracking), list(org.redaction_patterns or [])


async def app_rows(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    items: list[ValidApp | Conflict],
    known: Known,
    deleted: set[uuid.UUID],
    member: Member | None = None,
) -> tuple[ActivityResult, list[tuple[Any, ...]]]:
    """The `app_usage` rows to write (replace-on-conflict per entry, minute, app,
    title: a retry is harmless) and the answer about them. `member`: the policy
    as the batch's caller check read it (else read here)."""
    result = ActivityResult()
    if not items:
        return result, []
    if member is not None:
        mode, patterns = AppTracking(member.app_tracking), member.redaction_patterns
    else:
        mode, patterns = await _policy(session, org_id)
    compiled = safe_patterns(patterns) if mode is AppTracking.TITLES else []
    redacted: dict[str, str] = {}
    rows: dict[tuple[uuid.UUID, datetime, str, str], list[Any]] = {}
    for item in items:
        if isinstance(item, Conflict):
            result.conflicts.append(item)
            continue
        found = known.get(item.entry_key)
        if found is None:
            gone = item.entry_key in deleted
            result.conflicts.append(
                _conflict(
                    str(item.entry_key),
                    _minute_text(item.minute),
                    item.app,
                    ConflictReason.DELETED if gone else ConflictReason.UNKNOWN_TIME_ENTRY,
                    "this time entry was deleted on the server"
                    if gone
                    else "no stored time entry of yours has this key",
                )
            )
            continue
        entry_id, first_minute, end = found
        if item.minute < first_minute or (end is not None and item.minute >= end):
            result.conflicts.append(
                _conflict(
                    str(item.entry_key),
                    _minute_text(item.minute),
                    item.app,
                    ConflictReason.INVALID,
                    "minute lies outside its time entry",
                )
            )
            continue
        if mode is AppTracking.OFF:
            result.skipped += 1  # accepted and forgotten: the policy keeps no apps
            continue
        title = ""
        if mode is AppTracking.TITLES and item.title:
            # A window title repeats minute after minute: redact each once.
            title = redacted.get(item.title) or redacted.setdefault(
                item.title, redact(item.title, compiled)
            )
        app = (
            item.app
            if len(item.app) <= MAX_APP_NAME_LENGTH and item.app.isprintable()
            else app_name(item.app)
        )
        row_key = (entry_id, item.minute, app, title)
        row = rows.get(row_key)
        if row is not None:  # titles dropped or a duplicate: one row, seconds added up
            row[6] = min(MAX_ACTIVE_SECONDS, row[6] + item.seconds)
            result.skipped += 1
            continue
        rows[row_key] = [entry_id, item.minute, app, title, org_id, user_id, item.seconds]
    result.processed = len(rows)
    return result, [tuple(r) for r in rows.values()]


_SIGNALS = (
    "interval_cv",
    "distinct_positions",
    "pointer_span",
    "keyboard_share",
    "pointer_moves",
)


def signal_rows(
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    latest: dict[tuple[uuid.UUID, datetime], ValidActivity],
    known: Known,
) -> list[tuple[Any, ...]]:
    """The input signals of the activity minutes that were accepted (same rules)."""
    rows = []
    for a in latest.values():
        if a.interval_cv is None and a.distinct_positions is None and a.keyboard_share is None:
            continue
        found = known.get(a.entry_key)
        if found is None:
            continue
        entry_id, first_minute, end = found
        if a.minute < first_minute or (end is not None and a.minute >= end):
            continue
        rows.append((entry_id, a.minute, org_id, user_id, *(getattr(a, c) for c in _SIGNALS)))
    return rows
