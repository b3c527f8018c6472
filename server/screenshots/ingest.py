"""Screenshot upload, streamed multipart (the presigned flow is in `presign.py`).

Invariants: an object is written completely before its row is committed; a
request that fails for any reason (limit, type, disconnect, race) leaves no
object behind; one idempotency key maps to one row and one object, also when
two identical uploads race (the unique key decides, the loser deletes its
object and answers with the winner's id).

No database connection is held while bytes flow: each DB step is a short
session of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from server.auth.principal import Principal
from server.core.errors import (
    BadRequest,
    DomainError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from server.core.ids import parse_uuid
from server.core.times import require_instant
from server.db.base import utcnow
from server.db.models import Screenshot
from server.observability.logging import log
from server.runtime.state import AppState
from server.screenshots import imaging, inline
from server.screenshots.common import (
    enqueue_processing,
    first_attempt_at,
    object_key,
    storage_of,
)
from server.screenshots.metrics import UPLOAD_BYTES, UPLOADS
from server.screenshots.multipart import Field, FileChunk, FileEnd, FileStart, parse_form
from server.screenshots.upload_checks import (
    FORM_OVERHEAD,
    blur_level,
    by_idempotency_key,
    entry_ref,
    metadata_of,
    precheck,
    validate_present,
)
from server.storage.base import ObjectWriter, Storage
from shared.enums import ScreenshotStatus


@dataclass
class Outcome:
    shot: Screenshot
    created: bool


# --- the file part ------------------------------------------------------------------


class FileSink:
    """Sniffs, hashes, limits and streams the file part into a storage writer."""

    def __init__(
        self, storage: Storage, limit: int, key_for: Callable[[str], str], keep: bool
    ) -> None:
        self.storage = storage
        self.limit = limit
        self.key_for = key_for
        self.sha = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self.content_type: str | None = None
        self.writer: ObjectWriter | None = None
        self.started = False
        self.ended = False
        #: The bytes, while they fit the inline thumbnail's limit (`keep`: one
        #: may be made at all).
        self.kept: bytearray | None = bytearray() if keep else None

    async def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLarge(
                f"the screenshot is larger than SCREENSHOT_MAX_BYTES ({self.limit} bytes)"
            )
        self.sha.update(data)
        if self.kept is not None:
            if self.size <= inline.INLINE_MAX_BYTES:
                self.kept += data
            else:
                self.kept = None
        if self.writer is None:
            self.head += data
            if len(self.head) < imaging.SNIFF_BYTES:
                return
            self._open()
            data, self.head = bytes(self.head), bytearray()
        assert self.writer is not None
        await self.writer.write(data)

    def _open(self) -> None:
        content_type = imaging.sniff(bytes(self.head))
        if content_type is None:
            raise UnsupportedMediaType(
                f"only JPEG, PNG and WebP screenshots are accepted: "
                f"{imaging.describe_magic(bytes(self.head))}"
            )
        self.content_type = content_type
        self.writer = self.storage.open_writer(self.key_for(content_type), content_type)

    async def finish(self) -> ObjectWriter:
        if not self.ended:
            raise BadRequest("the body ended before the file part was complete")
        if self.writer is None:  # shorter than the sniff window
            self._open()
            assert self.writer is not None
            await self.writer.write(bytes(self.head))
        return self.writer

    async def abort(self) -> None:
        if self.writer is not None:
            await self.writer.abort()


# --- streamed multipart upload ------------------------------------------------------


async def upload_stream(
    app_state: AppState,
    principal: Principal,
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    content_length: int | None,
) -> Outcome:
    limit = app_state.settings.storage.screenshot_max_bytes
    if content_length is not None and content_length > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(
            f"the upload ({content_length} bytes) is larger than SCREENSHOT_MAX_BYTES "
            f"({limit} bytes)"
        )
    storage = storage_of(app_state)
    shot_id, received = uuid.uuid4(), utcnow()
    sink = FileSink(
        storage,
        limit,
        lambda ct: object_key(principal.org_id, principal.user_id, shot_id, received, ct),
        # An organization that blurs every screenshot never gets one inline.
        keep=app_state.settings.storage.inline_thumbnails
        and principal.organization.blur_level == 0,
    )
    fields: dict[str, str] = {}
    existing: Screenshot | None = None
    entry_id: uuid.UUID | None = None
    # A refusal found mid-body is raised after the body is drained, so that a
    # client still sending gets the answer instead of a reset connection.
    error: DomainError | None = None
    commit_started = committed = False
    thumb: inline.Thumbnail | None = None
    try:
        async for event in parse_form(chunks, content_type):
            if error is not None or existing is not None:
                continue
            try:
                if isinstance(event, Field):
                    fields[event.name] = event.value
                elif isinstance(event, FileStart):
                    if sink.started:
                        raise BadRequest("send exactly one file part")
                    sink.started = True
                    validate_present(fields)  # fail before a byte is stored
                    ref = entry_ref(fields)
                    if fields.get("idempotencyKey") and ref is not None:
                        key = parse_uuid(fields["idempotencyKey"], "idempotencyKey")
                        existing, entry_id = await precheck(app_state, principal, key, ref)
                elif isinstance(event, FileChunk):
                    await sink.feed(event.data)
                elif isinstance(event, FileEnd):
                    sink.ended = True
            except DomainError as exc:
                error = exc
                await sink.abort()
        if error is not None:
            raise error
        if existing is not None:
            return Outcome(existing, False)
        if not sink.started:
            raise BadRequest("the form has no file part")
        key = parse_uuid(fields.get("idempotencyKey"), "idempotencyKey")
        ref = entry_ref(fields)
        if ref is None:
            raise BadRequest("timeEntryKey (or timeEntryId) is required")
        captured_at = require_instant(fields.get("capturedAt"), "capturedAt")
        blur = blur_level(fields.get("blurLevel") or 0)
        metadata = metadata_of(fields.get("metadata"))
        writer = await sink.finish()
        if entry_id is None:
            existing, entry_id = await precheck(app_state, principal, key, ref)
            if existing is not None:
                return Outcome(existing, False)
        commit_started = True
        await writer.commit()
        committed = True
        assert sink.content_type is not None and entry_id is not None
        blur = max(blur, principal.organization.blur_level)
        if blur == 0 and sink.kept is not None:
            thumb = await inline.make_thumbnail(
                storage, writer.key, bytes(sink.kept), sink.content_type
            )
        sink.kept = None
        shot = Screenshot(
            id=shot_id,
            organization_id=principal.org_id,
            user_id=principal.user_id,
            time_entry_id=entry_id,
            idempotency_key=key,
            storage_key=writer.key,
            blur_level=blur,
            captured_at=captured_at,
            sha256=sink.sha.hexdigest(),
            size_bytes=sink.size,
            content_type=sink.content_type,
            meta=metadata,
            status=ScreenshotStatus.PENDING.value,
            next_attempt_at=first_attempt_at(),
            created_at=received,
        )
        if thumb is not None:
            shot.status, shot.next_attempt_at = ScreenshotStatus.READY.value, None
            shot.width, shot.height, shot.thumbnail_key = thumb.width, thumb.height, thumb.key
        return await _insert(app_state, principal, shot, storage)
    except BaseException:
        if commit_started:
            await asyncio.shield(forget(storage, sink.writer.key if sink.writer else None))
            await asyncio.shield(forget(storage, thumb.key if thumb else None))
        raise
    finally:
        if not committed:
            await sink.abort()


async def forget(storage: Storage, key: str | None) -> None:
    if key is None:
        return
    try:
        await storage.delete(key)
    except Exception as exc:  # logged: an orphan here is visible in the log
        log.error("could not delete an uncommitted screenshot object", key=key, error=str(exc))


async def _forget_objects(storage: Storage, shot: Screenshot) -> None:
    await forget(storage, shot.storage_key)
    await forget(storage, shot.thumbnail_key)


async def _insert(
    app_state: AppState, principal: Principal, shot: Screenshot, storage: Storage
) -> Outcome:
    """Commits the row; on a lost idempotency race removes our object, answers the winner."""
    try:
        async with app_state.sessions() as session:
            session.add(shot)
            await session.commit()
    except IntegrityError:
        await asyncio.shield(_forget_objects(storage, shot))
        winner = await by_idempotency_key(app_state, principal, shot.idempotency_key)
        if winner is None:  # not a key race: another constraint failed
            raise
        return Outcome(winner, False)
    except BaseException:
        await asyncio.shield(_forget_objects(storage, shot))
        raise
    if shot.status == ScreenshotStatus.PENDING.value:
        await enqueue_processing(app_state, shot.id)
    UPLOADS.labels("multipart", "created").inc()
    UPLOAD_BYTES.inc(shot.size_bytes)
    return Outcome(shot, True)
