"""Audit trail for security-relevant actions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditLog

if TYPE_CHECKING:
    from server.auth.principal import Principal


def record(
    session: AsyncSession,
    action: str,
    *,
    organization_id: uuid.UUID | None,
    actor_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Adds an audit row to the caller's transaction (committed with it)."""
    session.add(
        AuditLog(
            organization_id=organization_id,
            actor_user_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip=ip,
            detail=detail,
        )
    )


def record_by(
    session: AsyncSession,
    principal: Principal,
    action: str,
    *,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """`record` for an action a signed-in person took in their organization."""
    record(
        session,
        action,
        organization_id=principal.org_id,
        actor_id=principal.user_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        **detail,
    )
