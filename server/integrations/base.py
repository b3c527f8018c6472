"""The connector interface and the one internal shape every provider's record
is normalized to. docs/integrations.md explains how to add a connector.

A connector is built per run from the integration's decrypted credentials,
settings and base URL, talks through one `ProviderHttp`, and yields `Page`s:
the importer commits page by page, so memory stays flat in the number of
records and a failure leaves whole pages written or not.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from server.integrations.http import ProviderError, ProviderHttp


class ConnectionRejected(ProviderError):
    """The provider refused the credentials or settings (answered as 422)."""


class NotSupported(ProviderError):
    """The connector cannot do this (e.g. write back to an import-only provider)."""


@dataclass(frozen=True, slots=True)
class ExternalRef:
    """A user, project, task or activity as the provider names it."""

    id: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalEntry:
    """A provider's time record in Hubnity's terms. Times are aware, UTC.

    `end is None` means a timer still running at the provider: it is not
    imported until it stops (counted as `skipped`).
    """

    external_id: str
    user: ExternalRef
    start: datetime
    end: datetime | None
    duration_seconds: int
    project: ExternalRef | None = None
    task: ExternalRef | None = None
    activity: ExternalRef | None = None
    description: str | None = None
    billable: bool | None = None
    ticket_key: str | None = None
    remote_updated_at: datetime | None = None

    def fingerprint(self) -> str:
        """Equal fingerprints → nothing to update on a re-run."""
        parts = (
            self.user.id,
            self.start.isoformat(),
            self.end.isoformat() if self.end else "",
            str(self.duration_seconds),
            self.project.id if self.project else "",
            self.task.id if self.task else "",
            self.activity.id if self.activity else "",
            self.description or "",
            "" if self.billable is None else str(self.billable),
            self.ticket_key or "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read; the run reports it and goes on."""

    external_id: str
    detail: str


@dataclass(slots=True)
class Page:
    entries: list[ExternalEntry] = field(default_factory=list)
    # Ids the provider says were deleted (e.g. Toggl's `server_deleted_at`).
    deleted: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    # Total pages when the provider tells (progress bar), else None.
    total_pages: int | None = None
    # Two-way: tickets whose worklogs this page lists completely (a linked
    # worklog of such a ticket that is missing was deleted at the provider).
    complete_tickets: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Window:
    """What a run asks for: records starting in [start, end), or, with
    `updated_since`, records changed since that instant (incremental run)."""

    start: datetime
    end: datetime
    updated_since: datetime | None = None
    # Two-way: read only these tickets (a webhook named them).
    tickets: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What the cheap validation call found (shown after connecting)."""

    label: str
    # The provider's id of the account (maps a person's own connection to them).
    external_id: str | None = None


class Connector(abc.ABC):
    """One provider. Subclasses set `provider` and implement the abstract methods.

    Capabilities the importer reads:
    - `updated_since`: the provider can list records changed since an instant
      (incremental runs ask only for those; otherwise a window is re-read);
    - `lists_deletions`: deletions appear in pages (`Page.deleted`); otherwise
      a full window run removes stored records the window no longer has;
    - `two_way`: create/update/delete work (ticket systems).
    """

    provider: ClassVar[str]
    updated_since: ClassVar[bool] = False
    lists_deletions: ClassVar[bool] = False
    two_way: ClassVar[bool] = False
    default_base_url: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[str, ...]] = ()
    # Credentials that may be left out (e.g. a webhook secret).
    optional_credentials: ClassVar[tuple[str, ...]] = ()
    required_settings: ClassVar[tuple[str, ...]] = ()
    # Two-way: which ticket keys belong here (None: entries are pushed by
    # project mapping, as for Kimai); whether the remote stores a start time.
    ticket_pattern: ClassVar[str | None] = None
    carries_start: ClassVar[bool] = True

    def __init__(
        self, http: ProviderHttp, credentials: dict[str, str], settings: dict[str, Any]
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.settings = settings

    @classmethod
    def auth(cls, credentials: dict[str, str]) -> dict[str, Any]:
        """`headers` and/or `auth` for the provider's HTTP client."""
        return {}

    def incremental(self, mark: datetime) -> bool:
        """Whether a scheduled run after high-water mark `mark` asks only for
        records changed since it (else it re-reads a window)."""
        return self.updated_since

    @abc.abstractmethod
    async def validate(self) -> AccountInfo:
        """One cheap call proving the credentials work; ConnectionRejected if not."""

    @abc.abstractmethod
    def list_entries(self, window: Window) -> AsyncIterator[Page]:
        """Pages of records in the window, following the provider's pagination."""

    async def list_users(self) -> list[ExternalRef]:
        """People the provider knows (for mapping by email); empty if it cannot tell."""
        return []

    async def list_projects(self) -> list[ExternalRef]:
        return []

    async def list_activities(self) -> list[ExternalRef]:
        return []

    # Two-way writes. `entry` is in the provider's terms (its user, project and
    # activity ids, the ticket key); the answer is the record as the provider
    # now stores it, normalized (its fingerprint is the link's remote side).
    async def create_entry(self, entry: ExternalEntry) -> ExternalEntry:
        raise NotSupported(f"{self.provider} is import-only")

    async def update_entry(self, external_id: str, entry: ExternalEntry) -> ExternalEntry:
        raise NotSupported(f"{self.provider} is import-only")

    async def delete_entry(self, external_id: str, ticket_key: str | None) -> None:
        """Deletes the remote record; one already gone (404) counts as deleted."""
        raise NotSupported(f"{self.provider} is import-only")


def rejected_from(exc: ProviderError, provider: str) -> ConnectionRejected:
    """A 401/403/404 at validation time means the credentials or ids are wrong."""
    return ConnectionRejected(exc.reason, status=exc.status)
