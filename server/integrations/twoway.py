"""A two-way run (Jira, Zammad, Kimai): resolved conflicts first, then pull
(remote → Hubnity), then push (Hubnity → remote), then the deletions that
follow links. The decisions are in reconciler.py.

Writes are idempotent: a remote worklog is created only for an entry without
a link, and the link is committed right after the remote answered, so a run
that fails half-way leaves every record synced or pending, never pushed
twice. A record the remote refuses (a ticket that does not exist, a 400) is
an error on the run; the run goes on. A remote that fails for good (5xx after
the retries, the time budget) fails the run; what was committed stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.db.base import utcnow
from server.db.models import (
    Activity,
    DeletedTimeEntry,
    Integration,
    IntegrationConflict,
    IntegrationLink,
    IntegrationRun,
    Project,
    TimeEntry,
)
from server.integrations.base import Connector, ExternalEntry, ExternalRef, Window
from server.integrations.import_writes import delete_entries
from server.integrations.importer import Counts, entry_key
from server.integrations.reconciler import (
    decide,
    local_fp,
    pull_refusal,
    snapshot_local,
    snapshot_remote,
    unlinked_match,
)
from server.integrations.resolver import ACTIVITY, Resolver
from server.integrations.writers import Writers
from server.observability.metrics import WORKLOG_SYNC
from shared.enums import EntryStatus

MAX_ERRORS = 200
SKEW = timedelta(minutes=5)
T = TypeVar("T")


@dataclass
class Sync:
    session: AsyncSession
    integration: Integration
    run: IntegrationRun
    connector: Connector
    resolver: Resolver
    counts: Counts = field(default_factory=Counts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    activities_by_name: dict[str, uuid.UUID] = field(default_factory=dict)
    default_project: uuid.UUID | None = None
    touched: set[uuid.UUID] = field(default_factory=set)  # entries written by the pull
    deletes: list[tuple[uuid.UUID, uuid.UUID | None]] = field(default_factory=list)
    writers: Writers | None = None

    async def write_as(
        self, user_id: uuid.UUID | None, op: Callable[[Connector], Awaitable[T]]
    ) -> T:
        """A remote write in the name of the entry's owner (writers.py)."""
        if self.writers is None:
            return await op(self.connector)
        return await self.writers.call(user_id, op)

    @property
    def write(self) -> bool:
        return not self.run.dry_run

    @property
    def provider(self) -> str:
        return self.integration.provider

    def error(self, external_id: str, detail: str) -> None:
        self.counts.failed += 1
        WORKLOG_SYNC.labels(self.provider, "failed").inc()
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"externalId": external_id, "detail": detail})

    async def load(self) -> None:
        org = self.integration.organization_id
        if self.writers is not None:
            await self.writers.load(self.session)
        rows = await self.session.execute(
            select(Activity.name, Activity.id).where(Activity.organization_id == org)
        )
        self.activities_by_name = {n.lower(): i for n, i in rows.all()}
        raw = self.integration.settings.get("projectId")
        if raw:
            try:
                pid = uuid.UUID(str(raw))
            except ValueError:
                pid = None
            found = await self.session.execute(
                select(Project.id).where(Project.id == pid, Project.organization_id == org)
            )
            self.default_project = found.scalar_one_or_none()
        for ref in await self.connector.list_users():
            self.resolver.learn_user(ref)
        for ref in await self.connector.list_projects():
            self.resolver.project(ref, dry_run=True)
        for ref in await self.connector.list_activities():
            self.activity(ref)

    # --- mapping both ways -------------------------------------------------

    def activity(self, ref: ExternalRef | None) -> uuid.UUID | None:
        if ref is None:
            return None
        row = self.resolver.learn(ACTIVITY, ref)
        if not row.manual and row.target_id is None and row.external_name:
            row.target_id = self.activities_by_name.get(row.external_name.lower())
        return row.target_id

    def reverse(self, kind: str, target: uuid.UUID | None) -> str | None:
        if target is None:
            return None
        for (k, external), row in self.resolver.mappings.items():
            if k == kind and row.target_id == target:
                return external
        return None

    # --- pull ----------------------------------------------------------------

    def window(self, started: datetime) -> Window:
        settings = self.integration.settings or {}
        tickets = self.run.options.get("tickets")
        start = started - timedelta(days=int(settings.get("initialDays") or 90))
        end = started + timedelta(days=1)
        since = None
        if self.integration.cursor and self.connector.updated_since and tickets is None:
            since = datetime.fromisoformat(self.integration.cursor) - SKEW
        return Window(start, end, since, tuple(tickets) if tickets is not None else None)

    async def _links(self, column: Any, values: list[Any]) -> list[IntegrationLink]:
        out: list[IntegrationLink] = []
        for i in range(0, len(values), 1000):
            rows = await self.session.execute(
                select(IntegrationLink).where(
                    IntegrationLink.integration_id == self.integration.id,
                    column.in_(values[i : i + 1000]),
                )
            )
            out.extend(rows.scalars())
        return out

    def _apply_remote(self, entry: TimeEntry, remote: ExternalEntry) -> None:
        """Hubnity takes the remote's values (a remote without start times keeps ours)."""
        if self.connector.carries_start:
            entry.start_time = remote.start
        entry.duration_seconds = remote.duration_seconds
        entry.end_time = entry.start_time + timedelta(seconds=remote.duration_seconds)
        if remote.description is not None or self.connector.carries_start:
            entry.description = remote.description
        activity = self.activity(remote.activity)
        if activity is not None or remote.activity is None:
            entry.activity_id = activity
        if remote.ticket_key:
            entry.ticket_key = remote.ticket_key[:64]
        if remote.project is not None:
            entry.project_id = self.resolver.project(remote.project, dry_run=True)
        entry.updated_at = utcnow()

    async def pull(self, started: datetime) -> None:
        async for page in self.connector.list_entries(self.window(started)):
            for err in page.errors:
                self.error(err.external_id, err.detail)
            self.counts.fetched += len(page.entries)
            remote = {e.external_id: e for e in page.entries if e.end is not None}
            links = {
                link.remote_id: link
                for link in await self._links(IntegrationLink.remote_id, list(remote))
            }
            gone: list[IntegrationLink] = []
            if page.complete_tickets:
                for old in await self._links(IntegrationLink.ticket_key, page.complete_tickets):
                    if old.remote_id not in remote:
                        gone.append(old)
            if page.deleted:
                gone += await self._links(IntegrationLink.remote_id, page.deleted)
            entry_ids = [li.time_entry_id for li in [*links.values(), *gone] if li.time_entry_id]
            entries = await self._entries(entry_ids)
            for rid, record in remote.items():
                found = links.get(rid)
                if found is None:
                    await self._pull_new(record)
                else:
                    self._pull_linked(found, record, entries.get(found.time_entry_id))
            for old in gone:
                self._remote_deleted(old, entries.get(old.time_entry_id))
            if self.write:
                self.resolver.flush_into(self.session)
            self.run.pages_done += 1
            await self._commit()

    async def _entries(self, ids: list[Any]) -> dict[Any, TimeEntry]:
        out: dict[Any, TimeEntry] = {}
        for i in range(0, len(ids), 1000):
            rows = await self.session.execute(
                select(TimeEntry).where(TimeEntry.id.in_(ids[i : i + 1000]))
            )
            out.update({e.id: e for e in rows.scalars()})
        return out

    async def _commit(self) -> None:
        self.run.counts, self.run.errors = self.counts.as_dict(), list(self.errors)
        if self.write:
            await self.session.flush()
            links = [link_id for link_id, _ in self.deletes]
            entries = [entry_id for _, entry_id in self.deletes if entry_id is not None]
            self.deletes = []
            if links:
                await self.session.execute(
                    delete(IntegrationLink).where(IntegrationLink.id.in_(links)),
                    execution_options={"synchronize_session": False},
                )
            if entries:
                await delete_entries(self.session, entries, sync=False)
            await self.session.commit()
        else:
            await self.session.flush()

    def _pull_linked(
        self, link: IntegrationLink, record: ExternalEntry, entry: TimeEntry | None
    ) -> None:
        rfp = record.fingerprint()
        if link.state == "conflict":
            self.counts.conflicts += 1
            return
        lnow = local_fp(entry) if entry is not None else None
        decision = decide(link.local_fp, link.remote_fp, lnow, rfp)
        if decision in ("unchanged", "push"):
            self.counts.unchanged += 1  # a local change is pushed below
            return
        if decision == "conflict":
            self._conflict(link, entry, record)
            return
        assert entry is not None  # "pull": the local side did not move
        if refused := pull_refusal(record, entry, self.connector.carries_start):
            self.error(record.external_id, refused)  # the entry and its link stay as they were
            return
        self.counts.updated += 1
        WORKLOG_SYNC.labels(self.provider, "pulled").inc()
        if not self.write:
            return
        self._apply_remote(entry, record)
        self.touched.add(entry.id)
        link.local_fp, link.remote_fp = local_fp(entry), rfp
        link.remote_updated_at, link.synced_at = record.remote_updated_at, utcnow()

    def _conflict(
        self, link: IntegrationLink, entry: TimeEntry | None, record: ExternalEntry | None
    ) -> None:
        self.counts.conflicts += 1
        WORKLOG_SYNC.labels(self.provider, "conflict").inc()
        if not self.write:
            return
        link.state = "conflict"
        self.session.add(
            IntegrationConflict(
                organization_id=self.integration.organization_id,
                integration_id=self.integration.id,
                link_id=link.id,
                local=snapshot_local(entry),
                remote=snapshot_remote(record),
            )
        )
        audit.record(
            self.session,
            "integration.conflict",
            organization_id=self.integration.organization_id,
            target_type="time_entry",
            target_id=link.time_entry_id,
            integration_id=str(self.integration.id),
            remote_id=link.remote_id,
        )

    def _remote_deleted(self, link: IntegrationLink, entry: TimeEntry | None) -> None:
        if link.state == "conflict":
            return
        if entry is not None and local_fp(entry) != link.local_fp:
            self._conflict(link, entry, None)
            return
        self.counts.deleted += 1
        WORKLOG_SYNC.labels(self.provider, "pulled").inc()
        if not self.write:
            return
        if entry is not None:
            audit.record(
                self.session,
                "integration.entry_deleted",
                organization_id=self.integration.organization_id,
                target_type="time_entry",
                target_id=entry.id,
                integration_id=str(self.integration.id),
                remote_id=link.remote_id,
            )
            self.session.add(
                DeletedTimeEntry(
                    idempotency_key=entry.idempotency_key,
                    organization_id=entry.organization_id,
                    user_id=entry.user_id,
                    deleted_at=utcnow(),
                )
            )
        # Written at the page's commit: the entry (other integrations' links to
        # it become NULL, so they delete their remote copies) and this link.
        self.deletes.append((link.id, link.time_entry_id))

    async def _pull_new(self, record: ExternalEntry) -> None:
        if refused := pull_refusal(record, None, self.connector.carries_start):
            self.error(record.external_id, refused)  # nothing stored, not linked
            return
        user_id = self.resolver.user(record.user)
        if user_id is None:
            self.error(
                record.external_id,
                f"external user {self.resolver.user_label(record.user)} matches no member "
                "(map it under mappings)",
            )
            return
        match = (
            await unlinked_match(self.session, self.integration.id, user_id, record)
            if self.connector.carries_start
            else None
        )
        rfp = record.fingerprint()
        if match is not None:
            self.counts.unchanged += 1
            if self.write:
                self._link(match, record, rfp)
            return
        self.counts.created += 1
        WORKLOG_SYNC.labels(self.provider, "pulled").inc()
        if not self.write:
            return
        project = self.resolver.project(record.project, dry_run=True) if record.project else None
        entry = TimeEntry(
            id=uuid.uuid4(),
            organization_id=self.integration.organization_id,
            user_id=user_id,
            idempotency_key=entry_key(self.integration.id, record.external_id),
            revision=0,
            status=EntryStatus.STOPPED.value,
            timezone="UTC",
            source=f"sync:{self.provider}",
            project_id=project or self.default_project,
            activity_id=self.activity(record.activity),
            start_time=record.start,
            end_time=record.start + timedelta(seconds=record.duration_seconds),
            duration_seconds=record.duration_seconds,
            description=record.description,
            billable=record.billable,
            ticket_key=record.ticket_key[:64] if record.ticket_key else None,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        self.session.add(entry)
        await self.session.flush()
        self.touched.add(entry.id)
        self._link(entry, record, rfp)

    def _link(self, entry: TimeEntry, record: ExternalEntry, rfp: str) -> IntegrationLink:
        link = IntegrationLink(
            id=uuid.uuid4(),
            organization_id=self.integration.organization_id,
            integration_id=self.integration.id,
            time_entry_id=entry.id,
            remote_id=record.external_id[:255],
            ticket_key=(record.ticket_key or entry.ticket_key or None),
            remote_updated_at=record.remote_updated_at,
            local_fp=local_fp(entry),
            remote_fp=rfp,
            author_id=entry.user_id,
        )
        self.session.add(link)
        return link
