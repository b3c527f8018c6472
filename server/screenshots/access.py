"""Reading and deleting screenshots, with the organization's role rules.

Visibility: a MEMBER sees their own, a team MANAGER also their teams'
members', ADMIN/OWNER everyone's in the organization. Anything not visible
(another organization included) answers 404, never 403.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.core.errors import BadRequest, Conflict, Forbidden, NotFound
from server.core.times import cursor_instant
from server.db.base import utcnow
from server.db.models import Screenshot, TeamMember
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor
from server.runtime.state import AppState
from server.screenshots import processing
from server.screenshots.common import UPLOADING, storage_of, thumb_key, thumb_type, to_out
from server.screenshots.schemas import ScreenshotOut, ScreenshotPage
from server.teams.service import can_see_user, managed_team_ids
from shared.enums import ScreenshotStatus

VARIANTS = ("full", "thumb")


async def list_screenshots(
    session: AsyncSession, principal: Principal, *, user_id: uuid.UUID | None,
    start: datetime | None, end: datetime | None, status: str | None, cursor: str | None,
    limit: int | None,
) -> ScreenshotPage:
    size = clamp_limit(limit)
    stmt = select(Screenshot).where(
        Screenshot.organization_id == principal.org_id, Screenshot.status != UPLOADING,
        Screenshot.deleted_at.is_(None),
    )
    if user_id is not None:
        if not await can_see_user(session, principal, user_id):
            raise NotFound("user")
        stmt = stmt.where(Screenshot.user_id == user_id)
    elif not principal.is_admin:
        managed = await managed_team_ids(session, principal)
        members = select(TeamMember.user_id).where(TeamMember.team_id.in_(managed))
        stmt = stmt.where((Screenshot.user_id == principal.user_id)
                          | Screenshot.user_id.in_(members))
    for value, name in ((start, "from"), (end, "to")):
        if value is not None and value.tzinfo is None:
            raise BadRequest(f"{name} must carry a UTC offset")
    if start is not None:
        stmt = stmt.where(Screenshot.captured_at >= start)
    if end is not None:
        stmt = stmt.where(Screenshot.captured_at <= end)
    if status is not None:
        if status not in {s.value for s in ScreenshotStatus}:
            raise BadRequest("status must be PENDING, READY or FAILED")
        stmt = stmt.where(Screenshot.status == status)
    after = decode_cursor(cursor, 2)
    if after:
        try:
            at, last = cursor_instant(after[0]), uuid.UUID(str(after[1]))
        except (ValueError, BadRequest):
            raise BadRequest("cursor is malformed") from None
        # Newest first; ties on capturedAt broken by id, so pages never skip or repeat.
        stmt = stmt.where((Screenshot.captured_at < at)
                          | ((Screenshot.captured_at == at) & (Screenshot.id < last)))
    rows = list((await session.execute(
        stmt.order_by(Screenshot.captured_at.desc(), Screenshot.id.desc()).limit(size + 1)
    )).scalars())
    nxt = None
    if len(rows) > size:
        last_row = rows[size - 1]
        nxt = encode_cursor([last_row.captured_at.isoformat(), str(last_row.id)])
    return ScreenshotPage(items=[to_out(r) for r in rows[:size]], next_cursor=nxt)


async def visible(session: AsyncSession, principal: Principal, shot_id: uuid.UUID) -> Screenshot:
    shot = (await session.execute(
        select(Screenshot).where(Screenshot.id == shot_id,
                                 Screenshot.organization_id == principal.org_id,
                                 Screenshot.status != UPLOADING,
                                 Screenshot.deleted_at.is_(None))
    )).scalar_one_or_none()
    if shot is None or not await can_see_user(session, principal, shot.user_id):
        raise NotFound("screenshot")
    return shot


async def by_id(session: AsyncSession, shot_id: uuid.UUID) -> Screenshot:
    """No role check: for callers authorized otherwise (a signed URL)."""
    shot = (await session.execute(
        select(Screenshot).where(Screenshot.id == shot_id, Screenshot.status != UPLOADING,
                                 Screenshot.deleted_at.is_(None))
    )).scalar_one_or_none()
    if shot is None:
        raise NotFound("screenshot")
    return shot


async def get_one(session: AsyncSession, principal: Principal, shot_id: uuid.UUID) -> ScreenshotOut:
    return to_out(await visible(session, principal, shot_id))


def variant_of(shot: Screenshot, variant: str) -> tuple[str, str]:
    """(storage key, content type) of a variant that may be shown."""
    if variant not in VARIANTS:
        raise BadRequest("variant must be full or thumb")
    if shot.status != ScreenshotStatus.READY.value:
        # Until processing is done the object may still hold unblurred pixels.
        raise Conflict(f"the screenshot is {shot.status}, not READY; no image to show")
    if variant == "thumb":
        key = shot.thumbnail_key or thumb_key(shot.storage_key)
        return key, thumb_type(key)
    return shot.storage_key, shot.content_type


def stream(app_state: AppState, key: str) -> AsyncIterator[bytes]:
    return storage_of(app_state).iter_bytes(key)


async def delete_screenshot(
    app_state: AppState, session: AsyncSession, principal: Principal, shot_id: uuid.UUID, ip: str
) -> None:
    """ADMIN/OWNER always; the owner within the policy window; others never."""
    shot = await visible(session, principal, shot_id)
    if not principal.is_admin:
        org = principal.organization
        if shot.user_id != principal.user_id:
            raise Forbidden("only the screenshot's owner or an admin may delete it")
        if not org.allow_screenshot_delete:
            raise Forbidden("the organization's policy does not allow deleting screenshots")
        window = timedelta(minutes=org.screenshot_delete_window_minutes)
        if utcnow() - shot.created_at > window:
            raise Forbidden(
                f"screenshots may be deleted within {org.screenshot_delete_window_minutes} "
                "minutes of upload; this one is older"
            )
    audit.record(session, "screenshot.deleted", organization_id=principal.org_id,
                 actor_id=principal.user_id, target_type="screenshot", target_id=shot.id, ip=ip,
                 owner=str(shot.user_id))
    await session.commit()
    await processing.purge(app_state, [shot])
