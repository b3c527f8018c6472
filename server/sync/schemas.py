"""The lenient reading of a sync batch.

`shared.schemas.SyncBatch` is the one shape of a batch. The server first decodes
a body strictly into it (in C); only when that fails somewhere does it read the
body again into these loose types, so that each bad item can be named and
refused on its own (`invalid` conflict) while the rest of the batch goes in.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from shared.limits import MAX_BATCH_ACTIVITY, MAX_BATCH_APPS, MAX_BATCH_ENTRIES

MAX_DEVICE_ID = 64


class RawEntry(msgspec.Struct, rename="camel", forbid_unknown_fields=False, gc=False):
    """A time entry as sent: every field optional and loosely typed."""

    idempotency_key: Any = None
    revision: Any = None
    project_id: Any = None
    task_id: Any = None
    start_time: Any = None
    end_time: Any = None
    status: Any = None
    timezone: Any = None
    description: Any = None
    user_id: Any = None


class RawActivity(msgspec.Struct, rename="camel", forbid_unknown_fields=False, gc=False):
    time_entry_key: Any = None
    minute: Any = None
    keyboard_clicks: Any = None
    mouse_movements: Any = None
    active_seconds: Any = None
    user_id: Any = None
    interval_cv: Any = None
    distinct_positions: Any = None
    pointer_span: Any = None
    keyboard_share: Any = None
    pointer_moves: Any = None


class RawApp(msgspec.Struct, rename="camel", forbid_unknown_fields=False, gc=False):
    time_entry_key: Any = None
    minute: Any = None
    app: Any = None
    title: Any = None
    seconds: Any = None
    user_id: Any = None


def _documented(**extra: Any) -> msgspec.Meta:
    """Stated in the OpenAPI document only: `service.ingest_batch` checks it and says why."""
    return msgspec.Meta(extra_json_schema={"extra": extra})


class RawBatch(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    device_id: Annotated[str, _documented(min_length=1, max_length=MAX_DEVICE_ID)]
    entries: Annotated[list[RawEntry], _documented(max_items=MAX_BATCH_ENTRIES)] = []
    activity: Annotated[list[RawActivity], _documented(max_items=MAX_BATCH_ACTIVITY)] = []
    apps: Annotated[list[RawApp], _documented(max_items=MAX_BATCH_APPS)] = []
