"""The idempotent importer: one page of normalized records in, set-based writes out.

Each external record is stored once per integration (`integration_records`,
unique on integration + external id) with a fingerprint of what it said and
who it resolved to. Per page: one lookup of the page's known records, then
one INSERT of new entries (and one of their records), one UPDATE of changed
ones, one DELETE of the ones the provider deleted — committed together with
the run's counts, so a failed run leaves whole pages or nothing of a page.
An unchanged record (same fingerprint) is not written at all; a window run
notes the ids it saw in a temporary table instead (see import_writes). A dry
run computes the same counts and writes nothing.

Imported entries may overlap agent or manual time: they are stored, not
refused (the week view marks overlaps). A record no entry may be (longer
than an entry lasts, ending before it starts, dated outside the accepted
range: server/core/spans.py) is refused: an error on the run, nothing stored.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.spans import span_refusal
from server.db.base import utcnow
from server.integrations import import_writes as writes
from server.integrations.base import ExternalEntry, Page
from server.integrations.fast_ids import NameIds, new_ids
from server.integrations.resolver import Resolver
from shared.enums import EntryStatus

MAX_ERRORS = 200


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


def entry_key(integration_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """The entry's idempotency key: stable per integration and external id."""
    return uuid.uuid5(integration_id, external_id)


@functools.lru_cache(maxsize=4096)
def _id_text(value: uuid.UUID | None) -> str:
    """A person's or project's id as text, once per id (str(UUID) is slow)."""
    return "" if value is None else str(value)


def _fingerprint(entry: ExternalEntry, user_id: uuid.UUID, project_id: uuid.UUID | None) -> str:
    # Who it resolved to is part of it: a mapping fixed later updates the entry.
    raw = f"{entry.fingerprint()}|{_id_text(user_id)}|{_id_text(project_id)}"
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
        self.keys = NameIds(self.integration.id)  # entry_key, for many external ids
        # Only a window run looks for deletions afterwards, so only it notes
        # the ids it saw (in the connection's temporary table, dry run too).
        self.mark_seen = True

    def error(self, external_id: str, detail: str) -> None:
        self.counts.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"externalId": external_id, "detail": detail})

    async def apply(self, page: Page) -> None:
        for err in page.errors:
            self.error(err.external_id, err.detail)
        latest: dict[str, ExternalEntry] = {}
        for entry in page.entries:
            latest[entry.external_id[:255]] = entry  # a page repeating an id: last wins
        self.counts.fetched += len(page.entries)
        deleted_ids = [d[:255] for d in page.deleted]
        known = await writes.known_records(
            self.session, self.integration.id, list(latest) + deleted_ids
        )
        integration_id = self.integration.id
        # Rows in the column order of import_writes: new entries, their records
        # (ids added below, made in bulk), changed ones.
        fresh: list[tuple[Any, ...]] = []
        upd_e: list[tuple[Any, ...]] = []
        upd_r: list[tuple[Any, ...]] = []
        updated: set[str] = set()
        counts, resolver, dry_run = self.counts, self.resolver, self.dry_run
        for external_id, entry in latest.items():
            end = entry.end
            if end is None:
                counts.skipped += 1  # a running timer: imported once it stops
                continue
            refused = span_refusal(entry.start, end, entry.duration_seconds)
            if refused is not None:  # overlap checks would miss it (server/core/spans.py)
                self.error(external_id, refused)
                continue
            user_id = resolver.user(entry.user)
            if user_id is None:
                self.error(
                    external_id,
                    f"external user {resolver.user_label(entry.user)} matches no member "
                    "(map it under mappings)",
                )
                continue
            project_id = resolver.project(entry.project, dry_run=dry_run)
            fingerprint = _fingerprint(entry, user_id, project_id)
            record = known.get(external_id)
            if record is not None and (
                record.fingerprint == fingerprint or record.time_entry_id is None
            ):
                # Unchanged, or removed in Hubnity on purpose: not brought back.
                counts.unchanged += 1
                continue
            ticket = entry.ticket_key[:64] if entry.ticket_key else None
            values = (entry.start, end, entry.duration_seconds, entry.description)
            if record is None:
                counts.created += 1
                key = self.keys(external_id)
                fresh.append(
                    (
                        (user_id, key, project_id, *values, entry.billable, ticket),
                        (external_id, fingerprint, entry.start, entry.remote_updated_at),
                    )
                )
            else:
                counts.updated += 1
                upd_e.append(
                    (record.time_entry_id, user_id, project_id, *values, entry.billable, ticket)
                )
                upd_r.append((record.id, fingerprint, entry.start, entry.remote_updated_at))
                updated.add(external_id)
        ids = new_ids(2 * len(fresh))
        new_e = [(ids[2 * i], *e) for i, (e, _r) in enumerate(fresh)]
        new_r = [
            (ids[2 * i + 1], external_id, ids[2 * i], *rest)
            for i, (_e, (external_id, *rest)) in enumerate(fresh)
        ]
        gone = [known[d] for d in deleted_ids if d in known]
        counts.deleted += len(gone)
        if self.mark_seen:
            # Every id the provider listed exists there, imported or not. A
            # record this run creates or updates carries the run's id: the
            # sweep knows it was listed without a note (unless a dry run).
            listed = list(latest) + [e.external_id[:255] for e in page.errors]
            if not dry_run:
                written = {r[1] for r in new_r} | updated
                listed = [i for i in listed if i not in written]
            await writes.add_seen(self.session, listed)
        if dry_run:
            return
        resolver.flush_into(self.session)
        await self.session.flush()
        now = utcnow()
        common = {
            "organization": self.integration.organization_id,
            "integration": integration_id,
            "source": self.source,
            "status": EntryStatus.STOPPED.value,
            "now": now,
            "run": self.run_id,
        }
        await writes.insert_new(self.session, new_e, new_r, common)
        await writes.update_changed(self.session, upd_e, upd_r, now, self.run_id)
        if gone:
            await writes.remove_records(self.session, gone)
