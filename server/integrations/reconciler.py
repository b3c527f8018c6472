"""The two-way reconciler: its decisions (free of I/O) and the match query.

Each link remembers the fingerprint of both sides at the last successful
sync. Now:
- neither side moved → `unchanged`;
- only the remote moved → `pull` (Hubnity takes the remote's values);
- only Hubnity moved → `push` (the remote takes Hubnity's);
- both moved → `conflict`: nothing is overwritten, a person decides.
A remote record no entry may be (server/core/spans.py: too long, ending
before it starts, out of range) is not pulled: an error on the run.
A remote record without a link is matched to an unlinked entry by the
fingerprint of user + ticket + start + duration, else created in Hubnity.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.spans import span_refusal
from server.db.models import IntegrationLink, TimeEntry
from server.integrations.base import ExternalEntry, ExternalRef

Decision = Literal["unchanged", "pull", "push", "conflict"]


def decide(link_local: str, link_remote: str, local_now: str | None, remote_now: str) -> Decision:
    """`local_now` None: the entry is gone in Hubnity (counts as a change)."""
    local_moved = local_now != link_local
    remote_moved = remote_now != link_remote
    if local_moved and remote_moved:
        return "conflict"
    if remote_moved:
        return "pull"
    if local_moved:
        return "push"
    return "unchanged"


def pull_refusal(record: ExternalEntry, entry: TimeEntry | None, carries_start: bool) -> str | None:
    """Why the remote record cannot be taken into Hubnity (server/core/spans.py),
    as a pull would store it: from its start (or the entry's, for a remote
    without start times) for its duration; None when it can."""
    start = record.start if entry is None or carries_start else entry.start_time
    seconds = record.duration_seconds
    # The length first: adding a huge one to the start would overflow.
    refused = span_refusal(start, start, seconds)
    return refused or span_refusal(start, start + timedelta(seconds=seconds))


def local_fp(entry: TimeEntry, ticket_key: str | None = None) -> str:
    """What a person can change on an entry that a remote worklog carries."""
    parts = (
        str(entry.user_id),
        entry.start_time.isoformat(),
        entry.end_time.isoformat() if entry.end_time else "",
        str(entry.duration_seconds),
        entry.description or "",
        str(entry.activity_id or ""),
        str(entry.project_id or ""),
        ticket_key or entry.ticket_key or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def match_key(user_id: uuid.UUID, ticket: str | None, start: datetime, seconds: int) -> str:
    """Fingerprint of an unlinked record: user + ticket + start (to the minute) + duration."""
    minute = start.replace(second=0, microsecond=0).isoformat()
    return f"{user_id}|{ticket or ''}|{minute}|{seconds}"


def snapshot_local(entry: TimeEntry | None) -> dict[str, Any]:
    if entry is None:
        return {"deleted": True}
    return {
        "start": entry.start_time.isoformat(),
        "end": entry.end_time.isoformat() if entry.end_time else None,
        "durationSeconds": entry.duration_seconds,
        "description": entry.description,
        "ticketKey": entry.ticket_key,
        "activityId": str(entry.activity_id) if entry.activity_id else None,
    }


def snapshot_remote(entry: ExternalEntry | None) -> dict[str, Any]:
    if entry is None:
        return {"deleted": True}
    return {
        "externalId": entry.external_id,
        "user": entry.user.id,
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat() if entry.end else None,
        "durationSeconds": entry.duration_seconds,
        "description": entry.description,
        "ticketKey": entry.ticket_key,
        "activity": entry.activity.id if entry.activity else None,
        "project": entry.project.id if entry.project else None,
        "billable": entry.billable,
        "remoteUpdatedAt": entry.remote_updated_at.isoformat() if entry.remote_updated_at else None,
    }


def from_snapshot(data: dict[str, Any]) -> ExternalEntry | None:
    """The remote record a conflict stored (None: it was deleted remotely)."""
    if data.get("deleted"):
        return None
    return ExternalEntry(
        external_id=data["externalId"],
        user=ExternalRef(data["user"]),
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]) if data.get("end") else None,
        duration_seconds=int(data["durationSeconds"]),
        project=ExternalRef(data["project"]) if data.get("project") else None,
        activity=ExternalRef(data["activity"]) if data.get("activity") else None,
        description=data.get("description"),
        billable=data.get("billable"),
        ticket_key=data.get("ticketKey"),
        remote_updated_at=datetime.fromisoformat(data["remoteUpdatedAt"])
        if data.get("remoteUpdatedAt")
        else None,
    )


async def unlinked_match(
    session: AsyncSession, integration_id: uuid.UUID, user_id: uuid.UUID, record: ExternalEntry
) -> TimeEntry | None:
    """An unlinked entry of the same user + ticket + start + duration."""
    want = match_key(user_id, record.ticket_key, record.start, record.duration_seconds)
    rows = await session.execute(
        select(TimeEntry).where(
            TimeEntry.user_id == user_id,
            TimeEntry.start_time >= record.start - timedelta(minutes=1),
            TimeEntry.start_time <= record.start + timedelta(minutes=1),
            TimeEntry.duration_seconds == record.duration_seconds,
        )
    )
    for entry in rows.scalars():
        key = match_key(user_id, entry.ticket_key, entry.start_time, entry.duration_seconds)
        if key != want:
            continue
        linked = await session.execute(
            select(IntegrationLink.id).where(
                IntegrationLink.integration_id == integration_id,
                IntegrationLink.time_entry_id == entry.id,
            )
        )
        if linked.first() is None:
            return entry
    return None
