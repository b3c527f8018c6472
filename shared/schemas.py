"""msgspec Structs for what the agent and the server both speak (docs/api.md):
sign-in, the agent config, active projects, the sync batch, screenshot upload.
Server-only bodies live in their domain package (`server/<domain>/schemas.py`).

Field names are snake_case in Python and camelCase on the wire
(`rename="camel"`). Times are tz-aware datetimes; the server rejects naive ones.
The server also reads a batch leniently (`server/sync/schemas.py`) so that one
bad item becomes a per-item conflict instead of failing the whole batch.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from shared.enums import AppTracking, EntryStatus, Role, TaskStatus
from shared.limits import (
    MAX_ACTIVE_SECONDS,
    MAX_COUNTER,
    MAX_DESCRIPTION_LENGTH,
    MAX_POINTER_POSITIONS,
    MAX_REVISION,
)


class Wire(msgspec.Struct, rename="camel", omit_defaults=False, forbid_unknown_fields=False):
    """Base: camelCase on the wire."""


# --- auth -------------------------------------------------------------------


class LoginRequest(Wire):
    email: str
    password: str


class RefreshRequest(Wire):
    refresh_token: str


class LogoutRequest(Wire):
    refresh_token: str | None = None
    all: bool = False


class TokenPair(Wire):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)


class OrgRef(Wire):
    id: str
    name: str


class Me(Wire):
    id: str
    email: str
    name: str
    role: Role
    timezone: str
    organization: OrgRef


# --- policy -----------------------------------------------------------------


class TrackingPolicy(Wire):
    screenshot_interval_seconds: int = 600
    blur_level: int = 0
    idle_timeout_seconds: int = 300
    screenshots_enabled: bool = True
    allow_screenshot_delete: bool = True
    screenshot_delete_window_minutes: int = 10
    timezone: str = "UTC"
    weekly_limit_seconds: int | None = None  # older servers send none: no limit
    notify_on_screenshot: bool = False
    # Older servers send neither: the agent then records application names only.
    app_tracking: AppTracking = AppTracking.APPS
    redaction_patterns: list[str] = []  # regexes; matches in window titles become "***"
    # "off" | "required" (shared.enums.ManualTimeApproval); a plain string so an
    # agent keeps reading the config whatever a newer server sends here.
    manual_time_approval: str = "off"


# --- projects the agent offers ------------------------------------------------------


class TaskOut(Wire):
    id: str
    project_id: str
    name: str
    archived: bool = False
    status: TaskStatus = TaskStatus.TODO  # servers before 0.2 send none: "todo"


class ActiveProject(Wire):
    id: str
    name: str
    tasks: list[TaskOut] = []


# --- batch sync -------------------------------------------------------------


# Sync items hold only scalars, so they can never be part of a reference cycle:
# `gc=False` keeps tens of thousands of them per batch out of the cycle collector.
_Aware = Annotated[datetime, msgspec.Meta(tz=True)]
_Counter = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNTER)]
_Ratio = Annotated[float, msgspec.Meta(ge=0, le=1000)]
_Share = Annotated[float, msgspec.Meta(ge=0, le=1)]
_Positions = Annotated[int, msgspec.Meta(ge=0, le=MAX_POINTER_POSITIONS)]


class EntryIn(Wire, gc=False):
    """One revision of a time entry, as the agent sends it."""

    idempotency_key: uuid.UUID
    revision: Annotated[int, msgspec.Meta(ge=0, le=MAX_REVISION)]
    start_time: _Aware
    status: EntryStatus
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    end_time: _Aware | None = None
    timezone: str = "UTC"
    description: Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_LENGTH)] | None = None
    user_id: uuid.UUID | None = None


class ActivityIn(Wire, gc=False):
    """One minute of input counts for an entry (never which keys)."""

    time_entry_key: uuid.UUID
    minute: _Aware
    keyboard_clicks: _Counter
    mouse_movements: _Counter
    active_seconds: Annotated[int, msgspec.Meta(ge=0, le=MAX_ACTIVE_SECONDS)]
    user_id: uuid.UUID | None = None
    # Input features of the minute (docs/privacy.md), sent by agents from 0.3 on;
    # older agents send none. They describe the rhythm of input, never its content.
    interval_cv: _Ratio | None = None  # coefficient of variation of gaps between events
    distinct_positions: _Positions | None = None  # pointer positions the moves reached
    pointer_span: _Positions | None = None  # px: the larger side of the moves' bounding box
    keyboard_share: _Share | None = None  # key presses / all input events
    pointer_moves: _Counter | None = None  # pointer move events alone (no clicks, no scrolls)


class AppIn(Wire, gc=False):
    """Seconds of one minute the foreground application (and title) held."""

    time_entry_key: uuid.UUID
    minute: _Aware
    app: str
    seconds: Annotated[int, msgspec.Meta(ge=0, le=MAX_ACTIVE_SECONDS)]
    title: str | None = None
    user_id: uuid.UUID | None = None


class SyncBatch(Wire):
    """`POST /api/v1/sync/batch`: the one shape of a batch (docs/api.md)."""

    device_id: str
    entries: list[EntryIn] = []
    activity: list[ActivityIn] = []
    apps: list[AppIn] = []  # optional: older agents send none


class Conflict(Wire):
    idempotency_key: str | None
    # A `ConflictReason` value, read as a plain string: a reason a newer server
    # adds (as `deleted` and `locked` were) is parked like any other by an
    # older agent, instead of making the whole answer unreadable.
    reason: str
    detail: str = ""
    minute: str | None = None
    other_key: str | None = None


class ActivityResult(Wire):
    processed: int = 0
    skipped: int = 0
    conflicts: list[Conflict] = []


class SyncBatchResponse(Wire):
    processed: int = 0
    skipped: int = 0
    conflicts: list[Conflict] = []
    activity: ActivityResult = msgspec.field(default_factory=ActivityResult)
    apps: ActivityResult = msgspec.field(default_factory=ActivityResult)


# --- screenshots ------------------------------------------------------------


class ScreenshotUploaded(Wire):
    id: str
    status: str
