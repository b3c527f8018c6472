"""msgspec Structs for every JSON body of the wire contract (DESIGN §4).

Field names are snake_case in Python and camelCase on the wire
(`rename="camel"`). Times are tz-aware datetimes; the server rejects naive ones.
Sync items are decoded leniently (see `RawEntry`) so that one bad item becomes
a per-item conflict instead of failing the whole batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from shared.enums import ConflictReason, EntryStatus, Role, TeamRole


class Wire(msgspec.Struct, rename="camel", omit_defaults=False, forbid_unknown_fields=False):
    """Base: camelCase on the wire."""


# --- auth -------------------------------------------------------------------


class RegisterRequest(Wire):
    email: str
    password: str
    name: str
    organization_name: str
    timezone: str = "UTC"


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


class AcceptInviteRequest(Wire):
    token: str
    password: str


class InviteRequest(Wire):
    email: str
    name: str
    role: Role = Role.MEMBER


# --- policy -----------------------------------------------------------------


class TrackingPolicy(Wire):
    screenshot_interval_seconds: int = 600
    blur_level: int = 0
    idle_timeout_seconds: int = 300
    screenshots_enabled: bool = True
    allow_screenshot_delete: bool = True
    screenshot_delete_window_minutes: int = 10
    timezone: str = "UTC"


# --- projects and teams ------------------------------------------------------


class ProjectOut(Wire):
    id: str
    name: str
    description: str | None = None
    archived: bool = False


class TaskOut(Wire):
    id: str
    project_id: str
    name: str
    archived: bool = False


class ActiveProject(Wire):
    id: str
    name: str
    tasks: list[TaskOut] = []


# --- batch sync -------------------------------------------------------------


# Sync items hold only scalars, so they can never be part of a reference cycle:
# `gc=False` keeps tens of thousands of them per batch out of the cycle collector.
class RawEntry(msgspec.Struct, rename="camel", forbid_unknown_fields=False, gc=False):
    """A time entry as sent; every field is optional and loosely typed so that
    validation can happen per item (bad item → `invalid` conflict)."""

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


class SyncBatchRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    device_id: str
    entries: list[RawEntry] = []
    activity: list[RawActivity] = []


class EntryIn(Wire):
    """A time entry as the agent builds it (strictly typed)."""

    idempotency_key: str
    revision: int
    project_id: str | None
    start_time: datetime
    status: EntryStatus
    timezone: str
    task_id: str | None = None
    end_time: datetime | None = None
    description: str | None = None


class ActivityIn(Wire):
    time_entry_key: str
    minute: datetime
    keyboard_clicks: int
    mouse_movements: int
    active_seconds: int


class SyncBatch(Wire):
    """What the agent sends (strict counterpart of SyncBatchRequest)."""

    device_id: str
    entries: list[EntryIn] = []
    activity: list[ActivityIn] = []


class Conflict(Wire):
    idempotency_key: str | None
    reason: ConflictReason
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


# --- screenshots ------------------------------------------------------------


class ScreenshotUploaded(Wire):
    id: str
    status: str


class PresignRequest(Wire):
    idempotency_key: str
    time_entry_key: str
    content_type: str
    size: int


class PresignResponse(Wire):
    screenshot_id: str
    upload_url: str
    expires_at: datetime


class ConfirmRequest(Wire):
    screenshot_id: str
    captured_at: datetime
    blur_level: int = 0
    metadata: dict[str, Any] = {}


# --- errors -----------------------------------------------------------------


class ErrorBody(Wire):
    status_code: int
    detail: str
    extra: dict[str, Any] | None = None


class TeamMemberIn(Wire):
    user_id: str
    role: TeamRole = TeamRole.MEMBER


def encode(obj: Any) -> bytes:
    return msgspec.json.encode(obj)
