"""Bodies of /api/v1/integrations, /api/v1/integration-runs and /api/v1/imports/csv."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.core.values import Name
from server.integrations.config import BASE_URL, MAX_BASE_URL, settings_schema
from server.integrations.providers import PROVIDERS
from shared.schemas import Wire
from shared.wire_formats import UuidText, noted, stripped

Direction = Literal["import", "export", "both"]

Provider = Annotated[
    str,
    msgspec.Meta(
        pattern=noted(f"^(?:{'|'.join(PROVIDERS)})$", f"one of {', '.join(PROVIDERS)}"),
        extra_json_schema={"extra": {"enum": list(PROVIDERS)}},
    ),
]
BaseUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=noted(BASE_URL, "empty or an http(s) URL like https://api.eu.tempo.io"),
        max_length=MAX_BASE_URL,
        description="the provider's API address; empty or absent: its default",
        examples=["https://api.eu.tempo.io"],
    ),
]
# Checked by `clean_settings` (unknown names, types, bounds), stated here.
Settings = Annotated[
    dict[str, Any], msgspec.Meta(extra_json_schema={"extra": settings_schema(nullable=False)})
]
SettingsPatch = Annotated[
    dict[str, Any], msgspec.Meta(extra_json_schema={"extra": settings_schema(nullable=True)})
]


class IntegrationIn(Wire):
    provider: Provider
    name: Name
    credentials: dict[str, str] = {}
    settings: Settings = {}
    base_url: BaseUrl | None = None


class IntegrationPatch(Wire):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    base_url: BaseUrl | msgspec.UnsetType | None = msgspec.UNSET
    # Replaces the stored credentials (checked with the provider first).
    credentials: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    # Merged into the stored settings; a null value removes a key.
    settings: SettingsPatch | msgspec.UnsetType = msgspec.UNSET


class IntegrationOut(Wire):
    id: str
    provider: str
    name: str
    base_url: str | None
    credentials: dict[str, str]  # masked: "••••abcd"
    settings: dict[str, Any]
    interval_minutes: int | None
    high_water_mark: str | None
    next_run_at: str | None
    created_at: str
    account: str | None = None  # what the validation call found


class IntegrationList(Wire):
    items: list[IntegrationOut]


class MappingOut(Wire):
    kind: str
    external_id: str
    external_name: str | None
    external_email: str | None
    target_id: str | None
    manual: bool


class UnmatchedCounts(Wire):
    users: int
    projects: int
    activities: int


class MappingsOut(Wire):
    users: list[MappingOut]
    projects: list[MappingOut]
    activities: list[MappingOut]
    unmatched: UnmatchedCounts


MAX_MAPPINGS = 5000

ExternalId = Annotated[
    str,
    msgspec.Meta(
        pattern=noted(stripped(1, 255), "1 to 255 characters once trimmed"),
        description="the provider's id; 1 to 255 characters once trimmed",
    ),
]


class MappingIn(Wire):
    kind: Literal["user", "project", "activity"]
    external_id: ExternalId
    # A member / project / activity id of the organization; null: not mapped
    # (the automatic match by email or name applies again).
    target_id: UuidText | None = None
    external_name: str | None = None


class MappingsIn(Wire):
    items: Annotated[list[MappingIn], msgspec.Meta(max_length=MAX_MAPPINGS)]


class RunIn(Wire):
    # Default: import for import providers, both for two-way ones.
    direction: Direction | None = None
    # RFC 3339 instants or dates (YYYY-MM-DD); to is exclusive.
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    dry_run: bool = False


class Progress(Wire):
    pages_done: int
    pages_total: int | None


class RunError(Wire):
    external_id: str
    detail: str


class RunOut(Wire):
    id: str
    integration_id: str
    status: str
    direction: str
    dry_run: bool
    trigger: str
    counts: dict[str, int]
    errors: list[RunError]
    progress: Progress
    created_at: str
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    detail: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


class RunList(Wire):
    items: list[RunOut]


class RunAccepted(Wire):
    id: str
    status: str


class ConflictOut(Wire):
    id: str
    integration_id: str
    time_entry_id: str | None
    remote_id: str
    ticket_key: str | None
    status: str  # open | resolved | applied
    keep: str | None
    hubnity: dict[str, Any]  # the entry when the conflict was found ({deleted: true} if gone)
    remote: dict[str, Any]  # the remote record then, normalized
    created_at: str
    resolved_at: str | None


class ConflictList(Wire):
    items: list[ConflictOut]


class ResolveIn(Wire):
    keep: Literal["hubnity", "remote"]


class WebhookAccepted(Wire):
    status: str  # queued | duplicate
    run_id: str | None = None
