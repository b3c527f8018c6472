"""The push half of a two-way run and the run itself (see twoway.py for the pull).

Push: entries changed in Hubnity since the last run (by `updated_at`, so a
run over 10,000 linked entries with 1 % changes reads and writes about 100),
in scope for the remote (a ticket key matching the provider's pattern — the
entry's own or its task's — or, for Kimai, a mapped project), stopped, and
with `pushApprovedOnly` only from approved weeks. Then links whose entry was
deleted in Hubnity delete their remote worklog.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.db.base import utcnow
from server.db.models import (
    Integration,
    IntegrationConflict,
    IntegrationLink,
    Task,
    TimeEntry,
    Timesheet,
)
from server.integrations.base import Connector, ExternalEntry, ExternalRef
from server.integrations.http import ProviderError
from server.integrations.reconciler import from_snapshot, local_fp, pull_refusal
from server.integrations.resolver import ACTIVITY, PROJECT, USER
from server.integrations.twoway import SKEW, Sync
from server.integrations.writers import ConnectionUnusable
from server.observability.metrics import WORKLOG_SYNC
from shared.enums import TimesheetStatus


def ticket_re(connector: Connector, integration: Integration) -> re.Pattern[str] | None:
    pattern = integration.settings.get("ticketPattern") or connector.ticket_pattern
    return re.compile(pattern) if pattern else None


async def approved(session: AsyncSession, entry: TimeEntry) -> bool:
    row = await session.execute(
        select(Timesheet.id).where(
            Timesheet.user_id == entry.user_id,
            Timesheet.status == TimesheetStatus.APPROVED.value,
            Timesheet.starts_at <= entry.start_time,
            Timesheet.ends_at > entry.start_time,
        )
    )
    return row.first() is not None


def _create(out: ExternalEntry) -> Callable[[Connector], Awaitable[ExternalEntry]]:
    return lambda c: c.create_entry(out)


def _update(rid: str, out: ExternalEntry) -> Callable[[Connector], Awaitable[ExternalEntry]]:
    return lambda c: c.update_entry(rid, out)


def _delete(rid: str, key: str | None) -> Callable[[Connector], Awaitable[None]]:
    return lambda c: c.delete_entry(rid, key)


def audit_write(sync: Sync, op: str, link: IntegrationLink, entry_id: uuid.UUID | None) -> None:
    audit.record(
        sync.session,
        f"integration.remote_{op}",
        organization_id=sync.integration.organization_id,
        target_type="time_entry",
        target_id=entry_id,
        integration_id=str(sync.integration.id),
        provider=sync.provider,
        remote_id=link.remote_id,
        ticket=link.ticket_key,
        run_id=str(sync.run.id),
    )


def _fatal(exc: ProviderError) -> bool:
    """A refusal of one record (4xx) is that record's error; the rest stops the run."""
    return exc.status is None or exc.status >= 500 or exc.status in (401, 403, 429)


def to_remote(sync: Sync, entry: TimeEntry, ticket: str | None) -> ExternalEntry | str:
    """The entry in the provider's terms, or why it cannot be pushed."""
    user = sync.reverse(USER, entry.user_id)
    project = sync.reverse(PROJECT, entry.project_id)
    activity = sync.reverse(ACTIVITY, entry.activity_id)
    if sync.connector.ticket_pattern is None:  # Kimai: a user, project and activity
        if user is None:
            return f"member {entry.user_id} has no {sync.provider} user (map it under mappings)"
        if activity is None:
            activity = sync.integration.settings.get("defaultActivity")
        if activity is None:
            return "the entry's activity maps to no remote activity (map it under mappings)"
    end = entry.end_time or entry.start_time + timedelta(seconds=entry.duration_seconds)
    return ExternalEntry(
        external_id="",
        user=ExternalRef(user or ""),
        start=entry.start_time,
        end=end,
        duration_seconds=entry.duration_seconds,
        project=ExternalRef(project) if project else None,
        activity=ExternalRef(str(activity)) if activity else None,
        description=entry.description,
        billable=entry.billable,
        ticket_key=ticket,
    )


