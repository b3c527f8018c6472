"""The idempotent importer: one page of normalized records in, set-based writes out.

Each external record is stored once per integration (`integration_records`,
unique on integration + external id) with a fingerprint of what it said and
who it resolved to. Per page: one SELECT of the page's known records, then
one INSERT of new entries, one UPDATE of changed ones, one DELETE of the ones
the provider deleted — committed together with the run's counts, so a failed
run leaves whole pages or nothing of a page. A dry run computes the same
counts and writes nothing.

Imported entries may overlap agent or manual time: they are stored, not
refused (the week view marks overlaps).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import IntegrationRecord, TimeEntry
from server.integrations.base import ExternalEntry, Page
from server.integrations.resolver import Resolver
from shared.enums import EntryStatus

MAX_ERRORS = 200


@dataclass(frozen=True, slots=True)
class Known:
    """What the importer needs of a stored record."""

    id: uuid.UUID
    fingerprint: str
    time_entry_id: uuid.UUID | None


@dataclass
class Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    conflicts: int = 0
    failed: int = 0
    # Two-way: worklogs written to the remote, and remote worklogs deleted.
    pushed: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def entry_key(integration_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """The entry's idempotency key: stable per integration and external id."""
    return uuid.uuid5(integration_id, external_id)


def _fingerprint(entry: ExternalEntry, user_id: uuid.UUID, project_id: uuid.UUID | None) -> str:
    # Who it resolved to is part of it: a mapping fixed later updates the entry.
    raw = f"{entry.fingerprint()}|{user_id}|{project_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()


