"""Deleted entries in the sync: a key a person deleted (DELETE
/api/v1/time-entries/{id}) is answered `deleted`, never stored again."""

from __future__ import annotations

import uuid

from server.sync.store import SyncStore
from shared.enums import ConflictReason
from shared.schemas import Conflict


async def tombstoned(
    store: SyncStore, user_id: uuid.UUID, unknown: set[uuid.UUID]
) -> set[uuid.UUID]:
    """Keys no stored entry has: which were deleted by a person (one indexed
    look-up, and only when a batch names keys the server does not hold)."""
    return await store.deleted_keys(user_id, list(unknown)) if unknown else set()


def deleted_conflict(key_text: str, minute: str | None = None) -> Conflict:
    return Conflict(
        key_text,
        ConflictReason.DELETED,
        "this time entry was deleted on the server; it is not re-created",
        minute,
    )