async def push_one(
    sync: Sync, entry: TimeEntry, ticket: str | None, link: IntegrationLink | None
) -> None:
    out = to_remote(sync, entry, ticket)
    if isinstance(out, str):
        sync.error(f"entry:{entry.id}", out)
        return
    if not sync.write:
        sync.counts.pushed += 1
        return
    try:
        if link is None:
            stored = await sync.write_as(entry.user_id, _create(out))
            link = sync._link(entry, stored, stored.fingerprint())
            link.ticket_key = ticket or stored.ticket_key
            op = "create"
        else:
            remote_id = link.remote_id
            stored = await sync.write_as(entry.user_id, _update(remote_id, out))
            link.remote_fp, link.local_fp = stored.fingerprint(), local_fp(entry)
            link.synced_at, link.remote_updated_at = utcnow(), stored.remote_updated_at
            link.author_id = entry.user_id
            op = "update"
    except ConnectionUnusable as exc:
        sync.error(f"entry:{entry.id}", exc.reason)
        return
    except ProviderError as exc:
        if _fatal(exc):
            raise
        if exc.status == 404 and link is not None:
            # Deleted remotely (Kimai lists no deletions) and changed here: a person decides.
            sync._conflict(link, entry, None)
            await sync._commit()
            return
        sync.error(f"entry:{entry.id}", f"{sync.provider} refused the worklog: {exc.reason}")
        return
    sync.counts.pushed += 1
    WORKLOG_SYNC.labels(sync.provider, "pushed").inc()
    audit_write(sync, op, link, entry.id)
    await sync._commit()  # the link is stored as soon as the remote has the worklog


async def apply_resolved(sync: Sync) -> None:
    """Conflicts a person resolved since the last run: their choice is written now."""
    rows = await sync.session.execute(
        select(IntegrationConflict, IntegrationLink)
        .join(IntegrationLink, IntegrationLink.id == IntegrationConflict.link_id)
        .where(
            IntegrationConflict.integration_id == sync.integration.id,
            IntegrationConflict.status == "resolved",
        )
    )
    for conflict, link in rows.all():
        entry = (
            await sync.session.get(TimeEntry, link.time_entry_id) if link.time_entry_id else None
        )
        remote = from_snapshot(conflict.remote)
        if not sync.write:
            sync.counts.updated += 1
            continue
        try:
            if conflict.keep == "hubnity" and entry is not None:
                ticket = link.ticket_key
                out = to_remote(sync, entry, ticket)
                if isinstance(out, str):
                    sync.error(f"entry:{entry.id}", out)
                    continue
                if remote is None:  # deleted remotely: bring it back
                    stored = await sync.write_as(entry.user_id, _create(out))
                    link.remote_id = stored.external_id
                else:
                    rid = link.remote_id
                    stored = await sync.write_as(entry.user_id, _update(rid, out))
                link.remote_fp, link.local_fp = stored.fingerprint(), local_fp(entry)
                sync.counts.pushed += 1
                audit_write(sync, "update", link, entry.id)
            elif conflict.keep == "hubnity":  # deleted in Hubnity: delete remotely
                rid, key = link.remote_id, link.ticket_key
                await sync.write_as(link.author_id, _delete(rid, key))
                sync.counts.removed += 1
                audit_write(sync, "delete", link, None)
                sync.deletes.append((link.id, None))
            elif remote is None or entry is None:  # keep remote: it was deleted → delete here
                if remote is None:
                    sync.deletes.append((link.id, link.time_entry_id))
                    sync.counts.deleted += 1
                else:  # the entry is gone here: the remote record comes back as new
                    sync.deletes.append((link.id, None))
            elif refused := pull_refusal(remote, entry, sync.connector.carries_start):
                # Resolved before such records were refused: a person decides again.
                sync.error(link.remote_id, f"{refused}; the conflict is open again")
                conflict.status, conflict.keep = "open", None
                conflict.resolved_at = conflict.resolved_by = None
                await sync._commit()
                continue
            else:
                sync._apply_remote(entry, remote)
                link.local_fp, link.remote_fp = local_fp(entry), remote.fingerprint()
                sync.counts.updated += 1
        except ConnectionUnusable as exc:
            sync.error(link.remote_id, exc.reason)
            continue
        except ProviderError as exc:
            if _fatal(exc):
                raise
            sync.error(link.remote_id, f"{sync.provider} refused the resolution: {exc.reason}")
            continue
        link.state, link.synced_at = "synced", utcnow()
        conflict.status = "applied"
        await sync._commit()


