"""Conflicts of two-way sync: listed per integration, resolved by a person
(`keep: hubnity | remote`); the next run writes the choice. ADMIN/OWNER only."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict
from server.db.base import utcnow
from server.db.models import Integration, IntegrationConflict, IntegrationLink, TimeEntry
from server.db.scoped import get_in_org
from server.integrations.providers import CONNECTORS
from server.integrations.reconciler import from_snapshot, pull_refusal
from server.integrations.schemas import ConflictList, ConflictOut, ResolveIn
from server.integrations.service import get_integration

STATUSES = ("open", "resolved", "applied")


def conflict_out(c: IntegrationConflict, link: IntegrationLink | None) -> ConflictOut:
    return ConflictOut(
        id=str(c.id),
        integration_id=str(c.integration_id),
        time_entry_id=str(link.time_entry_id) if link and link.time_entry_id else None,
        remote_id=link.remote_id if link else "",
        ticket_key=link.ticket_key if link else None,
        status=c.status,
        keep=c.keep,
        hubnity=dict(c.local or {}),
        remote=dict(c.remote or {}),
        created_at=c.created_at.isoformat(),
        resolved_at=c.resolved_at.isoformat() if c.resolved_at else None,
    )


async def list_conflicts(
    session: AsyncSession, principal: Principal, integration_id: uuid.UUID, status: str | None
) -> ConflictList:
    integration = await get_integration(session, principal, integration_id)
    if status is not None and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    query = (
        select(IntegrationConflict, IntegrationLink)
        .join(IntegrationLink, IntegrationLink.id == IntegrationConflict.link_id)
        .where(IntegrationConflict.integration_id == integration.id)
        .order_by(IntegrationConflict.created_at.desc())
        .limit(500)
    )
    if status is not None:
        query = query.where(IntegrationConflict.status == status)
    rows = (await session.execute(query)).all()
    return ConflictList(items=[conflict_out(c, link) for c, link in rows])


async def _check_remote(
    session: AsyncSession, conflict: IntegrationConflict, link: IntegrationLink | None
) -> None:
    """Keeping the remote side stores it here: not when no entry may be it."""
    remote = from_snapshot(conflict.remote or {})
    if remote is None or link is None:
        return  # deleted remotely: keeping that deletes the entry here
    entry = await session.get(TimeEntry, link.time_entry_id) if link.time_entry_id else None
    integration = await session.get(Integration, conflict.integration_id)
    connector = CONNECTORS.get(integration.provider) if integration is not None else None
    refused = pull_refusal(remote, entry, connector.carries_start if connector else True)
    if refused is not None:
        raise BadRequest(
            f"the remote side cannot be kept: {refused}; keep hubnity, "
            "or correct the record at the provider"
        )


async def resolve_conflict(
    session: AsyncSession,
    principal: Principal,
    conflict_id: uuid.UUID,
    data: ResolveIn,
    ip: str | None = None,
) -> ConflictOut:
    principal.require_admin()
    conflict = await get_in_org(
        session, IntegrationConflict, conflict_id, principal.org_id, "conflict"
    )
    if conflict.status != "open":
        raise Conflict(f"this conflict is already {conflict.status}")
    link = await session.get(IntegrationLink, conflict.link_id)
    if data.keep == "remote":
        await _check_remote(session, conflict, link)
    conflict.status, conflict.keep = "resolved", data.keep
    conflict.resolved_at, conflict.resolved_by = utcnow(), principal.user_id
    audit.record_by(
        session,
        principal,
        "integration.conflict_resolved",
        target_type="time_entry",
        target_id=link.time_entry_id if link else None,
        ip=ip,
        conflict_id=str(conflict.id),
        integration_id=str(conflict.integration_id),
        keep=data.keep,
    )
    await session.commit()
    return conflict_out(conflict, link)
