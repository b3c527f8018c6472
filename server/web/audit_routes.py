"""The audit page for ADMIN/OWNER: the organization's events, newest first,
filtered by person, action and period (UTC days), 100 per page with an
"older" link (the API's keyset cursor). Reads through the same query as
`GET /api/v1/audit`."""

from __future__ import annotations

import json
from datetime import date, timedelta

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.query import list_events
from server.core.errors import BadRequest, DomainError, Forbidden
from server.db.models import User
from server.web.auth_routes import WebUser
from server.web.catalog_views import is_uuid
from server.web.routes import page

PAGE = 100


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{label} must be a date like 2026-01-31") from None


class AuditPages(Controller):
    path = "/app/audit"

    @get("/")
    async def audit_page(
        self,
        web: WebUser,
        db_session: AsyncSession,
        actor: str = "",
        action: str = "",
        start: str = "",
        end: str = "",
        cursor: str = "",
    ) -> Template:
        if not web.is_admin:
            raise Forbidden("The audit log is for administrators and owners.")
        p = web.principal
        people = list(
            (
                await db_session.execute(
                    select(User.id, User.name, User.email)
                    .where(User.organization_id == p.org_id)
                    .order_by(User.name)
                    .limit(500)
                )
            ).all()
        )
        error, events, nxt = None, [], None
        try:
            first, last = _day(start, "From"), _day(end, "To")
            listing = await list_events(
                db_session,
                p,
                actor_id=actor if is_uuid(actor) else None,
                action=action.strip() or None,
                start=f"{first.isoformat()}T00:00:00Z" if first else None,
                end=f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z" if last else None,
                cursor=cursor or None,
                limit=PAGE,
            )
            events, nxt = listing.items, listing.next_cursor
        except DomainError as exc:
            if exc.status_code != 400:
                raise
            error = exc.detail
        return page(
            "audit.html",
            web,
            nav="audit",
            events=[(e, json.dumps(e.detail, ensure_ascii=False)) for e in events],
            people=people,
            actor=actor,
            action=action,
            start=start,
            end=end,
            next_cursor=nxt,
            error=error,
        )