async def push(sync: Sync, started: datetime) -> None:
    integration = sync.integration
    pattern = ticket_re(sync.connector, integration)
    first = started - timedelta(days=int(integration.settings.get("initialDays") or 90))
    since = datetime.fromisoformat(integration.cursor) - SKEW if integration.cursor else first
    # Whoever (re)connected their own account since is offered their window again
    # (their entries refused while the connection needed re-authorisation).
    again = sync.writers.connected_since(since) if sync.writers is not None else []
    changed = TimeEntry.updated_at >= since
    if again:
        changed = or_(changed, and_(TimeEntry.user_id.in_(again), TimeEntry.updated_at >= first))
    query = (
        select(TimeEntry, Task.ticket_key)
        .outerjoin(Task, Task.id == TimeEntry.task_id)
        .where(
            TimeEntry.organization_id == integration.organization_id,
            changed,
            TimeEntry.end_time.is_not(None),
        )
        .order_by(TimeEntry.updated_at, TimeEntry.id)
    )
    if pattern is None:
        projects = [
            row.target_id
            for (kind, _), row in sync.resolver.mappings.items()
            if kind == PROJECT and row.target_id is not None
        ]
        if not projects:
            return
        query = query.where(TimeEntry.project_id.in_(projects))
    else:
        query = query.where((TimeEntry.ticket_key.is_not(None)) | (Task.ticket_key.is_not(None)))
    rows = (await sync.session.execute(query)).all()
    approved_only = bool(integration.settings.get("pushApprovedOnly"))
    links = {
        link.time_entry_id: link
        for link in await sync._links(IntegrationLink.time_entry_id, [e.id for e, _ in rows])
    }
    for entry, task_ticket in rows:
        ticket = entry.ticket_key or task_ticket
        if pattern is not None and not (ticket and pattern.match(ticket)):
            continue
        link = links.get(entry.id)
        if link is not None and (link.state == "conflict" or local_fp(entry) == link.local_fp):
            continue  # pulled this run, unchanged, or waiting for a person
        if approved_only and not await approved(sync.session, entry):
            sync.counts.skipped += 1
            continue
        await push_one(sync, entry, ticket, link)


async def push_deletions(sync: Sync) -> None:
    rows = await sync.session.execute(
        select(IntegrationLink).where(
            IntegrationLink.integration_id == sync.integration.id,
            IntegrationLink.time_entry_id.is_(None),
            IntegrationLink.state == "synced",
        )
    )
    for link in list(rows.scalars()):
        sync.counts.removed += 1
        if not sync.write:
            continue
        try:
            rid, key = link.remote_id, link.ticket_key
            await sync.write_as(link.author_id, _delete(rid, key))
        except ConnectionUnusable as exc:
            sync.error(link.remote_id, exc.reason)
            continue
        except ProviderError as exc:
            if _fatal(exc):
                raise
            sync.error(link.remote_id, f"{sync.provider} refused the deletion: {exc.reason}")
            continue
        WORKLOG_SYNC.labels(sync.provider, "pushed").inc()
        audit_write(sync, "delete", link, None)
        await sync.session.execute(delete(IntegrationLink).where(IntegrationLink.id == link.id))
        await sync._commit()


async def run_two_way(sync: Sync, started: datetime) -> None:
    """The whole run; ProviderError propagates (the caller fails the run)."""
    await sync.load()
    await apply_resolved(sync)
    if sync.run.direction in ("import", "both"):
        await sync.pull(started)
    if sync.run.direction in ("both", "export"):
        await push(sync, started)
        await push_deletions(sync)
    if sync.write:
        sync.resolver.flush_into(sync.session)  # users/projects/activities learnt
    await sync._commit()
