"""Reading the audit trail: the organization's events, newest first, filtered by
actor, action and period, one keyset page at a time (ADMIN/OWNER only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.schemas import AuditEventOut, AuditPage
from server.auth.principal import Principal
from server.core.errors import BadRequest
from server.core.ids import parse_uuid
from server.core.times import cursor_instant, parse_instant
from server.db.models import AuditLog, User
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor

#: An action filter ending in `*` matches by prefix (`member.*`); otherwise exactly.
MAX_ACTION = 64


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _filtered(
    principal: Principal,
    actor_id: str | None,
    action: str | None,
    start: datetime | None,
    end: datetime | None,
) -> Any:
    stmt: Any = (
        select(AuditLog, User.name, User.email)
        .outerjoin(User, User.id == AuditLog.actor_user_id)
        .where(AuditLog.organization_id == principal.org_id)
    )
    if actor_id:
        stmt = stmt.where(AuditLog.actor_user_id == parse_uuid(actor_id, "actorId"))
    if action:
        if len(action) > MAX_ACTION:
            raise BadRequest(f"action must be at most {MAX_ACTION} characters")
        if action.endswith("*"):
            prefix = action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(AuditLog.action.like(f"{prefix}%", escape="\\"))
        else:
            stmt = stmt.where(AuditLog.action == action)
    if start is not None:
        stmt = stmt.where(AuditLog.created_at >= start)
    if end is not None:
        stmt = stmt.where(AuditLog.created_at < end)
    return stmt


async def list_events(
    session: AsyncSession,
    principal: Principal,
    *,
    actor_id: str | None = None,
    action: str | None = None,
    start: str | None = None,
    end: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> AuditPage:
    principal.require_admin()
    lo, hi = parse_instant(start, "from"), parse_instant(end, "to")
    if lo is not None and hi is not None and hi <= lo:
        raise BadRequest("to must be after from")
    size = clamp_limit(limit)
    stmt = _filtered(principal, actor_id, action, lo, hi)
    after = decode_cursor(cursor, 2)
    if after:
        try:
            at, last = cursor_instant(after[0]), uuid.UUID(str(after[1]))
        except (ValueError, BadRequest):
            raise BadRequest("cursor is malformed") from None
        # Newest first; ties on the time broken by id, so pages never skip or repeat.
        stmt = stmt.where(
            (AuditLog.created_at < at) | ((AuditLog.created_at == at) & (AuditLog.id < last))
        )
    rows: list[Any] = list(
        (
            await session.execute(
                stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(size + 1)
            )
        ).all()
    )
    nxt = None
    if len(rows) > size:
        last_row = rows[size - 1][0]
        nxt = encode_cursor([last_row.created_at.isoformat(), str(last_row.id)])
    return AuditPage(
        items=[
            AuditEventOut(
                id=str(row.id),
                at=_iso(row.created_at),
                actor_id=str(row.actor_user_id) if row.actor_user_id else None,
                actor_name=name,
                actor_email=email,
                action=row.action,
                target_type=row.target_type,
                target_id=row.target_id,
                ip=row.ip,
                detail=row.detail or {},
            )
            for row, name, email in rows[:size]
        ],
        next_cursor=nxt,
    )
