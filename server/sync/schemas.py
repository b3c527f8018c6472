"""The lenient reading of a sync batch.

`shared.schemas.SyncBatch` is the one shape of a batch. The server first decodes
a body strictly into it (in C); only when that fails somewhere does it read the
body again into these loose types, so that each bad item can be named and
refused on its own (`invalid` conflict) while the rest of the batch goes in.
"""

from __future__ import annotations

from typing import Any

import msgspec


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


class RawBatch(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    device_id: str
    entries: list[RawEntry] = []
    activity: list[RawActivity] = []
    apps: list[RawApp] = []
