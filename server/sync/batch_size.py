"""The largest legitimate sync batch, in bytes: what the body limit of
`POST /api/v1/sync/batch` must let through (docs/api.md, "Body limits").

Computed from the batch limits, not guessed: one item of each kind with every
field at its largest (every text at its maximal length in characters, each
character a 4-byte UTF-8 one, numbers at their bounds, every optional field
present), encoded as the agent encodes it, times the most items a batch may
hold. With today's limits (1,000 entries, 20,000 activity and 20,000 apps
rows) that is 49,890,308 bytes, 47.6 MiB: the default limit is 48 MiB.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import msgspec

from server.sync.schemas import MAX_DEVICE_ID
from shared.enums import EntryStatus
from shared.limits import (
    MAX_ACTIVE_SECONDS,
    MAX_APP_NAME_LENGTH,
    MAX_BATCH_ACTIVITY,
    MAX_BATCH_APPS,
    MAX_BATCH_ENTRIES,
    MAX_COUNTER,
    MAX_DESCRIPTION_LENGTH,
    MAX_POINTER_POSITIONS,
    MAX_REVISION,
    MAX_TITLE_LENGTH,
)
from shared.schemas import ActivityIn, AppIn, EntryIn, SyncBatch

_WIDE = "\U0001f600"  # one character, four bytes of UTF-8
_LONGEST_ZONE = "America/Argentina/ComodRivadavia"  # the longest IANA zone name


def largest_batch_bytes() -> int:
    key = uuid.UUID(int=2**128 - 1)
    when = datetime(2026, 12, 31, 23, 59, 59, 999999, timezone(-timedelta(hours=9, minutes=30)))
    entry = EntryIn(
        idempotency_key=key,
        revision=MAX_REVISION,
        start_time=when,
        status=EntryStatus.STOPPED,
        project_id=key,
        task_id=key,
        end_time=when,
        timezone=_LONGEST_ZONE,
        description=_WIDE * MAX_DESCRIPTION_LENGTH,
        user_id=key,
    )
    activity = ActivityIn(
        time_entry_key=key,
        minute=when,
        keyboard_clicks=MAX_COUNTER,
        mouse_movements=MAX_COUNTER,
        active_seconds=MAX_ACTIVE_SECONDS,
        user_id=key,
        interval_cv=999.9999999999999,
        distinct_positions=MAX_POINTER_POSITIONS,
        pointer_span=MAX_POINTER_POSITIONS,
        keyboard_share=0.9999999999999999,
        pointer_moves=MAX_COUNTER,
    )
    app = AppIn(
        time_entry_key=key,
        minute=when,
        app=_WIDE * MAX_APP_NAME_LENGTH,
        seconds=MAX_ACTIVE_SECONDS,
        title=_WIDE * MAX_TITLE_LENGTH,
        user_id=key,
    )
    encode = msgspec.json.encode
    envelope = len(encode(SyncBatch(device_id=_WIDE * MAX_DEVICE_ID)))
    # Each item plus the comma that separates it from the next.
    return (
        envelope
        + MAX_BATCH_ENTRIES * (len(encode(entry)) + 1)
        + MAX_BATCH_ACTIVITY * (len(encode(activity)) + 1)
        + MAX_BATCH_APPS * (len(encode(app)) + 1)
    )