class PageImporter:
    """Applies pages for one run of one integration."""

    def __init__(
        self,
        session: AsyncSession,
        resolver: Resolver,
        run_id: uuid.UUID,
        *,
        dry_run: bool,
        counts: Counts,
        errors: list[dict[str, Any]],
    ) -> None:
        self.session = session
        self.resolver = resolver
        self.integration = resolver.integration
        self.run_id = run_id
        self.dry_run = dry_run
        self.counts = counts
        self.errors = errors
        self.source = f"import:{self.integration.provider}"
        # A dry run marks nothing: the records it saw are kept here instead.
        self.dry_seen: set[uuid.UUID] = set()
        # Only a window run looks for deletions afterwards, so only it marks
        # unchanged records as seen (an UPDATE per page).
        self.mark_seen = True

    def error(self, external_id: str, detail: str) -> None:
        self.counts.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"externalId": external_id, "detail": detail})

    def _values(
        self, entry: ExternalEntry, user_id: uuid.UUID, project_id: uuid.UUID | None
    ) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "project_id": project_id,
            "start_time": entry.start,
            "end_time": entry.end,
            "duration_seconds": entry.duration_seconds,
            "description": entry.description,
            # None: inherit from the project/activity, as for any entry.
            "billable": entry.billable,
            "ticket_key": entry.ticket_key[:64] if entry.ticket_key else None,
            "updated_at": utcnow(),
        }

    async def apply(self, page: Page) -> None:
        for err in page.errors:
            self.error(err.external_id, err.detail)
        latest: dict[str, ExternalEntry] = {}
        for entry in page.entries:
            latest[entry.external_id[:255]] = entry  # a page repeating an id: last wins
        self.counts.fetched += len(page.entries)
        ids = list(latest)
        deleted_ids = [d[:255] for d in page.deleted]
        known: dict[str, Known] = {}
        wanted = ids + deleted_ids
        for i in range(0, len(wanted), 1000):
            # Plain rows, not ORM objects: a page holds up to thousands of them.
            rows = await self.session.execute(
                select(
                    IntegrationRecord.external_id,
                    IntegrationRecord.id,
                    IntegrationRecord.fingerprint,
                    IntegrationRecord.time_entry_id,
                ).where(
                    IntegrationRecord.integration_id == self.integration.id,
                    IntegrationRecord.external_id.in_(wanted[i : i + 1000]),
                )
            )
            known.update({r[0]: Known(r[1], r[2], r[3]) for r in rows})

        new_entries: list[dict[str, Any]] = []
        new_records: list[dict[str, Any]] = []
        entry_updates: list[dict[str, Any]] = []
        record_updates: list[dict[str, Any]] = []
        seen: list[uuid.UUID] = []
        now = utcnow()
        for external_id, entry in latest.items():
            if entry.end is None:
                self.counts.skipped += 1  # a running timer: imported once it stops
                continue
            if entry.duration_seconds < 0 or entry.end < entry.start:
                self.error(external_id, "the entry ends before it starts")
                continue
            user_id = self.resolver.user(entry.user)
            if user_id is None:
                self.error(
                    external_id,
                    f"external user {self.resolver.user_label(entry.user)} matches no member "
                    "(map it under mappings)",
                )
                continue
            project_id = self.resolver.project(entry.project, dry_run=self.dry_run)
            fingerprint = _fingerprint(entry, user_id, project_id)
            record = known.get(external_id)
            if record is None:
                self.counts.created += 1
                entry_id = uuid.uuid4()
                new_entries.append(
                    {
                        "id": entry_id,
                        "organization_id": self.integration.organization_id,
                        "idempotency_key": entry_key(self.integration.id, external_id),
                        "revision": 0,
                        "status": EntryStatus.STOPPED.value,
                        "timezone": "UTC",
                        "source": self.source,
                        "created_at": now,
                        **self._values(entry, user_id, project_id),
                    }
                )
                new_records.append(
                    {
                        "id": uuid.uuid4(),
                        "organization_id": self.integration.organization_id,
                        "integration_id": self.integration.id,
                        "external_id": external_id,
                        "time_entry_id": entry_id,
                        "fingerprint": fingerprint,
                        "start_time": entry.start,
                        "remote_updated_at": entry.remote_updated_at,
                        "last_run_id": self.run_id,
                    }
                )
            elif record.fingerprint == fingerprint or record.time_entry_id is None:
                # Unchanged, or removed in Hubnity on purpose: not brought back.
                self.counts.unchanged += 1
                seen.append(record.id)
            else:
                self.counts.updated += 1
                entry_updates.append(
                    {"id": record.time_entry_id, **self._values(entry, user_id, project_id)}
                )
                record_updates.append(
                    {
                        "id": record.id,
                        "fingerprint": fingerprint,
                        "start_time": entry.start,
                        "remote_updated_at": entry.remote_updated_at,
                        "last_run_id": self.run_id,
                    }
                )
        gone = [known[d] for d in deleted_ids if d in known]
        self.counts.deleted += len(gone)
        if self.dry_run:
            self.dry_seen.update(seen)
            self.dry_seen.update(r["id"] for r in record_updates)
            return
        self.resolver.flush_into(self.session)
        await self.session.flush()
        if new_entries:
            # Core inserts (executemany): no ORM bookkeeping for rows nobody reads back.
            await self.session.execute(_table(TimeEntry).insert(), new_entries)
            await self.session.execute(_table(IntegrationRecord).insert(), new_records)
        if entry_updates:
            await self.session.execute(update(TimeEntry), entry_updates)
            await self.session.execute(update(IntegrationRecord), record_updates)
        if seen and self.mark_seen:
            for i in range(0, len(seen), 1000):
                await self.session.execute(
                    update(IntegrationRecord)
                    .where(IntegrationRecord.id.in_(seen[i : i + 1000]))
                    .values(last_run_id=self.run_id)
                    .execution_options(synchronize_session=False)
                )
        if gone:
            await remove_records(self.session, gone)


async def remove_records(session: AsyncSession, records: list[Any]) -> None:
    """Deletes the entries of records deleted at the provider, and the records."""
    entry_ids = [r.time_entry_id for r in records if r.time_entry_id is not None]
    record_ids = [r.id for r in records]
    for i in range(0, len(record_ids), 1000):
        await session.execute(
            delete(IntegrationRecord).where(IntegrationRecord.id.in_(record_ids[i : i + 1000]))
        )
    for i in range(0, len(entry_ids), 1000):
        await session.execute(delete(TimeEntry).where(TimeEntry.id.in_(entry_ids[i : i + 1000])))


async def stale_records(
    session: AsyncSession,
    integration_id: uuid.UUID,
    run_id: uuid.UUID,
    start: datetime,
    end: datetime,
) -> list[IntegrationRecord]:
    """Records in the window this (complete) run did not see: deleted at the provider."""
    rows = await session.execute(
        select(IntegrationRecord).where(
            IntegrationRecord.integration_id == integration_id,
            IntegrationRecord.start_time >= start,
            IntegrationRecord.start_time < end,
            (IntegrationRecord.last_run_id != run_id) | (IntegrationRecord.last_run_id.is_(None)),
        )
    )
    return list(rows.scalars())
