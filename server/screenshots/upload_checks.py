"""What both upload paths check before a byte is stored: the form fields, the
idempotency key (a retry answers with the first upload) and the time entry."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.auth.principal import Principal
from server.core.errors import (
    BadRequest,
    Conflict,
)
from server.core.ids import parse_uuid
from server.core.times import require_instant
from server.db.models import Screenshot, TimeEntry
from server.runtime.state import AppState
from server.screenshots.common import (
    UPLOADING,
)
from shared.enums import ConflictReason
from shared.limits import MAX_BLUR_LEVEL

#: Room for the form fields and multipart framing around the file.
FORM_OVERHEAD = 256 * 1024
MAX_METADATA_BYTES = 16 * 1024


# --- fields -------------------------------------------------------------------------


def blur_level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"blurLevel must be 0 to {MAX_BLUR_LEVEL}") from None
    if not 0 <= level <= MAX_BLUR_LEVEL:
        raise BadRequest(f"blurLevel must be 0 to {MAX_BLUR_LEVEL}")
    return level


def metadata_of(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        if len(value) > MAX_METADATA_BYTES:
            raise BadRequest(f"metadata is larger than {MAX_METADATA_BYTES} bytes")
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRequest("metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise BadRequest("metadata must be a JSON object")
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise BadRequest(f"metadata is larger than {MAX_METADATA_BYTES} bytes")
    return value


@dataclass(frozen=True)
class EntryRef:
    key: uuid.UUID | None
    id: uuid.UUID | None


def entry_ref(fields: dict[str, str]) -> EntryRef | None:
    if fields.get("timeEntryKey"):
        return EntryRef(parse_uuid(fields["timeEntryKey"], "timeEntryKey"), None)
    if fields.get("timeEntryId"):
        return EntryRef(None, parse_uuid(fields["timeEntryId"], "timeEntryId"))
    return None


def validate_present(fields: dict[str, str]) -> None:
    if "capturedAt" in fields:
        require_instant(fields["capturedAt"], "capturedAt")
    if "blurLevel" in fields:
        blur_level(fields["blurLevel"])
    if "metadata" in fields:
        metadata_of(fields["metadata"])


# --- lookups ------------------------------------------------------------------------


async def by_idempotency_key(
    app_state: AppState, principal: Principal, key: uuid.UUID
) -> Screenshot | None:
    """The caller's screenshot with this key: keys are per person, so another
    person's screenshot with the same key is not found (nothing to reveal)."""
    async with app_state.sessions() as session:
        return (
            await session.execute(
                select(Screenshot).where(
                    Screenshot.user_id == principal.user_id,
                    Screenshot.organization_id == principal.org_id,
                    Screenshot.idempotency_key == key,
                )
            )
        ).scalar_one_or_none()


async def resolve_entry(app_state: AppState, principal: Principal, ref: EntryRef) -> uuid.UUID:
    """The caller's entry; unknown → 409 unknown_time_entry (sync the batch
    first). Another person's entry is unknown too: the same answer, so a
    screenshot upload cannot probe for others' keys or ids."""
    cond = TimeEntry.idempotency_key == ref.key if ref.key else TimeEntry.id == ref.id
    async with app_state.sessions() as session:
        row = (
            await session.execute(
                select(TimeEntry.id).where(
                    cond,
                    TimeEntry.user_id == principal.user_id,
                    TimeEntry.organization_id == principal.org_id,
                )
            )
        ).first()
    if row is None:
        raise Conflict(
            f"{ConflictReason.UNKNOWN_TIME_ENTRY.value}: the time entry is not on the server yet; "
            "sync the batch first",
            extra={"reason": ConflictReason.UNKNOWN_TIME_ENTRY.value},
        )
    return row.id


async def precheck(
    app_state: AppState, principal: Principal, key: uuid.UUID, ref: EntryRef
) -> tuple[Screenshot | None, uuid.UUID | None]:
    existing = await by_idempotency_key(app_state, principal, key)
    if existing is not None:
        if existing.status == UPLOADING:
            raise Conflict("this idempotencyKey has a presigned upload waiting; confirm it")
        return existing, None
    return None, await resolve_entry(app_state, principal, ref)
