"""The presigned flow: presign → the client PUTs the bytes → confirm.

The same invariants as the streamed upload (`ingest.py`): the object is
complete before its row says READY, and one key maps to one row."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from server.auth.principal import Principal
from server.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from server.core.ids import parse_uuid
from server.db.base import utcnow
from server.db.models import Screenshot
from server.runtime.state import AppState
from server.screenshots import imaging
from server.screenshots.common import (
    UPLOAD_URL_TTL,
    UPLOADING,
    enqueue_processing,
    first_attempt_at,
    object_key,
    storage_of,
)
from server.screenshots.ingest import FileSink
from server.screenshots.schemas import ConfirmRequest, PresignRequest
from server.screenshots.upload_checks import (
    EntryRef,
    blur_level,
    by_idempotency_key,
    metadata_of,
    resolve_entry,
)
from shared.enums import ScreenshotStatus

# --- presigned flow -----------------------------------------------------------------


@dataclass(frozen=True)
class Presigned:
    shot: Screenshot
    url: str | None  # None: the server signs and serves the URL itself (local storage)
    headers: dict[str, str]
    expires_at: datetime | None


async def presign(app_state: AppState, principal: Principal, req: PresignRequest) -> Presigned:
    limit = app_state.settings.storage.screenshot_max_bytes
    key = parse_uuid(req.idempotency_key, "idempotencyKey")
    if req.content_type not in imaging.EXTENSION:
        raise UnsupportedMediaType("contentType must be image/jpeg, image/png or image/webp")
    if req.size < 1:
        raise BadRequest("size must be at least 1 byte")
    if req.size > limit:
        raise PayloadTooLarge(f"size must be 1 to {limit} bytes (SCREENSHOT_MAX_BYTES)")
    existing = await by_idempotency_key(app_state, principal, key)
    if existing is not None and existing.status != UPLOADING:
        return Presigned(existing, None, {}, None)
    storage = storage_of(app_state)
    if existing is None:
        entry_id = await resolve_entry(
            app_state, principal, EntryRef(parse_uuid(req.time_entry_key, "timeEntryKey"), None)
        )
        now = utcnow()
        shot_id = uuid.uuid4()
        shot = Screenshot(
            id=shot_id,
            organization_id=principal.org_id,
            user_id=principal.user_id,
            time_entry_id=entry_id,
            idempotency_key=key,
            storage_key=object_key(
                principal.org_id, principal.user_id, shot_id, now, req.content_type
            ),
            blur_level=principal.organization.blur_level,
            captured_at=now,
            size_bytes=req.size,
            content_type=req.content_type,
            meta={},
            status=UPLOADING,
            created_at=now,
        )
    else:
        shot = existing
        if (shot.content_type, shot.size_bytes) != (req.content_type, req.size):
            raise Conflict("this idempotencyKey was presigned with another type or size")
    upload = await storage.presign_put(
        shot.storage_key, shot.content_type, shot.size_bytes, UPLOAD_URL_TTL
    )
    expires_at = upload.expires_at if upload else utcnow() + _seconds(UPLOAD_URL_TTL)
    # The sweep removes the row (and any object) once the URL is long dead.
    shot.next_attempt_at = expires_at + _seconds(UPLOAD_URL_TTL)
    async with app_state.sessions() as session:
        if existing is None:
            session.add(shot)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return await presign(app_state, principal, req)  # lost a race: the winner's row
        else:
            await session.execute(
                update(Screenshot)
                .where(Screenshot.id == shot.id)
                .values(next_attempt_at=shot.next_attempt_at)
            )
            await session.commit()
    if upload is None:
        return Presigned(shot, None, {"Content-Type": shot.content_type}, expires_at)
    return Presigned(shot, upload.url, upload.headers, expires_at)


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


async def _uploading(app_state: AppState, shot_id: uuid.UUID) -> Screenshot:
    async with app_state.sessions() as session:
        shot = await session.get(Screenshot, shot_id)
    if shot is None:
        raise NotFound("screenshot")
    if shot.status != UPLOADING:
        raise Conflict("this screenshot is already confirmed; its upload URL is spent")
    return shot


async def receive_signed_put(
    app_state: AppState,
    shot_id: uuid.UUID,
    chunks: AsyncIterator[bytes],
) -> None:
    """Local-storage mode: the body of a server-signed PUT URL (signature checked by the
    route) streams into the object; confirm later verifies it."""
    shot = await _uploading(app_state, shot_id)
    storage = storage_of(app_state)
    sink = FileSink(storage, shot.size_bytes, lambda _ct: shot.storage_key, keep=False)
    committed = False
    try:
        sink.started = True
        async for chunk in chunks:
            if chunk:
                await sink.feed(chunk)
        sink.ended = True
        writer = await sink.finish()
        await writer.commit()
        committed = True
    finally:
        if not committed:
            await sink.abort()


async def confirm(app_state: AppState, principal: Principal, req: ConfirmRequest) -> Screenshot:
    """Verifies the uploaded object (exists, size, magic bytes), then queues processing."""
    shot_id = parse_uuid(req.screenshot_id, "screenshotId")
    captured_at = req.captured_at
    if captured_at.tzinfo is None:
        raise BadRequest("capturedAt must carry a UTC offset")
    blur = blur_level(req.blur_level)
    metadata = metadata_of(req.metadata)
    async with app_state.sessions() as session:
        shot = await session.get(Screenshot, shot_id)
    if shot is None or (shot.user_id, shot.organization_id) != (
        principal.user_id,
        principal.org_id,
    ):
        raise NotFound("screenshot")
    if shot.status != UPLOADING:
        return shot  # a retried confirm
    storage = storage_of(app_state)
    size = await storage.size(shot.storage_key)
    if size is None:
        raise Conflict("the object has not been uploaded yet; PUT it to the upload URL first")
    if size != shot.size_bytes:
        await storage.delete(shot.storage_key)
        raise BadRequest(
            f"the uploaded object has {size} bytes, {shot.size_bytes} were announced;"
            " upload it again"
        )
    sniffed = imaging.sniff(await storage.read_head(shot.storage_key, imaging.SNIFF_BYTES))
    if sniffed != shot.content_type:
        head = await storage.read_head(shot.storage_key, imaging.SNIFF_BYTES)
        await storage.delete(shot.storage_key)
        raise UnsupportedMediaType(
            f"the uploaded object is not {shot.content_type}: {imaging.describe_magic(head)}"
            if sniffed is None
            else f"the uploaded object is {sniffed}, {shot.content_type} was announced"
        )
    async with app_state.sessions() as session:
        result = await session.execute(
            update(Screenshot)
            .where(Screenshot.id == shot.id, Screenshot.status == UPLOADING)
            .values(
                status=ScreenshotStatus.PENDING.value,
                captured_at=captured_at,
                blur_level=max(blur, principal.organization.blur_level),
                meta=metadata,
                next_attempt_at=first_attempt_at(),
            )
        )
        await session.commit()
        fresh = await session.get(Screenshot, shot.id, populate_existing=True)
    assert fresh is not None
    if result.rowcount:  # type: ignore[attr-defined]
        await enqueue_processing(app_state, shot.id)
    return fresh
